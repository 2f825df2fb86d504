"""Supporting documents on the pages: attached by officers and clerks on the four records'
pages, listed there, removed by officers after a confirmation, downloaded by those who may
read the record, always as an attachment of the type found in the file."""

import datetime as dt
import errno
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core.files.storage import default_storage
from django.test import Client
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.timezone import localtime

from recommendations import services
from recommendations.models import Meeting, ProgressUpdate, SupportingDocument, UpdateReport
from recommendations.storage import CleanFileSystemStorage, StorageUnavailable
from tests import documents as samples
from tests.factories import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    review = make_review(slug="r", recommendations=1)
    report = UpdateReport.objects.get(review=review)
    update = ProgressUpdate.objects.get(recommendation__review=review)
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2023, 9, 1), agenda_item="Item 5: exclusions"
    )
    meeting.reviews.add(review)
    rec = "/reviews/r/recommendations/1/"
    return {
        "review": (review, "/reviews/r/documents/new/", "/reviews/r/"),
        "update_report": (
            report,
            f"/reviews/r/update-reports/{report.pk}/documents/new/",
            f"/reviews/r/update-reports/{report.pk}/",
        ),
        "progress_update": (update, f"{rec}updates/{update.pk}/documents/new/", rec),
        "meeting": (meeting, f"/meetings/{meeting.pk}/documents/new/", f"/meetings/{meeting.pk}/"),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, url, name="policy.pdf", data=None, title="Exclusion policy <v2>"):
    upload = samples.upload(name, samples.pdf() if data is None else data)
    return client.post(url, {"title": title, "description": "As *agreed*.", "file": upload})


def _attached(
    parent_field, parent, name="minutes.pdf", data=None, title="Minutes"
) -> SupportingDocument:
    document = SupportingDocument(
        title=title, file=samples.upload(name, data or samples.pdf()), **{parent_field: parent}
    )
    return services.attach_document(document=document, user=None)


