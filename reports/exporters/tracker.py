from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils.html import format_html

from reports.exporters import word
from reports.exporters.base import ListExporter
from reports.rows import Tracker

NO_RECOMMENDATIONS = "No recommendations match."


class TrackerExporter(ListExporter):
    """A tracker across reviews: CSV and XLSX from its text rows, DOCX as the page shows it
    (the groups as full-width rows of one table)."""

    identifier = "tracker"
    verbose_name = "Tracker across reviews"

    def __init__(self, tracker: Tracker, *, description: str = "") -> None:
        self.tracker = tracker
        self.description = description
        self.sheet_title = tracker.title
        self.column_widths = tracker.text_widths

    def iterate_list(self) -> Iterable[Sequence[str | None]]:
        return self.tracker.iter_text()

    def render_docx(self) -> tuple[str, bytes]:
        tracker = self.tracker
        document = word.WordDocument(title=tracker.title)
        document.heading(tracker.title, level=1)
        if self.description:
            document.paragraph(self.description)
        rows: list[Sequence[str] | word.GroupRow] = []
        for title, cells in tracker.iter_groups_html():
            rows.append(word.GroupRow(title))
            rows += [[cell.html for cell in row] for row in cells]
        if not rows:
            rows = [[format_html("{}", NO_RECOMMENDATIONS)] + [""] * len(tracker.columns)]
        document.table(tracker.headings, rows, widths=tracker.widths)
        return word.DOCX_CONTENT_TYPE, document.to_bytes()
