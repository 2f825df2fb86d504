"""Large committee packs are rendered by a django-tasks worker, with progress and a download."""

import datetime as dt
import signal

import pytest
from django.core.management import call_command

from recommendations.models import Meeting, ProgressUpdate
from reports import pdf
from reports.models import PackRender
from tests.reports.conftest import pdf_pages_text

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def meeting(layouts, settings) -> Meeting:
    # The Hackney pack has 18 rows: "large" for these tests.
    settings.PDF_PACK_REQUEST_MAX_ROWS = 5
    return Meeting.objects.get(date=dt.date(2023, 1, 16))


@pytest.fixture
def fake_render(monkeypatch):
    """Most tests here are about the workflow, not the PDF: skip the 1-2 s render."""
    rendered = []

    def render_pdf(html, **kwargs):
        rendered.append(html)
        if kwargs.get("on_progress"):
            kwargs["on_progress"](3)
        return b"%PDF-1.7 fake " + pdf.fingerprint(html).encode()

    monkeypatch.setattr(pdf, "render_pdf", render_pdf)
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
        raise pdf.PDFRenderTimeout("The PDF took longer than 900 seconds to render.")

    monkeypatch.setattr(pdf, "render_pdf", too_slow)
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job = PackRender.objects.get()
    assert job.status == PackRender.Status.FAILED
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    assert b"could not be produced" in page.content and b"Try again" in page.content


def test_a_render_whose_worker_died_is_given_up_and_can_be_restarted(
    clerk_client, meeting, settings, fake_render
):
    settings.TASKS = DUMMY
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job = PackRender.objects.get()
    long_ago = job.updated_at - dt.timedelta(seconds=settings.PDF_BACKGROUND_RENDER_TIMEOUT + 61)
    PackRender.objects.filter(pk=job.pk).update(
        status=PackRender.Status.RUNNING, updated_at=long_ago
    )
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job.refresh_from_db()
    assert job.status == PackRender.Status.FAILED and "worker stopped" in job.error
    assert PackRender.objects.filter(status=PackRender.Status.QUEUED).count() == 1


def test_small_packs_still_download_directly(clerk_client, meeting, settings, monkeypatch):
    settings.PDF_PACK_REQUEST_MAX_ROWS = 200
    monkeypatch.setattr(pdf, "cached_pdf", lambda html: (b"%PDF", False))
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
def test_the_db_worker_command_completes_a_queued_render(clerk_client, meeting, settings):
    """The real worker (django-tasks' DatabaseBackend and its db_worker command) against this
    database: a queued render is picked up, rendered and stored."""
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job = PackRender.objects.get()
    assert job.status == PackRender.Status.QUEUED
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    job.refresh_from_db()
    assert job.status == PackRender.Status.DONE, job.error
    with job.file.open("rb") as stored:
        assert "16 January 2023" in pdf_pages_text(stored.read())[0]
