"""How each authority prints its recommendations appendix: which columns, in which order,
under which headings, and how a recommendation's label is written in its first cell."""

from __future__ import annotations

from dataclasses import dataclass

# Every column an appendix can show, by key; a layout picks some of them, in order.
COLUMN_KEYS = [
    "recommendation", "decision", "response", "response_timetable", "leads", "cabinet_member",
    "senior_officer", "update", "status", "timescale",
]  # fmt: skip

COLUMN_DESCRIPTIONS = {
    "recommendation": "Recommendation (label and text)",
    "decision": "Decision (agreed or not)",
    "response": "Response",
    "response_timetable": "The response's timetable (a deadline or a status, and its date)",
    "leads": "Leads (every lead, name and job title)",
    "cabinet_member": "Responsible Cabinet member",
    "senior_officer": "Senior responsible officer",
    "update": "Progress update",
    "status": "Status of the update",
    "timescale": "Timescale",
}


@dataclass(frozen=True)
class Layout:
    key: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (column key, default heading)
    label_format: str  # for top-level recommendations; "{label}" is replaced
    part_label_format: str  # for lettered parts whose text does not already carry a marker
    yes_no_decisions: bool = False
    label_inline: bool = False  # "3: It is recommended that:" rather than a line of its own
    # Relative column widths for the PDF (table-layout: fixed), same order as columns.
    widths: tuple[int, ...] = ()

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.columns]


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
            widths=(17, 7, 18, 9, 11, 20, 9, 9),
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
                ("decision", "Agreed Yes/No"),
                ("response", "Cabinet / partner agency response including proposed action"),
                ("cabinet_member", "Responsible Cabinet Member"),
                ("senior_officer", "Senior Responsible Officer"),
                ("update", "Six month progress update"),
            ),
            label_format="{label}:",
            part_label_format="{label}.",
            yes_no_decisions=True,
            label_inline=True,
            widths=(22, 7, 24, 10, 11, 26),
        ),
    ]
}

DEFAULT_LAYOUT = "generic"
LAYOUT_CHOICES = [(layout.key, layout.name) for layout in LAYOUTS.values()]
