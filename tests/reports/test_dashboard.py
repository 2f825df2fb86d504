"""The dashboard's figures against the demo data, and each figure's link to the table."""

import datetime as dt
import re
import warnings
from html import unescape

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import CacheKeyWarning
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations.models import (
    Meeting,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
)
from recommendations.monitoring import add_months
from reports.dashboard import DASHBOARD_MAX_PAGE, dashboard_page_number, follow_up_wording
from tests.factories import make_review

pytestmark = pytest.mark.django_db

HACKNEY = "hackney-school-exclusions"
EAST_SUSSEX = "east-sussex-school-exclusions"
BUCKS = "buckinghamshire-permanent-exclusions"


def _summary(response, slug):
    return next(s for s in response.context["dashboard"].reviews if s.review.slug == slug)


def _listed(client, href: str) -> set[int]:
    response = client.get(href)
    assert response.status_code == 200
    return set(response.context["filter"].qs.values_list("pk", flat=True))


def _latest(rec: Recommendation) -> ProgressUpdate | None:
    return rec.updates.order_by("-as_at", "-id").first()


def _counted(slug: str | None = None) -> list[Recommendation]:
    """The counting unit, worked out the slow, obvious way."""
    recs = Recommendation.objects.exclude(review__status=Review.Status.CLOSED)
    if slug:
        recs = recs.filter(review__slug=slug)
    return [rec for rec in recs if not rec.parts.exists()]


def _status(rec):
    update = _latest(rec)
    return update.status if update else "none"


def _decision(rec):
    response = Response.objects.filter(recommendation=rec).first()
    return response.decision if response else "awaiting"


def test_it_counts_the_demo_reviews_by_status_and_decision(member_client, demo_data):
    response = member_client.get("/")
    assert response.status_code == 200
    hackney = _summary(response, HACKNEY)
    assert hackney.total == 18
    assert dict(hackney.status_counts) == {"implemented": 2, "in_progress": 16}
    assert dict(hackney.decision_counts) == {"agreed": 17, "partly_agreed": 1}
    sussex = _summary(response, EAST_SUSSEX)
    assert dict(sussex.status_counts) == {"in_progress": 12}
    # Buckinghamshire 2, 3 and 5 have parts: the parts carry the decisions and are counted.
    bucks = _summary(response, BUCKS)
    assert bucks.total == 11
    assert dict(bucks.decision_counts) == {"agreed": 8, "not_stated": 2, "not_agreed": 1}
    assert dict(bucks.status_counts) == {"implemented": 10, "in_progress": 1}
    overall = response.context["dashboard"].overall
    assert overall.total == 41 and overall.status_counts["implemented"] == 12
    body = response.content.decode()
    # Numbers written on the bars, with a title and description for screen readers.
    assert 'role="img"' in body and "Reducing School Exclusions: recommendations by status" in body
    assert ">16</text>" in body and ">2</text>" in body
    assert "How recommendations are counted" in body


def test_every_figure_links_to_the_table_of_exactly_those_recommendations(member_client, demo_data):
    rec = Recommendation.objects.get(review__slug=HACKNEY, label="4")
    ProgressUpdate.objects.create(
        recommendation=rec, as_at=dt.date(2024, 1, 1), text="Late.", target_date=dt.date(2024, 3, 1)
    )
    response = member_client.get("/")
    dashboard = response.context["dashboard"]
    checked = 0
    for slug in [HACKNEY, EAST_SUSSEX, BUCKS, None]:
        summary = _summary(response, slug) if slug else dashboard.overall
        counted = _counted(slug)
        for segment in summary.status_segments:
            expected = {r.pk for r in counted if _status(r) == segment.key}
            assert _listed(member_client, segment.href) == expected, segment
            assert len(expected) == segment.count
            checked += 1
        for segment in summary.decision_segments:
            expected = {r.pk for r in counted if _decision(r) == segment.key}
            assert _listed(member_client, segment.href) == expected, segment
            checked += 1
        for figure in summary.figures:
            assert len(_listed(member_client, figure["href"])) == figure["count"], figure
            checked += 1
    assert _listed(member_client, dashboard.overall.figure("overdue")[1]) == {rec.pk}
    assert checked > 20
    # Every table link on the page is one of those figures.
    hrefs = {
        unescape(h)
        for h in re.findall(r'href="(/recommendations/\?[^"]+)"', response.content.decode())
    }
    assert hrefs and all("parents=hide" in href for href in hrefs)


