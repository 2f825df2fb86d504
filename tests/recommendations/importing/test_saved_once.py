"""An uploaded table is saved at most once. A second save of the same upload (a double click
without JavaScript, the browser sending the form again, a second tab) reads the same session
entry and file as the first, before the first clears them: it must write nothing, say the
table was already imported and show what the first save made. A refused save leaves the
upload to be saved once corrected."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from recommendations import imported_uploads, services
from recommendations.models import ImportedUpload, Review, UpdateReport
from recommendations.views.importing import SESSION_KEY
from tests.factories import make_committee, make_review
from tests.recommendations.importing.tables import as_csv

NEW = [
    ["Ref", "Recommendation", "Response", "Progress update"],
    ["1", "Publish the data.", "We will.", "Published."],
    ["2", "Train governors.", "Later.", "Began."],
]
# Into a recorded review (make_review's): the progress differs, so each row is a new update.
UPDATE = [
    ["Ref", "Recommendation", "Progress update"],
    ["1", "Recommendation text 1", "Published in May."],
    ["2", "Recommendation text 2", "Half trained."],
]
SEVERAL = [
    ["Review", "Ref", "Recommendation"],
    ["Housing 2024", "1", "Build homes."],
    ["Roads 2024", "1", "Mend the roads."],
]


def _rows() -> dict[str, int]:
    """How many rows each table of the two apps holds, history included."""
    return {
        model._meta.label: model._base_manager.count()
        for label in ("recommendations", "reports")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }


def _files() -> set[Path]:
    """The stored files, but the uploads waiting between the steps."""
    root = Path(settings.MEDIA_ROOT)
    return {
        path.relative_to(root)
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).parts[0] != "imports"
    }


def _upload(client, table: list[list[str]], **fields) -> str:
    response = client.post(
        "/reviews/import/", {**fields, "file": SimpleUploadedFile("tracker.csv", as_csv(table))}
    )
    assert response.status_code == 302
    return response["Location"]


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _variant(name: str) -> tuple[list[list[str]], dict, str]:
    """A table, the upload form's fields, and the page the save shows (its review's)."""
    if name == "a new review":
        committee = make_committee()
        return NEW, {"into": "new", "committee": committee.pk, "title": "Imported review"}, ""
    if name == "an update report":
        review = make_review(recommendations=2)
        fields = {"into": "existing", "review": review.pk, "report_title": "Spring"}
        return UPDATE, fields, review.get_absolute_url()
    committee = make_committee()
    return SEVERAL, {"into": "new", "committee": committee.pk, "title": "Tracker"}, "/reviews/"


def _made(name: str) -> int:
    """How many of what the save makes there are: the reviews, or the update reports."""
    if name == "an update report":
        return Review.objects.filter(update_reports__title="Spring").count()
    if name == "a new review":
        return Review.objects.filter(title="Imported review").count()
    return Review.objects.filter(title__in=["Housing 2024", "Roads 2024"]).count()


@pytest.mark.parametrize("variant", ["a new review", "an update report", "several reviews"])
def test_a_second_save_that_read_the_upload_before_the_first_ended_writes_nothing(
    officer_client, variant
):
    table, fields, _ = _variant(variant)
    preview_url = _upload(officer_client, table, **fields)
    # What a second request (a double click, a second tab) read before the first save ended:
    # the session's entry for the upload, and the stored file.
    uploads = copy.deepcopy(officer_client.session[SESSION_KEY])
    (entry,) = uploads.values()
    with default_storage.open(entry["stored"], "rb") as handle:
        content = handle.read()

    first = officer_client.post(preview_url, {"table": "1"})
    assert first.status_code == 302 and _made(variant) == (2 if variant == "several reviews" else 1)
    officer_client.get(first["Location"])  # the officer reads what it made
    rows, files = _rows(), _files()

    session = officer_client.session
    session[SESSION_KEY] = uploads
    session.save()
    assert default_storage.save(entry["stored"], ContentFile(content)) == entry["stored"]
    second = officer_client.post(preview_url, {"table": "1"})
    assert _rows() == rows and _files() == files  # nothing more, the first save's all kept
    assert second.status_code == 302 and second["Location"] == first["Location"]
    (message,) = _messages(second)
    assert message.startswith("This table was already imported (tracker.csv, ")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("variant", ["a new review", "an update report"])
def test_two_saves_at_once_import_the_table_once(officer_client, monkeypatch, variant):
    # Two requests (two tabs, a double click) both read the session and the file, then both
    # save at the same moment, each in its own transaction on its own connection. (SQLite
    # runs one writer at a time: the second's transaction begins when the first's has ended,
    # as in the test above.)
    table, fields, _ = _variant(variant)
    preview_url = _upload(officer_client, table, **fields)
    both_read = threading.Barrier(2, timeout=10)
    save, work = services.import_table_at_meeting, services.import_table
    worked = []

    def saving(**kwargs):
        both_read.wait()  # each has read the session's entry and the stored file
        return save(**kwargs)

    def working(**kwargs):
        worked.append(kwargs["file_name"])
        return work(**kwargs)

    monkeypatch.setattr(services, "import_table_at_meeting", saving)
    # Looked up where import_table_at_meeting calls it.
    monkeypatch.setattr(services.importing, "import_table", working)
    cookie = officer_client.cookies[settings.SESSION_COOKIE_NAME].value
    responses, errors = [], []

    def post() -> None:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
        try:
            responses.append(client.post(preview_url, {"table": "1"}))
        except Exception as error:  # a 500: the test client raises what the view did
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert _made(variant) == 1
    # The second waited on its claim of the upload, before doing the import's work again.
    assert worked == ["tracker.csv"]
    assert [response.status_code for response in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    said = sorted(message for response in responses for message in _messages(response))
    assert said[0].startswith("Imported 2 ")
    assert said[1].startswith("This table was already imported (tracker.csv, ")


def test_the_preview_asked_for_after_the_save_shows_what_it_made(officer_client):
    # The back button, or a second tab's preview reloaded, after the save: not "upload the
    # file again" (which would import it twice), but what the save made.
    table, fields, _ = _variant("a new review")
    preview_url = _upload(officer_client, table, **fields)
    (entry,) = officer_client.session[SESSION_KEY].values()
    saved = officer_client.post(preview_url, {"table": "1"})
    officer_client.get(saved["Location"])
    again = officer_client.get(preview_url)
    assert again.status_code == 302 and again["Location"] == saved["Location"]
    (message,) = _messages(again)
    assert message.startswith("This table was already imported (tracker.csv, ")
    assert not default_storage.exists(entry["stored"])  # the file waited between the steps only


def test_a_save_refused_by_the_services_leaves_the_upload_to_save_corrected(officer_client):
    table, fields, _ = _variant("a new review")
    preview_url = _upload(officer_client, table, **fields)
    refused = officer_client.post(preview_url, {"table": "1", "head_title": "x" * 300})
    assert refused.status_code == 200 and not Review.objects.filter(title__startswith="x")
    assert "Nothing was saved." in _messages(refused)[0]
    assert not ImportedUpload.objects.exists()  # the claim went back with the rest

    saved = officer_client.post(preview_url, {"table": "1", "head_title": "Corrected"})
    review = Review.objects.get(title="Corrected")
    assert saved["Location"] == review.get_absolute_url() and review.recommendations.count() == 2
    assert ImportedUpload.objects.get().review == review


def test_an_update_refused_after_its_rows_were_written_can_be_saved_corrected(officer_client):
    # Saving without the update column: no row differs from what is recorded, which the
    # import finds after writing the report, and refuses (all of it rolled back).
    table, fields, url = _variant("an update report")
    preview_url = _upload(officer_client, table, **fields)
    rows = _rows()
    refused = officer_client.post(preview_url, {"table": "1", "col2": ""})
    assert refused.status_code == 200 and _rows() == rows
    assert "Nothing to import" in _messages(refused)[0]

    saved = officer_client.post(preview_url, {"table": "1", "col2": "update"})
    assert saved["Location"] == url and _made("an update report") == 1
    assert ImportedUpload.objects.get().review.get_absolute_url() == url


def test_a_preview_with_errors_saves_nothing_and_then_saves_corrected(officer_client):
    table = [
        ["Ref", "Recommendation", "Agreed Yes/No", "Progress update"],
        ["1", "Publish the data.", "Yes", "Published."],
        ["2", "Train governors.", "Perhaps", "Began."],  # an unknown word: an error
    ]
    committee = make_committee()
    preview_url = _upload(
        officer_client, table, into="new", committee=committee.pk, title="Imported review"
    )
    refused = officer_client.post(preview_url, {"table": "1"})
    assert refused.status_code == 200 and not ImportedUpload.objects.exists()
    name = refused.content.decode().split('name="word_decision_')[1].split('"')[0]
    saved = officer_client.post(preview_url, {"table": "1", f"word_decision_{name}": "noted"})
    assert saved.status_code == 302 and _made("a new review") == 1


def test_the_service_saves_an_upload_once(db, officer):
    review = make_review(recommendations=1)

    def save(upload: str) -> services.ImportResult:
        return services.import_table_at_meeting(
            meeting_date=None, agenda_item="", review=review,
            report=UpdateReport(title="Spring", as_at=dt.date(2024, 5, 1)),
            rows=[services.ImportedRow(number=2, label="1", update="Done.")],
            columns=[("label", "Ref"), ("update", "Progress update")],
            file_name="papers/spring.csv", content=b"Ref,Progress update\n1,Done.\n",
            user=officer, upload=upload,
        )  # fmt: skip

    result = save("token-1")
    rows = _rows()
    with pytest.raises(imported_uploads.AlreadyImported) as raised:
        save("token-1")
    assert _rows() == rows
    imported = raised.value.imported
    assert (imported.review, imported.reviews, imported.imported_by) == (review, 1, officer)
    assert imported.file_name == "spring.csv" and result.report.title == "Spring"
    # Another upload of the same file is another import (on purpose, the officer uploaded it
    # again); the command line gives no upload and is not claimed.
    with pytest.raises(services.ImportRefused, match="Nothing to import"):
        save("token-2")


@pytest.mark.django_db(transaction=True)  # outside any transaction, as a command might be
def test_an_upload_is_claimed_only_inside_the_import_s_transaction():
    with pytest.raises(RuntimeError):
        imported_uploads.claim(upload="token", user=None)
    assert not ImportedUpload.objects.exists()


def test_a_second_save_after_the_first_removed_the_file_says_it_was_imported(officer_client):
    # The second request read the session before the first cleared it, but the first had
    # removed the stored file by the time the second opened it.
    table, fields, _ = _variant("a new review")
    preview_url = _upload(officer_client, table, **fields)
    uploads = copy.deepcopy(officer_client.session[SESSION_KEY])
    first = officer_client.post(preview_url, {"table": "1"})
    officer_client.get(first["Location"])
    session = officer_client.session
    session[SESSION_KEY] = uploads
    session.save()
    second = officer_client.post(preview_url, {"table": "1"})
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert _messages(second)[0].startswith("This table was already imported (tracker.csv, ")
    assert _made("a new review") == 1
