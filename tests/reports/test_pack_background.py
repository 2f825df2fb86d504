"""Large committee packs are rendered by a django-tasks worker, with progress and a download."""

import datetime as dt
import errno
import logging
import os
import shutil
import signal

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from simple_history.models import registered_models

from recommendations.models import (
    Committee,
    GlossaryTerm,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
)
from reports import rows, tasks
from reports.models import AppendixSettings, PackRender
from reports.pdf import documents, sandbox
from reports.services import appendix_settings_set
from tests.reports.conftest import pdf_pages_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("live_packs")]

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def meeting(layouts, settings) -> Meeting:
    # The Hackney pack has 18 rows: "large" for these tests.
    settings.PDF_PACK_REQUEST_MAX_ROWS = 5
    return Meeting.objects.get(date=dt.date(2023, 1, 16))


class FakeRenders(list):
    calls: list[dict]


@pytest.fixture
def fake_render(monkeypatch):
    """Most tests here are about the workflow, not the PDF: skip the 1-2 s render."""
    rendered = FakeRenders()

    def render_pdf(html, **kwargs):
        rendered.append(html)
        calls.append(kwargs)
        if kwargs.get("on_progress"):
            kwargs["on_progress"](3)
        return b"%PDF-1.7 fake " + documents.fingerprint(html).encode()

    calls = []
    rendered.calls = calls

    monkeypatch.setattr(sandbox, "render_pdf", render_pdf)
    return rendered


def test_a_large_pack_renders_in_the_background_and_offers_a_download(
    clerk_client, meeting, settings
):
    settings.TASKS = IMMEDIATE
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    assert page.status_code == 200
    assert b"too large to make while you wait" in page.content
    # pack.pdf does not render a large pack within the request: it sends the user here.
    assert (
        clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf").url == f"/meetings/{meeting.pk}/pack/"
    )

    response = clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    assert response.status_code == 302 and response.url == f"/meetings/{meeting.pk}/pack/"
    job = PackRender.objects.get()
    assert job.status == PackRender.Status.DONE and job.pages_done > 5 and job.rows == 18
    page = clerk_client.get(response.url)
    link = f"/meetings/{meeting.pk}/pack/{job.pk}.pdf"
    assert link.encode() in page.content and "Refresh" not in page

    download = clerk_client.get(link)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    pages = pdf_pages_text(content)
    assert "16 January 2023" in pages[0] and len(pages) == job.pages_done
    # And pack.pdf now serves the stored file instead of sending the user away.
    stored = clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf")
    assert b"".join(stored.streaming_content) == content


def test_progress_is_shown_while_queued_and_a_second_click_joins_the_same_render(
    clerk_client, meeting, settings
):
    settings.TASKS = DUMMY  # enqueues, never runs
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job = PackRender.objects.get()
    assert job.status == PackRender.Status.QUEUED and job.task_id
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    assert page["Refresh"] == "5"
    assert b"waiting for a worker" in page.content and b"<progress" in page.content
    assert b"<script" not in page.content
    job.status, job.pages_done = PackRender.Status.RUNNING, 12
    job.save(update_fields=["status", "pages_done"])
    assert b"12 pages laid out so far" in clerk_client.get(f"/meetings/{meeting.pk}/pack/").content


def test_an_edit_makes_the_stored_pack_stale_and_it_is_never_served(
    clerk_client, meeting, settings, fake_render
):
    settings.TASKS = IMMEDIATE
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job = PackRender.objects.get(status=PackRender.Status.DONE)
    update = ProgressUpdate.objects.filter(report=meeting.update_reports.get()).first()
    update.text = "A corrected update."
    update.save()
    old_link = f"/meetings/{meeting.pk}/pack/{job.pk}.pdf"
    assert clerk_client.get(old_link).url == f"/meetings/{meeting.pk}/pack/"
    assert (
        clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf").url == f"/meetings/{meeting.pk}/pack/"
    )
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    assert old_link.encode() not in page.content and b"Make the committee pack" in page.content
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    assert "A corrected update." in fake_render[-1]
    assert PackRender.objects.filter(status=PackRender.Status.DONE).count() == 2


