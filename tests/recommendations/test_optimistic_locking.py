"""Two officers edit the same record: the second save is refused and the first is kept."""

import pytest
from django.test import Client

from recommendations import services
from recommendations.models import ProgressUpdate, Recommendation, Response, Review
from recommendations.roles import SCRUTINY_OFFICERS
from tests.conftest import _user
from tests.factories import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_officers(officer):
    first, second = Client(), Client()
    first.force_login(officer)
    second.force_login(_user("oliver-officer", SCRUTINY_OFFICERS))
    return first, second


def _form_data(client, url):
    """What the browser would post back: the form's initial values, version included."""
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return data


def test_a_second_recommendation_edit_is_refused_and_the_first_kept(two_officers):
    make_review(slug="r", recommendations=1)
    url = "/reviews/r/recommendations/1/edit/"
    first, second = two_officers
    first_data, second_data = _form_data(first, url), _form_data(second, url)

    first_data["text"] = "First officer's wording."
    assert first.post(url, first_data).status_code == 302
    second_data["text"] = "Second officer's wording."
    response = second.post(url, second_data)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else changed this recommendation since you opened it." in body
    assert "Your text is kept below" in body
    assert "Second officer&#x27;s wording." in body  # their typed text, still in the form
    assert "First officer" in body  # and the saved version beside it
    recommendation = Recommendation.objects.get(label="1")
    assert recommendation.text == "First officer's wording."
    assert recommendation.version == 2
    assert response.context["form"]["version"].value() == "2"

    # Having read the other change, saving again is a deliberate overwrite and succeeds.
    retry = dict(second_data, version=response.context["form"]["version"].value())
    assert second.post(url, retry).status_code == 302
    assert Recommendation.objects.get(label="1").text == "Second officer's wording."
    assert Recommendation.history.filter(id=recommendation.pk).count() == 3


@pytest.mark.parametrize(
    ("url", "field", "model"),
    [
        ("/reviews/r/recommendations/1/response/", "text", Response),
        ("/reviews/r/edit/", "summary", Review),
    ],
)
def test_responses_and_reviews_are_protected_too(two_officers, url, field, model):
    make_review(slug="r", recommendations=1)
    first, second = two_officers
    first_data, second_data = _form_data(first, url), _form_data(second, url)
    first_data[field], second_data[field] = "First.", "Second."
    assert first.post(url, first_data).status_code == 302
    response = second.post(url, second_data)
    assert "Someone else changed this" in response.content.decode()
    assert model.objects.filter(**{field: "First."}).count() == 1


def test_progress_updates_are_protected_too(two_officers):
    make_review(slug="r", recommendations=1)
    update = ProgressUpdate.objects.get()
    url = f"/reviews/r/recommendations/1/updates/{update.pk}/edit/"
    first, second = two_officers
    first_data, second_data = _form_data(first, url), _form_data(second, url)
    first_data["text"], second_data["text"] = "First.", "Second."
    assert first.post(url, first_data).status_code == 302
    assert "Someone else changed this" in second.post(url, second_data).content.decode()
    update.refresh_from_db()
    assert update.text == "First." and update.version == 2


def test_a_non_numeric_version_is_a_form_error_not_a_500(officer_client):
    make_review(slug="r", recommendations=1)
    url = "/reviews/r/recommendations/1/edit/"
    data = _form_data(officer_client, url)
    for bad in ["abc", "", "0", "-1"]:
        response = officer_client.post(url, dict(data, version=bad))
        assert response.status_code == 200
        assert "This form is out of date" in response.content.decode()


def test_the_service_refuses_a_stale_version_and_records_history_for_a_fresh_one(officer):
    review = make_review(slug="r", recommendations=1)
    recommendation = review.recommendations.get()
    recommendation.text = "Changed."
    services.recommendation_update(recommendation=recommendation, expected_version=1, user=officer)
    stale = Recommendation.objects.get(pk=recommendation.pk)
    stale.text = "Stale."
    with pytest.raises(services.EditConflict) as conflict:
        services.recommendation_update(recommendation=stale, expected_version=1, user=officer)
    assert conflict.value.current_version == 2
    assert Recommendation.objects.get(pk=recommendation.pk).text == "Changed."
    latest = Recommendation.history.filter(id=recommendation.pk).latest()
    assert latest.history_user == officer and latest.version == 2
