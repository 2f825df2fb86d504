"""The appendix and the committee pack as rows of cells: one place that turns what the
selectors fetched into the rows every format prints (HTML table, CSV, XLSX, PDF), so they
cannot drift apart. Each cell carries its HTML (sanitised Markdown or escaped text) and its
plain text. No queries of its own: ``reports.selectors`` fetches."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import nh3
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from recommendations.markdown import render_markdown
from recommendations.models import (
    GlossaryTerm,
    Lead,
    Meeting,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)
from recommendations.monitoring import (
    DECISION_LABELS,
    DECISION_ORDER,
    NO_UPDATE,
    STATUS_LABELS,
    STATUS_ORDER,
)
from reports import selectors
from reports.charts import Segment, StatusAndDecisionCharts, stacked_bar
from reports.layouts import Layout


@dataclass(frozen=True)
class Cell:
    html: SafeString
    text: str


@dataclass
class AppendixRow:
    recommendation: Recommendation
    update: ProgressUpdate | None
    is_part: bool
    cells: dict[str, Cell] = field(default_factory=dict)
    # In one report's appendix: no update in that report, so ``update`` is the latest
    # earlier one (or None), and the cell says so.
    no_new_update: bool = False


@dataclass
class Appendix:
    review: Review
    layout: Layout
    columns: list[tuple[str, str]]  # (key, heading)
    report: UpdateReport | None
    rows: list[AppendixRow]

    @property
    def headings(self) -> list[str]:
        return [heading for _, heading in self.columns]

    @property
    def title(self) -> str:
        if self.report is None:
            return self.review.title
        if self.report.title.startswith(self.review.title):
            return self.report.title
        return f"{self.review.title}: {self.report.title}"

    @property
    def counted_rows(self) -> list[AppendixRow]:
        """The rows that carry their own decision (a parent with parts does not)."""
        return [row for row in self.rows if not getattr(row.recommendation, "has_parts", False)]

    @property
    def without_new_update(self) -> list[AppendixRow]:
        """In one report's appendix, the counted rows with no update in that report."""
        if self.report is None:
            return []
        return [row for row in self.counted_rows if row.no_new_update]

    @property
    def updated_in_round(self) -> int:
        return len(self.counted_rows) - len(self.without_new_update)

    def iter_html(self) -> Iterator[list[Cell]]:
        for row in self.rows:
            yield [row.cells[key] for key, _ in self.columns]

    def iter_text(self) -> Iterator[list[str]]:
        """pretix style: the header, then one list of plain-text cells per row."""
        yield self.headings
        for row in self.rows:
            yield [row.cells[key].text for key, _ in self.columns]


_BLOCK_END = re.compile(r"</(p|li|h[3-6]|blockquote|pre|tr)>|<br\s*/?>|<hr\s*/?>", re.I)


def markdown_to_text(markdown_text: str) -> str:
    """The words of a Markdown cell without any markup: paragraphs on their own lines,
    list items as "- " lines. The HTML is sanitised first, so no raw HTML survives."""
    rendered = str(render_markdown(markdown_text))
    rendered = re.sub(r"<li>", "- ", rendered)
    rendered = _BLOCK_END.sub("\n", rendered)
    stripped = html.unescape(nh3.clean(rendered, tags=set()))
    lines = [line.strip() for line in stripped.splitlines()]
    return "\n".join(line for line in lines if line)


def markdown_cell(markdown_text: str) -> Cell:
    return Cell(render_markdown(markdown_text), markdown_to_text(markdown_text))


def plain_cell(text: str) -> Cell:
    return Cell(format_html("{}", text), text)


def _first_marker(text: str) -> str:
    match = re.match(r"\s*(\d*[a-z])[.)]\s", text)
    return match[1] if match else ""


def _label(rec: Recommendation, layout: Layout, is_part: bool) -> str:
    if is_part:
        # Parts whose text already starts "b." or "3a." (as the document prints it) keep that.
        marker = _first_marker(rec.text)
        if marker and rec.label.endswith(marker):
            return ""
        return layout.part_label_format.format(label=rec.label)
    return layout.label_format.format(label=rec.label)


def _recommendation_cell(rec: Recommendation, layout: Layout, is_part: bool) -> Cell:
    label = _label(rec, layout, is_part)
    body = markdown_cell(rec.text)
    if not label:
        return body
    if layout.label_inline and body.html.startswith("<p>"):
        rest = mark_safe(body.html.removeprefix("<p>"))  # noqa: S308 -- sanitised Markdown
        markup = format_html("<p><strong>{}</strong> {}", label, rest)
    else:
        markup = format_html(
            '<p class="appendix-label"><strong>{}</strong></p>{}', label, body.html
        )
    return Cell(
        markup,
        f"{label} {body.text}" if body.text else label,
    )


def decision_text(response: Response | None, layout: Layout) -> str:
    if response is None:
        return ""
    if not layout.yes_no_decisions:
        return response.get_decision_display()
    return {
        Response.Decision.AGREED: "Yes",
        Response.Decision.NOT_AGREED: "No",
        Response.Decision.PARTLY_AGREED: "Partly",
    }.get(response.decision, "")


def _people_cell(leads: list[Lead]) -> Cell:
    if not leads:
        return plain_cell("")
    markup = format_html_join(
        "",
        "<p>{}{}</p>",
        (
            (
                lead.person.name,
                format_html("<br>{}", lead.person.job_title) if lead.person.job_title else "",
            )
            for lead in leads
        ),
    )
    return Cell(markup, "\n".join(str(lead.person) for lead in leads))


