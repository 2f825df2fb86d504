import csv
import io

import pytest
from openpyxl import load_workbook

from recommendations.models import ProgressUpdate
from reports.exporters.formats import neutralise_formula
from tests.factories import make_review
from tests.reports.conftest import BUCKS, EAST_SUSSEX, HACKNEY

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(("extension", "reader"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_the_three_appendices_export_their_columns_and_cells(
    clerk_client, layouts, reader, extension
):
    hackney = reader(clerk_client.get(f"/reviews/{HACKNEY}/appendix.{extension}"))
    assert hackney[0] == ["Recommendation", "Response", "Hackney Education lead", "Progress update"]
    assert len(hackney) == 19
    assert hackney[1][0].startswith("Recommendation 1 That school exclusion data is published")
    assert (
        hackney[1][2]
        == "Katherine Cracknell, Acting Head of Wellbeing and Safeguarding in Education"
    )

    sussex = reader(clerk_client.get(f"/reviews/{EAST_SUSSEX}/appendix.{extension}"))
    assert sussex[0][3] == "Timescale" and sussex[1][3] == "July 2024"
    assert sussex[1][0].startswith("R1 The Department should utilise")
    assert "- Recruitment to all outstanding vacancies" in sussex[1][1]  # a list, as plain text

    bucks = reader(clerk_client.get(f"/reviews/{BUCKS}/appendix.{extension}"))
    assert bucks[0][1] == "Agreed Yes/No"
    assert [row[1] for row in bucks[1:]] == [
        "Yes", "", "Yes", "Yes", "", "Yes", "Yes", "Yes", "", "", "", "No", "Yes", "Yes",
    ]  # fmt: skip
    assert bucks[1][0].startswith("1: It is recommended that Early Help")
    assert bucks[1][3] == "Cllr Mike Appleyard"
    for row in hackney + sussex + bucks:
        for cell in row:
            assert "<p>" not in cell and "<li>" not in cell and "&amp;" not in cell


def test_exports_contain_no_markup_and_no_formulas(clerk_client):
    review = make_review(recommendations=1)
    update = ProgressUpdate.objects.get(recommendation__review=review)
    update.text = '=HYPERLINK("http://evil.example","x")'
    update.save()
    rows = csv_rows(clerk_client.get(f"/reviews/{review.slug}/appendix.csv"))
    assert rows[1][4].startswith("'=HYPERLINK")
    sheet = load_workbook(
        io.BytesIO(clerk_client.get(f"/reviews/{review.slug}/appendix.xlsx").content)
    ).active
    cell = sheet.cell(row=2, column=5)
    # Stored as a string cell, so Excel shows it rather than running it.
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil.example","x")'


def test_formula_neutralising_leaves_markdown_bullets_alone():
    assert neutralise_formula("- a bullet") == "- a bullet"
    assert neutralise_formula("-1+2") == "'-1+2"
    assert neutralise_formula("+1") == "'+1"
    assert neutralise_formula("@SUM(A1)") == "'@SUM(A1)"


def test_exports_are_downloads_named_after_the_review(clerk_client, layouts):
    response = clerk_client.get(f"/reviews/{HACKNEY}/appendix.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="hackney-school-exclusions-appendix.csv"' in response["Content-Disposition"]
