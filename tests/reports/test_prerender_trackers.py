"""Issues 14 and 16: a tracker across reviews larger than a request may render is made by the
worker, as a large appendix is: stored by its query and content, a progress page meanwhile,
never served stale, never a 5xx; a small one is still made in the request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks import task_backends

from reports import prerender
from reports.models import StoredPDF
from reports.pdf import sandbox
from tests.reports import test_prerender
from tests.reports.conftest import make_big_review, work

# The appendices' fake renderer (``renders``, the "PDF" carries the HTML it was made from)
# and worker are tests/reports/conftest.py's.
_update = test_prerender._update

pytestmark = pytest.mark.django_db

QUERY = "group=committee&closed="
# The same tracker asked for in the order the server keeps it: its filters, sorted.
CANONICAL = "closed=&group=committee"
PDF = f"/trackers/tracker.pdf?{QUERY}"
PROGRESS = f"/trackers/pdf/?{CANONICAL}"


@pytest.fixture
def large(db, settings):
    settings.PDF_PACK_REQUEST_MAX_ROWS = 5  # 18 rows: large
    return make_big_review(18, slug="council-wide")


def _row() -> StoredPDF:
    return StoredPDF.objects.get(document__startswith="tracker:")


def test_a_large_tracker_is_made_by_the_worker_with_a_progress_page(
    clerk_client, large, renders, settings
):
    settings.PDF_WORKER_NICENESS = 10
    response = clerk_client.get(PDF)
    assert response.status_code == 302 and response.url == PROGRESS
    assert renders == []  # no request renders a large tracker
    page = clerk_client.get(PROGRESS)
    assert page.status_code == 200 and page["Refresh"] == "5"
    assert b"waiting for a worker" in page.content and b"<progress" in page.content
    assert b"Tracker: All authorities, all recommendations" in page.content
    assert task_backends["default"].results[-1].task.priority > 0  # a user waits

    row = _row()
    assert row.tracker_query == CANONICAL and row.review_id is None
    StoredPDF.objects.filter(pk=row.pk).update(status=StoredPDF.Status.RUNNING, pages_done=4)
    assert b"4 pages laid out so far" in clerk_client.get(PROGRESS).content
    StoredPDF.objects.filter(pk=row.pk).update(status=StoredPDF.Status.QUEUED)

    assert work(later=False) == ["rendered"]
    [made] = renders
    assert made["niceness"] == 10 and made["timeout"] == 900
    assert "Do thing <strong>17</strong>." in made["html"]  # the whole tracker, as asked
    page = clerk_client.get(PROGRESS)
    assert "Refresh" not in page
    assert b'href="/trackers/tracker.pdf?closed=&amp;group=committee"' in page.content
    download = clerk_client.get(PDF)
    assert download.status_code == 200 and download["X-PDF-Cache"] == "hit"
    assert download["Content-Disposition"] == 'attachment; filename="tracker.pdf"'
    assert b"Do thing <strong>17</strong>." in download.content
    assert len(renders) == 1


def test_a_large_tracker_is_never_served_stale(clerk_client, officer, large, renders):
    clerk_client.get(PDF)
    work(later=False)
    assert clerk_client.get(PDF).status_code == 200
    # An edit: no write marks trackers, so the download compares what the data shows now.
    _update(large.recommendations.get(label="3"), officer, "Adopted by the governors.")
    response = clerk_client.get(PDF)
    assert response.status_code == 302 and response.url == PROGRESS
    assert len(renders) == 1  # nothing stale served, and nothing rendered in the request
    work(later=False)
    response = clerk_client.get(PDF)
    assert response.status_code == 200 and b"Adopted by the governors." in response.content


def test_the_same_tracker_in_any_order_is_one_document(clerk_client, large, renders):
    clerk_client.get(PDF)
    assert clerk_client.get("/trackers/tracker.pdf?closed=&group=committee&junk=1").url == PROGRESS
    assert StoredPDF.objects.filter(document__startswith="tracker:").count() == 1
    # Another tracker (grouped by review) is another document.
    clerk_client.get("/trackers/tracker.pdf?closed=")
    assert StoredPDF.objects.filter(document__startswith="tracker:").count() == 2


def test_a_small_tracker_is_still_made_in_the_request(clerk_client, renders, settings):
    settings.PDF_PACK_REQUEST_MAX_ROWS = 5
    make_big_review(3, slug="small")
    response = clerk_client.get(PDF)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert not StoredPDF.objects.exists()


def test_a_large_tracker_that_cannot_be_made_says_so_and_can_be_tried_again(
    clerk_client, large, renders, monkeypatch
):
    def too_slow(html, **kwargs):
        raise sandbox.PDFRenderTimeout("The PDF took longer than 900 seconds to render.")

    monkeypatch.setattr(sandbox, "render_pdf", too_slow)
    clerk_client.get(PDF)
    work(later=False)
    page = clerk_client.get(PROGRESS)
    assert page.status_code == 200 and b"longer than 900 seconds" in page.content
    assert b"Try again" in page.content and "Refresh" not in page
    assert clerk_client.post(PROGRESS).url == PROGRESS
    assert _row().status == StoredPDF.Status.QUEUED


def test_a_killed_worker_leaves_no_tracker_render_stuck(clerk_client, large, renders):
    clerk_client.get(PDF)
    row = _row()
    for _ in (1, 2):
        prerender.claim(row.pk, statuses=[StoredPDF.Status.QUEUED])
        StoredPDF.objects.filter(pk=row.pk).update(
            lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        page = clerk_client.get(PROGRESS)
    row.refresh_from_db()
    assert row.status == StoredPDF.Status.IDLE and row.error == prerender.WORKER_DIED
    assert b"twice" in page.content and b"Try again" in page.content


def test_trackers_not_asked_for_in_a_day_are_removed_with_their_files(
    clerk_client, large, renders, settings, django_capture_on_commit_callbacks
):
    old = prerender._row(prerender.tracker_document("closed=only"))
    storage = StoredPDF._meta.get_field("file").storage
    name = storage.save("pdfs/old-tracker.pdf", ContentFile(b"%PDF old"))
    StoredPDF.objects.filter(pk=old.pk).update(
        file=name,
        rendered_at=timezone.now() - dt.timedelta(seconds=settings.PDF_CACHE_SECONDS + 60),
    )
    clerk_client.get(PDF)
    with django_capture_on_commit_callbacks(execute=True):
        work(later=False)
    assert list(StoredPDF.objects.values_list("tracker_query", flat=True)) == [CANONICAL]
    assert not storage.exists(name)


@pytest.mark.parametrize(("who", "status"), [("member", 403), ("outsider", 403), ("clerk", 200)])
def test_only_those_who_export_see_the_progress_page(client, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PROGRESS).status_code == status
    assert client.post(PROGRESS).status_code in (status, 302)
