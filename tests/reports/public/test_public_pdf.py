"""The public appendix's PDF goes the way of every other appendix's (issue 16): made by the
worker after publishing and after each change, stored by its content under a key of its own
(never the signed-in appendix's file, which shows drafts), a large one never rendered in the
request but shown with a public progress page; unpublishing takes the stored file down."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from recommendations import services
from recommendations.models import ProgressUpdate, UpdateReport
from reports import prerender
from reports.models import StoredPDF
from reports.pdf import documents
from tests.publicdata import MARKER, World
from tests.reports.conftest import work

pytestmark = pytest.mark.django_db

PDF = "/public/reviews/published-review/appendix.pdf"
PROGRESS = "/public/reviews/published-review/appendix/pdf/"


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def _public_row(world: World) -> StoredPDF:
    return StoredPDF.objects.get(
        document=prerender.public_appendix_document(world.published.pk).key
    )


@pytest.fixture
def large(settings):
    settings.PDF_PACK_REQUEST_MAX_ROWS = 2  # the world's review has three recommendations


@pytest.fixture
def no_render_in_request(monkeypatch):
    """A request's own render goes through the PDF cache; the worker's does not."""

    def refuse(html):
        raise AssertionError("a request rendered the public appendix")

    monkeypatch.setattr(documents, "cached_pdf", refuse)


def _republish(world: World, officer, capture) -> None:
    """Unpublish and publish again, each committed (the fixture's publishing ran inside the
    test's transaction, so its marking never came)."""
    review = world.published
    with capture(execute=True):
        review = services.review_unpublish(
            review=review, expected_version=review.version, user=officer
        )
    with capture(execute=True):
        services.review_publish(review=review, expected_version=review.version, user=officer)
    world.published.refresh_from_db()


def test_a_large_public_appendix_is_made_by_the_worker_never_in_the_request(
    client, world, renders, large, no_render_in_request, settings
):
    settings.PDF_WORKER_NICENESS = 10
    response = client.get(PDF)
    assert response.status_code == 302 and response.url == PROGRESS
    assert _cache_control(response) == {"no-store"} and not response.cookies
    assert renders == []

    page = client.get(PROGRESS)
    assert page.status_code == 200 and page["Refresh"] == "5"
    assert _cache_control(page) == {"public", "max-age=5"} and not page.cookies
    content = page.content.decode()
    assert "waiting for a worker" in content and "<form" not in content

    assert work(later=False) == ["rendered"]
    (made,) = renders
    assert made["niceness"] == 10 and made["timeout"] == 900
    page = client.get(PROGRESS)
    assert "Refresh" not in page and PDF in page.content.decode()

    download = client.get(PDF)
    assert download.status_code == 200 and download["X-PDF-Cache"] == "hit"
    assert _cache_control(download) == {"public", "max-age=300"} and not download.cookies
    assert len(renders) == 1
    assert b"Public progress on 1." in download.content
    assert MARKER.encode() not in download.content


def test_publishing_makes_the_public_pdf_ahead_from_public_data_only(
    client, officer, world, renders, large, no_render_in_request, django_capture_on_commit_callbacks
):
    _republish(world, officer, django_capture_on_commit_callbacks)
    work()
    row = _public_row(world)
    stored = row.file.read()
    assert row.status == StoredPDF.Status.IDLE and row.trusted
    assert b"Public progress on 2." in stored and MARKER.encode() not in stored
    # The signed-in appendix, made by the same worker from the same review, shows the
    # draft round: it is a document of its own, never served for the public one.
    signed_in = StoredPDF.objects.get(document=f"appendix:{world.published.pk}")
    assert signed_in.file.name != row.file.name and MARKER.encode() in signed_in.file.read()

    before = len(renders)
    download = client.get(PDF)
    assert download.status_code == 200 and download.content == stored
    assert len(renders) == before


def test_a_draft_changes_nothing_public_and_renders_nothing(
    client, officer, world, renders, large, django_capture_on_commit_callbacks
):
    _republish(world, officer, django_capture_on_commit_callbacks)
    work()
    before = _public_row(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_update_create(
            update=ProgressUpdate(
                recommendation=world.published.recommendations.get(label="1"),
                report=world.draft,
                as_at=dt.date(2024, 6, 2),
                text=f"{MARKER} another draft",
                target_date=dt.date(2025, 1, 1),
            ),
            user=officer,
        )
    assert not _public_row(world).trusted  # checked against the data on the next download
    work()  # the signed-in appendices are made again; the public one's HTML is unchanged
    after = _public_row(world)
    assert (after.file.name, after.rendered_at) == (before.file.name, before.rendered_at)
    download = client.get(PDF)
    assert download["X-PDF-Cache"] == "hit" and MARKER.encode() not in download.content


def _finalise_a_new_round(world: World, officer, capture) -> None:
    with capture(execute=True):
        report = services.update_report_create(
            report=UpdateReport(
                review=world.published, title="Nine month update", as_at=dt.date(2024, 3, 1)
            ),
            user=officer,
        )
    with capture(execute=True):
        services.progress_update_create(
            update=ProgressUpdate(
                recommendation=world.published.recommendations.get(label="3"),
                report=report,
                as_at=dt.date(2024, 3, 1),
                text="Newly final progress on 3.",
                target_date=dt.date(2025, 1, 1),
            ),
            user=officer,
        )
    report.refresh_from_db()
    with capture(execute=True):
        services.update_report_finalise(
            report=report,
            expected_version=report.version,
            user=officer,
            gaps_reason="Recommendations 1 and 2 reported in January.",
        )


@pytest.mark.parametrize("size", ["small", "large"])
def test_a_new_final_report_is_never_served_stale(
    client, officer, world, renders, settings, size, django_capture_on_commit_callbacks
):
    if size == "large":
        settings.PDF_PACK_REQUEST_MAX_ROWS = 2
    _republish(world, officer, django_capture_on_commit_callbacks)
    work()
    assert b"Newly final" not in client.get(PDF).content

    _finalise_a_new_round(world, officer, django_capture_on_commit_callbacks)
    # Before the worker has run: the stored PDF is no longer what the public data shows.
    response = client.get(PDF)
    if size == "large":
        assert response.status_code == 302 and response.url == PROGRESS
        assert "Newly final progress on 3." not in renders[-1]["html"]  # none made here
        work()
        response = client.get(PDF)
        assert response["X-PDF-Cache"] == "hit"
    else:
        assert response.status_code == 200 and response["X-PDF-Cache"] == "miss"
    assert b"Newly final progress on 3." in response.content
    assert MARKER.encode() not in response.content
    # The worker, coming later, finds it made.
    work()
    assert b"Newly final progress on 3." in _public_row(world).file.read()


def test_unpublishing_takes_the_stored_public_pdf_down_at_once(
    client, officer, world, renders, large, django_capture_on_commit_callbacks
):
    _republish(world, officer, django_capture_on_commit_callbacks)
    work()
    row = _public_row(world)
    name = row.file.name
    storage = row.file.storage
    assert storage.exists(name)

    review = world.published
    with django_capture_on_commit_callbacks(execute=True):
        services.review_unpublish(review=review, expected_version=review.version, user=officer)
    row.refresh_from_db()
    assert not row.file and not row.fingerprint and not row.trusted
    assert not storage.exists(name)
    for path in (PDF, PROGRESS):
        assert client.get(path).status_code == 404, path
    # The worker makes no public PDF of an unpublished review, and leaves the signed-in one.
    before = len(renders)
    prerender.mark_changed([prerender.public_appendix_document(review.pk)], delay=0)
    done = work()
    assert "not made here" in done and "rendered" not in done
    assert len(renders) == before and not _public_row(world).file


def test_a_render_that_ends_after_unpublishing_is_taken_down_by_the_worker(
    client, officer, world, renders, large, django_capture_on_commit_callbacks
):
    row = prerender.request_render(prerender.public_appendix_document(world.published.pk))
    claimed = prerender.claim(row.pk, statuses=[StoredPDF.Status.QUEUED])
    html = prerender._html(claimed)[0]  # the worker built it while the review was published
    review = world.published
    with django_capture_on_commit_callbacks(execute=True):
        services.review_unpublish(review=review, expected_version=review.version, user=officer)
    prerender.render(claimed, html, [], timeout=5, explain_seconds=0)
    row.refresh_from_db()
    assert row.file and row.status == StoredPDF.Status.QUEUED  # the change came meanwhile
    name = row.file.name
    assert client.get(PDF).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert "not made here" in work()
    row.refresh_from_db()
    assert not row.file and not row.file.storage.exists(name)


def test_a_failed_or_pending_render_is_a_page_never_a_5xx(
    client, world, renders, large, monkeypatch
):
    from reports.pdf import sandbox

    def too_slow(html, **kwargs):
        raise sandbox.PDFRenderTimeout("The PDF took longer than 900 seconds to render.")

    monkeypatch.setattr(sandbox, "render_pdf", too_slow)
    assert client.get(PROGRESS).status_code == 200  # not asked for yet: a link to make it
    assert client.get(PDF).status_code == 302
    row = _public_row(world)
    StoredPDF.objects.filter(pk=row.pk).update(status=StoredPDF.Status.RUNNING, pages_done=3)
    assert client.get(PDF).status_code == 302  # under way: its progress, not a second render
    page = client.get(PROGRESS)
    assert page.status_code == 200 and b"3 pages laid out so far" in page.content
    StoredPDF.objects.filter(pk=row.pk).update(status=StoredPDF.Status.QUEUED)

    assert work(later=False) == ["failed"]
    page = client.get(PROGRESS)
    content = page.content.decode()
    assert page.status_code == 200 and "longer than 900 seconds" in content
    # Try again is a link to the download (a public page has no form): it queues a render.
    assert f'href="{PDF}">Try again' in content and "<form" not in content
    assert client.get(PDF).url == PROGRESS
    assert _public_row(world).status == StoredPDF.Status.QUEUED

    # A worker that died twice is reported, not left "running" for ever.
    for _ in range(2):
        prerender.claim(row.pk, statuses=[StoredPDF.Status.QUEUED])
        StoredPDF.objects.filter(pk=row.pk).update(
            lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        assert client.get(PROGRESS).status_code == 200
    assert b"twice" in client.get(PROGRESS).content


def test_the_progress_page_is_the_same_for_a_signed_in_visitor(client, member, world, large):
    client.force_login(member)
    redirect = client.get(PDF)
    assert redirect.status_code == 302 and not redirect.cookies
    page = client.get(PROGRESS)
    assert _cache_control(page) == {"public", "max-age=5"}
    assert not page.cookies and "cookie" not in page.get("Vary", "").lower()