def test_overdue_uses_one_definition_with_grace_override_and_closing(
    member_client, demo_data, officer
):
    today = timezone.localdate()
    review = Review.objects.get(slug=HACKNEY)
    recs = {r.label: r for r in review.recommendations.all()}
    for label in ["2", "3", "4", "6"]:
        ProgressUpdate.objects.create(
            recommendation=recs[label], as_at=today - dt.timedelta(days=20), text="Slipping.",
            target_date=today - dt.timedelta(days=10),
        )  # fmt: skip
    ProgressUpdate.objects.create(
        recommendation=recs["5"], as_at=today, text="Done.", status="implemented",
        target_date=today - dt.timedelta(days=30),
    )  # fmt: skip
    recs["3"].overdue_override, recs["3"].overdue_override_reason = "not_overdue", "Agreed delay"
    recs["3"].save()
    recs["7"].overdue_override, recs["7"].overdue_override_reason = "overdue", "Nothing happened"
    recs["7"].save()
    meeting = Meeting.objects.filter(reviews=review).first()
    recs["6"].closed_at_meeting, recs["6"].closed_reason = meeting, "Done enough"
    recs["6"].save()

    def overdue_labels():
        response = member_client.get("/")
        count, href = _summary(response, HACKNEY).figure("overdue")
        listed = {Recommendation.objects.get(pk=pk).label for pk in _listed(member_client, href)}
        assert count == len(listed)
        return listed

    assert overdue_labels() == {"2", "4", "7"}
    review.overdue_grace_days = 15
    review.save()
    assert overdue_labels() == {"7"}
    # The review page and the recommendation page say so, with the override's reason.
    body = member_client.get(f"/reviews/{HACKNEY}/").content.decode()
    assert "Nothing happened" in body and "Agreed delay" in body
    body = member_client.get(f"/reviews/{HACKNEY}/recommendations/7/").content.decode()
    assert "Overdue" in body and "Nothing happened" in body


def test_follow_ups_come_from_meeting_decisions_and_the_update_schedule(member_client, demo_data):
    sussex = Review.objects.get(slug=EAST_SUSSEX)
    sussex.update_interval_months = 6
    sussex.save()
    response = member_client.get("/")
    items = response.context["dashboard"].follow_ups
    by_review = {item.review.slug: item for item in items}
    # Hackney's decision has no date: its words, and no invented date.
    assert by_review[HACKNEY].due is None
    assert by_review[HACKNEY].due_text == "due: in the 2024/25 work programme"
    # East Sussex: the 12 month update was as at February 2025, plus six months.
    assert by_review[EAST_SUSSEX].due == dt.date(2025, 8, 1)
    assert by_review[EAST_SUSSEX].state == "overdue"
    body = response.content.decode()
    assert "due: in the 2024/25 work programme" in body and "due: 1 August 2025" in body


def test_follow_up_wording():
    assert follow_up_wording("Further update in the 2024/25 work programme") == (
        "in the 2024/25 work programme"
    )
    assert follow_up_wording("Return when the strategy is published") == (
        "Return when the strategy is published"
    )
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)


def test_responses_not_received_by_their_deadline_are_named_overdue(member_client):
    review = make_review(slug="late", title="Late responses", recommendations=3)
    review.reported_on = timezone.localdate() - dt.timedelta(days=100)
    review.status = Review.Status.AWAITING_RESPONSE
    review.save()
    Response.objects.filter(recommendation__review=review).update(decision="awaiting")
    Response.objects.filter(recommendation__review=review, recommendation__label="3").delete()
    response = member_client.get("/")
    [late] = response.context["dashboard"].responses_overdue
    assert late.awaiting == 3
    assert len(_listed(member_client, late.awaiting_href)) == 3
    assert "3 responses to Late responses" in response.content.decode()


def test_the_dashboard_costs_the_same_queries_for_one_review_or_many(member_client):
    make_review(slug="one", recommendations=2)

    def count() -> int:
        cache.clear()  # the dashboard as computed, not as cached
        with CaptureQueriesContext(connection) as queries:
            assert member_client.get("/").status_code == 200
        return len(queries)

    count()
    few = count()
    for n in range(6):
        make_review(slug=f"more-{n}", recommendations=5, updates_each=2)
    # session, user; the data version (seven history tables); reviews; their meetings; their
    # update reports; the headline counts
    # (totals, by status, by decision); awaited responses per review; this page's
    # recommendations with where each stands; the newest updates' recommendations, then those
    # recommendations; the open priorities; the user's own and group permissions ("Start a
    # review" or not); session save (savepoint, update, release).
    assert count() == few == 26


