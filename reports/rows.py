"""The appendix and the committee pack as rows of cells: one place that turns what the
selectors fetched into the rows every format prints (HTML table, CSV, XLSX, PDF), so they
cannot drift apart. Each cell carries its HTML (sanitised Markdown or escaped text) and its
plain text. No queries of its own: ``reports.selectors`` fetches."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from recommendations.markdown import markdown_to_text, render_markdown
from recommendations.models import (
    CommitteeVerdict,
    GlossaryTerm,
    Lead,
    Meeting,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    SupportingDocument,
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

# The exports' column for a recommendation's label, beside its text.
LABEL_HEADING = "Ref"
LABEL_WIDTH = 7  # in the layouts' relative widths (which add up to 100)


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

    @property
    def verdict(self) -> CommitteeVerdict | None:
        """The committee's view of the update this row shows, if it recorded one."""
        return getattr(self.update, "verdict", None) if self.update else None

    def html_cell(self, key: str) -> Cell:
        """The cell as the page and the PDF show it: the progress update with the committee's
        view of it beneath (the CSV's own column holds the view as text)."""
        cell = self.cells[key]
        verdict_cell = self.cells.get("verdict")
        if key != "update" or self.verdict is None or verdict_cell is None:
            return cell
        return Cell(format_html("{}{}", cell.html, verdict_cell.html), cell.text)


VERDICT_COLUMN = ("verdict", "Committee's view")


@dataclass
class Appendix:
    review: Review
    layout: Layout
    columns: list[tuple[str, str]]  # (key, heading)
    report: UpdateReport | None
    rows: list[AppendixRow]

    @property
    def has_verdicts(self) -> bool:
        return any(row.verdict is not None for row in self.rows)

    @property
    def text_columns(self) -> list[tuple[str, str]]:
        """CSV and XLSX: the layout's columns, and the committee's view in a column of its own
        when any row shows one (without one, the export is as the layout prints it)."""
        return [*self.columns, VERDICT_COLUMN] if self.has_verdicts else self.columns

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
        """The page and the PDF show the committee's view in the progress update's cell (every
        layout has that column)."""
        for row in self.rows:
            yield [row.html_cell(key) for key, _ in self.columns]

    def iter_text(self) -> Iterator[list[str]]:
        """pretix style: the header, then one list of plain-text cells per row. The label is
        a column of its own, as entered ("2b", "R3", or nothing), before the recommendation's
        text as typed."""
        columns = self.text_columns
        yield [
            name
            for key, heading in columns
            for name in ([LABEL_HEADING, heading] if key == "recommendation" else [heading])
        ]
        for row in self.rows:
            cells: list[str] = []
            for key, _ in columns:
                if key == "recommendation":
                    rec = row.recommendation
                    cells += [rec.label, markdown_to_text(rec.text)]
                else:
                    cells.append(row.cells[key].text)
            yield cells

    @property
    def text_widths(self) -> tuple[int, ...]:
        """The layout's relative widths for ``iter_text``'s columns (the label's is narrow)."""
        if len(self.layout.widths) != len(self.columns):
            return ()
        return tuple(
            width
            for (key, _), layout_width in zip(self.columns, self.layout.widths, strict=True)
            for width in (
                [LABEL_WIDTH, layout_width] if key == "recommendation" else [layout_width]
            )
        )


def markdown_cell(markdown_text: str) -> Cell:
    return Cell(render_markdown(markdown_text), markdown_to_text(markdown_text))


def plain_cell(text: str) -> Cell:
    return Cell(format_html("{}", text), text)


def lines_cell(text: str) -> Cell:
    """Plain text whose line breaks are kept: one timescale per line, as the paper has them."""
    return Cell(linebreaksbr(text, autoescape=True), text)


# A part's own marker typed at the start of its text: "b.", "3a.", "a)", "(b)".
_PART_MARKER = re.compile(r"\s*\(?([A-Za-z0-9]{1,20})[.):][ \t]+(?=\S)")


def format_label(label_format: str, label: str) -> str:
    """A layout's label format filled in with a label as entered: nothing for a blank label
    (no invented "Recommendation "), and one closing mark when the label carries its own
    ("a)" with "{label}:" is "a)", not "a):")."""
    if not label.strip():
        return ""
    return re.sub(r"([.):])[.):]$", r"\1", label_format.format(label=label))


