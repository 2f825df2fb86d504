from __future__ import annotations

from collections.abc import Iterable, Sequence

from reports.exporters.base import ListExporter
from reports.rows import Appendix


class AppendixExporter(ListExporter):
    """One review's appendix, in its layout's columns, from the rows the page shows."""

    identifier = "appendix"
    verbose_name = "Appendix table"

    def __init__(self, appendix: Appendix) -> None:
        self.appendix = appendix
        self.sheet_title = appendix.name or appendix.review.title
        self.column_widths = appendix.text_widths

    @property
    def filename(self) -> str:
        suffix = f"-report-{self.appendix.report.pk}" if self.appendix.report else ""
        return f"{self.appendix.review.slug}-appendix{suffix}"

    def iterate_list(self) -> Iterable[Sequence[str | None]]:
        return self.appendix.iter_text()

    def preamble(self) -> list[Sequence[str]]:
        """The header block, when the layout has one: a spreadsheet opened by a clerk shows
        it above the table, as the paper does."""
        header = self.appendix.header
        if not header:
            return []
        return [[self.appendix.heading], *header.text_rows()]
