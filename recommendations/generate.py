"""A realistic, deterministic data set for benchmarks and load tests.

``generate_demo_data --reviews N --seed S`` always makes the same authorities, committees,
reviews (5–30 recommendations each, some with lettered parts), responses, leads, update
reports, 1–6 progress updates per recommendation and meetings. It stands for papers already
published, so every row goes through the published route in ``services``: the thousands of
recommendations, responses, leads and updates through ``record_published_in_bulk``, which checks
every row and writes them with django-simple-history's ``bulk_create_with_history`` (the
history tables hold a creation record for every tracked row, exactly as if officers had typed
them in); meetings through ``record_published_meetings_in_bulk``, whose history records the
review each considered; earlier rounds are finalised once their updates are in
(``record_published_finalise_in_bulk``). A target date that changes without a reason is
recorded "as published" (``rules.PUBLISHED_DEPARTURES``).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from recommendations import search, services
from recommendations.models import (
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)

PLACES = [
    "Ashford", "Barnfield", "Castleton", "Dunmore", "Eastwick", "Fairhaven", "Glenbrook",
    "Harrowgate", "Ironbridge", "Kingsmere", "Longford", "Marlow Vale", "Northam", "Oakhurst",
    "Penbury", "Queensferry", "Redcliffe", "Stonebridge", "Thornbury", "Upton", "Westerby",
]  # fmt: skip
COMMITTEES = [
    "Children & Young People Scrutiny Commission", "Health in Hackney Scrutiny Commission",
    "People Scrutiny Committee", "Place Scrutiny Committee", "Children's Select Committee",
    "Overview and Scrutiny Committee", "Adult Social Care Select Committee",
]  # fmt: skip
TOPICS = [
    "School Exclusions", "Home to School Transport", "Temporary Accommodation",
    "Air Quality near Schools", "Youth Services", "Adult Social Care Waiting Lists",
    "Damp and Mould in Council Homes", "Special Educational Needs Support", "Knife Crime",
    "Library Opening Hours", "Elective Home Education", "Child Poverty", "Cost of Living",
    "Street Lighting", "Recycling Rates", "Mental Health in Schools", "Fly-tipping",
]  # fmt: skip
STEMS = [
    "It is recommended that the Council reviews",
    "The Department should work with schools and partners to improve",
    "It is recommended that the Executive publishes annually",
    "Officers should develop and consult on",
    "The Cabinet Member should commission an independent evaluation of",
    "It is recommended that the service establishes a multi-agency panel for",
]  # fmt: skip
OBJECTS = [
    "the support offered to families at risk",
    "data on outcomes by age, gender and ethnicity",
    "its guidance to head teachers and governors",
    "the quality assurance of commissioned providers",
    "the information available to parents and carers",
    "the capacity of the early help offer",
]  # fmt: skip
RESPONSES = {
    Response.Decision.AGREED: "Cabinet accepts this recommendation. Officers will {action}.",
    Response.Decision.PARTLY_AGREED: (
        "Cabinet agrees with the first part of this recommendation and will {action}; "
        "the second part is not affordable within the current budget."
    ),
    Response.Decision.NOT_AGREED: (
        "Cabinet is unable to support this recommendation because of national shortages; "
        "as an interim step officers will {action}."
    ),
    Response.Decision.NOTED: "Cabinet notes this recommendation and will {action} where possible.",
    Response.Decision.AWAITING: "",
}
ACTIONS = [
    "report progress to the Commission every six months",
    "bring a revised protocol to the partnership board",
    "pilot the approach with six schools",
    "update the Local Offer website",
    "recruit a dedicated officer",
]  # fmt: skip
UPDATES = [
    "A task and finish group has met {n} times and agreed terms of reference.",
    "The pilot is under way in {n} schools; early feedback is positive.",
    "Recruitment to the post was completed in the spring term.",
    "Nothing substantive to add since the last update.",
    "The revised guidance was published and shared with {n} head teachers.",
    "Data for the last academic year shows a reduction of {n}%.",
]  # fmt: skip
TIMESCALES = ["July 2024", "Ongoing (termly)", "Termly", "September 2025", "Ongoing", "March 2025"]
FIRST_NAMES = ["Amira", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hamza", "Isla", "Jon"]
SURNAMES = ["Adeyemi", "Brown", "Clarke", "Das", "Evans", "Fischer", "Gray", "Hussain", "Ito"]
TITLES = [
    "Head of Early Help", "Education Entitlement Manager", "Interim Director of Education",
    "Principal Secondary Adviser", "Head of High Needs and School Places", "Cabinet Member",
]  # fmt: skip
GLOSSARY = [
    ("AP", "Alternative Provision"), ("SEND", "Special Educational Needs and Disabilities"),
    ("EHCP", "Education, Health and Care Plan"), ("PRU", "Pupil Referral Unit"),
    ("REU", "Re-engagement Unit"), ("CAMHS", "Child and Adolescent Mental Health Services"),
]  # fmt: skip
# Weighted so the data set looks like real monitoring: most agreed, most updates in progress.
DECISION_WEIGHTS = [
    (Response.Decision.AGREED, 70), (Response.Decision.PARTLY_AGREED, 12),
    (Response.Decision.NOT_AGREED, 6), (Response.Decision.NOTED, 4),
    (Response.Decision.AWAITING, 8),
]  # fmt: skip
STATUS_WEIGHTS = [
    (ProgressUpdate.Status.IN_PROGRESS, 50), (ProgressUpdate.Status.IMPLEMENTED, 30),
    (ProgressUpdate.Status.NOT_STARTED, 10), (ProgressUpdate.Status.NOT_IMPLEMENTED, 6),
    (ProgressUpdate.Status.SUPERSEDED, 4),
]  # fmt: skip


@dataclass
class GeneratedCounts:
    reviews: int = 0
    recommendations: int = 0
    updates: int = 0


def _weighted(rng: random.Random, weights: list[tuple[str, int]]) -> str:
    values, counts = zip(*weights, strict=True)
    return rng.choices(values, weights=counts)[0]


def generate(*, reviews: int, seed: int = 1, prefix: str = "generated") -> GeneratedCounts:
    rng = random.Random(seed)  # noqa: S311 -- reproducible test data, not security
    # The authorities, their glossaries and committees are committed first, on their own:
    # their one-row services mark the stored PDFs of every review of those authorities for
    # re-rendering (``reports.prerender``), which, in one transaction with thousands of new
    # reviews, queued a render for each of their documents (27,000 at 9,000 reviews).
    with transaction.atomic():
        authorities = []
        for index in range(max(1, min(len(PLACES), reviews // 10 or 1))):
            name = f"{PLACES[index]} Council" + (f" ({prefix})" if prefix != "generated" else "")
            slug = slugify(f"{prefix}-{PLACES[index]}")
            authorities.append(services.authority_get_or_create(slug=slug, name=name))
            for term, meaning in GLOSSARY:
                services.glossary_term_set(authority=authorities[-1], term=term, meaning=meaning)
        committees = [
            services.committee_get_or_create(authority=authority, slug=slugify(name), name=name)
            for authority in authorities
            for name in rng.sample(COMMITTEES, 2)
        ]
    return _generate_reviews(rng, reviews=reviews, prefix=prefix, committees=committees)


@transaction.atomic
@search.deferred()  # each search document built once, not once per model written
def _generate_reviews(
    rng: random.Random, *, reviews: int, prefix: str, committees: list
) -> GeneratedCounts:
    counts = GeneratedCounts()
    people = services.record_published_in_bulk(
        instances=[
            # Not assigned to an authority: any review may name them (they lead at random).
            Person(
                name=f"{first} {last}",
                job_title=rng.choice(TITLES),
                organisation=f"{prefix} {n}",
                email=f"{slugify(first)}.{slugify(last)}.{n}@example.org",
            )
            for n, (first, last) in enumerate(
                (rng.choice(FIRST_NAMES), rng.choice(SURNAMES)) for _ in range(60)
            )
        ]
    )

    start = dt.date(2019, 1, 1)
    review_objs = []
    for n in range(reviews):
        reported = start + dt.timedelta(days=rng.randint(0, 5 * 365))
        topic = rng.choice(TOPICS)
        review_objs.append(
            Review(
                committee=rng.choice(committees),
                title=f"{topic} ({n + 1})",
                slug=f"{prefix}-{n + 1}-{slugify(topic)}",
                summary=f"The committee's review of {topic.lower()}.",
                reported_on=reported,
                response_agreed_on=reported + dt.timedelta(days=rng.randint(40, 90)),
                lead_cabinet_member=rng.choice(people),
                lead_director=rng.choice(people),
                status=rng.choices(
                    [
                        Review.Status.MONITORING,
                        Review.Status.CLOSED,
                        Review.Status.AWAITING_RESPONSE,
                    ],
                    weights=[75, 15, 10],
                )[0],
            )
        )
    review_objs = services.record_published_in_bulk(instances=review_objs)
    counts.reviews = len(review_objs)

    reports, meetings, final = [], [], []
    for review in review_objs:
        rounds = sorted(rng.sample([6, 12, 18, 24], rng.randint(1, 3)))
        for round_number, months in enumerate(rounds, 1):
            as_at = review.response_agreed_on + dt.timedelta(days=30 * months)
            meetings.append(
                Meeting(
                    committee=review.committee,
                    date=as_at + dt.timedelta(days=rng.randint(10, 40)),
                    agenda_item=f"{review.title}: {months} month update",
                    decision="The Commission noted the update.",
                    next_follow_up="Further update in six months",
                    next_follow_up_due=as_at + dt.timedelta(days=200),
                )
            )
            reports.append(UpdateReport(review=review, title=f"{months} month update", as_at=as_at))
            final.append(round_number < len(rounds))  # the latest round is still open
    meetings = services.record_published_meetings_in_bulk(
        meetings=meetings, reviews=[report.review for report in reports]
    )
    for meeting, report in zip(meetings, reports, strict=True):
        report.meeting = meeting
    reports = services.record_published_in_bulk(instances=reports)
    reports_by_review: dict[int, list[UpdateReport]] = {}
    for report in reports:
        reports_by_review.setdefault(report.review_id, []).append(report)

    recommendations = []
    for review in review_objs:
        for number in range(1, rng.randint(5, 30) + 1):
            recommendations.append(
                Recommendation(
                    review=review,
                    label=str(number),
                    order=number,
                    text=f"{rng.choice(STEMS)} {rng.choice(OBJECTS)}.",
                )
            )
    recommendations = services.record_published_in_bulk(instances=recommendations)
    counts.recommendations = len(recommendations)

    responses, leads, updates = [], [], []
    for recommendation in recommendations:
        decision = _weighted(rng, DECISION_WEIGHTS)
        responses.append(
            Response(
                recommendation=recommendation,
                decision=decision,
                text=RESPONSES[decision].format(action=rng.choice(ACTIONS)),
                given_by="Cabinet",
            )
        )
        for order, person in enumerate(rng.sample(people, rng.randint(1, 2)), start=1):
            leads.append(Lead(recommendation=recommendation, person=person, order=order))
        review = recommendation.review
        review_reports = reports_by_review.get(recommendation.review_id, [])
        for index in range(rng.randint(1, 6)):
            report = review_reports[index] if index < len(review_reports) else None
            as_at = (
                report.as_at
                if report
                else review.response_agreed_on + dt.timedelta(days=60 * (index + 1))
            )
            target = (
                as_at + dt.timedelta(days=rng.randint(-120, 365)) if rng.random() < 0.6 else None
            )
            updates.append(
                ProgressUpdate(
                    recommendation=recommendation,
                    report=report,
                    as_at=min(as_at, dt.date.today()),
                    text=rng.choice(UPDATES).format(n=rng.randint(2, 40)),
                    status=_weighted(rng, STATUS_WEIGHTS),
                    timescale=rng.choice(TIMESCALES),
                    # Never before the review reported, which no paper could print.
                    target_date=target and max(target, review.reported_on),
                )
            )
    services.record_published_in_bulk(instances=responses)
    services.record_published_in_bulk(instances=leads)
    services.record_published_in_bulk(instances=updates)
    services.record_published_finalise_in_bulk(
        reports=[report for report, is_final in zip(reports, final, strict=True) if is_final]
    )
    counts.updates = len(updates)
    return counts
