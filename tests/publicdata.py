"""One world of public and private data, which the public pages' tests (tests/reports/public)
and the API's (tests/reports/api) both walk as anonymous: a published review with final
reports and, beside it, everything that must stay private: a draft round, a working entry
dated before the final report, officers' notes, a draft's author, an unpublished review (its
title, texts, summary, people, committee and authority) and the meetings that considered only
private papers. Each private text carries MARKER, so a page that shows any of it says so.
The fixture is ``world`` (tests/reports/conftest.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

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
from reports import services as report_services
from tests.documents import pdf

# Lower case: it is also in a slug, and the API walk compares bodies in lower case.
MARKER = "zqxprivate"


@dataclass
class World:
    published: Review
    unpublished: Review
    final: UpdateReport  # the latest final report
    earlier: UpdateReport  # an earlier final report, with no updates
    draft: UpdateReport
    draft_update: ProgressUpdate  # recommendation 1's in the draft round
    loose_update: ProgressUpdate  # the working entry, in no report
    public_meeting: Meeting  # presented the final report; its pack is issued and public
    joint_meeting: Meeting  # presented the earlier report; also considered the unpublished
    draft_meeting: Meeting  # presented the draft; its pack is issued and not public
    other_authority: Authority  # has only the unpublished review
    unpublished_recommendation: Recommendation


def _private(field: str) -> str:
    return f"{MARKER} {field}"


def _review(committee: Committee, slug: str, title: str) -> Review:
    return Review.objects.create(
        committee=committee, slug=slug, title=title, reported_on=dt.date(2023, 1, 1)
    )


def _recommendation(review: Review, label: str, text: str, **extra) -> Recommendation:
    rec = Recommendation.objects.create(
        review=review, label=label, order=int(label[0]), text=text, **extra
    )
    Response.objects.create(
        recommendation=rec, decision=Response.Decision.AGREED, text=f"Response to {label}."
    )
    return rec


def _final(review: Review, title: str, as_at: dt.date, meeting: Meeting | None) -> UpdateReport:
    return UpdateReport.objects.create(
        review=review, title=title, as_at=as_at, meeting=meeting, is_final=True,
        finalised_at=timezone.now(), summary=f"Summary of {title}.",
    )  # fmt: skip


def _draft_update(rec: Recommendation, report: UpdateReport | None, as_at: dt.date, what: str):
    return ProgressUpdate.objects.create(
        recommendation=rec,
        report=report,
        as_at=as_at,
        text=_private(f"{what} text"),
        status=ProgressUpdate.Status.IMPLEMENTED,
        timescale=_private(f"{what} timescale"),
        target_date=dt.date(2025, 1, 1),
        target_date_change_reason=_private(f"{what} target reason"),
    )


def make_world(officer) -> World:
    authority = Authority.objects.create(name="Borough of Publica", slug="publica")
    committee = Committee.objects.create(authority=authority, name="Children's Scrutiny", slug="cs")
    review = _review(committee, "published-review", "Reducing exclusions")
    person = Person.objects.create(name="Pat Lead", job_title="Head of Inclusion")
    recs = [
        _recommendation(review, "1", "Publish the exclusion figures."),
        _recommendation(review, "2", "Train every school's staff."),
        _recommendation(review, "3", "Review alternative provision."),
    ]
    for rec in recs:
        Lead.objects.create(recommendation=rec, person=person)
    public_meeting = Meeting.objects.create(
        committee=committee, date=dt.date(2024, 2, 1), agenda_item="Exclusions: update"
    )
    public_meeting.reviews.add(review)
    final = _final(review, "Six month update", dt.date(2024, 1, 1), public_meeting)
    for rec in recs[:2]:
        update = ProgressUpdate.objects.create(
            recommendation=rec, report=final, as_at=dt.date(2024, 1, 1),
            text=f"Public progress on {rec.label}.", timescale="Spring 2024",
        )  # fmt: skip
    CommitteeVerdict.objects.create(
        update=update, meeting=public_meeting, verdict=CommitteeVerdict.Verdict.ACCEPTABLE
    )
    # The pack, issued before anything private was entered (its bytes are served as stored,
    # so any PDF will do: rendering one would cost seconds per test).
    report_services.issued_pack_store(meeting=public_meeting, content=pdf(), pages=0)

    review = services.review_publish(review=review, expected_version=review.version, user=officer)

    # Private: a draft round (dated after the final report, and one update dated before it),
    # a working entry in no report dated before the final report (for the recommendation
    # without an update in it, which a round shows its latest earlier update for), and
    # officers' notes.
    draft_meeting = Meeting.objects.create(
        committee=committee, date=dt.date(2024, 7, 1), agenda_item="Exclusions: next update"
    )
    draft = UpdateReport.objects.create(
        review=review, title=_private("draft report title"), as_at=dt.date(2024, 6, 1),
        meeting=draft_meeting, summary=_private("draft report summary"),
    )  # fmt: skip
    draft_updates = [_draft_update(rec, draft, dt.date(2024, 6, 1), "draft round") for rec in recs]
    draft_updates[0].author = Person.objects.create(name=_private("draft author"))
    draft_updates[0].save()
    _draft_update(recs[2], draft, dt.date(2023, 11, 1), "early draft")
    loose_update = _draft_update(recs[2], None, dt.date(2023, 12, 1), "working entry")
    recs[0].overdue_override = "overdue"
    recs[0].overdue_override_reason = _private("overdue override reason")
    recs[0].is_priority = True
    recs[0].priority_reason = _private("priority reason")
    recs[0].save()
    report_services.issued_pack_store(
        meeting=draft_meeting, content=f"%PDF {MARKER} draft pack".encode(), pages=1
    )

    # An unpublished review, final report and all, of another authority.
    other = Authority.objects.create(name=_private("authority"), slug="hidden-authority")
    hidden_committee = Committee.objects.create(
        authority=other, name=_private("committee"), slug="hc"
    )
    unpublished = _review(hidden_committee, "unpublished-review", _private("review title"))
    unpublished.summary = _private("review summary")
    unpublished.save()
    hidden_rec = _recommendation(unpublished, "1", _private("recommendation text"))
    Response.objects.filter(recommendation=hidden_rec).update(text=_private("response"))
    Lead.objects.create(
        recommendation=hidden_rec,
        person=Person.objects.create(
            name=_private("lead"), email=f"{MARKER}@example.org", job_title=_private("job")
        ),
    )
    hidden_final = _final(unpublished, _private("final report title"), dt.date(2024, 1, 1), None)
    ProgressUpdate.objects.create(
        recommendation=hidden_rec, report=hidden_final, as_at=dt.date(2024, 1, 1),
        text=_private("unpublished review's final update"),
    )  # fmt: skip

    # An earlier final report, presented at a meeting that also considered the unpublished
    # review: the meeting is public, without naming that review (its pack is not).
    joint_meeting = Meeting.objects.create(
        committee=committee, date=dt.date(2023, 11, 1), agenda_item="Scrutiny reviews: update"
    )
    joint_meeting.reviews.set([review, unpublished])
    earlier = _final(review, "Three month update", dt.date(2023, 10, 1), joint_meeting)
    return World(
        published=Review.objects.get(pk=review.pk),
        unpublished=unpublished,
        final=final,
        earlier=earlier,
        draft=draft,
        draft_update=draft_updates[0],
        loose_update=loose_update,
        public_meeting=public_meeting,
        joint_meeting=joint_meeting,
        draft_meeting=draft_meeting,
        other_authority=other,
        unpublished_recommendation=hidden_rec,
    )
