"""Issue 15: one table may hold several reviews' recommendations (a council-wide tracker, or a
committee's progress annex naming the report of each row). A column mapped to "review" (or a
reference such as "SR (25/26) 01") groups the rows: each review is matched by title or made,
the preview groups its rows by review, and saving is all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from recommendations import services
from recommendations.importing import readers
from recommendations.importing.preview import build_preview
from recommendations.models import ProgressUpdate, Review, UpdateReport
from tests.factories import make_review
from tests.recommendations.importing.tables import as_docx, as_xlsx

pytestmark = pytest.mark.django_db

# A council-wide tracker, as the issue lists its columns.
TRACKER = [
    ["Reference", "Origin committee", "Date agreed", "Area", "Recommendation",
     "Date considered by the executive", "Lead", "Action taken", "RAG status"],
    ["SR (25/26) 01", "People Scrutiny", "3 June 2025", "Education", "Publish exclusion data.",
     "July 2025", "Ann Lee", "Published in June.", "Green"],
    ["SR (25/26) 02", "People Scrutiny", "3 June 2025", "Education", "Train governors.",
     "July 2025", "Bo Ray", "Sessions booked.", "Amber"],
    ["SR (24/25) 01", "Place Scrutiny", "9 May 2024", "Roads", "Mend the potholes.",
     "June 2024", "Cy Dunn", "Begun.", "Red"],
]  # fmt: skip


def test_a_council_wide_tracker_imports_as_one_review_per_reference(officer_client):
    existing = make_review(recommendations=1)
    response = officer_client.post(
        "/reviews/import/",
        {
            "into": "new", "committee": existing.committee_id, "title": "Council-wide tracker",
            "file": SimpleUploadedFile("tracker.xlsx", as_xlsx(TRACKER)),
        },
    )  # fmt: skip
    preview_url = response["Location"]
    page = officer_client.get(preview_url)
    preview = page.context["preview"]
    assert preview.fields[:3] == ["reference", "committee", ""]  # dates: by hand
    assert [(name, [row.label for row in rows]) for name, rows in preview.groups] == [
        ("SR (25/26)", ["1", "2"]),
        ("SR (24/25)", ["1"]),  # a label is a review's own: "1" twice is no clash
    ]
    body = page.content.decode()
    assert "SR (25/26): 2 rows, a new review" in body and "SR (24/25): 1 row, a new review" in body
    assert not preview.errors and not Review.objects.filter(title__startswith="SR").exists()

    response = officer_client.post(preview_url, {"table": "1"})
    assert response.status_code == 302 and response["Location"] == "/reviews/"
    first, second = (Review.objects.get(title=title) for title in ("SR (25/26)", "SR (24/25)"))
    # Each of the origin committee its rows name, made in the authority (it had neither).
    assert (first.committee.name, second.committee.name) == ("People Scrutiny", "Place Scrutiny")
    assert (
        first.committee.authority_id
        == second.committee.authority_id
        == existing.committee.authority_id
    )
    assert [(r.label, r.text) for r in first.recommendations.order_by("order")] == [
        ("1", "Publish exclusion data."), ("2", "Train governors."),
    ]  # fmt: skip
    updates = ProgressUpdate.objects.filter(recommendation__review=first)
    assert [u.rag for u in updates.order_by("recommendation__order")] == [
        "green", "amber",
    ]  # fmt: skip
    assert str(second.recommendations.get().leads.get().person) == "Cy Dunn"
    # The file is kept with each review it made.
    assert first.documents.get().filename == second.documents.get().filename == "tracker.xlsx"


ANNEX = [
    ["Report", "Recommendation", "Government response", "Progress"],
    ["Fourth Report: School exclusions", "R1 Publish the data.", "Accepted.", "Published."],
    ["Fourth Report: School exclusions", "R2 Fund inclusion units.", "Rejected.", ""],
    ["Second Report: Alternative provision", "R1 Inspect every unit.", "Accepted.",
     "Ofsted now inspects them."],
]  # fmt: skip


def _preview(rows: list[list[str]]):
    _, tables = readers.read_tables(as_docx(rows), "annex.docx")
    return build_preview(tables[0])


def _import(preview, committee):
    return services.import_table(
        rows=preview.rows,
        review=Review(committee=committee, title="Progress annex"),
        report=UpdateReport(title="Progress annex", as_at=dt.date(2025, 3, 1)),
        columns=preview.columns,
        file_name="annex.docx",
        content=as_docx(ANNEX),
        user=None,
    )


def test_a_progress_annex_matches_a_recorded_review_by_its_report_and_makes_the_others():
    recorded = make_review(recommendations=0, title="Second Report: Alternative provision")
    recorded.recommendations.create(label="R1", order=1, text="Inspect every unit.")
    preview = _preview(ANNEX)
    assert preview.fields == ["review", "recommendation", "response", "update"]
    result = _import(preview, recorded.committee)
    assert [review.title for review in result.reviews] == [
        "Fourth Report: School exclusions", "Second Report: Alternative provision",
    ]  # fmt: skip
    assert (result.recommendations, result.updates) == (2, 2)
    made = Review.objects.get(title="Fourth Report: School exclusions")
    assert [(r.label, r.response.text) for r in made.recommendations.order_by("order")] == [
        ("R1", "Accepted."), ("R2", "Rejected."),
    ]  # fmt: skip
    # The recorded review gets a new update report with its row's update, nothing else.
    assert recorded.recommendations.count() == 1
    update = ProgressUpdate.objects.get(recommendation__review=recorded, report__isnull=False)
    assert update.text == "Ofsted now inspects them." and update.report.title == "Progress annex"


def test_a_table_of_several_reviews_is_saved_all_or_nothing():
    committee = make_review(recommendations=0).committee
    too_long = "R" * 300  # a title no review may have
    rows = [*ANNEX[:3], [too_long, "R1 Inspect every unit.", "Accepted.", "Done."]]
    with pytest.raises(services.ImportRefused) as refused:
        _import(_preview(rows), committee)
    assert refused.value.errors[0][0].startswith(f"{too_long}: ")
    assert not Review.objects.filter(title="Fourth Report: School exclusions").exists()


def test_a_row_without_its_review_is_an_error_on_the_preview():
    preview = _preview([*ANNEX, ["", "R3 Review the guidance.", "Accepted.", ""]])
    [row] = [row for row in preview.rows if row.errors]
    assert row.errors == ["No review: the table names one for its other rows."]