def _label_and_text(rec: Recommendation, layout: Layout, is_part: bool) -> tuple[str, str]:
    """The label the layout prints and the text to print after it. A part whose text starts
    with its own marker ("b." for 2b, "3a." for 3a, as the document prints it) prints one
    marker, the layout's label: the typed one stands for it."""
    if not is_part:
        return format_label(layout.label_format, rec.label), rec.text
    label = format_label(layout.part_label_format, rec.label)
    match = _PART_MARKER.match(rec.text)
    if label and match and rec.label.endswith(match[1]):
        return label, rec.text[match.end() :]
    return label, rec.text


def _recommendation_cell(rec: Recommendation, layout: Layout, is_part: bool) -> Cell:
    label, text = _label_and_text(rec, layout, is_part)
    body = markdown_cell(text)
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


def _long_date(value) -> str:
    return f"{value.day} {value:%B %Y}"


def verdict_cell(verdict: CommitteeVerdict | None) -> Cell:
    """The committee's view of an update: the verdict and the meeting, what it asks for and
    its comment (Markdown, sanitised)."""
    if verdict is None:
        return plain_cell("")
    head = f"{verdict.get_verdict_display()} (meeting of {_long_date(verdict.meeting.date)})"
    parts = [
        format_html(
            '<p class="appendix-verdict__head"><strong>Committee\'s view: {}</strong></p>', head
        )
    ]
    lines = [head]
    if verdict.asks.strip():
        asks = markdown_cell(verdict.asks)
        parts.append(_labelled("Asks for:", asks.html))
        lines.append(f"Asks for: {asks.text}")
    if verdict.comment.strip():
        comment = markdown_cell(verdict.comment)
        parts.append(comment.html)
        lines.append(comment.text)
    markup = format_html(
        '<div class="appendix-verdict appendix-verdict--{}">{}</div>',
        verdict.verdict,
        mark_safe("".join(parts)),  # noqa: S308 -- each part escaped or sanitised above
    )
    return Cell(markup, "\n".join(lines))


