from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess

import pytest
from django.utils import timezone
from django_tasks import task_backends

from recommendations import search
from recommendations.models import (
    Authority,
    Committee,
    Lead,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)
from reports import prerender
from reports.models import StoredPDF
from reports.pdf import sandbox

HACKNEY = "hackney-school-exclusions"
EAST_SUSSEX = "east-sussex-school-exclusions"
BUCKS = "buckinghamshire-permanent-exclusions"


@pytest.fixture
def layouts(demo_data) -> None:
    """The demo data, whose fixtures give each review its source document's appendix layout."""


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def csv_rows(response) -> list[list[str]]:
    """A CSV download's rows, as a spreadsheet would read them (its BOM dropped)."""
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def pdf_pages_text(content: bytes) -> list[str]:
    """Each page's text, line by line as printed (a line runs across the columns), with one
    space between words and no blank lines. poppler's pdftotext (poppler-utils, which the
    suite needs for pdftoppm anyway): 1 s for a 90-page appendix, where pdfplumber's
    pure-Python layout analysis took 23 s of CPU."""
    printed = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    # Every page ends with a form feed, the last one too.
    return [
        "\n".join(
            line for line in (re.sub(r"\s+", " ", row).strip() for row in page.splitlines()) if line
        )
        for page in printed.split("\f")[:-1]
    ]


def make_big_review(count: int, *, slug: str = "big-review") -> Review:
    """A review with ``count`` recommendations, each with a response, two leads and two
    updates. bulk_create is for test speed only; the app never bulk-writes tracked models."""
    authority = Authority.objects.create(name=f"Authority {slug}", slug=f"a-{slug}")
    committee = Committee.objects.create(authority=authority, name="Scrutiny", slug="scrutiny")
    review = Review.objects.create(committee=committee, slug=slug, title=f"Review {slug}")
    report = UpdateReport.objects.create(review=review, title="Update", as_at=dt.date(2024, 1, 1))
    people = [
        Person.objects.create(name=f"Person {slug} {i}", job_title="Head of Service")
        for i in range(2)
    ]
    recs = Recommendation.objects.bulk_create(
        Recommendation(review=review, label=str(i), order=i, text=f"Do thing **{i}**.")
        for i in range(1, count + 1)
    )
    Response.objects.bulk_create(
        Response(recommendation=rec, decision=Response.Decision.AGREED, text="Agreed.")
        for rec in recs
    )
    Lead.objects.bulk_create(
        Lead(recommendation=rec, person=person, order=i)
        for rec in recs
        for i, person in enumerate(people)
    )
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            recommendation=rec,
            report=report if month == 2 else None,
            as_at=dt.date(2024, month, 1),
            text=f"Progress {month} on {rec.label}. " * 8,
            timescale="Ongoing",
            target_date=dt.date(2024, 6, 1),
        )
        for rec in recs
        for month in (1, 2)
    )
    search.refresh(rec.pk for rec in recs)  # as the app's bulk route does
    return review


@pytest.fixture
def live_packs(monkeypatch) -> None:
    """The demo meetings are all in the past, so their packs are frozen on the first
    download (tests/reports/test_issued_pack.py). Tests of how a live pack is made, served
    and reused treat every meeting as still to come."""
    from reports import tasks

    monkeypatch.setattr(tasks, "meeting_has_passed", lambda meeting: False)


DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def renders(monkeypatch, settings):
    """Every render, whoever asks (the worker or a request), without the 1-2 s of layout:
    the "PDF" carries the HTML it was made from, so tests can read what it shows."""
    settings.TASKS = DUMMY  # queued tasks wait for ``work`` below
    settings.PDF_PRERENDER_DELAY = 30
    made: list[dict] = []

    def render_pdf(html, **kwargs):
        made.append({"html": html, **kwargs})
        return b"%PDF-1.7 fake\n" + html.encode()

    monkeypatch.setattr(sandbox, "render_pdf", render_pdf)
    task_backends["default"].clear()  # nothing left from another test
    prerender._pending.touched = None  # nor noted by one (its commit never came)
    yield made
    task_backends["default"].clear()


def work(*, later: bool = True) -> list[str]:
    """The task worker, run until its queue is empty. ``later``: the debounce delay has
    passed (as it would have a minute after the edit)."""
    backend = task_backends["default"]
    done = []
    for _ in range(100):
        if later:
            StoredPDF.objects.filter(due_at__isnull=False).update(
                due_at=timezone.now() - dt.timedelta(seconds=1)
            )
        if not backend.results:
            return done
        result = backend.results.pop(0)
        done.append(result.task.call(*result.args, **result.kwargs))
    raise AssertionError("the worker's queue never emptied")


@pytest.fixture
def world(db, officer):
    """Published and private data side by side (tests/publicdata.py), for the public pages'
    and the API's anonymous walks."""
    from tests.publicdata import make_world

    return make_world(officer)