def test_a_failed_render_says_so_and_can_be_tried_again(
    clerk_client, meeting, settings, monkeypatch
):
    settings.TASKS = IMMEDIATE

    def too_slow(html, **kwargs):
        raise sandbox.PDFRenderTimeout("The PDF took longer than 900 seconds to render.")

    monkeypatch.setattr(sandbox, "render_pdf", too_slow)
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job = PackRender.objects.get()
    assert job.status == PackRender.Status.FAILED
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    assert b"could not be produced" in page.content and b"Try again" in page.content
    assert b"longer than 900 seconds" in page.content  # the renderer's own message

    monkeypatch.setattr(sandbox, "render_pdf", lambda html, **kwargs: b"%PDF-1.7 fake")
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    assert PackRender.objects.filter(status=PackRender.Status.DONE).count() == 1
    assert b"The pack is ready" in clerk_client.get(f"/meetings/{meeting.pk}/pack/").content


def test_small_packs_still_download_directly(clerk_client, meeting, settings, monkeypatch):
    settings.PDF_PACK_REQUEST_MAX_ROWS = 200
    monkeypatch.setattr(documents, "cached_pdf", lambda html: (b"%PDF", False))
    assert clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf").content == b"%PDF"
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    assert f"/meetings/{meeting.pk}/pack.pdf".encode() in page.content


def test_starting_a_render_needs_post_and_the_export_permission(client, member, meeting):
    client.force_login(member)
    assert client.get(f"/meetings/{meeting.pk}/pack/").status_code == 403
    assert client.post(f"/meetings/{meeting.pk}/pack/render/").status_code == 403
    assert client.get(f"/meetings/{meeting.pk}/pack/render/").status_code == 405
    assert PackRender.objects.count() == 0


def test_the_csrf_token_is_required(clerk, meeting):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    assert client.post(f"/meetings/{meeting.pk}/pack/render/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_completes_a_queued_render(clerk_client, meeting, settings):
    """The real worker (django-tasks' DatabaseBackend and our run_worker command, as deployed)
    against this database: a queued render is picked up, rendered and stored."""
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job = PackRender.objects.get()
    assert job.status == PackRender.Status.QUEUED
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("run_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    job.refresh_from_db()
    assert job.status == PackRender.Status.DONE, job.error
    with job.file.open("rb") as stored:
        assert "16 January 2023" in pdf_pages_text(stored.read())[0]


# -- Workers that die: the lease ----------------------------------------------------------


def _die(job: PackRender, *, attempts: int, partial: bytes | None = b"%PDF-1.7 trunc") -> str:
    """What a worker killed mid-render leaves: its job RUNNING under a lease that has run
    out, and perhaps a partial file under this attempt's name."""
    name = f"packs/partial-{job.pk}-{attempts}.pdf"
    if partial is not None:
        storage = PackRender._meta.get_field("file").storage
        name = storage.save(name, ContentFile(partial))
    PackRender.objects.filter(pk=job.pk).update(
        status=PackRender.Status.RUNNING,
        attempts=attempts,
        leased_by="worker-1:4242",
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1),
        file=name,
        pages_done=27,
    )
    return name


def _stored(name: str) -> bool:
    return PackRender._meta.get_field("file").storage.exists(name)


@pytest.mark.parametrize("watch", ["view the page", "click again"])
def test_a_render_whose_worker_died_is_retried_once_then_failed_and_can_be_restarted(
    clerk_client, meeting, settings, watch
):
    settings.TASKS = DUMMY  # no worker: the clerk's own requests recover the job
    url = f"/meetings/{meeting.pk}/pack/"

    def look():
        if watch == "click again":
            assert clerk_client.post(f"{url}render/").url == url
        return clerk_client.get(url)

    clerk_client.post(f"{url}render/")
    job = PackRender.objects.get()
    first_task = job.task_id
    partial = _die(job, attempts=1)
    page = look()
    job.refresh_from_db()
    assert job.status == PackRender.Status.QUEUED and job.attempts == 1
    assert job.task_id and job.task_id != first_task  # queued again, as a new task
    assert not _stored(partial) and job.file.name == "" and job.pages_done == 0
    assert b"stopped; the pack is waiting for a worker" in page.content
    assert page["Refresh"] == "5"

    assert PackRender.objects.count() == 1  # a click joined the job queued again

    partial = _die(job, attempts=2)
    page = look()
    job.refresh_from_db()
    assert job.status == PackRender.Status.FAILED and job.error == tasks.WORKER_DIED
    assert not _stored(partial) and job.finished_at is not None
    if watch == "view the page":
        assert b"The worker stopped while making this pack, twice." in page.content
        assert b"Try again" in page.content and "Refresh" not in page
        assert PackRender.objects.count() == 1
        clerk_client.post(f"{url}render/")
    # A click is a request for the pack: after the failure, it queues a fresh render.
    assert PackRender.objects.filter(status=PackRender.Status.QUEUED).count() == 1
    assert PackRender.objects.count() == 2


def test_a_live_lease_is_left_alone_and_a_dead_one_recovered_wherever_its_meeting(
    clerk_client, meeting, settings
):
    settings.TASKS = DUMMY
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job = PackRender.objects.get()
    _die(job, attempts=1, partial=None)
    PackRender.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() + dt.timedelta(seconds=20)
    )
    assert tasks.recover_expired_renders() == 0
    clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    job.refresh_from_db()
    assert job.status == PackRender.Status.RUNNING and job.pages_done == 27

    # Another meeting's page does not look at this one; the worker's pass (no meeting) does.
    other = Meeting.objects.exclude(pk=meeting.pk).first()
    _die(job, attempts=1, partial=None)
    clerk_client.get(f"/meetings/{other.pk}/pack/")
    assert PackRender.objects.get(pk=job.pk).status == PackRender.Status.RUNNING
    assert tasks.recover_expired_renders() == 1
    assert PackRender.objects.get(pk=job.pk).status == PackRender.Status.QUEUED
    assert tasks.recover_expired_renders() == 0


