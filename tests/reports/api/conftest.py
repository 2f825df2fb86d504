"""A published review beside everything the public must never see, each carrying MARKER:
an unpublished review (its title, texts, people, committee and authority), a draft update
report of the published review with updates in it, an update in no report, and a meeting
that considered only unpublished papers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from recommendations import services
from recommendations.models import (
    Authority,
    Committee,
    CommitteeVerdict,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)
from tests.factories import make_review

MARKER = "zqxsecret"


@dataclass
class ApiData:
    published: Review
    hidden: Review
    draft_report: UpdateReport
    draft_update: ProgressUpdate
    loose_update: ProgressUpdate
    public_meeting: Meeting
    hidden_meeting: Meeting
    hidden_recommendation: Recommendation


@pytest.fixture
def api_data(db, officer) -> ApiData:
    published = make_review(slug="open-review", title="Open review", recommendations=3)
    final = published.update_reports.get()
    final.is_final = True
    final.save()
    services.review_publish(review=published, expected_version=published.version, user=officer)
    first = published.recommendations.get(label="1")
    # A later round still in draft, and a working entry in no report: newer than the final
    # report's updates, so they would be "latest" if they counted.
    draft_report = UpdateReport.objects.create(
        review=published, title=f"Draft round {MARKER}", summary=MARKER, as_at=dt.date(2024, 3, 1)
    )
    draft_update = ProgressUpdate.objects.create(
        recommendation=first,
        report=draft_report,
        as_at=dt.date(2024, 3, 1),
        text=f"Draft update {MARKER}",
        status=ProgressUpdate.Status.IMPLEMENTED,
        timescale=MARKER,
        author=Person.objects.create(name=f"Draft author {MARKER}"),
    )
    loose_update = ProgressUpdate.objects.create(
        recommendation=first,
        as_at=dt.date(2024, 4, 1),
        text=f"Working entry {MARKER}",
        status=ProgressUpdate.Status.IMPLEMENTED,
    )

    hidden = make_review(slug=f"{MARKER}-review", title=f"Hidden {MARKER}", recommendations=2)
    hidden.update_reports.update(is_final=True, title=f"Final but unpublished {MARKER}")
    hidden.summary = MARKER
    hidden.save()
    Committee.objects.filter(pk=hidden.committee_id).update(name=f"Committee {MARKER}")
    Authority.objects.filter(pk=hidden.committee.authority_id).update(name=f"Council {MARKER}")
    hidden_recommendation = hidden.recommendations.get(label="1")
    hidden_recommendation.text = f"Hidden text {MARKER}"
    hidden_recommendation.save()
    Response.objects.filter(recommendation__review=hidden).update(text=f"Response {MARKER}")
    ProgressUpdate.objects.filter(recommendation__review=hidden).update(text=f"Update {MARKER}")
    Lead.objects.create(
        recommendation=hidden_recommendation,
        person=Person.objects.create(name=f"Lead {MARKER}", email=f"{MARKER}@example.org"),
    )

    # Considered the published review's final report and the hidden review together: public,
    # without naming the hidden review.
    public_meeting = Meeting.objects.create(
        committee=published.committee, date=dt.date(2023, 9, 1), agenda_item="Scrutiny update"
    )
    public_meeting.reviews.set([published, hidden])
    final.meeting = public_meeting
    final.save()
    CommitteeVerdict.objects.create(
        update=final.updates.get(recommendation=first),
        meeting=public_meeting,
        verdict=CommitteeVerdict.Verdict.ACCEPTABLE,
    )
    # Only the draft round was presented here: not public.
    hidden_meeting = Meeting.objects.create(
        committee=published.committee, date=dt.date(2024, 3, 10), agenda_item=f"Draft {MARKER}"
    )
    hidden_meeting.reviews.set([published])
    draft_report.meeting = hidden_meeting
    draft_report.save()
    return ApiData(
        published, hidden, draft_report, draft_update, loose_update, public_meeting,
        hidden_meeting, hidden_recommendation,
    )  # fmt: skip
