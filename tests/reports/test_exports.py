import io

import pytest
from openpyxl import load_workbook

from recommendations.models import ProgressUpdate, Recommendation, Review
from reports.exporters.formats import neutralise_formula, sheet_name, to_csv, to_xlsx
from reports.rows import markdown_to_text
from tests.factories import make_review
from tests.reports.conftest import BUCKS, EAST_SUSSEX, HACKNEY, csv_rows

pytestmark = pytest.mark.django_db


def xlsx_rows(response) -> list[list[str]]:
    """One list per record: a record too long for a printed page continues on further
    sheet rows (its first cell ends "(continued)"); those are joined back to it here."""
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows: list[list[str]] = []
    for values in sheet.iter_rows(values_only=True):
        row = [cell or "" for cell in values]
        if rows and row[0].endswith("(continued)"):
            rows[-1] = [a if not b else f"{a} {b}" for a, b in zip(rows[-1], row, strict=True)]
            rows[-1][0] = row[0].removesuffix("(continued)").strip()
        else:
            rows.append(row)
    return rows


def _table(rows: list[list[str]]) -> list[list[str]]:
    """The table, after the header block a layout prints above it (Buckinghamshire's, as its
    paper does) and the blank row that ends it."""
    blank = next((index for index, row in enumerate(rows) if not any(row)), None)
    return rows if blank is None else rows[blank + 1 :]


