"""CSV and XLSX from a header-then-rows iterable of plain text (``ListExporter.iterate_list``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """A spreadsheet must not run user text as a formula (CSV injection). A leading "- " is a
    Markdown bullet and left alone; "-1+1" style text is quoted like the other starts."""
    if value.startswith(_FORMULA_STARTS) or (value.startswith("-") and not value.startswith("- ")):
        return "'" + value
    return value


def to_csv(rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise_formula(str(value)) for value in row])
    # A byte order mark so that Excel opens the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Iterable[list[str]], *, title: str, widths: Iterable[int] = ()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (title or "Appendix")[:31].translate(str.maketrans("", "", "[]:*?/\\"))
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_index, row in enumerate(rows, start=1):
        for column_index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=column_index)
            # Set as a string explicitly: openpyxl would otherwise store "=..." as a formula.
            cell.value = str(value)
            cell.data_type = "s"
            cell.alignment = wrap
            if row_index == 1:
                cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            10, width * 2
        )
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
