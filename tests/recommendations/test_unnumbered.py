"""Issue 14: labels as entered, including none. A recommendation the paper does not number
is recorded with a blank label; it shows no invented number, and its pages are addressed by
its id ("~12")."""

import pytest

from recommendations import rules
from recommendations.models import Recommendation
from tests.factories import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def review():
    return make_review(slug="r", recommendations=1)


def _add(client, text: str, label: str = "") -> Recommendation:
    response = client.post("/reviews/r/add-recommendation/", {"label": label, "text": text})
    assert response.status_code == 302, response.context["form"].errors
    return Recommendation.objects.get(text=text)


def test_an_officer_adds_unnumbered_recommendations(officer_client, review):
    first = _add(officer_client, "That the Council writes to schools.")
    second = _add(officer_client, "That schools reply.")  # blank labels need not be unique
    assert (first.label, second.label) == ("", "")
    assert first.get_absolute_url() == f"/reviews/r/recommendations/~{first.pk}/"
    body = officer_client.get(first.get_absolute_url()).content.decode()
    assert "That the Council writes to schools." in body
    assert "Recommendation 2" not in body and f"~{first.pk}</" not in body
    # Its own pages work through the same address.
    for suffix in ["edit/", "response/", "leads/", "overdue/", "updates/new/"]:
        assert officer_client.get(first.get_absolute_url() + suffix).status_code == 200, suffix
    # The review page and the cross-review table link to it without a number.
    assert first.get_absolute_url() in officer_client.get("/reviews/r/").content.decode()
    table = officer_client.get("/recommendations/?review=" + str(review.pk)).content.decode()
    assert f'href="{first.get_absolute_url()}">(unnumbered)</a>' in table


def test_a_labelled_recommendation_keeps_its_label_address(officer_client, review):
    assert officer_client.get("/reviews/r/recommendations/1/").status_code == 200
    unnumbered = _add(officer_client, "Unnumbered.")
    # "~<id>" only ever finds an unnumbered recommendation; anything else is a 404.
    labelled = Recommendation.objects.get(label="1")
    assert officer_client.get(f"/reviews/r/recommendations/~{labelled.pk}/").status_code == 404
    assert officer_client.get(f"/reviews/r/recommendations/~{unnumbered.pk}x/").status_code == 404
    assert officer_client.get("/reviews/r/recommendations/~" + "9" * 30 + "/").status_code == 404


def test_labels_stay_unique_and_cannot_look_like_an_id(review):
    rec = Recommendation(review=review, label="1", text="Dup.")
    assert "already has a recommendation 1" in rules.recommendation_errors(rec)["label"][0]
    rec.label = "~3"
    assert "cannot start with" in rules.recommendation_errors(rec)["label"][0]
    rec.label = ""
    assert rules.recommendation_errors(rec) == {}
