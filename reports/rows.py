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
    DECISION_YES_NO,
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
from reports.layouts import HEADER_FIELDS, VERSION_HEADINGS, Layout, column_widths
from reports.models import AppendixLayoutFields

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

    def html_cell(self, key: str, verdict_beneath_update: bool = True) -> Cell:
        """The cell as the page and the PDF show it: the progress update with the committee's
        view of it beneath, unless the layout gives the view a column of its own (the CSV's
        own column holds the view as text)."""
        cell = self.cells[key]
        verdict_cell = self.cells.get("verdict")
        if (
            key != "update"
            or not verdict_beneath_update
            or self.verdict is None
            or verdict_cell is None
        ):
            return cell
        return Cell(format_html("{}{}", cell.html, verdict_cell.html), cell.text)


VERDICT_COLUMN = ("verdict", "Committee's view")


@dataclass(frozen=True)
class HeaderItem:
    key: str
    label: str
    cell: Cell


@dataclass(frozen=True)
class VersionRow:
    version: str
    changes: str
    author: str
    date: str


@dataclass
class HeaderBlock:
    """What the layout prints above the table, in order: label and value pairs (``items``,
    each under the layout's label for it: "Inquiry Title"), and the version table when the
    layout shows it (``versions``, captioned ``versions_label`` under ``version_headings``,
    ``VERSION_HEADINGS`` unless the layout renamed them). Empty values are left out. Every
    format prints it from here (``Appendix.header``)."""

    items: list[HeaderItem] = field(default_factory=list)
    show_versions: bool = False
    versions: list[VersionRow] = field(default_factory=list)
    versions_label: str = HEADER_FIELDS["versions"].label
    version_headings: tuple[str, ...] = VERSION_HEADINGS

    def __bool__(self) -> bool:
        return bool(self.items) or (self.show_versions and bool(self.versions))

    def shows(self, key: str) -> bool:
        return any(item.key == key for item in self.items)

    def text_rows(self) -> list[list[str]]:
        """The block as spreadsheet rows: a label and its value, then the version table
        (its headings, then a row per version)."""
        rows = [[item.label, item.cell.text] for item in self.items]
        if self.show_versions and self.versions:
            rows.append([self.versions_label])
            rows.append(list(self.version_headings))
            rows += [[v.version, v.changes, v.author, v.date] for v in self.versions]
        return rows