def test_the_dashboard_is_computed_once_and_recomputed_after_any_edit(member_client, demo_data):
    first = member_client.get("/").context["dashboard"]
    with CaptureQueriesContext(connection) as queries:
        again = member_client.get("/").context["dashboard"]
    # session, user, the data version (eight history tables), the user's own and group
    # permissions, session save (three).
    assert len(queries) == 15
    assert again.overall.status_counts == first.overall.status_counts
    recommendation = Recommendation.objects.get(
        review__slug="east-sussex-school-exclusions", label="R1"
    )
    ProgressUpdate.objects.create(
        recommendation=recommendation,
        as_at=dt.date(2025, 6, 30),
        text="Done.",
        status=ProgressUpdate.Status.IMPLEMENTED,
    )
    after = member_client.get("/").context["dashboard"]
    assert (
        after.overall.status_counts["implemented"] == first.overall.status_counts["implemented"] + 1
    )


def test_the_reviews_are_drawn_once_per_state_of_the_data(member_client, demo_data):
    def drawn(response) -> bool:
        return "recommendations/review_summary.html" in {t.name for t in response.templates}

    first = member_client.get("/")
    assert drawn(first)
    again = member_client.get("/")
    assert not drawn(again)  # read from the cache as HTML
    sections = re.compile(rb'<section class="review-summary".*?</section>', re.S)
    assert len(sections.findall(first.content)) == 3
    assert sections.findall(again.content) == sections.findall(first.content)
    recommendation = Recommendation.objects.get(review__slug=EAST_SUSSEX, label="R1")
    ProgressUpdate.objects.create(
        recommendation=recommendation,
        as_at=dt.date(2025, 6, 30),
        text="Done.",
        status=ProgressUpdate.Status.IMPLEMENTED,
    )
    after = member_client.get("/")
    assert drawn(after)
    summary = _summary(after, EAST_SUSSEX)
    figure = next(f for f in summary.figures if f["key"] == "implemented")
    count = f'<span class="figure__count">{figure["count"]}</span>'
    assert figure["count"] and count.encode() in b"".join(sections.findall(after.content))
    assert sections.findall(after.content) != sections.findall(first.content)


def test_the_dashboard_shows_reviews_a_page_at_a_time(member_client):
    for n in range(23):
        make_review(slug=f"paged-{n:02d}", recommendations=1)
    first = member_client.get("/")
    assert len(first.context["dashboard"].reviews) == 20
    # The headline figures still count every review under monitoring.
    assert first.context["dashboard"].overall.total == 23
    assert len(member_client.get("/?page=2").context["dashboard"].reviews) == 3
    assert member_client.get("/?page=junk").status_code == 200


def test_what_a_visitor_types_in_page_never_reaches_a_cache_key(member_client, demo_data):
    member_client.get("/")  # page 1, now cached
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)  # too long, or unprintable, for a key
        for junk in ["x" * 300, "1 2", "\x07", "２", "-5", "1_0"]:
            with CaptureQueriesContext(connection) as queries:
                response = member_client.get("/", {"page": junk})
            assert response.status_code == 200
            assert len(queries) == 15, junk  # served from page 1's entry, not computed again
    assert dashboard_page_number("99999999") == DASHBOARD_MAX_PAGE
    assert dashboard_page_number("3") == 3 and dashboard_page_number(None) == 1


def test_the_label_meanings_page_defines_every_label(member_client):
    body = member_client.get("/labels/").content.decode()
    for label in ["Implemented", "In progress", "Not started", "Superseded", "No update yet",
                  "Partly agreed", "Awaiting response", "Overdue", "Closed", "Amber"]:  # fmt: skip
        assert label in body


def test_the_table_filters_no_update_and_closed(member_client, demo_data):
    rec = Recommendation.objects.get(review__slug=HACKNEY, label="1")
    rec.updates.all().delete()
    assert _listed(member_client, "/recommendations/?status=none&parents=hide") == {rec.pk}
    meeting = Meeting.objects.filter(reviews__slug=HACKNEY).first()
    rec.closed_at_meeting, rec.closed_reason = meeting, "Done"
    rec.save()
    assert _listed(member_client, "/recommendations/?closed=only") == {rec.pk}
    assert rec.pk not in _listed(member_client, "/recommendations/?closed=hide")
    body = member_client.get("/recommendations/?closed=only").content.decode()
    assert "tag--closed" in body