def _claimed(meeting: Meeting) -> PackRender:
    job = PackRender.objects.create(meeting=meeting, data_version="v", rows=18)
    return tasks.claim_render(render_id=job.pk)


def test_a_worker_claims_a_job_once_with_a_lease_its_name_and_an_attempt(meeting):
    job = _claimed(meeting)
    assert job.status == PackRender.Status.RUNNING and job.attempts == 1
    assert job.leased_by.endswith(f":{os.getpid()}")
    lease_left = (job.lease_expires_at - timezone.now()).total_seconds()
    assert tasks.LEASE_SECONDS - 5 < lease_left <= tasks.LEASE_SECONDS
    assert job.file.name.startswith("packs/") and job.file.name.endswith(f"-{job.pk}-1.pdf")
    # A second task for the same job (or a second worker) gets nothing.
    assert tasks.claim_render(render_id=job.pk) is None
    assert tasks.render_pack.call(job.pk) == "not claimed"
    assert PackRender.objects.get(pk=job.pk).attempts == 1


def test_the_worker_renews_its_lease_from_the_heartbeat_and_renders_at_low_priority(
    meeting, monkeypatch, settings
):
    settings.PDF_WORKER_NICENESS = 10
    job = PackRender.objects.create(meeting=meeting, data_version="v", rows=18)
    seen = []

    def render_pdf(html, **kwargs):
        PackRender.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now())
        kwargs["heartbeat"]()
        seen.append(PackRender.objects.get(pk=job.pk).lease_expires_at)
        kwargs["on_progress"](4)
        seen.append(PackRender.objects.get(pk=job.pk).pages_done)
        seen.append(kwargs["niceness"])
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(tasks, "PROGRESS_SAVE_SECONDS", 0)
    monkeypatch.setattr(sandbox, "render_pdf", render_pdf)
    assert tasks.render_pack.call(job.pk) == PackRender.Status.DONE
    renewed, pages, niceness = seen
    assert renewed > timezone.now() + dt.timedelta(seconds=tasks.LEASE_SECONDS - 5)
    assert pages == 4 and niceness == 10
    job.refresh_from_db()
    assert job.status == PackRender.Status.DONE and job.lease_expires_at is None
    assert job.pages_done == 4


@pytest.mark.parametrize("taken_over_by", ["a second attempt", "the last attempt's failure"])
def test_a_late_finisher_cannot_overwrite_the_attempt_that_took_over(
    meeting, monkeypatch, taken_over_by
):
    job = PackRender.objects.create(meeting=meeting, data_version="v", rows=18)

    def slow_render(html, **kwargs):
        # While this worker is stalled, its lease runs out and the job is taken over.
        attempts = 1 if taken_over_by == "a second attempt" else tasks.MAX_ATTEMPTS
        PackRender.objects.filter(pk=job.pk).update(
            lease_expires_at=timezone.now() - dt.timedelta(seconds=1), attempts=attempts
        )
        tasks.recover_expired_renders()
        if taken_over_by == "a second attempt":
            assert tasks.claim_render(render_id=job.pk).attempts == 2
        return b"%PDF-1.7 late"

    monkeypatch.setattr(sandbox, "render_pdf", slow_render)
    assert tasks.render_pack.call(job.pk) == "taken over"
    job.refresh_from_db()
    if taken_over_by == "a second attempt":
        assert job.status == PackRender.Status.RUNNING and job.attempts == 2
        assert job.file.name.endswith(f"-{job.pk}-2.pdf") and not _stored(job.file.name)
    else:
        assert job.status == PackRender.Status.FAILED and job.error == tasks.WORKER_DIED
        assert job.file.name == ""
    # The late attempt's PDF was not kept either.
    storage = PackRender._meta.get_field("file").storage
    assert not storage.exists(tasks._file_name(job, 1))


