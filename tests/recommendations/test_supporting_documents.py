"""Supporting documents: the service's rules, and what a file is read as (its bytes, not its
name)."""

import datetime as dt
import errno
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from recommendations import services
from recommendations.models import Meeting, ProgressUpdate, SupportingDocument, UpdateReport
from recommendations.storage import CleanFileSystemStorage, StorageUnavailable
from tests import documents as samples
from tests.factories import make_review

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def review():
    return make_review(slug="r", recommendations=1)


@pytest.fixture
def parents(review) -> dict:
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2023, 9, 1), agenda_item="Item 5"
    )
    return {
        "review": review,
        "update_report": UpdateReport.objects.get(review=review),
        "progress_update": ProgressUpdate.objects.get(recommendation__review=review),
        "meeting": meeting,
    }


def attach(parent_field: str, parent, name: str, data: bytes, user=None, **kwargs):
    document = SupportingDocument(
        title=kwargs.pop("title", "Exclusion policy"),
        file=SimpleUploadedFile(name, data),
        **{parent_field: parent},
        **kwargs,
    )
    return services.attach_document(document=document, user=user)


def stored_files() -> list[Path]:
    return sorted(path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


# Attaching


@pytest.mark.parametrize("parent_field", ["review", "update_report", "progress_update", "meeting"])
def test_a_document_can_be_attached_to_each_kind_of_record(parents, officer, parent_field):
    document = attach(
        parent_field, parents[parent_field], "Exclusion policy.pdf", samples.pdf(), officer
    )
    document.refresh_from_db()
    assert getattr(document, parent_field) == parents[parent_field]
    assert document.parent_field == parent_field
    assert document.content_type == "application/pdf"
    assert document.kind == "PDF"
    assert document.size == len(samples.pdf())
    assert document.filename == "Exclusion policy.pdf"
    assert document.uploaded_by == officer
    assert document.file.read() == samples.pdf()
    assert document.history.get().history_user == officer


def test_files_are_stored_under_unguessable_names_that_keep_nothing_of_the_uploaders(review):
    first = attach("review", review, "Confidential pupil list.pdf", samples.pdf())
    second = attach("review", review, "Confidential pupil list.pdf", samples.pdf())
    for document in (first, second):
        name = Path(document.file.name)
        assert "pupil" not in document.file.name.lower()
        assert len(name.stem) == 32 and int(name.stem, 16) >= 0  # 128 random bits, in hex
        assert name.suffix == ".pdf"
    assert first.file.name != second.file.name


@pytest.mark.parametrize(
    ("name", "data", "content_type", "filename"),
    [
        ("minutes.pdf", samples.pdf(), "application/pdf", "minutes.pdf"),
        ("response.docx", samples.docx(), DOCX, "response.docx"),
        (
            "figures.xlsx",
            samples.xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "figures.xlsx",
        ),
        (
            "slides.pptx",
            samples.pptx(),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "slides.pptx",
        ),
        ("notes.odt", samples.odt(), "application/vnd.oasis.opendocument.text", "notes.odt"),
        ("chart.png", samples.png(), "image/png", "chart.png"),
        ("photo.jpeg", samples.jpeg(), "image/jpeg", "photo.jpeg"),
        ("schools.csv", samples.csv(), "text/csv; charset=utf-8", "schools.csv"),
        ("note.txt", b"Agreed at the March meeting.\r\n", "text/plain; charset=utf-8", "note.txt"),
        # Excel's "CSV" in Britain is Windows-1252: served as such, so the £ reads back.
        ("costs.csv", "Cost,£40\n".encode("cp1252"), "text/csv; charset=windows-1252", "costs.csv"),
        # The content decides; the download's name is made to agree with it.
        ("chart.jpg", samples.png(), "image/png", "chart.png"),
        ("scan", samples.pdf(), "application/pdf", "scan.pdf"),
        ("Report v1.2 final", samples.docx(), DOCX, "Report v1.2 final.docx"),
        ("C:\\Users\\olivia\\minutes.pdf", samples.pdf(), "application/pdf", "minutes.pdf"),
    ],
)
def test_allowed_files_are_typed_by_their_content(review, name, data, content_type, filename):
    document = attach("review", review, name, data)
    assert (document.content_type, document.filename) == (content_type, filename)


REFUSALS = [
    ("minutes.pdf", samples.html(), "web page, SVG image or other markup"),
    ("chart.png", samples.svg(), "web page, SVG image or other markup"),
    ("chart.svg", samples.svg(), "web page, SVG image or other markup"),
    ("page.txt", b"  \n<html><body>hello</body></html>", "web page, SVG image or other markup"),
    (
        "setup.pdf",
        samples.exe(),
        "This file is a Windows Executable (.exe), which cannot be attached.",
    ),
    ("macro.docx", samples.docm(), "macro-enabled ones are not accepted"),
    ("archive.docx", samples._zip([("a.txt", "x")]), "This file is a zip archive"),
    ("broken.docx", b"PK\x03\x04 not really a zip", "could not be read"),
    ("data.bin", bytes(range(256)) * 4, "This is not a kind of file that can be attached."),
]


@pytest.mark.parametrize(("name", "data", "message"), REFUSALS)
def test_other_files_are_refused_with_a_clear_message_and_nothing_is_kept(
    review, name, data, message
):
    with pytest.raises(ValidationError) as error:
        attach("review", review, name, data)
    assert list(error.value.message_dict) == ["file"]
    assert message in " ".join(error.value.message_dict["file"])
    assert "Attach PDF, Word, Excel or PowerPoint" in " ".join(error.value.messages) or (
        "could not be read" in message
    )
    assert SupportingDocument.objects.count() == 0
    assert stored_files() == []


def test_an_empty_file_is_refused(review):
    with pytest.raises(ValidationError) as error:
        attach("review", review, "minutes.pdf", b"")
    assert error.value.message_dict["file"]
    assert SupportingDocument.objects.count() == 0


def test_files_over_the_size_limit_are_refused_with_a_clear_message(review, settings):
    settings.SUPPORTING_DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as error:
        # 4,200 bytes in all: a PDF padded past its end.
        attach("review", review, "minutes.pdf", samples.pdf().ljust(4200, b"%"))
    assert error.value.message_dict["file"] == [
        "The file is 4.1\xa0KB; the limit is 1.0\xa0KB. Attach a smaller file, or split it."
    ]
    assert stored_files() == []


def test_a_document_belongs_to_exactly_one_record(parents):
    for kwargs in [{}, {"review": parents["review"], "meeting": parents["meeting"]}]:
        document = SupportingDocument(
            title="Minutes", file=SimpleUploadedFile("m.pdf", samples.pdf()), **kwargs
        )
        with pytest.raises(ValidationError) as error:
            services.attach_document(document=document, user=None)
        assert error.value.messages == [
            "A document belongs to one record: a review, an update report, a progress update "
            "or a meeting."
        ]
    assert stored_files() == []


def test_the_database_refuses_a_document_of_no_record_or_of_two(parents):
    for kwargs in [{}, {"update_report": parents["update_report"], "meeting": parents["meeting"]}]:
        with pytest.raises(IntegrityError), transaction.atomic():
            SupportingDocument.objects.create(title="Minutes", file="documents/x.pdf", **kwargs)


# Storage failures: no row, no file


def test_storage_that_refuses_the_file_keeps_no_row(review, monkeypatch):
    def full(self, name, content):
        raise StorageUnavailable.from_os_error(OSError(errno.ENOSPC, "No space left"))

    monkeypatch.setattr(CleanFileSystemStorage, "_save", full)
    with pytest.raises(StorageUnavailable, match="the server's storage is full"):
        attach("review", review, "minutes.pdf", samples.pdf())
    assert SupportingDocument.objects.count() == 0
    assert SupportingDocument.history.count() == 0


def test_a_row_that_cannot_be_written_takes_its_stored_file_with_it(review, monkeypatch):
    insert = SupportingDocument._do_insert

    def insert_then_fail(self, *args, **kwargs):
        # The insert stores the file (the field's pre_save) and writes the row; then the
        # database fails, as a lost connection would, and the transaction rolls back.
        insert(self, *args, **kwargs)
        assert len(stored_files()) == 1
        raise IntegrityError("the row could not be written")

    monkeypatch.setattr(SupportingDocument, "_do_insert", insert_then_fail)
    with pytest.raises(IntegrityError):
        attach("review", review, "minutes.pdf", samples.pdf())
    assert SupportingDocument.objects.count() == 0
    assert stored_files() == []


# Removing


def test_removing_a_document_deletes_its_file_once_committed_and_records_who(
    review, officer, django_capture_on_commit_callbacks
):
    document = attach("review", review, "minutes.pdf", samples.pdf(), officer)
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_document(document=document, user=officer)
    assert SupportingDocument.objects.count() == 0
    assert stored_files() == []
    removal = SupportingDocument.history.filter(history_type="-").get()
    assert removal.history_user == officer and removal.title == "Exclusion policy"


def test_a_removal_that_is_rolled_back_keeps_the_file(review, django_capture_on_commit_callbacks):
    document = attach("review", review, "minutes.pdf", samples.pdf())
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.remove_document(document=document, user=None)
        raise RuntimeError("something later in the same transaction failed")
    assert callbacks == []
    assert SupportingDocument.objects.count() == 1
    assert len(stored_files()) == 1


def test_deleting_the_record_removes_its_documents_files(
    parents, django_capture_on_commit_callbacks
):
    update = parents["progress_update"]
    attach("progress_update", update, "evidence.png", samples.png())
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_update_delete(update=update, user=None)
    assert SupportingDocument.objects.count() == 0
    assert stored_files() == []


@pytest.mark.parametrize("parent_field", ["update_report", "progress_update"])
def test_a_final_reports_documents_stay_on_the_record(parents, parent_field):
    document = attach(parent_field, parents[parent_field], "paper.pdf", samples.pdf())
    report = parents["update_report"]
    report.refresh_from_db()
    services.update_report_finalise(
        report=report, expected_version=report.version, user=None, gaps_reason="Not all in."
    )
    with pytest.raises(ValidationError) as error:
        services.remove_document(document=document, user=None)
    assert "belongs to a final update report, so it stays on the record" in error.value.messages[0]
    assert SupportingDocument.objects.filter(pk=document.pk).exists()
    # Adding to the final record is allowed: nothing it showed changes.
    attach(parent_field, parents[parent_field], "late evidence.pdf", samples.pdf())
