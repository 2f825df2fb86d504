"""Where documents and issued packs are kept: local disk by default, S3-compatible object
storage by setting. The S3 path runs against moto's in-process S3 (no network): the settings
the environment gives, a round trip through the pages, byte-identical issued packs, and a
store that refuses or does not answer."""

from __future__ import annotations

import datetime as dt
import hashlib
import runpy
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from moto import mock_aws

from recommendations import services
from recommendations.models import Meeting, SupportingDocument
from recommendations.s3storage import CleanS3Storage
from recommendations.storage import CleanFileSystemStorage, StorageUnavailable
from reports.services import issued_pack_store
from tests import documents as samples
from tests.factories import make_review

SETTINGS = Path(__file__).resolve().parents[2] / "exclusions_tracker" / "settings.py"
BUCKET = "tracker-documents"
REGION = "eu-west-2"


def _settings(monkeypatch, **env: str) -> dict:
    """The settings module as a server started with this environment would read it."""
    for name in ["STORAGE_BACKEND", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEBUG", "true")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_local_disk_under_media_root_is_the_default(monkeypatch, settings):
    values = _settings(monkeypatch)
    assert values["STORAGES"]["default"] == {
        "BACKEND": "recommendations.storage.CleanFileSystemStorage"
    }
    assert isinstance(default_storage, CleanFileSystemStorage)
    assert Path(default_storage.location) == Path(settings.MEDIA_ROOT)


def test_a_bucket_name_chooses_s3_with_private_objects_and_short_timeouts(monkeypatch):
    values = _settings(
        monkeypatch,
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL="https://objects.example.org",
        AWS_S3_REGION_NAME=REGION,
        AWS_S3_ADDRESSING_STYLE="path",
    )
    default = values["STORAGES"]["default"]
    assert default["BACKEND"] == "recommendations.s3storage.CleanS3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == BUCKET
    assert options["endpoint_url"] == "https://objects.example.org"
    assert options["default_acl"] is None
    config = options["client_config"]
    assert config.connect_timeout == 5 and config.retries["max_attempts"] == 2
    assert config.s3 == {"addressing_style": "path"}
    storage = CleanS3Storage(**options)
    assert storage.file_overwrite is False  # two packs issued at once keep their own objects


def test_storage_backend_must_be_known_and_s3_needs_a_bucket(monkeypatch):
    with pytest.raises(Exception, match="STORAGE_BACKEND must be local or s3"):
        _settings(monkeypatch, STORAGE_BACKEND="ftp")
    with pytest.raises(Exception, match="needs AWS_STORAGE_BUCKET_NAME"):
        _settings(monkeypatch, STORAGE_BACKEND="s3")


@pytest.fixture
def s3(monkeypatch, settings):
    """moto's S3 as the default storage, configured as the settings module configures it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    options = _settings(monkeypatch, AWS_STORAGE_BUCKET_NAME=BUCKET, AWS_S3_REGION_NAME=REGION)[
        "STORAGES"
    ]["default"]
    monkeypatch.delenv("DEBUG")
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        settings.STORAGES = {**settings.STORAGES, "default": options}
        yield client


def _objects(client) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        for item in listed
    }


@pytest.mark.django_db
def test_a_document_goes_to_the_bucket_and_comes_back_through_the_checked_download(
    s3, officer_client
):
    make_review(slug="r", recommendations=1)
    response = officer_client.post(
        "/reviews/r/documents/new/",
        {"title": "Policy", "file": SimpleUploadedFile("policy.docx", samples.docx())},
    )
    assert response.status_code == 302
    document = SupportingDocument.objects.get()
    assert isinstance(document.file.storage, CleanS3Storage)
    assert _objects(s3) == {document.file.name: samples.docx()}
    download = officer_client.get(f"/documents/{document.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == samples.docx()
    assert download["Content-Disposition"] == 'attachment; filename="policy.docx"'


@pytest.mark.django_db
def test_removing_a_document_deletes_its_object(s3, django_capture_on_commit_callbacks):
    review = make_review(slug="r", recommendations=1)
    document = services.attach_document(
        document=SupportingDocument(
            review=review, title="P", file=SimpleUploadedFile("p.pdf", samples.pdf())
        ),
        user=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_document(document=document, user=None)
    assert _objects(s3) == {}


@pytest.mark.django_db
def test_an_issued_pack_is_kept_in_the_bucket_byte_for_byte(s3, clerk):
    review = make_review(slug="r", recommendations=1)
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date.today() + dt.timedelta(days=7), agenda_item="X"
    )
    content = samples.pdf() + bytes(range(256)) * 64  # every byte value, several chunks
    issued, stored = issued_pack_store(meeting=meeting, content=content, pages=1, issued_by=clerk)
    assert stored and issued.sha256 == hashlib.sha256(content).hexdigest()
    assert _objects(s3) == {issued.file.name: content}
    # A second pack for the same name does not overwrite the first object.
    other = default_storage.save(issued.file.name, SimpleUploadedFile("x", b"%PDF other"))
    assert other != issued.file.name and _objects(s3)[issued.file.name] == content


@pytest.mark.django_db
def test_a_bucket_that_refuses_gives_the_form_back_with_a_503_and_keeps_nothing(s3, officer_client):
    make_review(slug="r", recommendations=1)
    s3.delete_bucket(Bucket=BUCKET)
    response = officer_client.post(
        "/reviews/r/documents/new/",
        {"title": "Policy <draft>", "file": SimpleUploadedFile("p.pdf", samples.pdf())},
    )
    assert response.status_code == 503
    body = response.content.decode()
    assert "The file could not be stored: the object store refused it." in body
    assert 'value="Policy &lt;draft&gt;"' in body
    assert SupportingDocument.objects.count() == 0


@pytest.mark.django_db
def test_a_store_that_does_not_answer_is_a_clear_error_not_a_500(member_client, settings):
    """A closed port on this machine stands for an object store that is down."""
    quick = Config(connect_timeout=1, retries={"max_attempts": 1})
    down = CleanS3Storage(
        bucket_name=BUCKET,
        endpoint_url="http://127.0.0.1:9",
        region_name=REGION,
        access_key="testing",
        secret_key="testing",
        client_config=quick,
    )
    with pytest.raises(StorageUnavailable, match="the object store did not answer"):
        down.save("documents/x.pdf", SimpleUploadedFile("x.pdf", samples.pdf()))

    review = make_review(slug="r", recommendations=1)
    document = SupportingDocument.objects.create(
        review=review, title="Minutes", file="documents/x.pdf", content_type="application/pdf"
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "recommendations.s3storage.CleanS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": "http://127.0.0.1:9",
                "region_name": REGION,
                "access_key": "testing",
                "secret_key": "testing",
                "client_config": quick,
            },
        },
    }
    response = member_client.get(f"/documents/{document.pk}/")
    assert response.status_code == 503
    assert "The file storage could not be reached: the object store did not answer." in (
        response.content.decode()
    )
