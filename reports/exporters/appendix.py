from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.template.loader import render_to_string
from django.utils.html import escape

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

    def render_docx(self) -> tuple[str, bytes]:
        """As the PDF prints it: the title, the line naming authority, committee and
        report, the round's note, and the layout's table with the cells' paragraphs and
        lists."""
        item = self.appendix
        title = item.heading
        committee = item.review.committee
        document = word.WordDocument(
            title=title, author=f"{committee.name}, {committee.authority.name}"
        )
        document.heading(title, level=1)
        document.paragraph(appendix_meta(item))
        write_header_block(document, item)
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
    document.table(item.headings, rows, widths=item.widths)


def write_header_block(document: word.WordDocument, item: Appendix) -> None:
    """The layout's header block, as the page and the PDF print it: a table of each field's
    label and value, then the version table under its own label and headings."""
    header = item.header
    if not header:
        return
    if header.items:
        document.table(
            ["Field", "Value"],
            [
                [f"<p><strong>{escape(entry.label)}</strong></p>", entry.cell.html]
                for entry in header.items
            ],
            widths=(30, 70),
            header=False,
        )
        document.paragraph("")
    if header.show_versions and header.versions:
        document.paragraph(header.versions_label, bold=True)
        document.table(
            header.version_headings,
            [[row.version, row.changes, row.author, row.date] for row in header.versions],
            html=False,
        )
