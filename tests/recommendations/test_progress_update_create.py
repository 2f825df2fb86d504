import datetime as dt

import pytest
from django.utils import timezone

from recommendations.models import LONG_TEXT_MAX, ProgressUpdate, Recommendation, UpdateReport
from tests.factories import make_review

pytestmark = pytest.mark.django_db

URL = "/reviews/r/recommendations/1/updates/new/"


@pytest.fixture
def review():
    return make_review(slug="r", recommendations=2)  # reported 1 January 2023


def _post(client, **overrides):
    data = {
        "as_at": "2024-03-31",
        "as_at_precision": "day",
        "status": "in_progress",
        "text": "Training delivered to **all** schools.",
        "timescale": "July 2024",
        "target_date": "2024-07-31",
        "report": "",
    }
    data.update(overrides)
    return client.post(URL, data)


def test_the_form_defaults_the_as_at_date_to_today(officer_client, review):
    response = officer_client.get(URL)
    assert response.status_code == 200
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in response.content.decode()


def test_an_officer_adds_an_update_that_shows_on_both_pages(officer_client, officer, review):
    response = _post(officer_client)
    assert response.status_code == 302
    assert response["Location"] == "/reviews/r/recommendations/1/"
    update = ProgressUpdate.objects.get(text__startswith="Training delivered")
    assert update.created_by == officer
    assert update.history.get().history_user == officer
    body = officer_client.get("/reviews/r/recommendations/1/").content.decode()
    assert "Training delivered to <strong>all</strong> schools." in body
    body = officer_client.get("/reviews/r/").content.decode()
    assert "Latest update, as at 31 March 2024" in body


def test_a_new_update_never_replaces_an_earlier_one(officer_client, review):
    rec = Recommendation.objects.get(review=review, label="1")
    before = list(rec.updates.values_list("pk", "text"))
    _post(officer_client)
    _post(officer_client, text="A second update.")
    after = list(rec.updates.values_list("pk", "text"))
    assert len(after) == len(before) + 2
    assert set(before) <= set(after)


def test_it_can_go_into_an_update_report_of_the_same_review(officer_client, review):
    report = UpdateReport.objects.get(review=review)
    assert _post(officer_client, report=report.pk).status_code == 302
    assert ProgressUpdate.objects.filter(report=report, text__startswith="Training").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"text": ""}, "text", "Enter the progress update."),
        ({"text": "   "}, "text", "Enter the progress update."),
        ({"text": "x" * (LONG_TEXT_MAX + 1)}, "text", "20,000 characters or fewer"),
        ({"as_at": ""}, "as_at", "Enter the date the update is as at."),
        ({"as_at": "2023-02-30"}, "as_at", "Enter a real date"),
        ({"as_at": "not a date"}, "as_at", "Enter a real date"),
        ({"target_date": "2022-12-31"}, "target_date", "on or after the date the review reported"),
        ({"target_date": "2023-13-01"}, "target_date", "Enter a real date"),
        ({"status": "done"}, "status", "Select a valid choice"),
        ({"report": "999999"}, "report", "Select an update report of this review"),
        ({"report": "abc"}, "report", "Select an update report of this review"),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_in_the_summary(
    officer_client, review, overrides, field, message
):
    count = ProgressUpdate.objects.count()
    response = _post(officer_client, **overrides)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    body = response.content.decode()
    assert 'class="error-summary" role="alert"' in body
    assert f'href="#id_{field}"' in body
    assert f'id="id_{field}_error"' in body
    assert f'aria-describedby="id_{field}_hint id_{field}_error"' in body or (
        f'aria-describedby="id_{field}_error"' in body
    )
    assert ProgressUpdate.objects.count() == count


def test_an_as_at_date_in_the_future_is_refused(officer_client, review):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = _post(officer_client, as_at=tomorrow.isoformat())
    assert "today or in the past" in response.context["form"].errors["as_at"][0]


def test_a_report_from_another_review_is_refused(officer_client, review):
    other = make_review(slug="other", recommendations=1)
    report = UpdateReport.objects.get(review=other)
    response = _post(officer_client, report=report.pk)
    assert response.status_code == 200
    assert "report" in response.context["form"].errors


def test_a_final_report_is_not_offered_and_is_refused(officer_client, review):
    report = UpdateReport.objects.get(review=review)
    report.is_final = True
    report.save()
    assert f'value="{report.pk}"' not in officer_client.get(URL).content.decode()
    response = _post(officer_client, report=report.pk)
    assert "report" in response.context["form"].errors


def test_an_unknown_recommendation_is_404(officer_client, review):
    assert officer_client.get("/reviews/r/recommendations/99/updates/new/").status_code == 404


def test_script_in_an_update_is_stored_but_never_rendered_as_script(officer_client, review):
    _post(officer_client, text='<script>alert("x")</script> <img src=x onerror=alert(1)> ok')
    body = officer_client.get("/reviews/r/recommendations/1/").content.decode()
    assert "<script>alert" not in body
    assert "onerror" not in body
