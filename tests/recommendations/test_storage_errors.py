"""A full or unwritable disk: a clear message, the form kept, and no partial file left behind.

Failures are injected at the operating-system calls Django's own code makes (os.fdopen's
writes, os.open, os.makedirs, os.chmod, and the cross-device copy in file_move_safe), so the
real FileSystemStorage code runs up to the point where the disk refuses.
"""

import errno
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.files import move
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.storage import filesystem as filesystem_module
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import models
from django.utils.html import escape

from recommendations.admin import KeepsFormWhenStorageFailsMixin
from recommendations.models import Review, SupportingDocument
from recommendations.storage import CleanFileSystemStorage, StorageUnavailable
from tests.factories import make_review

FULL = "The file could not be stored: the server's storage is full."
NOT_WRITABLE = "The file could not be stored: the server's storage is not writable."
EXPECTED = {
    errno.ENOSPC: FULL,
    errno.EDQUOT: FULL,
    errno.EACCES: NOT_WRITABLE,
    errno.EPERM: NOT_WRITABLE,
    errno.EROFS: NOT_WRITABLE,
}
PAYLOAD = b"%PDF-1.7 minutes of the meeting " * 2048  # 64 KiB: several chunks


class OsWith:
    """Stands in for the os module inside one Django module, with some calls replaced."""

    def __init__(self, **replacements) -> None:
        self.__dict__.update(replacements)

    def __getattr__(self, name: str):
        return getattr(os, name)


def _error(code: int) -> OSError:
    return OSError(code, os.strerror(code))


