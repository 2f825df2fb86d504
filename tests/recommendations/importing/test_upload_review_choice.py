"""Issue 16: the upload page's "review" choice does not list every review (10,000 at national
scale). It offers the open reviews added last, and a search (a plain GET form, no JavaScript)
offers those whose title or short name has the words; any review may still be chosen."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.forms import ImportUploadForm
from recommendations.models import Review
from tests.factories import make_committee
from tests.recommendations.importing.tables import as_csv

SHOWN = ImportUploadForm.REVIEWS_SHOWN


def _reviews(count: int, committee=None, **fields) -> list[Review]:
    committee = committee or make_committee()
    start = Review.objects.count()
    return [
        Review.objects.create(
            committee=committee, slug=f"r-{start + n}", title=f"Review {start + n}", **fields
        )
        for n in range(count)
    ]


def _offered(page) -> list[str]:
    select = re.search(r'<select name="review".*?</select>', page.content.decode(), re.S)[0]
    return re.findall(r'<option value="(\d+)"', select)


def test_the_choice_offers_the_open_reviews_added_last(officer_client):
    closed = _reviews(1, status=Review.Status.CLOSED)
    reviews = _reviews(SHOWN + 5)
    page = officer_client.get("/reviews/import/")
    offered = _offered(page)
    assert offered == [str(review.pk) for review in reversed(reviews)][:SHOWN]
    assert str(closed[0].pk) not in offered
    assert "Not listed? Find it above." in page.content.decode()


def test_the_page_costs_the_same_whatever_the_number_of_reviews(officer_client):
    committee = make_committee()
    _reviews(SHOWN, committee)
    with CaptureQueriesContext(connection) as few:
        officer_client.get("/reviews/import/")
    _reviews(3 * SHOWN, committee)
    with CaptureQueriesContext(connection) as many:
        page = officer_client.get("/reviews/import/")
    assert len(many) == len(few)
    assert len(_offered(page)) == SHOWN


def test_a_search_finds_reviews_by_title_or_short_name(officer_client):
    _reviews(SHOWN + 5)
    committee = make_committee()
    old = Review.objects.create(
        committee=committee, slug="exclusions-2019", title="School exclusions"
    )
    other = Review.objects.create(committee=committee, slug="ap", title="Alternative provision")
    page = officer_client.get("/reviews/import/?q=EXCLUSIONS")
    assert _offered(page) == [str(old.pk)]
    # The one found is chosen, as an update report of it.
    assert f'<option value="{old.pk}" selected>' in page.content.decode()
    assert page.context["form"]["into"].value() == "existing"
    assert "Found 1: choose under" in page.content.decode()
    assert _offered(officer_client.get("/reviews/import/?q=ap")) == [str(other.pk)]
    page = officer_client.get("/reviews/import/?q=nothing+like+it")
    assert _offered(page) == []
    assert "No review's title or short name has “nothing like it”." in page.content.decode()


def test_a_review_found_by_search_takes_the_update_report(officer_client):
    _reviews(SHOWN + 5)
    old = Review.objects.create(committee=make_committee(), slug="old", title="Old review")
    old.recommendations.create(label="1", order=1, text="Publish the data.")
    rows = [["Ref", "Recommendation", "Progress"], ["1", "Publish the data.", "Published."]]
    response = officer_client.post(
        "/reviews/import/?q=old",
        {"into": "existing", "review": old.pk, "report_title": "Spring",
         "file": SimpleUploadedFile("spring.csv", as_csv(rows))},
    )  # fmt: skip
    assert response.status_code == 302
    response = officer_client.post(response["Location"], {"table": "1"})
    assert response.status_code == 302
    assert old.update_reports.get().updates.get().text == "Published."


def test_the_review_chosen_stays_offered_when_the_form_is_shown_again(officer_client):
    _reviews(SHOWN + 5)
    old = Review.objects.create(committee=make_committee(), slug="old", title="Old review")
    page = officer_client.post("/reviews/import/", {"into": "existing", "review": old.pk})
    assert page.status_code == 200  # no file: shown again
    assert str(old.pk) in _offered(page)
    assert f'<option value="{old.pk}" selected>' in page.content.decode()


@pytest.mark.parametrize("value", ["99999999999999999999999", "0", "x"])
def test_a_review_that_is_not_recorded_is_a_message(officer_client, value):
    page = officer_client.post(
        "/reviews/import/",
        {"into": "existing", "review": value,
         "file": SimpleUploadedFile("t.csv", as_csv([["Recommendation"], ["A."]]))},
    )  # fmt: skip
    assert page.status_code == 200
    assert page.context["form"].errors["review"]