NO_NEW_UPDATE = "No new update this round."
NO_UPDATE_YET = "No update yet."


def _update_cell(update: ProgressUpdate | None, no_new_update: bool) -> Cell:
    """The update's text; in a round without a new one, the latest earlier update, marked
    with its date so no one reads it as this round's."""
    if not no_new_update:
        return markdown_cell(update.text) if update else plain_cell("")
    if update is None:
        return Cell(format_html('<p class="no-new-update">{}</p>', NO_UPDATE_YET), NO_UPDATE_YET)
    body = markdown_cell(update.text)
    lead = f"Latest update, as at {update.as_at_display}:"
    markup = format_html(
        '<p class="no-new-update"><strong>{}</strong> {}</p>{}', NO_NEW_UPDATE, lead, body.html
    )
    return Cell(markup, f"{NO_NEW_UPDATE} {lead}\n{body.text}")


def _build_cells(
    rec: Recommendation,
    update: ProgressUpdate | None,
    layout: Layout,
    is_part: bool,
    no_new_update: bool = False,
):
    response = getattr(rec, "response", None)
    leads = list(rec.leads.all())
    by_role = {role: [lead for lead in leads if lead.role == role] for role in Lead.Role.values}
    status = update.get_status_display() if update else ""
    return {
        "recommendation": _recommendation_cell(rec, layout, is_part),
        "decision": plain_cell(decision_text(response, layout)),
        "response": markdown_cell(response.text) if response else plain_cell(""),
        "leads": _people_cell(leads),
        "cabinet_member": _people_cell(by_role[Lead.Role.CABINET_MEMBER]),
        "senior_officer": _people_cell(by_role[Lead.Role.SENIOR_RESPONSIBLE_OFFICER]),
        "update": _update_cell(update, no_new_update),
        "status": plain_cell(status),
        "timescale": plain_cell(update.timescale if update else ""),
    }


def build_appendix(data: selectors.AppendixData) -> Appendix:
    layout = data.settings.get_layout()
    rows = []
    for rec, update, is_part in data.entries:
        carried = rec.pk in data.no_new_update
        cells = _build_cells(rec, update, layout, is_part, carried)
        rows.append(AppendixRow(rec, update, is_part, cells, no_new_update=carried))
    return Appendix(data.review, layout, data.settings.columns(), data.report, rows)


def appendix_for_review(review: Review, report_id: int | None = None) -> Appendix:
    """The queries are ``selectors.appendix_data``'s."""
    return build_appendix(selectors.appendix_data(review, report_id))


def appendix(slug: str, report_id: int | None = None) -> Appendix:
    return appendix_for_review(selectors.review_for_appendix(slug), report_id)


@dataclass
class MeetingPack(StatusAndDecisionCharts):
    meeting: Meeting
    cover: UpdateReport | None
    appendices: list[Appendix]
    decision_counts: list[tuple[str, int]]
    status_counts: list[tuple[str, int]]
    glossary: list[GlossaryTerm]
    status_segments: list[Segment] = field(default_factory=list)
    decision_segments: list[Segment] = field(default_factory=list)

    def _chart(self, kind: str, segments: list[Segment]) -> SafeString:
        total = sum(segment.count for segment in segments)
        described = ", ".join(f"{s.count} {s.label.lower()}" for s in segments) or "none"
        return stacked_bar(
            chart_id=f"pack-{kind}",
            title=f"Recommendations by {kind}",
            description=f"{total} recommendations: {described}",
            segments=segments,
        )

    @property
    def title(self) -> str:
        return self.cover.title if self.cover else self.meeting.agenda_item


def meeting_pack(meeting_id: int) -> MeetingPack:
    """The queries are ``selectors.meeting_pack_data``'s."""
    data = selectors.meeting_pack_data(meeting_id)
    appendices = [build_appendix(item) for item in data.appendices]

    # Counted as the dashboard counts (recommendations that carry a decision), with the
    # status each had in the report the pack carries.
    decisions: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    words: set[str] = set()
    for item in appendices:
        for row in item.rows:
            if not row.recommendation.has_parts:
                decisions[row.recommendation.decision_key] += 1
                statuses[row.update.status if row.update else NO_UPDATE] += 1
            for cell in row.cells.values():
                words.update(re.findall(r"[\w&'’-]+", cell.text))
    status_segments = [
        Segment(key, STATUS_LABELS[key], statuses[key]) for key in STATUS_ORDER if statuses[key]
    ]
    decision_segments = [
        Segment(key, DECISION_LABELS[key], decisions[key])
        for key in DECISION_ORDER
        if decisions[key]
    ]
    glossary = [
        term
        for term in data.glossary
        if term.term in words or (" " in term.term and _mentions(appendices, term.term))
    ]
    return MeetingPack(
        meeting=data.meeting,
        cover=data.cover,
        appendices=appendices,
        decision_counts=[(segment.label, segment.count) for segment in decision_segments],
        status_counts=[(segment.label, segment.count) for segment in status_segments],
        glossary=glossary,
        status_segments=status_segments,
        decision_segments=decision_segments,
    )


def _mentions(appendices: list[Appendix], phrase: str) -> bool:
    return any(
        phrase in cell.text
        for item in appendices
        for row in item.rows
        for cell in row.cells.values()
    )
