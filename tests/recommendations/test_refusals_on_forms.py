"""A service's refusal reaches the officer on the form (save_or_show_errors): beside the field it
names, above the form when the form has no such field, and nothing is saved."""

import pytest
from django.core.exceptions import ValidationError

from recommendations import services
from recommendations.models import ProgressUpdate
from tests.factories import make_review

pytestmark = pytest.mark.django_db

URL = "/reviews/r/recommendations/1/updates/new/"
POSTED = {
    "as_at": "2024-03-31", "as_at_precision": "day", "status": "in_progress",
    "text": "Training delivered.", "timescale": "", "target_date": "", "report": "",
}  # fmt: skip


@pytest.fixture(autouse=True)
def review():
    return make_review(slug="r", recommendations=1)


def _refusing(errors):
    def refuse(**kwargs):
        raise ValidationError(errors)

    return refuse


def test_a_refusal_keyed_by_a_field_of_the_form_is_shown_beside_it(officer_client, monkeypatch):
    count = ProgressUpdate.objects.count()
    monkeypatch.setattr(
        services, "progress_update_create", _refusing({"target_date_change_reason": ["Say why."]})
    )
    response = officer_client.post(URL, POSTED)
    assert response.status_code == 200
    assert response.context["form"].errors["target_date_change_reason"] == ["Say why."]
    assert ProgressUpdate.objects.count() == count


def test_a_refusal_for_a_field_the_form_lacks_is_shown_above_the_form(officer_client, monkeypatch):
    monkeypatch.setattr(services, "progress_update_create", _refusing({"corrects": ["Not that."]}))
    response = officer_client.post(URL, POSTED)
    assert response.context["form"].non_field_errors() == ["Not that."]
    assert "saved" not in response.context  # not a conflict: no "version saved by someone else"


def test_a_refusal_of_the_whole_record_is_shown_above_the_form(officer_client, monkeypatch):
    monkeypatch.setattr(services, "progress_update_create", _refusing("It does not apply."))
    response = officer_client.post(URL, POSTED)
    assert response.context["form"].non_field_errors() == ["It does not apply."]