@dataclass
class Appendix:
    review: Review
    layout: Layout  # the preset the columns started from: it writes the labels
    columns: list[tuple[str, str]]  # (key, heading)
    report: UpdateReport | None
    rows: list[AppendixRow]
    header: HeaderBlock = field(default_factory=HeaderBlock)
    name: str = ""  # the paper's own title for it, "Appendix A"; "Appendix" when not given

    @property
    def heading(self) -> str:
        """ "Appendix A: Reducing school exclusions", as the page, the PDF and the exports
        title it. When the header block prints the review's title under a label of its own
        ("Inquiry Title"), the heading is the paper's title alone, as Buckinghamshire's
        "Response to Select Committee Scrutiny Inquiry" is (with one report's title after
        it, when it prints one report)."""
        name = self.name or "Appendix"
        if not self.header.shows("review_title"):
            return f"{name}: {self.title}"
        return f"{name}: {self.report.title}" if self.report is not None else name

    @property
    def widths(self) -> tuple[int | float, ...]:
        """Each column's share of the printed width, in per cent."""
        return column_widths(self.layout, [key for key, _ in self.columns])

    @property
    def verdict_beneath_update(self) -> bool:
        """Without a column of its own, the committee's view prints beneath the update (page
        and PDF) and gets a column of its own in CSV and XLSX when any row has one."""
        return "verdict" not in dict(self.columns)

    @property
    def has_verdicts(self) -> bool:
        return any(row.verdict is not None for row in self.rows)

    @property
    def text_columns(self) -> list[tuple[str, str]]:
        """CSV and XLSX: the layout's columns, and the committee's view in a column of its own
        when any row shows one (without one, the export is as the layout prints it)."""
        if self.has_verdicts and self.verdict_beneath_update:
            return [*self.columns, VERDICT_COLUMN]
        return self.columns

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
        """The page and the PDF show the committee's view in the progress update's cell,
        unless the layout gives it a column of its own."""
        beneath = self.verdict_beneath_update
        for row in self.rows:
            yield [row.html_cell(key, beneath) for key, _ in self.columns]

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
    def text_widths(self) -> tuple[int | float, ...]:
        """The layout's relative widths for ``iter_text``'s columns (the label's is narrow)."""
        return tuple(
            width
            for (key, _), layout_width in zip(self.columns, self.widths, strict=True)
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


def decision_text(response: Response | None, yes_no: bool = False) -> str:
    """The decision as its paper words it ("Accepted", "Agreed in principle") when recorded;
    else ours ("Agreed"), or the papers' usual ("Yes", "No", "Partly"; nothing for the rest)."""
    if response is None:
        return ""
    if response.decision_wording:
        return response.decision_wording
    if not yes_no:
        return response.get_decision_display()
    return DECISION_YES_NO.get(response.decision, "")


def status_text(update: ProgressUpdate | None) -> str:
    """The status as its paper words it ("Completed", "Amber") when recorded, else ours; a
    status the paper does not state prints as nothing, as the paper has it."""
    if update is None:
        return ""
    if update.status_wording:
        return update.status_wording
    return "" if update.status == ProgressUpdate.Status.NOT_STATED else update.get_status_display()


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


def _notes_cell(rec: Recommendation, *, public: bool = False) -> Cell:
    """What an officer or the committee recorded about where the recommendation stands:
    closed or reopened at a meeting, and an overdue label set by hand, each with its reason.
    On the public pages, the committee's decisions only: an overdue label an officer set is
    their working judgement on data that includes drafts."""
    lines = []
    if rec.closed_at_meeting_id:
        lines.append(
            f"Closed at the meeting of {_long_date(rec.closed_at_meeting.date)}: "
            f"{markdown_to_text(rec.closed_reason)}".rstrip(": ")
        )
    elif rec.reopened_at_meeting_id:
        lines.append(
            f"Reopened at the meeting of {_long_date(rec.reopened_at_meeting.date)}: "
            f"{markdown_to_text(rec.reopened_reason)}".rstrip(": ")
        )
    if rec.overdue_override and not public:
        label = "Overdue" if rec.overdue_override == "overdue" else "Not overdue"
        lines.append(
            f"{label} (set by an officer: {markdown_to_text(rec.overdue_override_reason)})"
        )
    return lines_cell("\n".join(lines))


PRIORITY = "Priority"


def priority_cell(rec: Recommendation) -> Cell:
    """The Priority badge (a word, not a colour) and why, for a priority; else nothing."""
    if not rec.is_priority:
        return plain_cell("")
    reason = markdown_cell(rec.priority_reason)
    markup = format_html(
        '<p><strong class="tag tag--priority">{}</strong></p>{}', PRIORITY, reason.html
    )
    return Cell(markup, f"{PRIORITY}: {reason.text}" if reason.text else PRIORITY)


def _build_cells(
    rec: Recommendation,
    update: ProgressUpdate | None,
    layout: Layout,
    is_part: bool,
    no_new_update: bool = False,
    *,
    public: bool = False,
):
    """Every field's cell: the layout prints some; the pack's glossary reads them all."""
    response = getattr(rec, "response", None)
    leads = list(rec.leads.all())
    by_role = {role: [lead for lead in leads if lead.role == role] for role in Lead.Role.values}
    builders = {
        "recommendation": lambda: _recommendation_cell(rec, layout, is_part),
        "label": lambda: plain_cell(_label_and_text(rec, layout, is_part)[0]),
        "text": lambda: markdown_cell(rec.text),
        "decision": lambda: plain_cell(decision_text(response)),
        "decision_yes_no": lambda: plain_cell(decision_text(response, yes_no=True)),
        "response": lambda: markdown_cell(response.text) if response else plain_cell(""),
        "response_date": lambda: plain_cell(response.agreed_display if response else ""),
        "response_timetable": lambda: lines_cell(response.timetable_display if response else ""),
        "leads": lambda: _people_cell(leads),
        "lead_officer": lambda: _people_cell(by_role[Lead.Role.LEAD_OFFICER]),
        "cabinet_member": lambda: _people_cell(by_role[Lead.Role.CABINET_MEMBER]),
        "senior_officer": lambda: _people_cell(by_role[Lead.Role.SENIOR_RESPONSIBLE_OFFICER]),
        "update": lambda: _update_cell(update, no_new_update),
        "status": lambda: plain_cell(status_text(update)),
        "rag": lambda: plain_cell(update.get_rag_display() if update else ""),
        "as_at": lambda: plain_cell(update.as_at_display if update else ""),
        "timescale": lambda: lines_cell(update.timescale if update else ""),
        "target_date": lambda: plain_cell(
            _long_date(update.target_date) if update and update.target_date else ""
        ),
        "verdict": lambda: verdict_cell(getattr(update, "verdict", None) if update else None),
        "notes": lambda: _notes_cell(rec, public=public),
        # An officer's flag, like the notes: not on the public pages (publication).
        "priority": lambda: plain_cell("") if public else priority_cell(rec),
    }
    return {key: build() for key, build in builders.items()}


def _header_block(data: selectors.AppendixData) -> HeaderBlock:
    review, labels = data.review, data.settings.get_header_labels()
    keys = list(labels)
    values: dict[str, Cell] = {}
    if "review_title" in keys:
        values["review_title"] = plain_cell(review.title)
    if "review_summary" in keys and review.summary.strip():
        values["review_summary"] = markdown_cell(review.summary)
    if "committee" in keys:
        committee = f"{review.committee.name}, {review.committee.authority.name}"
        owned = review.owner and "owner" not in keys  # else the owner has a line of its own
        values["committee"] = plain_cell(
            f"{committee} (owner: {review.owner})" if owned else committee
        )
    if "owner" in keys and review.owner.strip():
        values["owner"] = plain_cell(review.owner)
    if "meeting" in keys and data.meeting is not None:
        meeting = data.meeting
        values["meeting"] = plain_cell(f"{_long_date(meeting.date)}: {meeting.agenda_item}")
    if "response_agreed" in keys and review.response_agreed_on:
        values["response_agreed"] = plain_cell(review.response_agreed_display)
    if "lead_member" in keys and review.lead_cabinet_member_id:
        values["lead_member"] = plain_cell(str(review.lead_cabinet_member))
    if "lead_officer" in keys and review.lead_director_id:
        values["lead_officer"] = plain_cell(str(review.lead_director))
    if "note" in keys and data.settings.note.strip():
        values["note"] = lines_cell(data.settings.note)
    return HeaderBlock(
        items=[HeaderItem(key, labels[key], values[key]) for key in keys if key in values],
        show_versions="versions" in keys,
        versions_label=labels.get("versions", HEADER_FIELDS["versions"].label),
        version_headings=data.settings.get_version_headings(),
        versions=[
            VersionRow(
                version.version,
                version.changes,
                version.author,
                _long_date(version.date) if version.date else "",
            )
            for version in data.versions
        ],
    )


def build_appendix(data: selectors.AppendixData, *, public: bool = False) -> Appendix:
    """``public``: for the public pages (no overdue labels set by officers)."""
    layout = data.settings.get_layout()
    columns = data.settings.get_columns()
    rows = []
    for rec, update, is_part in data.entries:
        carried = rec.pk in data.no_new_update
        cells = _build_cells(rec, update, layout, is_part, carried, public=public)
        rows.append(AppendixRow(rec, update, is_part, cells, no_new_update=carried))
    return Appendix(
        data.review,
        layout,
        columns,
        data.report,
        rows,
        header=_header_block(data),
        name=data.settings.title,
    )


def appendix_for_review(
    review: Review, report_id: int | None = None, layout: AppendixLayoutFields | None = None
) -> Appendix:
    """The queries are ``selectors.appendix_data``'s. ``layout``: print in this one (the
    settings page's preview of what is not saved yet) instead of the stored one."""
    return build_appendix(selectors.appendix_data(review, report_id, layout))


PREVIEW_ROWS = 3


def appendix_preview(
    review: Review, report_id: int | None, layout: AppendixLayoutFields
) -> Appendix:
    """The first rows of the appendix in ``layout``, for the settings page."""
    preview = appendix_for_review(review, report_id, layout)
    preview.rows = preview.rows[:PREVIEW_ROWS]
    return preview


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