@pytest.mark.parametrize(("extension", "reader"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_the_three_appendices_export_their_columns_and_cells(
    clerk_client, layouts, reader, extension
):
    hackney = reader(clerk_client.get(f"/reviews/{HACKNEY}/appendix.{extension}"))
    # The label has a column of its own, as entered, before the text as typed.
    assert hackney[0] == [
        "Ref", "Recommendation", "Response", "Hackney Education lead", "Progress update",
    ]  # fmt: skip
    assert len(hackney) == 19
    assert hackney[1][0] == "1"
    assert hackney[1][1].startswith("That school exclusion data is published")
    assert (
        hackney[1][3]
        == "Katherine Cracknell, Acting Head of Wellbeing and Safeguarding in Education"
    )

    sussex = reader(clerk_client.get(f"/reviews/{EAST_SUSSEX}/appendix.{extension}"))
    assert sussex[0][4] == "Timescale" and sussex[1][4] == "July 2024"
    assert sussex[1][0] == "R1" and sussex[1][1].startswith("The Department should utilise")
    assert "- Recruitment to all outstanding vacancies" in sussex[1][2]  # a list, as plain text

    bucks = _table(reader(clerk_client.get(f"/reviews/{BUCKS}/appendix.{extension}")))
    assert bucks[0][2] == "Agreed Yes/No"
    assert [row[2] for row in bucks[1:]] == [
        "Yes", "", "Yes", "Yes", "", "Yes", "Yes", "Yes", "", "", "", "No", "Yes", "Yes",
    ]  # fmt: skip
    assert [row[0] for row in bucks[1:5]] == ["1", "2", "2a", "2b"]
    assert bucks[1][1].startswith("It is recommended that Early Help")
    assert bucks[4][1].startswith("b. senior leadership teams")  # the text as typed
    assert bucks[1][4] == "Cllr Mike Appleyard"
    for row in hackney + sussex + bucks:
        for cell in row:
            assert "<p>" not in cell and "<li>" not in cell and "&amp;" not in cell


def test_exports_contain_no_markup_and_no_formulas(clerk_client):
    review = make_review(recommendations=1)
    update = ProgressUpdate.objects.get(recommendation__review=review)
    update.text = '=HYPERLINK("http://evil.example","x")'
    update.save()
    rows = csv_rows(clerk_client.get(f"/reviews/{review.slug}/appendix.csv"))
    assert rows[1][6].startswith("'=HYPERLINK")
    sheet = load_workbook(
        io.BytesIO(clerk_client.get(f"/reviews/{review.slug}/appendix.xlsx").content)
    ).active
    cell = sheet.cell(row=2, column=7)
    # Stored as a string cell, so Excel shows it rather than running it.
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil.example","x")'


def test_exports_are_downloads_named_after_the_review(clerk_client, layouts):
    response = clerk_client.get(f"/reviews/{HACKNEY}/appendix.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="hackney-school-exclusions-appendix.csv"' in response["Content-Disposition"]


# Issue 13. Every text that can start a cell, each way a spreadsheet could read it as a formula:
# OWASP's triggers, after any leading whitespace, and their full-width forms.
FORMULA_PAYLOADS = [
    "=1+1",
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-1+1",
    "- 1+1",  # Excel reads this as =-1+1 ...
    "- a bullet",  # ... and a Markdown bullet as a formula too (#NAME?)
    "@SUM(A1)",
    "\t=cmd",
    "\tplain text after a tab",
    "\r=1",
    "\rplain text after a carriage return",
    " =1+1",
    "  @SUM(A1)",
    "\t @SUM(A1)",
    "\n=1+1",  # a newline is leading whitespace like any other
    "\u00a0+1",  # no-break space
    "\u3000-1",  # ideographic space
    "\uff1d1+1",  # ＝
    "\uff0b1",  # ＋
    "\uff0d1",  # －
    "\uff20SUM(A1)",  # ＠
]
SAFE_TEXTS = ["Agreed", "", "1-2", "a = b", " plain", "\nplain", "'=quoted already", "5 + 5"]


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
def test_every_formula_trigger_is_neutralised_with_an_apostrophe(payload):
    assert neutralise_formula(payload) == "'" + payload
    assert to_csv([[payload]]).decode("utf-8-sig") == to_csv([["'" + payload]]).decode("utf-8-sig")


@pytest.mark.parametrize("text", SAFE_TEXTS)
def test_text_that_cannot_start_a_formula_is_left_alone(text):
    assert neutralise_formula(text) == text


LABEL_MAX = 20


def _plain_cells_with(payload: str):
    """A review whose title, label and update timescale (texts exported as written, without
    Markdown) are ``payload``, with one update whose Markdown text is ``payload`` too."""
    review = make_review(recommendations=1)
    review.title = payload
    review.save()
    recommendation = review.recommendations.get()
    recommendation.label = payload[:LABEL_MAX]  # a label holds 20 characters
    recommendation.save()
    update = ProgressUpdate.objects.get(recommendation=recommendation)
    update.text = payload if payload.strip() else "x"
    update.timescale = payload
    update.save()
    return review


def test_the_appendix_csv_neutralises_every_trigger_and_keeps_the_text(clerk_client):
    for payload in FORMULA_PAYLOADS:
        review = _plain_cells_with(payload)
        rows = csv_rows(clerk_client.get(f"/reviews/{review.slug}/appendix.csv"))
        assert rows[0][8] == "Timescale"
        # Read back: the text as written, behind one apostrophe.
        assert rows[1][8] == "'" + payload, payload
        # The Markdown cells are plain text first (a tab indent is a code block, lines are
        # trimmed), then neutralised the same way.
        assert rows[1][6] == neutralise_formula(markdown_to_text(payload))
        assert all(neutralise_formula(cell) == cell for cell in rows[1]), rows[1]


def test_the_recommendation_table_csv_neutralises_every_trigger_and_keeps_the_text(clerk_client):
    for payload in FORMULA_PAYLOADS:
        _plain_cells_with(payload)
    rows = csv_rows(clerk_client.get("/recommendations/?_export=csv"))
    assert rows[0][:2] == ["Review", "Ref"] and rows[0][5] == "Timescale"
    expected = {"'" + payload for payload in FORMULA_PAYLOADS}
    assert {row[0] for row in rows[1:]} == expected  # review titles
    assert {row[1] for row in rows[1:]} == {"'" + p[:LABEL_MAX] for p in FORMULA_PAYLOADS}
    assert {row[5] for row in rows[1:]} == expected  # timescales
    for row in rows[1:]:
        assert row[0] == row[5] and row[1] == row[0][: LABEL_MAX + 1]


def test_xlsx_keeps_every_trigger_as_a_text_cell_without_an_apostrophe(clerk_client):
    for payload in FORMULA_PAYLOADS:
        _plain_cells_with(payload)
    sheet = load_workbook(
        io.BytesIO(clerk_client.get("/recommendations/?_export=xlsx").content)
    ).active
    headings = [cell.value for cell in sheet[1]]
    column = headings.index("Timescale") + 1
    timescales = [sheet.cell(row=row, column=column) for row in range(2, sheet.max_row + 1)]
    assert all(cell.data_type == "s" for cell in timescales)
    # Exactly as typed: a carriage return too (written escaped, so XML keeps it).
    assert sorted(cell.value for cell in timescales) == sorted(FORMULA_PAYLOADS)


# Any review title gives a sheet name Excel accepts: (title, sheet name).
SHEET_TITLES = [
    ("Hackney: school exclusions [2023/24]", "Hackney school exclusions 2023"),
    ("Why? *Really*\\", "Why Really"),
    ("[]:*?/\\", "Sheet1"),  # only forbidden characters
    ("", "Sheet1"),
    ("   \t\n ", "Sheet1"),
    ("'Quoted title'", "Quoted title"),
    ("x" * 30 + "'s review", "x" * 30),  # cut to 31, which ends in an apostrophe
    ("History", "Sheet1"),  # reserved by Excel, in any case
    ("hISTORY", "Sheet1"),
    ("History of exclusions", "History of exclusions"),
    ("Reducing school exclusions in the borough", "Reducing school exclusions in t"),
    ("\U0001f4da" * 20, "\U0001f4da" * 15),  # 31 UTF-16 code units at most
    ("Tab\there\x00and\x1fthere", "Tab here and there"),
]


@pytest.mark.parametrize(("title", "expected"), SHEET_TITLES)
def test_any_title_gives_a_sheet_name_excel_accepts(title, expected):
    name = sheet_name(title)
    assert name == expected
    assert 0 < len(name.encode("utf-16-le")) // 2 <= 31
    assert not set(name) & set("[]:*?/\\") and name.casefold() != "history"
    assert not name.startswith("'") and not name.endswith("'")
    workbook = load_workbook(io.BytesIO(to_xlsx([["Heading"]], title=title)))
    assert workbook.sheetnames == [expected]


def test_the_appendix_xlsx_opens_whatever_the_review_is_called(clerk_client):
    for title, expected in SHEET_TITLES:
        review = make_review(recommendations=1)
        # PostgreSQL's text cannot hold NUL (the forms refuse it): a space reads the same here.
        review.title = title.replace("\x00", " ")
        review.save()
        response = clerk_client.get(f"/reviews/{review.slug}/appendix.xlsx")
        assert response.status_code == 200, title
        workbook = load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames == [expected]
        label, text = (workbook.active.cell(row=2, column=n).value for n in (1, 2))
        assert (label, text) == ("1", "Recommendation text 1")


def test_xlsx_cells_drop_control_characters_xml_cannot_carry():
    sheet = load_workbook(
        io.BytesIO(to_xlsx([["Word\x0bline break", "bell\x07", "ok\n\ttext"]], title="T"))
    ).active
    assert [cell.value for cell in sheet[1]] == ["Word\nline break", "bell", "ok\n\ttext"]


def _add_bare_recommendation(review: Review) -> Recommendation:
    """No response, no leads, no update (so no status, timescale or target date)."""
    return Recommendation.objects.create(
        review=review, label="99", order=99, text="A recommendation with nothing recorded yet."
    )


def _assert_no_none(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert cell.strip().casefold() != "none", row


@pytest.mark.parametrize(("extension", "reader"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_a_recommendation_with_nothing_recorded_exports_empty_cells_in_every_layout(
    clerk_client, layouts, extension, reader
):
    for slug in (HACKNEY, EAST_SUSSEX, BUCKS):
        review = Review.objects.get(slug=slug)
        _add_bare_recommendation(review)
        appendix = _table(reader(clerk_client.get(f"/reviews/{slug}/appendix.{extension}")))
        _assert_no_none(appendix)
        bare = appendix[-1]
        assert bare[:2] == ["99", "A recommendation with nothing recorded yet."]
        assert bare[2:] == [""] * (len(appendix[0]) - 2), (slug, bare)

        table = reader(
            clerk_client.get(f"/recommendations/?review={review.pk}&_export={extension}")
        )
        _assert_no_none(table)
        assert table[0][3:] == [
            "Decision", "Status", "Timescale", "Target date", "Overdue", "Closed", "Leads",
            "Priority",
        ]  # fmt: skip
        (bare,) = [row for row in table[1:] if row[1] == "99"]
        assert bare[:3] == [review.title, "99", "A recommendation with nothing recorded yet."]
        assert bare[3:] == [""] * 8, (slug, bare)


def test_the_writers_write_none_as_an_empty_cell():
    assert to_csv([["a", None, ""]]).decode("utf-8-sig") == "a,,\r\n"
    sheet = load_workbook(io.BytesIO(to_xlsx([["a", None, ""]], title="T"))).active
    assert [cell.value or "" for cell in sheet[1]] == ["a", "", ""]
