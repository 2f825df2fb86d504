from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.template.loader import render_to_string

from reports.exporters import word
from reports.exporters.base import ListExporter
from reports.rows import Appendix

NO_RECOMMENDATIONS = "This review has no recommendations."


class AppendixExporter(ListExporter):
    """One review's appendix, in its layout's columns, from the rows the page shows."""

    identifier = "appendix"
    verbose_name = "Appendix table"

    def __init__(self, appendix: Appendix) -> None:
        self.appendix = appendix
        self.sheet_title = appendix.review.title
        self.column_widths = appendix.text_widths

    @property
    def filename(self) -> str:
        suffix = f"-report-{self.appendix.report.pk}" if self.appendix.report else ""
        return f"{self.appendix.review.slug}-appendix{suffix}"

    def iterate_list(self) -> Iterable[Sequence[str | None]]:
        return self.appendix.iter_text()

    def render_docx(self) -> tuple[str, bytes]:
        """As the PDF prints it: the title, the line naming authority, committee and
        report, the round's note, and the layout's table with the cells' paragraphs and
        lists."""
        item = self.appendix
        title = f"Appendix: {item.title}"
        committee = item.review.committee
        document = word.WordDocument(
            title=title, author=f"{committee.name}, {committee.authority.name}"
        )
        document.heading(title, level=1)
        document.paragraph(appendix_meta(item))
        write_appendix_table(document, item)
        return word.DOCX_CONTENT_TYPE, document.to_bytes()


def appendix_meta(item: Appendix) -> str:
    """The PDF's line under the title."""
    committee = item.review.committee
    meta = f"{committee.authority.name} · {committee.name}"
    if item.report is None:
        return f"{meta} · latest update for each recommendation"
    meta += f" · {item.report.title}"
    return f"{meta}, as at {item.report.as_at_display}" if item.report.as_at else meta


def write_appendix_table(document: word.WordDocument, item: Appendix) -> None:
    """The round's note (one report's appendix) and the table, as the PDF has them: the
    layout's columns, headings and widths, the committee's view beneath its update."""
    document.html(render_to_string("reports/appendix_round_note.html", {"appendix": item}))
    rows: Iterable[Sequence[str]] = ([cell.html for cell in cells] for cells in item.iter_html())
    if not item.rows:
        rows = [[NO_RECOMMENDATIONS] + [""] * (len(item.columns) - 1)]
    document.table(item.headings, rows, widths=item.layout.widths)