def stored_files() -> list[Path]:
    return sorted(path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


# Attaching and listing


@pytest.mark.parametrize("parent_field", ["review", "update_report", "progress_update", "meeting"])
def test_an_officer_attaches_a_document_on_each_page_and_sees_it_listed(
    world, officer, parent_field
):
    parent, attach_url, page = world[parent_field]
    client = _client(officer)
    body = client.get(page).content.decode()
    assert f'action="{attach_url}"' in body or f'href="{attach_url}"' in body
    response = _post(client, attach_url)
    assert response.status_code == 302
    assert response["Location"].split("#")[0] == page
    document = SupportingDocument.objects.get()
    assert getattr(document, parent_field) == parent
    body = client.get(page).content.decode()
    assert f'href="/documents/{document.pk}/"' in body
    assert "Exclusion policy &lt;v2&gt;" in body  # escaped
    added = date_format(localtime(document.uploaded_at), "j F Y")
    assert f"PDF, {len(samples.pdf())}\xa0bytes, added {added}" in body


def test_the_attach_page_names_the_record_and_the_limits(world, officer):
    body = _client(officer).get(world["meeting"][1]).content.decode()
    assert "To the meeting of 1 September 2023: Item 5: exclusions." in body
    assert 'enctype="multipart/form-data"' in body
    assert (
        "PDF, Word, Excel or PowerPoint (DOCX, XLSX, PPTX)" in body and "up to 20.0\xa0MB" in body
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("minutes.pdf", samples.html(), "web page, SVG image or other markup"),
        ("logo.svg", samples.svg(), "web page, SVG image or other markup"),
        ("setup.exe", samples.exe(), "Windows Executable"),
        ("minutes.pdf", b"", "The file is empty. Choose the file again."),
    ],
)
def test_a_refused_file_comes_back_on_the_form_with_what_was_typed(
    world, officer, name, data, message
):
    response = _post(_client(officer), world["review"][1], name, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert escape(message) in body
    assert 'value="Exclusion policy &lt;v2&gt;"' in body
    assert "As *agreed*.</textarea>" in body
    assert SupportingDocument.objects.count() == 0
    assert stored_files() == []


def test_a_file_over_the_limit_is_refused_beside_the_field(world, officer, settings):
    settings.SUPPORTING_DOCUMENT_MAX_BYTES = 2048
    response = _post(_client(officer), world["meeting"][1], data=samples.pdf() + b" " * 4096)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_file_error"' in body
    assert "the limit is 2.0\xa0KB. Attach a smaller file, or split it." in body
    assert SupportingDocument.objects.count() == 0


def test_no_file_chosen_is_a_clear_message(world, officer):
    response = _client(officer).post(world["meeting"][1], {"title": "Minutes"})
    assert response.status_code == 200
    assert "Choose a file to attach." in response.content.decode()


def test_storage_that_fails_gives_a_503_that_keeps_the_form(world, officer, monkeypatch):
    def full(self, name, content):
        raise StorageUnavailable.from_os_error(OSError(errno.ENOSPC, "No space left"))

    monkeypatch.setattr(CleanFileSystemStorage, "_save", full)
    response = _post(_client(officer), world["meeting"][1])
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "The file could not be stored: the server&#x27;s storage is full." in body
    assert "choose the file again before attaching it" in body
    assert 'value="Exclusion policy &lt;v2&gt;"' in body
    assert SupportingDocument.objects.count() == 0
    assert stored_files() == []


# Who may do what


def test_members_read_and_download_but_see_no_attach_or_remove(world, member):
    document = _attached("meeting", world["meeting"][0])
    client = _client(member)
    body = client.get(world["meeting"][2]).content.decode()
    assert f'href="/documents/{document.pk}/"' in body
    assert "Attach a document" not in body and "/remove/" not in body
    assert client.get(f"/documents/{document.pk}/").status_code == 200
    for _, attach_url, _ in world.values():
        assert client.get(attach_url).status_code == 403
        assert _post(client, attach_url).status_code == 403
    assert client.get(f"/documents/{document.pk}/remove/").status_code == 403
    assert client.post(f"/documents/{document.pk}/remove/").status_code == 403
    assert SupportingDocument.objects.count() == 1


def test_clerks_attach_but_do_not_remove(world, clerk):
    client = _client(clerk)
    assert _post(client, world["meeting"][1]).status_code == 302
    document = SupportingDocument.objects.get()
    assert "/remove/" not in client.get(world["meeting"][2]).content.decode()
    assert client.post(f"/documents/{document.pk}/remove/").status_code == 403


def test_someone_in_no_role_sees_no_documents_and_cannot_download(world, outsider):
    document = _attached("review", world["review"][0])
    client = _client(outsider)
    assert f"/documents/{document.pk}/" not in client.get("/reviews/r/").content.decode()
    assert client.get(f"/documents/{document.pk}/").status_code == 403
    assert _post(client, world["review"][1]).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    document = _attached("review", world["review"][0])
    for url in [
        f"/documents/{document.pk}/",
        world["review"][1],
        f"/documents/{document.pk}/remove/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("parent_field", "needed"),
    [
        ("review", "view_review"),
        ("update_report", "view_updatereport"),
        ("progress_update", "view_progressupdate"),
        ("meeting", "view_meeting"),
    ],
)
def test_downloading_needs_the_right_to_see_the_record_it_belongs_to(world, parent_field, needed):
    document = _attached(parent_field, world[parent_field][0])
    user = User.objects.create_user("reader")
    user.user_permissions.add(Permission.objects.get(codename="view_supportingdocument"))
    assert _client(user).get(f"/documents/{document.pk}/").status_code == 403
    user.user_permissions.add(Permission.objects.get(codename=needed))
    user = User.objects.get(pk=user.pk)  # permissions are cached per instance
    assert _client(user).get(f"/documents/{document.pk}/").status_code == 200


def test_an_unknown_document_is_a_404_for_readers_and_a_403_for_others(member, outsider):
    assert _client(member).get("/documents/999999/").status_code == 404
    assert _client(outsider).get("/documents/999999/").status_code == 403


# Downloads


@pytest.mark.parametrize(
    ("name", "data", "content_type", "disposition"),
    [
        (
            "Exclusion policy.pdf",
            samples.pdf(),
            "application/pdf",
            'attachment; filename="Exclusion policy.pdf"',
        ),
        ("chart.jpg", samples.png(), "image/png", 'attachment; filename="chart.png"'),
        (
            "schools.csv",
            samples.csv(),
            "text/csv; charset=utf-8",
            'attachment; filename="schools.csv"',
        ),
        (
            "Café “minutes” 2024.pdf",
            samples.pdf(),
            "application/pdf",
            "attachment; filename*=utf-8''Caf%C3%A9%20%E2%80%9Cminutes%E2%80%9D%202024.pdf",
        ),
    ],
)
def test_a_download_is_an_attachment_of_the_type_found_in_the_file(
    world, member, name, data, content_type, disposition
):
    document = _attached("review", world["review"][0], name, data)
    response = _client(member).get(f"/documents/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_a_stored_type_that_was_not_found_on_upload_is_never_served(world, member):
    """A row edited by hand, or from before the check: still bytes, never a page."""
    document = _attached("review", world["review"][0])
    SupportingDocument.objects.filter(pk=document.pk).update(content_type="text/html")
    response = _client(member).get(f"/documents/{document.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_files_are_never_served_from_the_media_url(world, member):
    document = _attached("review", world["review"][0])
    assert default_storage.exists(document.file.name)
    client = _client(member)
    for url in [f"/media/{document.file.name}", f"/{document.file.name}"]:
        assert client.get(url).status_code == 404


def test_a_file_missing_from_storage_is_a_503_page_not_a_500(world, member):
    document = _attached("review", world["review"][0])
    default_storage.delete(document.file.name)
    response = _client(member).get(f"/documents/{document.pk}/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "The document “Minutes” cannot be downloaded just now: its file is missing" in body
    assert document.file.name in body


# Removing


def test_removing_asks_first_and_only_a_post_removes(
    world, officer, django_capture_on_commit_callbacks
):
    document = _attached("progress_update", world["progress_update"][0])
    client = _client(officer)
    page = client.get(f"/documents/{document.pk}/remove/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Remove “Minutes”?" in body and "the update as at" in body
    assert SupportingDocument.objects.filter(pk=document.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/documents/{document.pk}/remove/")
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"/reviews/r/recommendations/1/#update-{document.progress_update_id}"
    )
    assert not SupportingDocument.objects.exists()
    assert stored_files() == []
    assert client.post(f"/documents/{document.pk}/remove/").status_code == 404


def test_a_final_reports_document_cannot_be_removed_and_the_page_says_why(world, officer):
    report = world["update_report"][0]
    document = _attached("update_report", report)
    report.refresh_from_db()
    services.update_report_finalise(
        report=report, expected_version=report.version, user=None, gaps_reason="Not all in."
    )
    client = _client(officer)
    body = client.get(f"/documents/{document.pk}/remove/").content.decode()
    assert "Remove the document" in body  # the rule is checked on the attempt
    response = client.post(f"/documents/{document.pk}/remove/")
    assert response.status_code == 200
    assert (
        "belongs to a final update report, so it stays on the record" in response.content.decode()
    )
    assert SupportingDocument.objects.filter(pk=document.pk).exists()


# The meeting's page


def test_the_meeting_page_shows_what_it_considered_and_its_documents(world, member):
    meeting = world["meeting"][0]
    report = world["update_report"][0]
    report.meeting = meeting
    report.save()
    _attached("meeting", meeting, title="Agenda")
    body = _client(member).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "<h1>Meeting of 1 September 2023</h1>" in body
    assert 'href="/reviews/r/"' in body
    assert f'href="/reviews/r/update-reports/{report.pk}/"' in body
    assert "Agenda" in body
    assert "/pack/" not in body  # members do not export packs


def test_the_review_page_links_each_meeting_to_its_page(world, member):
    meeting = world["meeting"][0]
    assert f'href="/meetings/{meeting.pk}/"' in _client(member).get("/reviews/r/").content.decode()
