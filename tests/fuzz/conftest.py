"""Hypothesis settings and the small world every fuzz test posts into.

Deterministic in CI: ``derandomize=True`` (the seed comes from each test's name), no example
database (``database=None``), and Hypothesis' own cache kept out of the repository.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from recommendations.models import (
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Review,
    UpdateReport,
)
from tests.conftest import Recorded
from tests.factories import make_review

# Hypothesis caches Unicode tables in its home directory (default ./.hypothesis): not in the
# repository, but in one folder kept between runs, so each test process reads the tables (3 s of
# CPU to build) rather than building them. Hypothesis writes them atomically.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "exclusions-tracker-hypothesis")

settings.register_profile(
    "fuzz",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=30,
    print_blob=False,
    # Fixtures (the world, the logged-in client) are built once per test and shared by its
    # examples on purpose; each example runs in a savepoint that is rolled back.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
FUZZ = settings.get_profile("fuzz")


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    """The users these tests sign in are made per test: skip the slow password hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    review: Review
    recommendation: Recommendation  # "1": one lead, one update in a report that is not final
    part: Recommendation  # "1a", a part of "1"
    closed: Recommendation  # "2", closed at the meeting: the one that can be reopened
    lead: Lead
    update: ProgressUpdate
    report: UpdateReport
    final_report: UpdateReport
    meeting: Meeting
    other: Review  # another review, on another committee: its ids are "foreign"
    person: Person  # recorded at the review's authority, named nowhere: one to edit or merge


def _world() -> World:
    review = make_review(slug="fuzz", recommendations=3, updates_each=1, leads_each=1)
    recommendation = review.recommendations.get(label="1")
    part = Recommendation.objects.create(
        review=review, parent=recommendation, label="1a", order=1, text="A part."
    )
    final_report = UpdateReport.objects.create(
        review=review, title="Final round", as_at=dt.date(2023, 3, 1), is_final=True
    )
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2023, 9, 1), agenda_item="Item 5"
    )
    meeting.reviews.add(review)
    closed = review.recommendations.get(label="2")
    closed.closed_at_meeting, closed.closed_reason, closed.closed_evidence = meeting, "Done", "M1"
    closed.save()
    other = make_review(slug="other", recommendations=2)
    other_meeting = Meeting.objects.create(
        committee=other.committee, date=dt.date(2023, 9, 2), agenda_item="Item 6"
    )
    other_meeting.reviews.add(other)
    return World(
        review=review,
        recommendation=recommendation,
        part=part,
        closed=closed,
        lead=recommendation.leads.get(),
        update=recommendation.updates.get(),
        report=review.update_reports.get(is_final=False),
        final_report=final_report,
        meeting=meeting,
        other=other,
        person=Person.objects.create(
            name="A duplicate record", authority=review.committee.authority
        ),
    )


_WORLD = Recorded(_world)


@pytest.fixture
def world(db) -> World:
    """Built once per test process and copied into each test (``Recorded``)."""
    return _WORLD()