def _labelled(label: str, body: SafeString) -> SafeString:
    if body.startswith("<p>"):
        rest = mark_safe(body.removeprefix("<p>"))  # noqa: S308 -- sanitised Markdown
        return format_html("<p><strong>{}</strong> {}", label, rest)
    return format_html("<p><strong>{}</strong></p>{}", label, body)


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
    # A status the paper does not state prints as nothing, as the paper has it.
    stated = update and update.status != ProgressUpdate.Status.NOT_STATED
    status = update.get_status_display() if stated else ""
    return {
        "recommendation": _recommendation_cell(rec, layout, is_part),
        "decision": plain_cell(decision_text(response, layout)),
        "response": markdown_cell(response.text) if response else plain_cell(""),
        "response_timetable": lines_cell(response.timetable_display if response else ""),
        "leads": _people_cell(leads),
        "cabinet_member": _people_cell(by_role[Lead.Role.CABINET_MEMBER]),
        "senior_officer": _people_cell(by_role[Lead.Role.SENIOR_RESPONSIBLE_OFFICER]),
        "update": _update_cell(update, no_new_update),
        "status": plain_cell(status),
        "timescale": lines_cell(update.timescale if update else ""),
        "verdict": verdict_cell(getattr(update, "verdict", None) if update else None),
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
class PackDocument:
    """A supporting document as the pack's contents name it: the paper itself is in the
    tracker, the pack says that it exists and what it belongs to."""

    title: str
    kind: str
    size: int
    attached_to: str


def _attached_to(document: SupportingDocument) -> str:
    if document.meeting_id:
        return "This meeting"
    if document.update_report_id:
        return f"Update report: {document.update_report.title}"
    update = document.progress_update
    return (
        f"{update.recommendation.review.title}, recommendation {update.recommendation.label}: "
        f"update as at {update.as_at_display}"
    )


@dataclass
class MeetingPack(StatusAndDecisionCharts):
    meeting: Meeting
    cover: UpdateReport | None
    appendices: list[Appendix]
    decision_counts: list[tuple[str, int]]
    status_counts: list[tuple[str, int]]
    glossary: list[GlossaryTerm]
    documents: list[PackDocument] = field(default_factory=list)
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
        documents=[
            PackDocument(document.title, document.kind, document.size, _attached_to(document))
            for document in data.documents
        ],
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


# -- Trackers across reviews ----------------------------------------------------------------

REFERENCE_HEADING = "Reference"
REFERENCE_WIDTH = 11
GROUPINGS = {"review": "Review", "committee": "Committee"}


@dataclass
class TrackerGroup:
    title: str
    rows: list[AppendixRow]


@dataclass
class Tracker:
    """Many reviews' recommendations in one table, in one layout, grouped by review or by
    committee, each row with its reference in its authority's pattern."""

    title: str
    layout: Layout
    group_by: str
    groups: list[TrackerGroup]
    references: dict[int, str]

    @property
    def columns(self) -> list[tuple[str, str]]:
        return list(self.layout.columns)

    @property
    def rows(self) -> list[AppendixRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def headings(self) -> list[str]:
        return [REFERENCE_HEADING, *(heading for _, heading in self.columns)]

    @property
    def widths(self) -> tuple[float, ...]:
        """The reference's width, then the layout's, narrowed to leave room for it."""
        if len(self.layout.widths) != len(self.columns):
            return ()
        scale = (100 - REFERENCE_WIDTH) / sum(self.layout.widths)
        return (REFERENCE_WIDTH, *(round(width * scale, 1) for width in self.layout.widths))

    def reference(self, row: AppendixRow) -> str:
        return self.references.get(row.recommendation.pk, "")

    def reference_cell(self, row: AppendixRow) -> Cell:
        """The reference; grouped by committee, the review's title beneath it."""
        reference = self.reference(row)
        if self.group_by != "committee":
            return Cell(format_html("<p><strong>{}</strong></p>", reference), reference)
        review = row.recommendation.review.title
        return Cell(
            format_html(
                '<p><strong>{}</strong></p><p class="tracker-review">{}</p>', reference, review
            ),
            f"{reference}\n{review}",
        )

    def iter_groups_html(self) -> Iterator[tuple[str, list[list[Cell]]]]:
        """Each group's title and its rows' cells, the reference first."""
        for group in self.groups:
            yield (
                group.title,
                [
                    [self.reference_cell(row), *(row.html_cell(key) for key, _ in self.columns)]
                    for row in group.rows
                ],
            )

    @property
    def has_verdicts(self) -> bool:
        return any(row.verdict is not None for row in self.rows)

    def iter_text(self) -> Iterator[list[str]]:
        """The header, then a row per recommendation: its reference, committee and review
        (so a spreadsheet can sort and filter them), then the layout's columns as the
        appendix exports them (the label in a column of its own)."""
        columns = [*self.columns, VERDICT_COLUMN] if self.has_verdicts else self.columns
        yield [
            REFERENCE_HEADING,
            "Committee",
            "Review",
            *(
                name
                for key, heading in columns
                for name in ([LABEL_HEADING, heading] if key == "recommendation" else [heading])
            ),
        ]
        for row in self.rows:
            rec = row.recommendation
            cells = [self.reference(row), rec.review.committee.name, rec.review.title]
            for key, _ in columns:
                if key == "recommendation":
                    cells += [rec.label, markdown_to_text(rec.text)]
                else:
                    cells.append(row.cells[key].text)
            yield cells

    @property
    def text_widths(self) -> tuple[int, ...]:
        if not self.widths:
            return ()
        layout_widths = [
            width
            for (key, _), layout_width in zip(self.columns, self.layout.widths, strict=True)
            for width in (
                [LABEL_WIDTH, layout_width] if key == "recommendation" else [layout_width]
            )
        ]
        return (REFERENCE_WIDTH, 12, 14, *layout_widths)


def build_tracker(
    data: selectors.TrackerData, *, title: str, layout: Layout, group_by: str
) -> Tracker:
    groups: list[TrackerGroup] = []
    last_key: tuple[str, int] | None = None
    for rec, update, is_part in data.entries:
        review = rec.review
        if group_by == "committee":
            key = ("committee", review.committee_id)
            heading = f"{review.committee.name}, {review.committee.authority.name}"
        else:
            key = ("review", review.pk)
            heading = f"{review.title} ({review.committee.name})"
        if key != last_key:
            groups.append(TrackerGroup(heading, []))
            last_key = key
        cells = _build_cells(rec, update, layout, is_part)
        groups[-1].rows.append(AppendixRow(rec, update, is_part, cells))
    return Tracker(title, layout, group_by, groups, data.references)
