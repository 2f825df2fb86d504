"""Tables out of .docx, .xlsx and .csv files, as rows of cells written in Markdown.

What the bytes are decides the reader, never the file's name (``filetypes.identify``). The
office formats are zip files: their members' declared sizes are checked against
``IMPORT_MAX_UNCOMPRESSED_BYTES`` and their number against ``IMPORT_MAX_ZIP_MEMBERS`` before
anything is unpacked, so a zip bomb is refused without being inflated."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from recommendations import filetypes


@dataclass
class SourceTable:
    name: str  # "Table 2", or the sheet's name
    rows: list[list[str]]  # Markdown cells; every row as long as the longest
    # Notes about the source worth showing with the preview (merged cells, rows cut).
    notes: list[str] = field(default_factory=list)
    # Lines above the table in a Word file (paragraphs, and two-column tables' rows as
    # "label: value"), where header fields such as the committee and meeting date are.
    above: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0


IMPORTABLE = "Import a Word (.docx), Excel (.xlsx) or CSV file."


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


# A line that is a list item as typed: "•", "·", "-", "–", "*" bullets; "1." numbers ("2)" and
# "a)" stay paragraphs, as typed).
_BULLET = re.compile(r"^\s*[•·\-–*▪◦]\s+")
_NUMBER = re.compile(r"^\s*(\d{1,3})\.\s+")


def lines_to_markdown(lines: list[str]) -> str:
    """Lines of a cell as Markdown: each line a paragraph of its own (a cell's line breaks
    are the paper's paragraphs), and runs of list items kept together as a list, with their
    numbers as typed."""
    blocks: list[str] = []
    previous_was_item = False
    for raw in lines:
        line = raw.strip()
        if not line:
            previous_was_item = False
            continue
        bullet = _BULLET.match(line)
        number = _NUMBER.match(line)
        if bullet:
            item = "- " + line[bullet.end() :]
        elif number:
            item = f"{number[1]}. " + line[number.end() :]
        else:
            item = None
        if item is not None and previous_was_item:
            blocks[-1] += "\n" + item
        else:
            blocks.append(item if item is not None else line)
        previous_was_item = item is not None
    return "\n\n".join(blocks)


# Exports (ours among them) put an apostrophe before a cell that would start a formula.
_NEUTRALISED = re.compile(r"^'(?=[\s]*[=+\-@\uff1d\uff0b\uff0d\uff20\t\r])")


def text_to_markdown(text: str) -> str:
    text = _NEUTRALISED.sub("", text)
    return lines_to_markdown(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _check_size(content: bytes) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if len(content) > limit:
        raise _refuse(
            f"The file is {len(content) // 1024:,} KB; files to import can be up to "
            f"{limit // 1024:,} KB. Split the table, or import it a sheet at a time."
        )


def _check_zip(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise _refuse("The file is damaged: it cannot be opened as a Word or Excel file.") from None
    members = archive.infolist()
    if len(members) > settings.IMPORT_MAX_ZIP_MEMBERS:
        raise _refuse(
            f"The file holds {len(members):,} parts, more than a table needs "
            f"(at most {settings.IMPORT_MAX_ZIP_MEMBERS:,}); it cannot be imported."
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise _refuse(
            f"The file would unpack to {unpacked // (1024 * 1024):,} MB, more than "
            f"{settings.IMPORT_MAX_UNCOMPRESSED_BYTES // (1024 * 1024):,} MB; it cannot be "
            "imported."
        )
    for member in members:
        # The declared size is what was checked; a member compressed far beyond any office
        # file's ratio is a bomb whatever it declares.
        if member.compress_size and member.file_size / member.compress_size > 1000:
            raise _refuse("The file is not an ordinary Word or Excel file; it cannot be imported.")


_ENCRYPTED = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: password-protected OOXML, or .doc/.xls


def read_tables(content: bytes, name: str) -> tuple[str, list[SourceTable]]:
    """(what the file is, its tables). Refuses, with a message for the uploader, anything
    that is not a .docx, .xlsx or .csv file holding at least one table."""
    _check_size(content)
    if content.startswith(_ENCRYPTED):
        raise _refuse(
            "The file is password-protected, or an old-style .doc or .xls file. Save it "
            "without a password, as .docx, .xlsx or .csv, and import that."
        )
    if content.startswith(b"PK"):
        _check_zip(content)  # before anything reads a member
    try:
        kind = filetypes.identify(SimpleUploadedFile(name or "upload", content), name or "")
    except ValidationError as error:
        raise _refuse(" ".join(error.messages) + f" {IMPORTABLE}") from None
    extension = kind.extension
    if extension == "docx":
        tables = _read_docx(content)
    elif extension == "xlsx":
        tables = _read_xlsx(content)
    elif kind.name in ("CSV", "Plain text"):
        tables = _read_csv(content, kind.content_type)
    else:
        raise _refuse(f"This is a {kind.name}, not a table. {IMPORTABLE}")
    tables = [table for table in tables if len(table.rows) >= 2 and table.width >= 2]
    if not tables:
        raise _refuse(
            "No table was found in the file: a table needs a row of headings and at least "
            "one row beneath, in two columns or more."
        )
    return extension if extension in ("docx", "xlsx") else "csv", tables


def _limit_rows(rows: list[list[str]], notes: list[str]) -> list[list[str]]:
    limit = settings.IMPORT_MAX_ROWS
    if len(rows) > limit + 1:
        raise _refuse(
            f"A table has {len(rows) - 1:,} rows; an import takes at most {limit:,}. "
            "Split the table and import it in parts."
        )
    return rows


def _square(rows: list[list[str]]) -> list[list[str]]:
    width = max((len(row) for row in rows), default=0)
    # Trailing columns empty in every row are formatting, not columns.
    while width and all(len(row) < width or not row[width - 1].strip() for row in rows):
        width -= 1
    return [(row + [""] * width)[:width] for row in rows]


# --- Word ---------------------------------------------------------------------------------


def _paragraph_markdown(paragraph, counters: dict[str, int]) -> tuple[str, bool]:
    """(the paragraph as a Markdown line, whether it is a list item)."""
    text = paragraph.text.replace("\xa0", " ").strip()
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    if style.startswith("List Number"):
        counters[style] = counters.get(style, 0) + 1
        return f"{counters[style]}. {text}", True
    if style.startswith("List Bullet") or (numbered and not _NUMBER.match(text)):
        return f"- {_BULLET.sub('', text)}", True
    return text, False


def _cell_markdown(cell) -> str:
    lines: list[str] = []
    counters: dict[str, int] = {}
    for paragraph in cell.paragraphs:
        line, is_item = _paragraph_markdown(paragraph, counters)
        if not is_item:
            counters.clear()
        # A line break inside a paragraph (Shift+Enter) is a line of its own, as on paper.
        lines.extend(line.split("\n") if not is_item else [line])
    return lines_to_markdown(lines)


def _read_docx(content: bytes) -> list[SourceTable]:
    import docx  # noqa: PLC0415 -- only imports need it

    try:
        document = docx.Document(io.BytesIO(content))
    except Exception:  # noqa: BLE001 -- python-docx raises many kinds for a damaged file
        raise _refuse("The Word file is damaged and cannot be read.") from None
    tables = []
    above = _lines_above(document)
    for number, table in enumerate(document.tables, start=1):
        notes: list[str] = []
        rows: list[list[str]] = []
        for row_number, row in enumerate(table.rows, start=1):
            cells, seen = [], []
            merged = False
            for cell in row.cells:
                if any(cell._tc is other for other in seen):
                    cells.append("")  # the rest of a cell merged across columns
                    merged = True
                    continue
                seen.append(cell._tc)
                cells.append(_cell_markdown(cell))
            if merged and row_number > 1:
                notes.append(
                    f"Row {row_number} has cells merged across columns: their text is read "
                    "into the first of them."
                )
            rows.append(cells)
        tables.append(
            SourceTable(
                f"Table {number}",
                _limit_rows(_square(rows), notes),
                notes=notes,
                above=above[number - 1] if number <= len(above) else [],
            )
        )
    return tables


ABOVE_MAX = 40  # lines kept above a table: the header fields sit just above it


def _lines_above(document) -> list[list[str]]:
    """For each table of the body, in order, the lines above it."""
    from docx.table import Table  # noqa: PLC0415
    from docx.text.paragraph import Paragraph  # noqa: PLC0415

    lines: list[str] = []
    found: list[list[str]] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = " ".join(Paragraph(child, document).text.split())
            if text:
                lines.append(text)
        elif tag == "tbl":
            found.append(lines[-ABOVE_MAX:])
            table = Table(child, document)
            if len(table.columns) == 2:
                for row in table.rows:
                    label, value = (" ".join(cell.text.split()) for cell in row.cells[:2])
                    if label and value and label != value:
                        lines.append(f"{label.rstrip(':')}: {value}")
    return found


# --- Excel --------------------------------------------------------------------------------


def _excel_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Our own XLSX export splits a record too long for a printed page over several sheet rows,
# the later ones labelled "R1 (continued)": they are one record again here.
CONTINUED = "(continued)"


def _continue(record: list[str], more: list[str]) -> list[str]:
    joined = list(record) + [""] * max(len(more) - len(record), 0)
    for index, piece in enumerate(more[1:], start=1):
        if not piece:
            continue
        before = joined[index]
        # Where the page cut a line the words run on; after a sentence, a new line starts.
        separator = "\n" if not before or before.rstrip()[-1:] in ".:;!?" else " "
        joined[index] = f"{before}{separator}{piece}" if before else piece
    return joined


def _read_xlsx(content: bytes) -> list[SourceTable]:
    import openpyxl  # noqa: PLC0415

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 -- openpyxl raises many kinds for a damaged file
        raise _refuse("The Excel file is damaged and cannot be read.") from None
    tables = []
    try:
        for sheet in book.worksheets:
            rows: list[list[str]] = []
            for values in sheet.iter_rows(values_only=True):
                cells = [_excel_text(value) for value in values]
                if not any(cell.strip() for cell in cells):
                    continue
                if rows and cells[0].strip().endswith(CONTINUED) and len(rows) > 1:
                    rows[-1] = _continue(rows[-1], cells)
                    continue
                rows.append(cells)
                if len(rows) > settings.IMPORT_MAX_ROWS + 1:
                    _limit_rows(rows, [])
            markdown = [[text_to_markdown(cell) for cell in row] for row in rows]
            tables.append(SourceTable(sheet.title, _square(markdown)))
    finally:
        book.close()
    return tables


# --- CSV ----------------------------------------------------------------------------------


def _read_csv(content: bytes, content_type: str) -> list[SourceTable]:
    encoding = "windows-1252" if "windows-1252" in content_type else "utf-8-sig"
    text = content.decode(encoding)
    # The heading row says how cells are separated (Excel writes ";" where "," is a decimal
    # point); the sniffer reads the whole sample, multi-line cells included, and can be misled.
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    rows = [
        [text_to_markdown(cell) for cell in row]
        for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        if any(cell.strip() for cell in row)
    ]
    return [SourceTable("Table 1", _limit_rows(_square(rows), []))]
