"""An appendix exported as XLSX, CSV or DOCX, edited, and imported as a new update report of
its review gives exactly the edits as new updates."""

from __future__ import annotations

import csv
import io

import docx
import openpyxl
import pytest
from django.core.management import call_command

from recommendations.importing.recognise import split_label
from recommendations.models import ProgressUpdate, Review
from reports.exporters.appendix import AppendixExporter
from reports.models import ReportAppendixSettings
from reports.rows import appendix_for_review

SLUGS = [
    "east-sussex-school-exclusions",
    "hackney-school-exclusions",
    # Header fields and a version table above the recommendations' headings.
    "buckinghamshire-permanent-exclusions",
]


def _heading_row(rows: list[list[str]]) -> int:
    """As a person finds it: the first row with an "update" heading."""
    return next(i for i, row in enumerate(rows) if any("update" in c.lower() for c in row))


def _edit_xlsx(content: bytes, edits: dict[str, str], status: dict[str, str]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    values = [[str(cell.value or "") for cell in row] for row in sheet.iter_rows()]
    heading = _heading_row(values)
    update_column = next(i for i, h in enumerate(values[heading]) if "update" in h.lower())
    for row in sheet.iter_rows(min_row=heading + 2):
        label = (row[0].value or "").removesuffix(" (continued)")
        if label in edits:
            # A record too long for a page continues on the next sheet rows: the new text
            # replaces all of it.
            continued = row[0].value != label
            row[update_column].value = None if continued else edits[label]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _edit_csv(content: bytes, edits: dict[str, str], status: dict[str, str]) -> bytes:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    heading = _heading_row(rows)
    update_column = next(i for i, h in enumerate(rows[heading]) if "update" in h.lower())
    for row in rows[heading + 1 :]:
        if row[0] in edits:
            row[update_column] = edits[row[0]]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _edit_docx(content: bytes, edits: dict[str, str], status: dict[str, str]) -> bytes:
    """As an officer edits the Word appendix: the update cell's paragraphs replaced, a list
    typed with Word's bullet style."""
    document = docx.Document(io.BytesIO(content))
    table = document.tables[-1]
    header = [cell.text for cell in table.rows[0].cells]
    update_column = next(i for i, h in enumerate(header) if "update" in h.lower())
    for row in table.rows[1:]:
        label, _ = split_label(row.cells[0].paragraphs[0].text.strip())
        if label not in edits:
            continue
        cell = row.cells[update_column]
        for paragraph in cell.paragraphs[1:]:
            paragraph._p.getparent().remove(paragraph._p)
        lines = edits[label].split("\n")
        cell.paragraphs[0].text = lines[0]
        cell.paragraphs[0].style = document.styles["Normal"]
        for line in lines[1:]:
            if line.startswith("- "):
                cell.add_paragraph(line.removeprefix("- "), style="List Bullet")
            else:
                cell.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


EDITORS = {"xlsx": _edit_xlsx, "csv": _edit_csv, "docx": _edit_docx}


@pytest.mark.parametrize("kind", EDITORS)
@pytest.mark.parametrize("slug", SLUGS)
def test_an_edited_export_imports_as_exactly_its_edits(demo_data, tmp_path, slug, kind):
    review = Review.objects.get(slug=slug)
    _, _, content = AppendixExporter(appendix_for_review(review)).render(kind)
    first, second = review.recommendations.exclude(label="").order_by("order")[:2]
    edits = {
        first.label: "Training has now reached every school.\n- 12 sessions held\n- 3 to come",
        second.label: "Done, and reported to the commission.",
    }
    path = tmp_path / f"edited.{kind}"
    path.write_bytes(EDITORS[kind](content, edits, {}))
    before = set(ProgressUpdate.objects.values_list("pk", flat=True))
    layout_version = review.appendix_settings.version

    call_command(
        "import_appendix", str(path), "--review", slug, "--as-at", "March 2026",
        "--report-title", "Spring update",
    )  # fmt: skip

    new = ProgressUpdate.objects.exclude(pk__in=before).select_related("recommendation", "report")
    assert {update.recommendation.label: update.text for update in new} == {
        first.label: "Training has now reached every school.\n\n- 12 sessions held\n- 3 to come",
        second.label: "Done, and reported to the commission.",
    }
    report = new[0].report
    assert (report.title, report.as_at_display, report.review) == (
        "Spring update",
        "March 2026",
        review,
    )
    assert report.documents.get().filename == f"edited.{kind}"
    # The table's columns are the review's own: its layout serves the report as it is.
    assert not ReportAppendixSettings.objects.filter(report=report).exists()
    assert review.appendix_settings.version == layout_version


def test_an_unedited_export_imports_nothing(demo_data, tmp_path):
    review = Review.objects.get(slug="east-sussex-school-exclusions")
    _, _, content = AppendixExporter(appendix_for_review(review)).render("xlsx")
    path = tmp_path / "same.xlsx"
    path.write_bytes(content)
    with pytest.raises(Exception, match="no row differs"):
        call_command("import_appendix", str(path), "--review", review.slug)
    assert not review.update_reports.filter(title__contains="update notes").exists()
