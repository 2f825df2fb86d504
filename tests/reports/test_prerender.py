"""PDFs made before anyone asks (issue 16): after a change the task worker re-renders the
appendices and packs it affects, once a burst of edits is over; a download serves the stored
file while it is what the data shows, and never anything stale."""

from __future__ import annotations

import datetime as dt
import signal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task_backends

from recommendations.models import Meeting, Person, ProgressUpdate, Recommendation, UpdateReport
from recommendations.services import person_update, progress_update_create
from reports import prerender, rows, tasks
from reports.models import IssuedPack, StoredPDF
from reports.pdf import sandbox
from tests.reports.conftest import make_big_review, pdf_pages_text, work

pytestmark = pytest.mark.django_db


def _update(recommendation: Recommendation, user, text: str, report=None) -> ProgressUpdate:
    return progress_update_create(
        update=ProgressUpdate(
            recommendation=recommendation,
            report=report,
            as_at=dt.date(2024, 3, 1),
            text=text,
            timescale="Ongoing",
            target_date=dt.date(2024, 6, 1),
        ),
        user=user,
    )


@pytest.fixture
def review(db):
    return make_big_review(18, slug="burst")


def _appendix_row(review) -> StoredPDF:
    return StoredPDF.objects.get(document=f"appendix:{review.pk}")


def test_an_edit_is_made_by_the_worker_and_served_from_store_in_the_next_download(
    clerk_client, officer, review, renders, django_capture_on_commit_callbacks, settings
):
    settings.PDF_WORKER_NICENESS = 10
    url = f"/reviews/{review.slug}/appendix.pdf"
    first = clerk_client.get(url)
    assert first.status_code == 200 and first["X-PDF-Cache"] == "miss"
    recommendation = review.recommendations.get(label="3")
    with django_capture_on_commit_callbacks(execute=True):
        _update(recommendation, officer, "Governors have now adopted the new policy.")
    row = _appendix_row(review)
    assert row.status == StoredPDF.Status.QUEUED and row.due_at > timezone.now()

    assert "rendered" in work()  # a minute later, the worker has made it
    before = len(renders)
    response = clerk_client.get(url)
    assert response.status_code == 200 and response["X-PDF-Cache"] == "hit"
    assert len(renders) == before  # the click renders nothing
    assert b"Governors have now adopted the new policy." in response.content
    # Made in the background: niced and with the worker's time limit.
    background = renders[-1]
    assert background["niceness"] == 10
    assert background["timeout"] == 900


def test_an_edit_the_worker_has_not_reached_is_never_served_stale(
    clerk_client, officer, review, renders, django_capture_on_commit_callbacks
):
    url = f"/reviews/{review.slug}/appendix.pdf"
    clerk_client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        _update(review.recommendations.get(label="3"), officer, "Corrected at the last minute.")
    response = clerk_client.get(url)  # before the worker has run
    assert response["X-PDF-Cache"] == "miss"
    assert b"Corrected at the last minute." in response.content
    # The request made it, so the worker, coming later, does not make it again (it makes
    # only the update report's appendix, which the edit was also marked for).
    work()
    assert sum("Corrected at the last minute." in made["html"] for made in renders) == 1
    assert clerk_client.get(url)["X-PDF-Cache"] == "hit"


def test_a_click_after_the_worker_made_it_builds_nothing_and_an_edit_is_seen_at_once(
    clerk_client, officer, review, renders, django_capture_on_commit_callbacks, monkeypatch
):
    url = f"/reviews/{review.slug}/appendix.pdf"
    prerender.mark_changed([prerender.appendix_document(review.pk)], delay=0)
    work()
    assert _appendix_row(review).trusted

    def no_html(*args, **kwargs):
        raise AssertionError("the click built the appendix")

    with monkeypatch.context() as patched:
        patched.setattr(rows, "appendix_for_review", no_html)
        response = clerk_client.get(url)
    assert response.status_code == 200 and response["X-PDF-Cache"] == "hit"

    # An edit committed, before its marking has run (here: never): the stored PDF is no
    # longer trusted, so the next click checks it against the data, and makes it again.
    _update(review.recommendations.get(label="4"), officer, "Seen at once.")
    assert not _appendix_row(review).trusted
    response = clerk_client.get(url)
    assert response["X-PDF-Cache"] == "miss" and b"Seen at once." in response.content