def test_a_worker_that_lost_its_lease_stops_rendering_at_the_next_heartbeat(meeting, monkeypatch):
    job = PackRender.objects.create(meeting=meeting, data_version="v", rows=18)
    after_heartbeat = []

    def render_pdf(html, **kwargs):
        PackRender.objects.filter(pk=job.pk).update(status=PackRender.Status.QUEUED)
        kwargs["heartbeat"]()
        after_heartbeat.append(True)
        return b"%PDF-1.7"

    monkeypatch.setattr(sandbox, "render_pdf", render_pdf)
    assert tasks.render_pack.call(job.pk) == "taken over"
    assert after_heartbeat == []
    assert PackRender.objects.get(pk=job.pk).status == PackRender.Status.QUEUED


# -- Storage failures ----------------------------------------------------------------------


class StorageFailed(Exception):
    """Like a storage class that raises its own exception type (not an OSError)."""


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        PermissionError(errno.EACCES, "Permission denied"),
        OSError(errno.EROFS, "Read-only file system"),
        StorageFailed("quota exceeded"),
    ],
    ids=["disk-full", "permission-denied", "read-only", "other-exception"],
)
def test_a_pack_that_cannot_be_saved_fails_with_a_message_leaves_no_file_and_can_be_retried(
    clerk_client, meeting, settings, fake_render, monkeypatch, caplog, error
):
    settings.TASKS = IMMEDIATE
    storage = PackRender._meta.get_field("file").storage
    storage_class = storage.__class__  # whatever class the project's default storage is
    real_save = storage_class.save
    attempted = []
    failing = True

    def failing_save(self, name, content, max_length=None):
        if not failing:
            return real_save(self, name, content, max_length=max_length)
        # Part of the file reaches the disk before the write fails.
        attempted.append(real_save(self, name, ContentFile(b"%PDF-1.7 trunc")))
        raise error

    monkeypatch.setattr(storage_class, "save", failing_save)
    with caplog.at_level(logging.ERROR, logger="reports.tasks"):
        response = clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    assert response.status_code == 302
    job = PackRender.objects.get()
    assert job.status == PackRender.Status.FAILED and job.error == tasks.STORAGE_FAILED
    assert job.file.name == "" and attempted and not storage.exists(attempted[0])
    assert not list((settings.MEDIA_ROOT / "packs").rglob("*.pdf"))
    assert "failed" in caplog.text and type(error).__name__ in caplog.text
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    assert b"storage is full or not writable" in page.content
    assert b"Try again" in page.content and f"/pack/{job.pk}.pdf".encode() not in page.content

    failing = False
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    done = PackRender.objects.get(status=PackRender.Status.DONE)
    assert done.pk != job.pk and storage.exists(done.file.name)
    assert clerk_client.get(f"/meetings/{meeting.pk}/pack/{done.pk}.pdf").status_code == 200


def test_an_unexpected_error_fails_the_job_with_a_plain_message(
    clerk_client, meeting, settings, monkeypatch
):
    settings.TASKS = IMMEDIATE

    def broken(html, **kwargs):
        raise ValueError("something internal")

    monkeypatch.setattr(sandbox, "render_pdf", broken)
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job = PackRender.objects.get()
    assert job.status == PackRender.Status.FAILED and job.error == tasks.UNEXPECTED_ERROR
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    assert b"something internal" not in page.content and b"Try again" in page.content


def test_a_stored_pack_removed_from_storage_says_so_instead_of_a_500(
    clerk_client, meeting, settings, fake_render
):
    settings.TASKS = IMMEDIATE
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job = PackRender.objects.get()
    PackRender._meta.get_field("file").storage.delete(job.file.name)
    response = clerk_client.get(f"/meetings/{meeting.pk}/pack/{job.pk}.pdf")
    assert response.status_code == 302 and response.url == f"/meetings/{meeting.pk}/pack/"
    page = clerk_client.get(response.url)
    assert b"stored pack file is missing" in page.content and b"Try again" in page.content


