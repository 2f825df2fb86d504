"""Issue 14: the XLSX prints. A4 landscape, fitted to the page's width, the header row on
every page, columns as wide as the layout's, and rows as tall as their wrapped text (spreadsheets
do not size rows when a file is opened); LibreOffice converts the Hackney appendix to a PDF
that shows it."""

import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from reports.exporters.formats import (
    CONTINUED,
    LINE_POINTS,
    ROW_MAX_LINES,
    XLSX_CELL_MAX,
    XLSX_CUT_MARKER,
    to_xlsx,
)
from tests.conftest import ARTIFACTS
from tests.reports.conftest import HACKNEY

pytestmark = pytest.mark.django_db


def _sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def test_the_appendix_xlsx_is_set_up_to_print(clerk_client, layouts):
    sheet = _sheet(clerk_client.get(f"/reviews/{HACKNEY}/appendix.xlsx").content)
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and int(setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)  # one page wide, as long as needed
    assert sheet.print_title_rows == "$1:$1"  # the header row on every printed page
    assert sheet.freeze_panes == "A2"
    assert "Reducing School Exclusions" in sheet.oddHeader.left.text
    assert sheet.oddFooter.right.text == "Page &P of &N"
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.alignment.wrap_text and cell.alignment.vertical == "top"
    # Column widths follow the layout's (27, 27, 13, 33), after a narrow label column.
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDE"]
    assert widths[0] < widths[3] < widths[1] == widths[2] < widths[4]
    assert widths[4] / widths[3] == pytest.approx(33 / 13, rel=0.02)
    assert 140 <= sum(widths) <= 160  # about an A4 landscape page at 10 points


def _height(sheet, row: int) -> float:
    return sheet.row_dimensions[row].height


def test_rows_are_as_tall_as_their_wrapped_text():
    rows = [
        ["Heading", "Another heading"],
        ["one line", "short"],
        ["first\nsecond\nthird\nfourth", "line breaks count"],
        ["word " * 20, "wraps in a narrow column"],
        ["x", "word " * 20],  # the same text in a wider column takes one line
    ]
    sheet = _sheet(to_xlsx(rows, title="T", widths=(10, 90)))  # 15 and 135 characters wide
    assert _height(sheet, 2) == pytest.approx(LINE_POINTS, abs=5)
    assert _height(sheet, 3) >= 4 * LINE_POINTS
    assert _height(sheet, 4) >= 6 * LINE_POINTS  # 100 characters in a 15-character column
    assert _height(sheet, 5) == _height(sheet, 2) < _height(sheet, 3) < _height(sheet, 4)
    assert sheet.cell(row=4, column=1).value == "word " * 20  # kept as typed


def test_a_record_too_long_for_a_page_continues_on_the_next_rows():
    long_text = "\n".join(f"Paragraph {n} of a long progress update." for n in range(1, 101))
    sheet = _sheet(to_xlsx([["Ref", "Update"], ["2b", long_text]], title="T", widths=(10, 90)))
    assert sheet.max_row > 2
    refs = [sheet.cell(row=row, column=1).value for row in range(2, sheet.max_row + 1)]
    assert refs == ["2b"] + [f"2b {CONTINUED}"] * (sheet.max_row - 2)
    chunks = [sheet.cell(row=row, column=2).value for row in range(2, sheet.max_row + 1)]
    assert "\n".join(chunks) == long_text  # every line, in order, nothing lost
    for row in range(2, sheet.max_row + 1):
        # Excel's limit is 409 points, and LibreOffice cuts off what a page cannot hold.
        assert _height(sheet, row) <= ROW_MAX_LINES * LINE_POINTS + 5 < 409


def test_a_cell_beyond_the_spreadsheet_limit_is_cut_with_a_visible_marker():
    text = "word " * 8_000  # 40,000 characters
    sheet = _sheet(to_xlsx([["Ref", "Update"], ["1", text]], title="T", widths=(5, 95)))
    chunks = [sheet.cell(row=row, column=2).value for row in range(2, sheet.max_row + 1)]
    joined = " ".join(chunks)
    assert joined.endswith(XLSX_CUT_MARKER.strip())
    assert len(joined) <= XLSX_CELL_MAX + len(chunks)
    assert joined.startswith("word word")


def test_the_cross_review_table_xlsx_prints_too(clerk_client, layouts):
    sheet = _sheet(clerk_client.get("/recommendations/?_export=xlsx").content)
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    widths = [sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]]
    # The columns share 150; the narrow ones held at their minimum of 6 add a little.
    assert all(width >= 6 for width in widths) and 140 <= sum(widths) <= 165


def _poppler(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed here: apt-get install libreoffice-calc-nogui "
    "(.ci/run installs it, so CI runs this test)",
)
def test_libreoffice_prints_the_hackney_xlsx_readably(clerk_client, layouts, tmp_path):
    content = clerk_client.get(f"/reviews/{HACKNEY}/appendix.xlsx").content
    source = tmp_path / "hackney.xlsx"
    source.write_bytes(content)
    subprocess.run(
        [
            "soffice", "--headless", "--norestore",
            # A profile of its own, so parallel runs and a user's LibreOffice don't collide.
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--convert-to", "pdf", "--outdir", str(tmp_path), str(source),
        ],
        capture_output=True, check=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "hackney.pdf"
    info = _poppler("pdfinfo", str(pdf))
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    sheet = _sheet(content)
    headings = [cell.value for cell in sheet[1]]

    # Every page is A4 landscape and carries the header row: all five headings, so the
    # columns print side by side and not one to a page.
    sizes = _poppler("pdfinfo", "-f", "1", "-l", str(pages), str(pdf))
    for width, height in re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", sizes):
        assert (round(float(width)), round(float(height))) == (842, 595)
    words = 0
    for page in range(1, pages + 1):
        text = _poppler("pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-")
        for heading in headings:  # a heading may wrap onto a second line
            assert all(word in text for word in heading.split()), (page, heading)
        assert "Reducing School Exclusions" in text and f"Page {page} of {pages}" in text
        words += len(text.split())
    # A sane number of pages: no more than the sheet's rows (no row needs two pages).
    assert 1 < pages <= sheet.max_row - 1

    # Nothing is cut off at the foot of a row: every word of every cell is printed.
    cell_words = sum(
        len(str(cell.value or "").split()) for row in sheet.iter_rows(min_row=2) for cell in row
    )
    furniture = pages * (len(" ".join(headings).split()) + 3 + 4)  # headings, title, "Page n of m"
    assert words >= cell_words + furniture

    # For people to look at: the first pages as pictures beside the other tests' screenshots.
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "hackney-appendix-xlsx-libreoffice.pdf")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", str(pdf),
         str(ARTIFACTS / "hackney-appendix-xlsx-libreoffice")],
        check=True, timeout=60,
    )  # fmt: skip
