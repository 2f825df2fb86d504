"""The import pages: upload, preview with each row's errors, save; officers only."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from recommendations.models import Committee, Review
from recommendations.views.importing import SESSION_KEY
from tests.recommendations.importing.tables import as_csv, as_xlsx

ROWS = [
    [
        "Ref",
        "Recommendation",
        "Agreed Yes/No",
        "Response",
        "Lead Officer",
        "Action taken",
        "Status",
    ],
    ["1", "Publish the data.", "Yes", "We will.", "Ann Lee, Head of Data", "Done.", "Completed"],
    [
        "2",
        "Train governors.",
        "Agreed in principle",
        "Later.",
        "Bo Ray / Cy Dunn",
        "Began.",
        "Amber",
    ],
]


def _upload(client, content: bytes, name: str, **fields):
    committee = Committee.objects.first()
    data = {"into": "new", "committee": committee.pk, "title": "Imported review", **fields}
    return client.post("/reviews/import/", {**data, "file": SimpleUploadedFile(name, content)})


def test_an_officer_uploads_previews_and_saves_a_table(officer_client, demo_data):
    response = _upload(officer_client, as_xlsx(ROWS), "tracker.xlsx")
    assert response.status_code == 302
    preview_url = response["Location"]
    assert preview_url.startswith("/reviews/import/")

    page = officer_client.get(preview_url).content.decode()
    assert "2 rows" in page and "Publish the data." in page and "Bo Ray" in page
    assert '<option value="decision" selected>' in page  # "Agreed Yes/No" recognised
    assert not Review.objects.filter(title="Imported review").exists()  # nothing saved yet

    response = officer_client.post(preview_url, {"table": "1"})
    review = Review.objects.get(title="Imported review")
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    first, second = review.recommendations.order_by("order")
    assert (first.label, first.response.decision) == ("1", "agreed")
    assert second.response.decision == "partly_agreed"
    assert [str(lead.person) for lead in second.leads.all()] == ["Bo Ray", "Cy Dunn"]
    assert first.updates.get().status == "implemented"
    assert second.updates.get().rag == "amber"
    assert review.documents.get().filename == "tracker.xlsx"
    # The file waited in storage between the steps only; the preview asked for again says
    # the table was imported, and shows what it made (test_saved_once.py).
    assert not default_storage.listdir("imports")[1]
    assert not officer_client.session[SESSION_KEY]
    assert officer_client.get(preview_url)["Location"] == review.get_absolute_url()


def test_the_preview_shows_row_errors_and_saves_nothing(officer_client, demo_data):
    rows = [*ROWS, ["3", "", "Perhaps", "", "", "", ""]]
    preview_url = _upload(officer_client, as_csv(rows), "tracker.csv")["Location"]
    page = officer_client.get(preview_url).content.decode()
    assert "1 with errors" in page
    assert "No recommendation text." in page and "Unknown decision" in page
    assert officer_client.post(preview_url, {"table": "1"}).status_code == 200
    assert not Review.objects.filter(title="Imported review").exists()


def test_an_unknown_word_is_mapped_once_on_the_preview(officer_client, demo_data):
    rows = [ROWS[0], ["1", "Publish the data.", "Supported in part", "", "", "", ""]]
    preview_url = _upload(officer_client, as_csv(rows), "tracker.csv")["Location"]
    page = officer_client.get(preview_url).content.decode()
    name = page.split('name="word_decision_')[1].split('"')[0]
    words = {"table": "1", f"word_decision_{name}": "partly_agreed"}
    assert "1 with errors" not in officer_client.get(preview_url, words).content.decode()
    officer_client.post(preview_url, words)
    review = Review.objects.get(title="Imported review")
    assert review.recommendations.get().response.decision == "partly_agreed"


def test_a_bad_file_is_refused_on_the_upload_form(officer_client, demo_data):
    response = _upload(officer_client, b"%PDF-1.4 not a table", "minutes.pdf")
    assert response.status_code == 200
    assert "Import a Word (.docx), Excel (.xlsx) or CSV file" in response.content.decode()


def test_members_and_clerks_may_not_import(client, member, clerk, officer, demo_data):
    client.force_login(officer)
    preview_url = _upload(client, as_csv(ROWS), "tracker.csv")["Location"]
    for user in (member, clerk):
        client.force_login(user)
        assert client.get("/reviews/import/").status_code == 403
        assert client.get(preview_url).status_code == 403
        assert client.post(preview_url, {"table": "1"}).status_code == 403
    assert not Review.objects.filter(title="Imported review").exists()