# -- Reuse, and no pack building on a click ------------------------------------------------


@pytest.fixture
def no_pack_building(monkeypatch):
    """Makes building the pack fail, as a click or a page view must never do it."""

    def refuse(*args, **kwargs):
        raise AssertionError("the pack was built in a request")

    real = (rows.meeting_pack, documents.pack_html)
    monkeypatch.setattr(rows, "meeting_pack", refuse)
    monkeypatch.setattr(documents, "pack_html", refuse)

    class Allow:
        def __enter__(self):
            rows.meeting_pack, documents.pack_html = real

        def __exit__(self, *exc):
            rows.meeting_pack = documents.pack_html = refuse

    return Allow()


def test_thirty_clicks_make_one_render_and_the_next_click_reuses_it(
    clerk_client, meeting, settings, fake_render, no_pack_building
):
    settings.TASKS = DUMMY
    url = f"/meetings/{meeting.pk}/pack/"
    for _ in range(30):
        assert clerk_client.post(f"{url}render/").url == url
        assert clerk_client.get(url).status_code == 200
    job = PackRender.objects.get()
    assert job.status == PackRender.Status.QUEUED and job.rows == 18

    with no_pack_building:  # the worker builds the pack
        assert tasks.render_pack.call(job.pk) == PackRender.Status.DONE
    assert len(fake_render) == 1

    assert clerk_client.post(f"{url}render/").url == url
    assert PackRender.objects.count() == 1 and len(fake_render) == 1
    page = clerk_client.get(url)
    assert f"{url}{job.pk}.pdf".encode() in page.content
    assert clerk_client.get(f"{url}{job.pk}.pdf").status_code == 200
    assert clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf").status_code == 200


def test_a_click_and_the_progress_page_cost_a_few_small_queries(
    clerk_client, meeting, settings, django_assert_max_num_queries
):
    settings.TASKS = DUMMY
    url = f"/meetings/{meeting.pk}/pack/"
    clerk_client.post(f"{url}render/")
    # Session, user and 2 for permissions; the meeting; whether it is issued; recovery; 5 for
    # the data version; finished and active renders of it; 3 to save the session (savepoint,
    # update, release).
    with django_assert_max_num_queries(17):
        clerk_client.post(f"{url}render/")
    # Session, user and 2 for permissions; 4 for the summary; the issued pack; recovery; 5 for
    # the data version; the render of it; 3 to save the session.
    with django_assert_max_num_queries(19):
        clerk_client.get(url)


def test_an_edit_during_the_render_makes_the_next_click_render_again(
    clerk_client, meeting, settings, monkeypatch
):
    settings.TASKS = IMMEDIATE
    update = ProgressUpdate.objects.filter(report=meeting.update_reports.get()).first()
    before = tasks.pack_data_version(meeting.pk)

    def render_pdf(html, **kwargs):
        # The clerk's edit lands after the worker read the data.
        update.text = "Edited during the render."
        update.save()
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(sandbox, "render_pdf", render_pdf)
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job = PackRender.objects.get()
    assert job.status == PackRender.Status.DONE and job.data_version == before
    assert tasks.pack_data_version(meeting.pk) != before
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    assert b"Make the committee pack" in page.content

    monkeypatch.setattr(sandbox, "render_pdf", lambda html, **kwargs: b"%PDF-1.7 fresh")
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    assert PackRender.objects.filter(status=PackRender.Status.DONE).count() == 2


def _edit_update(meeting):
    update = ProgressUpdate.objects.filter(report=meeting.update_reports.get()).first()
    update.text += " More."
    update.save()


def _edit_person(meeting):
    person = Person.objects.filter(leads__recommendation__review__meetings=meeting).first()
    person.name += " Jr"
    person.save()


def _edit_meeting(meeting):
    meeting.agenda_item += " (revised)"
    meeting.save()


def _drop_review(meeting):
    meeting.reviews.remove(meeting.reviews.first())


def _appendix_layout(meeting):
    """The first column's heading renamed, through the service as an officer would."""
    review = meeting.reviews.first()
    stored = AppendixSettings.objects.filter(review=review).first()
    current = stored or AppendixSettings(review=review)
    (field, _), *rest = current.get_columns()
    appendix_settings_set(
        review=review,
        layout=current.layout,
        columns=[(field, "What we asked"), *rest],
        header=current.get_header(),
        note=current.note,
        title=current.title,
        expected_version=stored.version if stored else None,
    )