def test_renaming_a_lead_is_in_the_next_download(
    clerk_client, officer, review, renders, django_capture_on_commit_callbacks
):
    url = f"/reviews/{review.slug}/appendix.pdf"
    clerk_client.get(url)
    assert clerk_client.get(url)["X-PDF-Cache"] == "hit"
    person = Person.objects.get(name="Person burst 0")
    person.name = "Dr Renamed Lead"
    person_update(person=person, expected_version=person.version, user=officer)
    response = clerk_client.get(url)
    assert response["X-PDF-Cache"] == "miss" and b"Dr Renamed Lead" in response.content


def test_a_burst_of_18_updates_is_one_render_per_document(
    officer, review, renders, django_capture_on_commit_callbacks
):
    report = UpdateReport.objects.get(review=review)
    for recommendation in review.recommendations.order_by("order"):
        # Each saved on its own, as 18 officers' clicks would be.
        with django_capture_on_commit_callbacks(execute=True):
            _update(recommendation, officer, f"Round update on {recommendation.label}.", report)
    row = _appendix_row(review)
    assert row.changes >= 18 and row.status == StoredPDF.Status.QUEUED
    # The last edit set the time: nothing renders until the burst has been quiet for a while.
    assert row.due_at > timezone.now() + dt.timedelta(seconds=25)
    queued = [r for r in task_backends["default"].results if r.args == [row.pk]]
    assert len(queued) == 1
    assert queued[0].task.priority < 0  # below users' own renders

    work()
    documents = set(StoredPDF.objects.values_list("document", flat=True))
    # The latest appendix and the update report's (the demo meetings are all past).
    assert documents == {f"appendix:{review.pk}", f"appendix:{review.pk}:report:{report.pk}"}
    assert len(renders) == len(documents)  # one render each, not 18
    for made in renders:
        assert "Round update on 18." in made["html"]