def fail_chunk_writes(monkeypatch, code: int) -> None:
    """The in-memory upload path: half of the first chunk reaches the disk, then the write fails."""

    def fdopen(fd, *args, **kwargs):
        real = os.fdopen(fd, *args, **kwargs)

        class HalfWritten:
            def write(self, data):
                real.write(data[: len(data) // 2])
                real.flush()
                raise _error(code)

            def close(self):
                real.close()

        return HalfWritten()

    monkeypatch.setattr(filesystem_module, "os", OsWith(fdopen=fdopen))


def fail_temporary_file_copy(monkeypatch, code: int) -> None:
    """The large-upload path: the temporary file lives on another filesystem (rename fails with
    EXDEV), so file_move_safe copies it, and the copy fails half-way."""

    def rename(source, destination):
        raise _error(errno.EXDEV)

    def write(fd, data):
        os.write(fd, data[: len(data) // 2])
        raise _error(code)

    monkeypatch.setattr(move, "os", OsWith(rename=rename, write=write))


def fail_makedirs(monkeypatch, code: int) -> None:
    def makedirs(*args, **kwargs):
        raise _error(code)

    monkeypatch.setattr(filesystem_module, "os", OsWith(makedirs=makedirs))


def fail_open(monkeypatch, code: int) -> None:
    def open_(*args, **kwargs):
        raise _error(code)

    monkeypatch.setattr(filesystem_module, "os", OsWith(open=open_))


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def temporary_upload(name: str, data: bytes) -> TemporaryUploadedFile:
    upload = TemporaryUploadedFile(name, "application/pdf", len(data), None)
    upload.write(data)
    upload.flush()
    upload.seek(0)
    return upload


@pytest.fixture
def storage(tmp_path) -> CleanFileSystemStorage:
    return CleanFileSystemStorage(location=tmp_path / "store")


# The storage itself


def test_it_is_the_default_storage():
    assert isinstance(default_storage, CleanFileSystemStorage)


def test_a_save_that_works_is_unchanged(storage, tmp_path):
    name = storage.save("documents/minutes.pdf", ContentFile(PAYLOAD))
    assert name == "documents/minutes.pdf"
    assert (tmp_path / "store" / name).read_bytes() == PAYLOAD
    upload = temporary_upload("papers.pdf", PAYLOAD)
    large = storage.save("documents/papers.pdf", upload)
    upload.close()  # as the upload handler does; the temporary file has been moved away
    assert (tmp_path / "store" / large).read_bytes() == PAYLOAD


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_a_write_that_fails_part_way_leaves_no_partial_file(storage, tmp_path, monkeypatch, code):
    fail_chunk_writes(monkeypatch, code)
    with pytest.raises(StorageUnavailable) as error:
        storage.save("documents/minutes.pdf", ContentFile(PAYLOAD))
    assert str(error.value).startswith(EXPECTED[code])
    assert "Nothing was saved; please try again later." in str(error.value)
    assert error.value.errno == code
    assert isinstance(error.value.__cause__, OSError)
    assert files_under(tmp_path / "store") == []


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_a_large_upload_whose_copy_fails_leaves_no_partial_file(
    storage, tmp_path, monkeypatch, code
):
    upload = temporary_upload("papers.pdf", PAYLOAD)
    fail_temporary_file_copy(monkeypatch, code)
    with pytest.raises(StorageUnavailable) as error:
        storage.save("documents/papers.pdf", upload)
    assert str(error.value).startswith(EXPECTED[code])
    assert files_under(tmp_path / "store") == []


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS, errno.ENOSPC])
def test_a_directory_that_cannot_be_made_is_reported(storage, tmp_path, monkeypatch, code):
    fail_makedirs(monkeypatch, code)
    with pytest.raises(StorageUnavailable) as error:
        storage.save("documents/2026/12/minutes.pdf", ContentFile(PAYLOAD))
    assert str(error.value).startswith(EXPECTED[code])
    assert not (tmp_path / "store" / "documents").exists()


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_a_file_that_cannot_be_created_is_reported(storage, tmp_path, monkeypatch, code):
    (tmp_path / "store").mkdir()
    fail_open(monkeypatch, code)
    with pytest.raises(StorageUnavailable) as error:
        storage.save("minutes.pdf", ContentFile(PAYLOAD))
    assert str(error.value).startswith(EXPECTED[code])
    assert files_under(tmp_path / "store") == []


def test_a_failure_after_the_bytes_are_written_removes_the_whole_file(tmp_path, monkeypatch):
    storage = CleanFileSystemStorage(location=tmp_path / "store", file_permissions_mode=0o640)

    def chmod(*args, **kwargs):
        raise _error(errno.EPERM)

    monkeypatch.setattr(filesystem_module, "os", OsWith(chmod=chmod))
    with pytest.raises(StorageUnavailable, match="not writable"):
        storage.save("minutes.pdf", ContentFile(PAYLOAD))
    assert files_under(tmp_path / "store") == []


def test_any_other_os_error_gets_a_general_message(storage, tmp_path, monkeypatch):
    fail_chunk_writes(monkeypatch, errno.EIO)
    with pytest.raises(StorageUnavailable) as error:
        storage.save("minutes.pdf", ContentFile(PAYLOAD))
    assert str(error.value).startswith(
        "The file could not be stored: the server's storage reported an error."
    )
    assert files_under(tmp_path / "store") == []


def test_existing_files_are_left_alone(storage, tmp_path, monkeypatch):
    existing = storage.save("documents/minutes.pdf", ContentFile(b"the earlier minutes"))
    fail_chunk_writes(monkeypatch, errno.ENOSPC)
    fail_temporary_file_copy(monkeypatch, errno.ENOSPC)
    with pytest.raises(StorageUnavailable):
        storage.save("documents/minutes.pdf", ContentFile(PAYLOAD))
    with pytest.raises(StorageUnavailable):
        storage.save("documents/minutes.pdf", temporary_upload("minutes.pdf", PAYLOAD))
    assert files_under(tmp_path / "store") == [tmp_path / "store" / existing]
    assert storage.open(existing).read() == b"the earlier minutes"


def test_a_name_taken_by_a_concurrent_upload_is_not_the_one_removed(storage, tmp_path, monkeypatch):
    """Another upload takes the chosen name between get_available_name and the write; Django
    picks a new name, and only that file (ours) is removed when the write then fails."""
    target = tmp_path / "store" / "minutes.pdf"
    real_open = os.open

    def open_(path, *args, **kwargs):
        if Path(path) == target and not target.exists():
            target.write_bytes(b"the other upload")
        return real_open(path, *args, **kwargs)

    fail_chunk_writes(monkeypatch, errno.ENOSPC)
    monkeypatch.setattr(filesystem_module.os, "open", open_, raising=False)
    with pytest.raises(StorageUnavailable):
        storage.save("minutes.pdf", ContentFile(PAYLOAD))
    assert files_under(tmp_path / "store") == [target]
    assert target.read_bytes() == b"the other upload"


def test_overwriting_storage_is_refused(tmp_path):
    with pytest.raises(ValueError):
        CleanFileSystemStorage(location=tmp_path, allow_overwrite=True)


# The admin


class FormFields(HTMLParser):
    """The fields a browser would submit from the admin's change form, as it shows them."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in {"submit", "file"}:
            if attributes.get("type") in {"checkbox", "radio"} and "checked" not in attributes:
                return
            self.data.setdefault(name, []).append(attributes.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attributes:
            self.data[self._select].append(attributes.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data.removeprefix("\n")


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("ada-admin", "ada@example.org", "x"))
    return client


def _document_form(review: Review, upload) -> dict:
    return {
        "review": review.pk,
        "meeting": "",
        "title": 'Exclusion policy "draft" <v2>',
        "description": "Agreed at the <b>March</b> meeting & circulated.",
        "file": upload,
    }


FAILURES = [
    (fail_chunk_writes, errno.ENOSPC),
    (fail_chunk_writes, errno.EDQUOT),
    (fail_chunk_writes, errno.EACCES),
    (fail_chunk_writes, errno.EROFS),
    (fail_makedirs, errno.EACCES),
    (fail_open, errno.ENOSPC),
]


@pytest.mark.parametrize(("fail", "code"), FAILURES)
def test_the_admin_keeps_the_form_when_the_disk_refuses_the_upload(
    admin_client, monkeypatch, fail, code
):
    review = make_review()
    fail(monkeypatch, code)
    response = admin_client.post(
        "/admin/recommendations/supportingdocument/add/",
        _document_form(review, SimpleUploadedFile("policy.pdf", PAYLOAD)),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert escape(EXPECTED[code]) in body
    assert "choose the file again" in body
    assert 'value="Exclusion policy &quot;draft&quot; &lt;v2&gt;"' in body
    assert "Agreed at the &lt;b&gt;March&lt;/b&gt; meeting &amp; circulated.</textarea>" in body
    assert SupportingDocument.objects.count() == 0
    assert files_under(Path(settings.MEDIA_ROOT)) == []


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EROFS])
def test_the_admin_keeps_the_form_when_a_large_upload_cannot_be_moved_into_place(
    admin_client, settings, monkeypatch, code
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # so the upload arrives as a temporary file
    review = make_review()
    fail_temporary_file_copy(monkeypatch, code)
    response = admin_client.post(
        "/admin/recommendations/supportingdocument/add/",
        _document_form(review, SimpleUploadedFile("policy.pdf", PAYLOAD)),
    )
    assert response.status_code == 200
    assert escape(EXPECTED[code]) in response.content.decode()
    assert SupportingDocument.objects.count() == 0
    assert files_under(Path(settings.MEDIA_ROOT)) == []


def test_the_admin_saves_the_upload_once_the_disk_has_room(admin_client):
    review = make_review()
    response = admin_client.post(
        "/admin/recommendations/supportingdocument/add/",
        _document_form(review, SimpleUploadedFile("policy.pdf", PAYLOAD)),
    )
    assert response.status_code == 302
    document = SupportingDocument.objects.get()
    assert document.file.read() == PAYLOAD


def test_an_inline_upload_that_fails_keeps_the_whole_review_form_and_changes_nothing(
    admin_client, monkeypatch
):
    review = make_review()
    url = f"/admin/recommendations/review/{review.pk}/change/"
    parser = FormFields()
    parser.feed(admin_client.get(url).content.decode())
    data = parser.data
    data["summary"] = ["A summary typed just before the disk filled"]
    data["documents-TOTAL_FORMS"] = ["1"]
    data["documents-0-title"] = ["Minutes of the March meeting"]
    data["documents-0-description"] = ["As circulated"]
    data["documents-0-file"] = [SimpleUploadedFile("minutes.pdf", PAYLOAD)]
    summary_before = review.summary
    history_before = review.history.count()
    fail_chunk_writes(monkeypatch, errno.ENOSPC)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert escape(FULL) in body
    assert "A summary typed just before the disk filled</textarea>" in body
    assert 'value="Minutes of the March meeting"' in body
    review.refresh_from_db()
    assert review.summary == summary_before  # the admin's transaction rolled the change back
    assert review.history.count() == history_before
    assert SupportingDocument.objects.count() == 0
    assert files_under(Path(settings.MEDIA_ROOT)) == []


def _has_file_field(model) -> bool:
    return any(isinstance(field, models.FileField) for field in model._meta.get_fields())


def test_every_admin_that_can_upload_a_file_keeps_the_form_when_storage_fails():
    uploading = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if _has_file_field(model)
        or any(_has_file_field(inline.model) for inline in model_admin.inlines)
    ]
    assert {type(a).__name__ for a in uploading} >= {
        "SupportingDocumentAdmin",
        "ReviewAdmin",
        "MeetingAdmin",
    }
    for model_admin in uploading:
        assert isinstance(model_admin, KeepsFormWhenStorageFailsMixin), type(model_admin)
