"""Issue 15: a council-wide tracker names the committee each recommendation came from ("Origin
committee"). The column is recognised under its usual headings; each review the import makes
is of that committee, the authority's of that name (in any case) or a new one made through the
services; a review whose rows name two committees is an error on the preview."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from recommendations.importing import readers, recognise
from recommendations.importing.preview import build_preview
from recommendations.models import Committee, Review
from tests.factories import make_committee, make_review
from tests.recommendations.importing.tables import as_csv, as_docx


@pytest.mark.parametrize(
    "heading",
    [
        "Origin committee", "Committee", "Originating committee", "Scrutiny committee",
        "Select Committee", "Overview and Scrutiny Committee", "Committee name", "Panel",
    ],
)  # fmt: skip
def test_the_origin_committee_column_is_recognised_under_its_usual_headings(heading):
    assert recognise.field_for_heading(heading) == "committee"


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Committee response", "response"),
        ("Lead officer", "leads"),
        ("Cabinet member", "cabinet_member"),
    ],
)
def test_headings_naming_a_committee_among_other_words_are_not_the_committee(heading, field):
    assert recognise.field_for_heading(heading) == field


TRACKER = [
    ["Ref", "Select Committee", "Review", "Recommendation", "Action taken"],
    ["1", "people scrutiny", "Exclusions", "Publish the data.", "Published."],
    ["2", "", "Exclusions", "Train governors.", "Booked."],
    ["1", "Health Scrutiny Panel", "Waiting lists", "Count them.", "Counted."],
]


def test_each_new_review_is_of_the_committee_its_rows_name(officer_client):
    people = make_committee()
    people.name = "People Scrutiny"
    people.save()
    authority = people.authority
    # Another authority's committee of that name is not this one's.
    elsewhere = make_committee()
    Committee.objects.create(authority=elsewhere.authority, name="Health Scrutiny Panel", slug="h")
    response = officer_client.post(
        "/reviews/import/",
        {
            "into": "new",
            "committee": people.pk,
            "file": SimpleUploadedFile("t.docx", as_docx(TRACKER)),
        },
    )
    preview_url = response["Location"]
    page = officer_client.get(preview_url)
    body = page.content.decode()
    assert "Exclusions: 2 rows, a new review of people scrutiny</th>" in body
    assert "Waiting lists: 1 row, a new review of Health Scrutiny Panel (a new committee)" in body

    response = officer_client.post(preview_url, {"table": "1"})
    assert response.status_code == 302
    exclusions = Review.objects.get(title="Exclusions")
    waiting = Review.objects.get(title="Waiting lists")
    assert exclusions.committee == people  # matched by name, in any case
    assert waiting.committee.authority == authority
    assert waiting.committee.name == "Health Scrutiny Panel"
    assert waiting.committee.slug  # made as the services make committees
    assert Committee.objects.filter(name="Health Scrutiny Panel").count() == 2


def test_the_committee_column_names_the_authority_when_the_upload_did_not(officer_client):
    people = make_committee()
    people.name = "People Scrutiny"
    people.save()
    rows = [TRACKER[0], TRACKER[1], TRACKER[2]]
    response = officer_client.post(
        "/reviews/import/",
        {"into": "new", "file": SimpleUploadedFile("t.csv", as_csv(rows))},
    )
    page = officer_client.get(response["Location"])
    assert page.context["header"]["committee"] == people
    response = officer_client.post(response["Location"], {"table": "1"})
    assert response.status_code == 302
    assert Review.objects.get(title="Exclusions").committee == people


def test_a_review_whose_rows_name_two_committees_is_an_error_on_the_preview():
    rows = [*TRACKER, ["3", "Place Scrutiny", "Exclusions", "Fund units.", "Funded."]]
    _, tables = readers.read_tables(as_csv(rows), "t.csv")
    preview = build_preview(tables[0])
    assert preview.errors == 1
    assert preview.rows[-1].errors == [
        "Committee “Place Scrutiny”, but row 2 of Exclusions names “people scrutiny”: a review "
        "is of one committee."
    ]


def test_a_recorded_review_keeps_its_committee(officer_client):
    recorded = make_review(recommendations=0, title="Exclusions")
    recorded.recommendations.create(label="1", order=1, text="Publish the data.")
    recorded.recommendations.create(label="2", order=2, text="Train governors.")
    response = officer_client.post(
        "/reviews/import/",
        {"into": "new", "committee": recorded.committee_id,
         "file": SimpleUploadedFile("t.csv", as_csv(TRACKER))},
    )  # fmt: skip
    response = officer_client.post(response["Location"], {"table": "1"})
    assert response.status_code == 302
    recorded.refresh_from_db()
    assert recorded.committee.name != "people scrutiny"
    assert not Committee.objects.filter(name__iexact="people scrutiny").exists()
    assert recorded.update_reports.order_by("-pk").first().updates.count() == 2
