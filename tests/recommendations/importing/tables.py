"""Tables built from the demo data in each seed's own layout, as Word, Excel and CSV files."""

from __future__ import annotations

import csv
import io
import re

import docx
import openpyxl

from reports.rows import Appendix, appendix_for_review

_ITEM = re.compile(r"^(- |\d+\. )")


def appendix_rows(appendix: Appendix) -> list[list[str]]:
    """The appendix as it prints: the headings, then each row's printed cells as text."""
    rows = [appendix.headings]
    for row in appendix.rows:
        rows.append([row.cells[key].text for key, _ in appendix.columns])
    return rows


def review_rows(review) -> list[list[str]]:
    return appendix_rows(appendix_for_review(review))


def as_docx(rows: list[list[str]], *, title: str = "") -> bytes:
    document = docx.Document()
    if title:
        document.add_paragraph(title)
    table = document.add_table(rows=0, cols=len(rows[0]))
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            lines = value.split("\n")
            cell.paragraphs[0].text = ""
            for index, line in enumerate(lines):
                item = _ITEM.match(line)
                style = None
                if item:
                    style = "List Bullet" if item[1] == "- " else "List Number"
                    line = line[item.end() :]
                paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
                paragraph.text = line
                if style:
                    paragraph.style = document.styles[style]
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def as_xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()
