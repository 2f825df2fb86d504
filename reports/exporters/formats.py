"""CSV and XLSX from a header-then-rows iterable of plain text (``ListExporter.iterate_list``).

Every rule that keeps a spreadsheet safe and tidy lives in these writers, so every export
gets it: an empty value (``None``) is an empty cell, never the text "None"; no CSV cell can
start a formula; every XLSX cell is text and its sheet name is one Excel accepts."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# OWASP's CSV injection list, with the full-width forms some Excel locales (Japanese IME
# input) read as the ASCII ones. Every leading "-" counts, a Markdown bullet "- item"
# included: Excel reads "- 1+1" as the formula =-1+1 and "- item" as #NAME?.
_FORMULA_TRIGGERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
# Tab and carriage return trigger on their own (OWASP), whatever follows them.
_FORMULA_CONTROLS = ("\t", "\r")


def cell_text(value: object) -> str:
    """A cell's text: ``None`` (django-tables2's value for an empty cell) is an empty cell."""
    return "" if value is None else str(value)


def neutralise_formula(value: str) -> str:
    """A spreadsheet must not run user text as a formula (CSV injection): text starting with
    a trigger, also after leading whitespace (spaces, tabs, newlines: some importers trim
    it), is prefixed with an apostrophe, which spreadsheets read as "this cell is text"."""
    if value.startswith(_FORMULA_CONTROLS) or value.lstrip()[:1] in _FORMULA_TRIGGERS:
        return "'" + value
    return value


def to_csv(rows: Iterable[Iterable[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise_formula(cell_text(value)) for value in row])
    # A byte order mark so that Excel opens the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


SHEET_NAME_MAX = 31  # Excel's limit, in UTF-16 code units
DEFAULT_SHEET_NAME = "Sheet1"
# Excel refuses these in a sheet name; control characters cannot be written to the XML.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
# Excel keeps "History" for its change tracking, in any case.
_SHEET_NAMES_RESERVED = frozenset({"history"})


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def sheet_name(title: str) -> str:
    """A sheet name Excel accepts for any title: forbidden characters become spaces, runs of
    whitespace one space, at most 31 characters, no leading or trailing apostrophe (Excel
    forbids them) or space; a title that leaves nothing, or the reserved "History", is
    "Sheet1"."""
    name = " ".join(_SHEET_NAME_FORBIDDEN.sub(" ", title or "").split()).strip(" '")
    while _utf16_length(name) > SHEET_NAME_MAX:
        name = name[:-1]
    name = name.rstrip(" '")
    if not name or name.casefold() in _SHEET_NAMES_RESERVED:
        return DEFAULT_SHEET_NAME
    return name


def _xlsx_text(value: object) -> str:
    # XML 1.0 cannot carry most control characters and openpyxl refuses them; Word's manual
    # line break (vertical tab) pasted into a text is a line break, the rest are dropped.
    return ILLEGAL_CHARACTERS_RE.sub("", cell_text(value).replace("\x0b", "\n"))


def to_xlsx(rows: Iterable[Iterable[object]], *, title: str, widths: Iterable[int] = ()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name(title)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_index, row in enumerate(rows, start=1):
        for column_index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=column_index)
            # Set as a string explicitly: openpyxl would otherwise store "=..." as a formula.
            # A string cell is never run, so the text is kept as written (no apostrophe).
            cell.value = _xlsx_text(value)
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