def test_a_render_under_way_is_never_doubled_and_a_change_during_it_renders_again(
    officer, review, renders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _update(review.recommendations.get(label="1"), officer, "First.")
    row = _appendix_row(review)
    StoredPDF.objects.filter(due_at__isnull=False).update(due_at=timezone.now())
    claimed = prerender.claim(row.pk, statuses=[StoredPDF.Status.QUEUED])
    assert claimed is not None
    # A second worker (or a second task for the same document) finds it taken.
    assert prerender.claim(row.pk, statuses=[StoredPDF.Status.QUEUED]) is None
    assert prerender.render_document.call(row.pk) == "nothing to do"
    with django_capture_on_commit_callbacks(execute=True):
        _update(review.recommendations.get(label="2"), officer, "Second, during the render.")
    assert _appendix_row(review).status == StoredPDF.Status.RUNNING  # not queued twice
    prerender.render(
        claimed, "<html>first</html>", [], timeout=5, explain_seconds=0
    )  # the first render ends: the change made meanwhile puts the document back in the queue
    assert _appendix_row(review).status == StoredPDF.Status.QUEUED
    work()
    assert b"Second, during the render." in _appendix_row(review).file.read()


def test_a_download_while_the_worker_renders_waits_for_it(
    clerk_client, review, renders, monkeypatch
):
    row = prerender.request_render(prerender.appendix_document(review.pk))
    claimed = prerender.claim(row.pk, statuses=[StoredPDF.Status.QUEUED])

    def worker_finishes(seconds):
        # Meanwhile, in the worker, the render it had started ends.
        html = prerender._html(claimed)[0]
        prerender.render(claimed, html, [], timeout=5, explain_seconds=0)

    monkeypatch.setattr(prerender, "WAIT_SECONDS", 60)
    fetch = prerender.fetch

    def fetch_waiting(document, build, *, large, wait=None):
        return fetch(document, build, large=large, wait=worker_finishes)

    monkeypatch.setattr(prerender, "fetch", fetch_waiting)
    response = clerk_client.get(f"/reviews/{review.slug}/appendix.pdf")
    assert response.status_code == 200 and response["X-PDF-Cache"] == "hit"
    assert len(renders) == 1  # the worker's: the request made none of its own


def test_a_large_appendix_is_made_by_the_worker_with_a_progress_page(
    clerk_client, review, renders, settings
):
    settings.PDF_PACK_REQUEST_MAX_ROWS = 5  # 18 rows: large
    url = f"/reviews/{review.slug}/appendix.pdf"
    response = clerk_client.get(url)
    progress = f"/reviews/{review.slug}/appendix/pdf/"
    assert response.status_code == 302 and response.url == progress
    assert renders == []  # no request renders a large document
    page = clerk_client.get(progress)
    assert page.status_code == 200 and page["Refresh"] == "5"
    assert b"waiting for a worker" in page.content and b"<progress" in page.content
    queued = task_backends["default"].results
    assert queued[-1].task.priority > 0  # a user waits: ahead of the background's renders

    row = _appendix_row(review)
    StoredPDF.objects.filter(pk=row.pk).update(status=StoredPDF.Status.RUNNING, pages_done=4)
    assert b"4 pages laid out so far" in clerk_client.get(progress).content
    StoredPDF.objects.filter(pk=row.pk).update(status=StoredPDF.Status.QUEUED)

    work(later=False)
    page = clerk_client.get(progress)
    assert "Refresh" not in page and url.encode() in page.content
    download = clerk_client.get(url)
    assert download.status_code == 200 and download["X-PDF-Cache"] == "hit"
    assert download.content.startswith(b"%PDF")


def test_a_large_appendix_that_cannot_be_made_says_so_and_can_be_tried_again(
    clerk_client, review, renders, settings, monkeypatch
):
    settings.PDF_PACK_REQUEST_MAX_ROWS = 5

    def too_slow(html, **kwargs):
        raise sandbox.PDFRenderTimeout("The PDF took longer than 900 seconds to render.")

    monkeypatch.setattr(sandbox, "render_pdf", too_slow)
    clerk_client.get(f"/reviews/{review.slug}/appendix.pdf")
    work(later=False)
    progress = f"/reviews/{review.slug}/appendix/pdf/"
    page = clerk_client.get(progress)
    assert page.status_code == 200 and b"longer than 900 seconds" in page.content
    assert b"Try again" in page.content
    assert clerk_client.post(progress).url == progress
    assert _appendix_row(review).status == StoredPDF.Status.QUEUED


def test_a_killed_worker_leaves_no_render_stuck(clerk_client, review, renders, settings):
    settings.PDF_PACK_REQUEST_MAX_ROWS = 5
    row = prerender.request_render(prerender.appendix_document(review.pk))
    progress = f"/reviews/{review.slug}/appendix/pdf/"
    for attempt in (1, 2):
        claimed = prerender.claim(row.pk, statuses=[StoredPDF.Status.QUEUED])
        assert claimed.attempts == attempt
        # The worker is killed: its lease runs out.
        StoredPDF.objects.filter(pk=row.pk).update(
            lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        page = clerk_client.get(progress)
        row.refresh_from_db()
        if attempt == 1:
            assert row.status == StoredPDF.Status.QUEUED  # queued again, for another worker
            assert b"stopped; it is waiting for a worker to try again" in page.content
    assert row.status == StoredPDF.Status.IDLE and row.error == prerender.WORKER_DIED
    assert b"twice" in page.content and b"Try again" in page.content
    clerk_client.post(progress)
    work(later=False)
    assert clerk_client.get(f"/reviews/{review.slug}/appendix.pdf").status_code == 200


def test_the_run_worker_command_recovers_expired_renders(review, renders, monkeypatch):
    row = prerender.request_render(prerender.appendix_document(review.pk))
    prerender.claim(row.pk, statuses=[StoredPDF.Status.QUEUED])
    StoredPDF.objects.filter(pk=row.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    from reports.management.commands import run_worker

    # Its thread closes its own connections; here that would be the test's.
    monkeypatch.setattr(run_worker.connections, "close_all", lambda: None)
    run_worker.Recovery(10).run_once()
    assert _appendix_row(review).status == StoredPDF.Status.QUEUED


# -- Committee packs -----------------------------------------------------------------------


def _meeting(review, *, days_from_today: int, capture) -> Meeting:
    """A meeting to come that considers the review; the worker has caught up with it."""
    with capture(execute=True):
        meeting = Meeting.objects.create(
            committee=review.committee,
            date=timezone.localdate() + dt.timedelta(days=days_from_today),
            agenda_item="Exclusions: update",
        )
        meeting.reviews.add(review)
    UpdateReport.objects.filter(review=review).update(meeting=meeting)
    work()
    return meeting


def test_a_coming_meetings_pack_is_made_ahead_and_served_from_store(
    clerk_client, officer, review, renders, django_capture_on_commit_callbacks
):
    meeting = _meeting(review, days_from_today=7, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        _update(
            review.recommendations.get(label="2"),
            officer,
            "Pack-worthy progress.",
            UpdateReport.objects.get(review=review),  # the report the pack carries
        )
    work()
    row = StoredPDF.objects.get(document=f"pack:{meeting.pk}")
    assert b"Pack-worthy progress." in row.file.read()
    before = len(renders)
    response = clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf")
    assert response.status_code == 200 and response["X-PDF-Cache"] == "hit"
    assert b"Pack-worthy progress." in response.content and len(renders) == before


def test_an_issued_pack_is_never_rendered_again(
    clerk_client, officer, review, renders, django_capture_on_commit_callbacks
):
    meeting = _meeting(review, days_from_today=7, capture=django_capture_on_commit_callbacks)
    assert clerk_client.post(f"/meetings/{meeting.pk}/pack/issue/").status_code == 302
    issued = IssuedPack.objects.get(meeting=meeting)
    as_issued = clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf").getvalue()
    assert issued.file.read() == as_issued
    before = len(renders)

    pack = prerender.pack_document(meeting.pk).key
    with django_capture_on_commit_callbacks(execute=True):
        _update(review.recommendations.get(label="2"), officer, "After the pack went out.")
    assert not StoredPDF.objects.filter(document=pack, status=StoredPDF.Status.QUEUED).exists()
    work()
    # Even asked directly, the worker does not make it.
    prerender.mark_changed([prerender.pack_document(meeting.pk)], delay=0)
    assert work() == ["not made here"]
    rendered = [made["html"] for made in renders[before:]]
    assert rendered and all(meeting.agenda_item not in html for html in rendered)
    assert clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf").getvalue() == as_issued
    assert IssuedPack.objects.get(meeting=meeting).sha256 == issued.sha256


def test_a_large_packs_change_starts_its_background_pack_render(
    officer, review, renders, settings, django_capture_on_commit_callbacks
):
    settings.PDF_PACK_REQUEST_MAX_ROWS = 5
    meeting = _meeting(review, days_from_today=7, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        _update(review.recommendations.get(label="2"), officer, "A change to a large pack.")
    work()
    job = meeting.pack_renders.first()  # the newest
    assert (
        job.status == "done"
        and job.requested_by is None
        and job.data_version == tasks.pack_data_version(meeting.pk)
    )


# -- The real worker -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_makes_the_pdf_after_an_edit(clerk, settings):
    """django-tasks' DatabaseBackend and our run_worker, as deployed, with a real render."""
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    settings.PDF_PRERENDER_DELAY = 0
    review = make_big_review(3, slug="worker")
    _update(review.recommendations.get(label="2"), clerk, "Made by the worker itself.")
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("run_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    row = _appendix_row(review)
    assert row.status == StoredPDF.Status.IDLE and row.pages >= 1, row.error
    text = "\n".join(pdf_pages_text(row.file.read()))
    assert "Made by the worker itself." in text