def _glossary(meeting):
    GlossaryTerm.objects.create(
        authority=meeting.committee.authority,
        term="Zebra crossing test term",
        meaning="A term added for the test",
    )


def _edit_glossary(meeting):
    term = GlossaryTerm.objects.filter(authority=meeting.committee.authority).first()
    if term is None:
        _glossary(meeting)
        term = GlossaryTerm.objects.get(authority=meeting.committee.authority)
        before = tasks.pack_data_version(meeting.pk)
        term.meaning = "Changed"
        term.save()
        assert tasks.pack_data_version(meeting.pk) != before
        return
    term.meaning += " (changed)"
    term.save()


def _rename_committee(meeting):
    committee = Committee.objects.get(pk=meeting.committee_id)
    committee.name += " (renamed)"
    committee.save()


def _rename_authority(meeting):
    authority = meeting.committee.authority
    authority.name += " Council"
    authority.save()


def _delete_recommendation(meeting):
    Recommendation.objects.filter(review__meetings=meeting, parent=None).last().delete()


@pytest.mark.parametrize(
    "edit",
    [
        _edit_update,
        _edit_person,
        _edit_meeting,
        _drop_review,
        _appendix_layout,
        _glossary,
        _edit_glossary,
        _rename_committee,
        _rename_authority,
        _delete_recommendation,
    ],
)
def test_the_data_version_changes_with_anything_the_pack_shows(meeting, edit):
    before = tasks.pack_data_version(meeting.pk)
    assert tasks.pack_data_version(meeting.pk) == before  # stable while nothing changes
    edit(meeting)
    assert tasks.pack_data_version(meeting.pk) != before


def test_the_data_version_changes_with_the_date(meeting, monkeypatch):
    """Whether an update is overdue depends on the date."""
    before = tasks.pack_data_version(meeting.pk)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: tomorrow)
    assert tasks.pack_data_version(meeting.pk) != before


def test_the_counted_rows_and_summary_match_the_built_pack(layouts):
    for meeting in Meeting.objects.all():
        pack = rows.meeting_pack(meeting.pk)
        summary = tasks.pack_summary(meeting.pk)
        assert summary.rows == sum(len(item.rows) for item in pack.appendices), meeting
        assert summary.reviews == len(pack.appendices) and summary.title == pack.title


def test_a_database_gone_at_the_final_save_leaves_no_orphan_file(meeting, settings, monkeypatch):
    job = PackRender.objects.create(meeting=meeting, data_version="v", rows=18)

    class Unreachable:
        def update(self, **fields):
            raise OperationalError("server closed the connection unexpectedly")

    def render_pdf(html, **kwargs):
        monkeypatch.setattr(tasks, "_held", lambda job: Unreachable())
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(sandbox, "render_pdf", render_pdf)
    with pytest.raises(OperationalError):
        tasks.render_pack.call(job.pk)
    assert not list((settings.MEDIA_ROOT / "packs").rglob("*.pdf"))
    # Still RUNNING under its lease: recovery will queue it again when the lease runs out.
    job.refresh_from_db()
    assert job.status == PackRender.Status.RUNNING and job.attempts == 1


def test_the_data_version_changes_when_a_release_changes_the_pack_templates(
    meeting, settings, tmp_path
):
    before = tasks.pack_data_version(meeting.pk)
    templates = tmp_path / "templates" / "reports"
    shutil.copytree(settings.BASE_DIR / "templates" / "reports", templates)
    settings.BASE_DIR = tmp_path
    tasks._code_version.cache_clear()
    try:
        assert tasks.pack_data_version(meeting.pk) == before  # same files, same version
        with (templates / "pack_pdf.html").open("a") as template:
            template.write("<!-- a new release -->\n")
        tasks._code_version.cache_clear()
        assert tasks.pack_data_version(meeting.pk) != before
    finally:
        tasks._code_version.cache_clear()


def test_every_history_tracked_model_counts_in_the_data_version():
    """A model given history later is read by the pack too, most likely: it must not be
    forgotten here, or its edits would serve a stale pack."""
    tracked = {
        model
        for model in apps.get_app_config("recommendations").get_models()
        if model in registered_models.values()
    }
    # (The reports app's own sources, such as a report's appendix layout, are listed too.)
    ours = {model for model in tasks.HISTORY_SOURCES if model._meta.app_label == "recommendations"}
    assert tracked == ours | set(tasks.NOT_IN_PACK)
    assert not set(tasks.HISTORY_SOURCES) & set(tasks.NOT_IN_PACK)
