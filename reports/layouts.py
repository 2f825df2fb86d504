"""How an appendix prints: a layout is an ordered list of columns, each a field with its
heading, and a header block chosen from fields. The four presets (Standard and the three
seeds' papers) are layouts like any other; officers start from one and choose, order, hide
and rename columns (``reports.models.AppendixSettings``). A preset also says how a
recommendation's label is written in its cell ("Recommendation 1", "R1", "1:")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    key: str
    description: str  # what the settings page calls it
    heading: str  # its heading when a layout does not rename it
    width: int  # relative width in print, beside the others (the presets' add up to 100)


# Every field a column can show, in the order the settings page offers them.
FIELDS: dict[str, Field] = {
    field.key: field
    for field in [
        Field("recommendation", "Recommendation: label and text in one cell", "Recommendation", 20),
        Field("label", "Label only (as the layout writes it)", "Ref", 6),
        Field("text", "Recommendation text only", "Recommendation", 20),
        Field("decision", "Decision: the paper's own wording when recorded, else ours (Agreed, Partly agreed, Not agreed)", "Decision", 7),  # noqa: E501
        Field("decision_yes_no", "Decision as Yes, No, Partly (or the paper's own wording when recorded)", "Agreed Yes/No", 6),  # noqa: E501
        Field("response", "Response", "Response", 20),
        Field("response_date", "Response date (when it was agreed)", "Response agreed", 8),
        Field("response_timetable", "The response's timetable (a deadline or a status, and its date)", "Timetable", 9),  # noqa: E501
        Field("leads", "All leads together (name and job title)", "Leads", 11),
        Field("lead_officer", "Lead officers", "Lead officer", 10),
        Field("cabinet_member", "Responsible Cabinet members", "Responsible Cabinet member", 10),
        Field("senior_officer", "Senior responsible officers", "Senior responsible officer", 10),
        Field("update", "Latest progress update", "Latest update", 22),
        Field("status", "Status of the update: the paper's own wording when recorded, else ours", "Status", 7),  # noqa: E501
        Field("rag", "RAG rating of the update", "RAG", 5),
        Field("as_at", "The update's “as at” date", "As at", 7),
        Field("timescale", "Timescale (as the update words it)", "Timescale", 7),
        Field("target_date", "Target date", "Target date", 7),
        Field("verdict", "The committee's view of the update", "Committee's view", 12),
        Field("notes", "Notes: closed, reopened, overdue set by an officer, with the reasons", "Notes", 10),  # noqa: E501
        Field("priority", "Priority: marked by an officer, with the reason", "Priority", 10),
    ]
}  # fmt: skip
COLUMN_KEYS = list(FIELDS)
COLUMN_DESCRIPTIONS = {key: field.description for key, field in FIELDS.items()}
HEADING_MAX = 120


@dataclass(frozen=True)
class HeaderField:
    key: str
    description: str
    label: str  # printed before its value


# What the header block above the table can show, in the order it prints them.
HEADER_FIELDS: dict[str, HeaderField] = {
    field.key: field
    for field in [
        HeaderField("review_title", "The review's title", "Review"),
        HeaderField("review_summary", "The review's summary", "Summary"),
        HeaderField("committee", "The committee (and who owns the review for it)", "Committee"),
        HeaderField("owner", "Who owns the review for the committee (e.g. its chairman)", "Owner"),  # noqa: E501
        HeaderField("meeting", "Meeting date and agenda item (the report's meeting, or the review's latest)", "Meeting"),  # noqa: E501
        HeaderField("response_agreed", "When the response was agreed", "Response agreed"),
        HeaderField("lead_member", "Lead Cabinet member", "Lead Cabinet member"),
        HeaderField("lead_officer", "Lead officer (director)", "Lead officer"),
        HeaderField("versions", "The version table", "Version control"),
        HeaderField("note", "A note (written below)", "Note"),
    ]
}  # fmt: skip
HEADER_KEYS = list(HEADER_FIELDS)
# The version table's columns, each renamable as a header field is ("Version No.", "Name of
# response author").
VERSION_HEADINGS = ("Version", "Changes", "Author", "Date")
NOTE_MAX = 2000
TITLE_MAX = 200


@dataclass(frozen=True)
class Layout:
    """A preset: its columns, and how it writes a recommendation's label."""

    key: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (field key, heading)
    label_format: str  # for top-level recommendations; "{label}" is replaced
    part_label_format: str  # for lettered parts whose text does not already carry a marker
    label_inline: bool = False  # "3: It is recommended that:" rather than a line of its own
    # Relative column widths for print (table-layout: fixed), same order as columns.
    widths: tuple[int, ...] = ()

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.columns]

    def width_of(self, key: str) -> int:
        """The preset's own width for a column it has, else the field's."""
        for (column, _), width in zip(self.columns, self.widths, strict=False):
            if column == key:
                return width
        return FIELDS[key].width


LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in [
        Layout(
            key="generic",
            name="Standard",
            columns=(
                ("recommendation", "Recommendation"),
                ("decision", "Decision"),
                ("response", "Response"),
                ("response_timetable", "Timetable"),
                ("leads", "Leads"),
                ("update", "Latest update"),
                ("status", "Status"),
                ("timescale", "Timescale"),
            ),
            label_format="Recommendation {label}",
            part_label_format="Recommendation {label}",
            widths=(17, 7, 17, 9, 10, 22, 9, 9),
        ),
        # Seed 000, Appendix A.
        Layout(
            key="hackney",
            name="Hackney (Appendix A)",
            columns=(
                ("recommendation", "Recommendation"),
                ("response", "Response"),
                ("leads", "Hackney Education lead"),
                ("update", "Progress update"),
            ),
            label_format="Recommendation {label}",
            part_label_format="Recommendation {label}",
            widths=(27, 27, 13, 33),
        ),
        # Seed 002, the 12 month update.
        Layout(
            key="east_sussex",
            name="East Sussex (12 month update)",
            columns=(
                ("recommendation", "Scrutiny Recommendation"),
                ("response", "Director's response and action plan"),
                ("update", "Update notes"),
                ("timescale", "Timescale"),
            ),
            label_format="{label}",
            part_label_format="{label}",
            widths=(22, 30, 38, 10),
        ),
        # Seed 004, the response to the Select Committee inquiry.
        Layout(
            key="buckinghamshire",
            name="Buckinghamshire (Cabinet response)",
            columns=(
                ("recommendation", "Recommendation"),
                ("decision_yes_no", "Agreed Yes/No"),
                ("response", "Cabinet / partner agency response including proposed action"),
                ("cabinet_member", "Responsible Cabinet Member"),
                ("senior_officer", "Senior Responsible Officer"),
                ("update", "Six month progress update"),
            ),
            label_format="{label}:",
            part_label_format="{label}.",
            label_inline=True,
            widths=(22, 7, 24, 10, 11, 26),
        ),
    ]
}

DEFAULT_LAYOUT = "generic"
LAYOUT_CHOICES = [(layout.key, layout.name) for layout in LAYOUTS.values()]


def preset_columns(key: str) -> list[dict[str, str]]:
    """A preset's columns as a layout stores them."""
    return [{"field": field, "heading": heading} for field, heading in LAYOUTS[key].columns]


def column_widths(layout: Layout, keys: list[str]) -> tuple[int | float, ...]:
    """Percentages for these columns: the preset's own where it has them (a preset printed
    as it is keeps its widths exactly), the fields' otherwise, scaled to add up to 100."""
    raw = [layout.width_of(key) for key in keys]
    total = sum(raw)
    if total == 100 or not total:
        return tuple(raw)
    return tuple(round(width * 100 / total, 1) for width in raw)
