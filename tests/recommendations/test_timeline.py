"""The recommendation page's timeline, read from the history tables."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations import services
from recommendations.models import Lead, Person, ProgressUpdate, Recommendation, Response
from recommendations.selectors import recommendation_timeline
from tests.factories import make_review

pytestmark = pytest.mark.django_db

URL = "/reviews/t/recommendations/1/"


def _titles(recommendation: Recommendation) -> list[str]:
    return [event.title for event in recommendation_timeline(recommendation)]


def test_it_tells_the_story_in_time_order_with_who_did_it(officer):
    review = make_review(slug="t", recommendations=1, updates_each=1, leads_each=1)
    rec = review.recommendations.get()
    response = rec.response
    response.decision = Response.Decision.PARTLY_AGREED
    response.text = "Partly, because money."
    services.response_save(response=response, expected_version=1, user=officer)
    rec.text = "Better wording."
    services.recommendation_update(recommendation=rec, expected_version=1, user=officer)
    services.progress_update_create(
        update=ProgressUpdate(
            recommendation=rec, as_at="2024-05-01", text="Done.",
            status=ProgressUpdate.Status.IMPLEMENTED,
        ),
        user=officer,
    )  # fmt: skip
    services.lead_remove(lead=rec.leads.get(), user=officer)

    titles = _titles(rec)
    assert titles == [
        "Recommendation added",
        "Response recorded: Agreed",
        "Officer 0 added as Lead officer",
        "Progress update added, as at 1 February 2023",
        "Decision changed from Agreed to Partly agreed",
        "Response edited",
        "Recommendation edited",
        "Progress update added, as at 1 May 2024",
        "Status changed from In progress to Implemented",
        "Officer 0 removed as Lead officer",
    ]
    events = recommendation_timeline(rec)
    assert events[-1].who == officer.username
    assert events[0].who == ""


def test_the_page_shows_the_timeline(member_client):
    make_review(slug="t", recommendations=1)
    body = member_client.get(URL).content.decode()
    assert "Timeline" in body and "Response recorded: Agreed" in body


def test_edits_and_deletions_of_updates_are_on_the_timeline(officer):
    review = make_review(slug="t", recommendations=1)
    rec = review.recommendations.get()
    update = ProgressUpdate.objects.create(recommendation=rec, as_at="2023-03-01", text="Draft.")
    update.text = "Final."
    services.progress_update_edit(update=update, expected_version=1, user=officer)
    services.progress_update_delete(update=update, user=officer)
    titles = _titles(rec)
    assert "Progress update as at 1 March 2023 edited" in titles
    assert titles[-1] == "Progress update as at 1 March 2023 deleted"


def test_the_timeline_costs_a_constant_number_of_queries(member_client):
    review = make_review(slug="t", recommendations=1, updates_each=1, leads_each=1)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert member_client.get(URL).status_code == 200
        return len(queries)

    few = count()
    rec = review.recommendations.get()
    for n in range(15):
        rec.text = f"Edit {n}"
        rec.save()
        person = Person.objects.create(name=f"Person {n}")
        Lead.objects.create(recommendation=rec, person=person).delete()
        ProgressUpdate.objects.create(recommendation=rec, as_at=f"2024-01-{n + 1:02d}", text=".")
    assert Recommendation.history.filter(id=rec.pk).count() == 16
    # Session, user; the recommendation (with review, committee, authority, response, parent,
    # closing meeting); its leads, its updates (with report and meeting) and their supporting
    # documents, its parts (no parent,
    # so no parent leads), its review's meetings; the user's and group permissions;
    # the history of the recommendation, response, leads and updates, and of the committee's
    # views of the updates; the committee's decisions
    # to close or reopen it; the history of the meetings that ever listed its review (none
    # here, so no second query for whether each record lists it); the session's expiry
    # (savepoint, update, release).
    assert count() == few == 20
