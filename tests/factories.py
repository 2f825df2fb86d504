"""Small builders for test data (the demo data lives in fixtures/ and is for the demo only)."""

from __future__ import annotations

import datetime as dt
import itertools

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

_counter = itertools.count(1)


def make_committee() -> Committee:
    n = next(_counter)
    authority = Authority.objects.create(name=f"Authority {n}", slug=f"authority-{n}")
    return Committee.objects.create(authority=authority, name=f"Committee {n}", slug=f"c-{n}")


def make_review(
    *,
    slug: str | None = None,
    title: str | None = None,
    recommendations: int = 3,
    updates_each: int = 1,
    leads_each: int = 1,
) -> Review:
    n = next(_counter)
    review = Review.objects.create(
        committee=make_committee(),
        slug=slug or f"review-{n}",
        title=title or f"Review {n}",
        reported_on=dt.date(2023, 1, 1),
    )
    report = UpdateReport.objects.create(
        review=review, title="Six month update", as_at=dt.date(2023, 7, 1)
    )
    for index in range(1, recommendations + 1):
        recommendation = Recommendation.objects.create(
            review=review, label=str(index), order=index, text=f"Recommendation text {index}"
        )
        Response.objects.create(
            recommendation=recommendation, decision=Response.Decision.AGREED, text="Agreed."
        )
        for lead_index in range(leads_each):
            person, _ = Person.objects.get_or_create(name=f"Officer {lead_index}", job_title="Head")
            Lead.objects.create(recommendation=recommendation, person=person, order=lead_index)
        for update_index in range(updates_each):
            ProgressUpdate.objects.create(
                recommendation=recommendation,
                report=report,
                as_at=dt.date(2023, 2 + update_index, 1),
                text=f"Update {update_index} on {index}",
                timescale="Ongoing",
            )
    return review
