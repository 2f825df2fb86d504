"""Which issued committee packs are public: only those whose every paper is a final report
of a published review, issued after the reports were made final, when no private update
could have been printed in them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from recommendations import services
from recommendations.models import Meeting, ProgressUpdate, Review
from reports.models import IssuedPack
from reports.public.selectors import public_pack_meetings
from tests.factories import make_committee
from tests.publicdata import World

pytestmark = pytest.mark.django_db


def _public(meeting: Meeting) -> bool:
    return public_pack_meetings().filter(pk=meeting.pk).exists()


def _path(meeting: Meeting) -> str:
    return f"/public/meetings/{meeting.pk}/pack.pdf"


def test_the_world_s_packs(client, world: World):
    assert _public(world.public_meeting)
    assert not _public(world.draft_meeting)  # presented a draft
    assert client.get(_path(world.draft_meeting)).status_code == 404


def test_a_pack_issued_before_its_report_was_made_final_is_not_public(client, world: World):
    world.final.finalised_at = world.public_meeting.issued_pack.issued_at + dt.timedelta(hours=1)
    world.final.save()
    assert not _public(world.public_meeting)
    assert client.get(_path(world.public_meeting)).status_code == 404


def test_a_pack_that_could_have_printed_a_working_entry_is_not_public(world: World):
    """The working entry dated before the report: entered before the pack was issued, the
    pack may show it as a recommendation's latest earlier update."""
    entry = ProgressUpdate.objects.get(report=None, recommendation__review=world.published)
    IssuedPack.objects.filter(meeting=world.public_meeting).update(
        issued_at=entry.created_at + dt.timedelta(seconds=1)
    )
    assert not _public(world.public_meeting)


def test_a_pack_of_a_meeting_that_considered_another_review_without_a_report(world: World):
    other = Review.objects.create(
        committee=make_committee(), slug="other", title="Other", published_at=timezone.now()
    )
    world.public_meeting.reviews.add(other)
    assert not _public(world.public_meeting)  # it printed the other review's latest updates


def test_unpublishing_takes_the_pack_down(client, officer, world: World):
    services.review_unpublish(
        review=world.published, expected_version=world.published.version, user=officer
    )
    assert client.get(_path(world.public_meeting)).status_code == 404
