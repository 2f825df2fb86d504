"""CSV and XLSX from a header-then-rows iterable of plain text (``ListExporter.iterate_list``).

Every rule that keeps a spreadsheet safe and tidy lives in these writers, so every export
gets it: an empty value (``None``) is an empty cell, never the text "None"; no CSV cell can
start a formula; every XLSX cell is text and its sheet name is one Excel accepts."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList

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
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
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


# Excel holds at most this many characters in a cell; longer text is cut, visibly.
XLSX_CELL_MAX = 32_767
XLSX_CUT_MARKER = " […cut: a spreadsheet cell holds 32,767 characters; the tracker has the rest]"


# Neither can XML carry lone surrogates or the two non-characters (openpyxl lets them by).
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _xlsx_text(value: object) -> str:
    # XML 1.0 cannot carry most control characters and openpyxl refuses them; Word's manual
    # line break (vertical tab) pasted into a text is a line break, the rest are dropped.
    text = ILLEGAL_CHARACTERS_RE.sub("", cell_text(value).replace("\x0b", "\n"))
    text = _NOT_XML.sub("", text)
    if len(text) > XLSX_CELL_MAX:
        text = text[: XLSX_CELL_MAX - len(XLSX_CUT_MARKER)] + XLSX_CUT_MARKER
    return text


# Print setup. Spreadsheets do not size rows to wrapped text when a file is opened
# (LibreOffice keeps the stored heights), so the writer works out each row's height from the
# text's width in Arial at 10 points (Liberation Sans in LibreOffice: the same widths), the
# workbook's default font, so that a column's width means the same in Excel and LibreOffice.
# It errs towards too many lines: blank space, never text cut off.
XLSX_FONT = "Arial"
XLSX_FONT_SIZE = 10
PAGE_WIDTH_CHARS = 150  # the columns' total width: A4 landscape at about 95 % when fitted
# A unit of column width is one digit of the default font, 7 pixels of Arial 10 (0.75 pt
# each); a little is kept back for the cell's margins and rounding.
POINTS_PER_WIDTH = 7 * 0.75 * 0.93
LINE_POINTS = 12.75  # one line of 10-point Arial, as Excel spaces it
ROW_PADDING_POINTS = 4
# A row is never split across pages: LibreOffice cuts off what does not fit on the page, and
# Excel allows at most 409 points. A record taller than this continues on the next row.
ROW_MAX_LINES = 30
CONTINUED = "(continued)"
# Advance widths of Arial (and Liberation Sans) for " " to "~", in thousandths of an em.
_ARIAL_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722,
    722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
    556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,
    500, 334, 260, 334, 584,
)  # fmt: skip
_OTHER_WIDTHS = {"‘": 222, "’": 222, "“": 333, "”": 333, "—": 1000, "…": 1000, "•": 350}


def _char_width(char: str) -> int:
    code = ord(char)
    if 32 <= code <= 126:
        return _ARIAL_WIDTHS[code - 32]
    if char in _OTHER_WIDTHS:
        return _OTHER_WIDTHS[char]
    return 1000 if unicodedata.east_asian_width(char) in "WF" else 600


def _text_points(text: str, bold: bool = False) -> float:
    width = sum(_char_width(char) for char in text) * XLSX_FONT_SIZE / 1000
    return width * 1.08 if bold else width  # bold Arial is up to 8 % wider


def _relative_widths(rows: list[list[str]], widths: Iterable[int]) -> list[float]:
    """The layout's relative widths, or else each column's longest line (within reason)."""
    columns = max((len(row) for row in rows), default=0)
    given = [float(width) for width in widths][:columns]
    if len(given) < columns:
        longest = [
            max((len(line) for row in rows[1:] for line in row[index].splitlines()), default=0)
            for index in range(columns)
        ]
        headings = rows[0] if rows else []
        given += [
            min(max(longest[index], len(headings[index]) if index < len(headings) else 0, 6), 60)
            for index in range(len(given), columns)
        ]
    total = sum(given) or 1.0
    return [max(PAGE_WIDTH_CHARS * width / total, 6.0) for width in given]


def _wrapped_lines(text: str, width: float, bold: bool = False) -> list[tuple[str, bool]]:
    """The lines a cell of this width shows, wrapped at spaces as spreadsheets wrap:
    (words, whether a line break starts it)."""
    room = max(width * POINTS_PER_WIDTH, 10.0)
    lines: list[tuple[str, bool]] = []
    for source_line in text.split("\n"):
        line, starts_line = "", True
        for word in re.split(r"(?<= )", source_line):
            if line and _text_points(line + word.rstrip(), bold) > room:
                lines.append((line.rstrip(), starts_line))
                line, starts_line = "", False
            while _text_points(word.rstrip(), bold) > room:  # a word longer than the column
                cut = max(1, int(len(word) * room / _text_points(word, bold)))
                lines.append((word[:cut], starts_line))
                word, starts_line = word[cut:], False
            line += word
        lines.append((line.rstrip(), starts_line))
    return lines


def _join(lines: list[tuple[str, bool]]) -> str:
    text = ""
    for index, (piece, starts_line) in enumerate(lines):
        if index:
            text += "\n" if starts_line else " "
        text += piece
    return text


def _sheet_rows(row: list[str], widths: list[float]) -> list[tuple[list[str], int]]:
    """One record as sheet rows, each with its number of lines: one row, or, when a cell is
    too long for a printed page, that many rows, the later ones marked as continued."""
    wrapped = [_wrapped_lines(value, width) for value, width in zip(row, widths, strict=False)]
    height = max((len(lines) for lines in wrapped), default=1)
    if height <= ROW_MAX_LINES:
        return [(row, height)]
    parts = []
    for start in range(0, height, ROW_MAX_LINES):
        cells = [_join(lines[start : start + ROW_MAX_LINES]) for lines in wrapped]
        if start and cells and not cells[0]:
            # The first column (the label, in an appendix) names the record continued.
            cells[0] = f"{row[0] if len(row[0]) <= 40 else ''} {CONTINUED}".strip()
        lines = max(len(lines[start : start + ROW_MAX_LINES]) for lines in wrapped)
        parts.append((cells, lines))
    return parts


def _header_row(row: list[str], widths: list[float]) -> tuple[list[str], int]:
    lines = max(
        (len(_wrapped_lines(v, w, bold=True)) for v, w in zip(row, widths, strict=False)),
        default=1,
    )
    return row, min(lines, ROW_MAX_LINES)


def _write_preamble(sheet, preamble, column_widths, bold, font, wrap) -> int:
    """The rows above the table; returns the last sheet row used (0 for none). A row of one
    or two cells is a label (bold) and its value, merged across the remaining columns; a
    longer one (the version table) is written cell by cell."""
    sheet_row = 0
    last = max(len(column_widths), 2)
    for row in preamble:
        values = [_xlsx_text(value) for value in row]
        if not values:
            continue
        sheet_row += 1
        if len(values) <= 2:
            values += [""] * (2 - len(values))
            widths = [column_widths[0] if column_widths else 20, sum(column_widths[1:]) or 60]
            lines = max(len(_wrapped_lines(v, w)) for v, w in zip(values, widths, strict=True))
            if last > 2 and values[1]:
                sheet.merge_cells(
                    start_row=sheet_row, start_column=2, end_row=sheet_row, end_column=last
                )
        else:
            widths = column_widths or [20] * len(values)
            lines = max(len(_wrapped_lines(v, w)) for v, w in zip(values, widths, strict=False))
        for column_index, value in enumerate(values, start=1):
            cell = sheet.cell(row=sheet_row, column=column_index)
            cell.value = value
            cell.data_type = "s"
            cell.alignment = wrap
            cell.font = bold if column_index == 1 else font
        sheet.row_dimensions[sheet_row].height = (
            min(lines, ROW_MAX_LINES) * LINE_POINTS + ROW_PADDING_POINTS
        )
    return sheet_row + 1 if sheet_row else 0  # a blank row before the table


def to_xlsx(
    rows: Iterable[Iterable[object]],
    *,
    title: str,
    widths: Iterable[float] = (),
    preamble: Iterable[Iterable[object]] = (),
) -> bytes:
    """A sheet that prints: A4 landscape, fitted to the page's width, the header row repeated
    on every page and frozen on screen, text wrapped in columns as wide as the layout's and
    rows as tall as their text. ``preamble`` rows (a label, then its value across the
    remaining columns) come first, then a blank row, then the table."""
    table = [[_xlsx_text(value) for value in row] for row in rows]
    column_widths = _relative_widths(table, widths)
    workbook = Workbook()
    # The default font sets what a unit of column width is (one of its digits); openpyxl
    # has no public setter for it.
    workbook._fonts = IndexedList([Font(name=XLSX_FONT, size=XLSX_FONT_SIZE, family=2)])
    sheet = workbook.active
    sheet.title = sheet_name(title)
    font = Font(name=XLSX_FONT, size=XLSX_FONT_SIZE)
    bold = Font(name=XLSX_FONT, size=XLSX_FONT_SIZE, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    side = Side(style="thin", color="808080")
    border = Border(left=side, right=side, top=side, bottom=side)
    header_fill = PatternFill("solid", fgColor="E8ECF1")
    sheet_row = _write_preamble(sheet, preamble, column_widths, bold, font, wrap)
    table_start = sheet_row + 1
    for index, row in enumerate(table):
        records = _sheet_rows(row, column_widths) if index else [_header_row(row, column_widths)]
        for values, lines in records:
            sheet_row += 1
            for column_index, value in enumerate(values, start=1):
                cell = sheet.cell(row=sheet_row, column=column_index)
                # Set as a string explicitly: openpyxl would otherwise store "=..." as a
                # formula. A string cell is never run, so the text is kept as written.
                cell.value = value
                cell.data_type = "s"
                cell.alignment = wrap
                cell.border = border
                cell.font = bold if index == 0 else font
                if index == 0:
                    cell.fill = header_fill
            sheet.row_dimensions[sheet_row].height = lines * LINE_POINTS + ROW_PADDING_POINTS
    for index, width in enumerate(column_widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = round(width, 1)
    sheet.freeze_panes = f"A{table_start + 1}"
    sheet.print_title_rows = f"{table_start}:{table_start}"
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.75
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    if running_title := " ".join(_xlsx_text(title).split())[:200]:
        # Header and footer codes start with "&"; a literal one is written "&&".
        sheet.oddHeader.left.text = running_title.replace("&", "&&")
    sheet.oddFooter.right.text = "Page &P of &N"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_xlsx_sheets(sheets: Iterable[tuple[str, Iterable[Iterable[object]]]]) -> bytes:
    """A workbook of several plain sheets (a heading row, then rows), each cell text made
    safe as ``to_xlsx``'s are, the heading row bold, frozen and repeated when printed."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(name=XLSX_FONT, size=XLSX_FONT_SIZE, bold=True)
    font = Font(name=XLSX_FONT, size=XLSX_FONT_SIZE)
    wrap = Alignment(wrap_text=True, vertical="top")
    for title, rows in sheets:
        sheet = workbook.create_sheet(sheet_name(title))
        widths: dict[int, int] = {}
        for row_index, row in enumerate(rows, start=1):
            for column_index, value in enumerate(row, start=1):
                cell = sheet.cell(row=row_index, column=column_index)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    cell.value = value  # a count or a share: a number, to sum and chart
                else:
                    cell.value = _xlsx_text(value)
                    cell.data_type = "s"
                cell.font = bold if row_index == 1 else font
                cell.alignment = wrap
                width = min(max(len(cell_text(value)) + 2, 8), 60)
                widths[column_index] = max(widths.get(column_index, 0), width)
        for column_index, width in widths.items():
            sheet.column_dimensions[get_column_letter(column_index)].width = width
        sheet.freeze_panes = "A2"
        sheet.print_title_rows = "1:1"
        sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
