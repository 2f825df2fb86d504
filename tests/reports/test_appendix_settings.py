import pytest

from reports.models import AppendixSettings
from tests.factories import make_review

pytestmark = pytest.mark.django_db


def test_an_officer_chooses_the_layout_and_renames_columns(officer_client):
    review = make_review(recommendations=1)
    url = f"/reviews/{review.slug}/appendix/settings/"
    assert officer_client.get(url).status_code == 200
    response = officer_client.post(
        url, {"layout": "east_sussex", "heading_update": "Progress at twelve months"}
    )
    assert response.status_code == 302
    settings = AppendixSettings.objects.get(review=review)
    assert settings.layout == "east_sussex"
    headings = [
        column.header
        for column in officer_client.get(f"/reviews/{review.slug}/appendix/")
        .context["table"]
        .columns
    ]
    assert headings == [
        "Scrutiny Recommendation",
        "Director's response and action plan",
        "Progress at twelve months",
        "Timescale",
    ]


def test_an_unknown_layout_is_a_form_error_not_a_500(officer_client):
    review = make_review(recommendations=1)
    response = officer_client.post(f"/reviews/{review.slug}/appendix/settings/", {"layout": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors["layout"]


def test_members_cannot_post_settings(member_client):
    review = make_review(recommendations=1)
    response = member_client.post(
        f"/reviews/{review.slug}/appendix/settings/", {"layout": "hackney"}
    )
    assert response.status_code == 403
    assert not AppendixSettings.objects.exists()


def test_the_demo_data_gives_each_review_its_documents_layout(demo_data):
    assert dict(AppendixSettings.objects.values_list("review__slug", "layout")) == {
        "hackney-school-exclusions": "hackney",
        "east-sussex-school-exclusions": "east_sussex",
        "buckinghamshire-permanent-exclusions": "buckinghamshire",
    }
