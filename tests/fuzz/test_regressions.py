"""The exact inputs the fuzz tests found that gave a 500, each now a plain test."""

from __future__ import annotations

import pytest

from recommendations.models import Lead, Review

pytestmark = pytest.mark.django_db


def test_adding_as_new_a_person_who_already_leads_in_that_role_is_a_form_error(
    officer_client, world
):
    """Was an IntegrityError: lead_add reuses the existing person, the duplicate check did not."""
    leads = Lead.objects.count()
    response = officer_client.post(
        "/reviews/fuzz/recommendations/1/leads/",
        {"person": "", "role": "lead_officer", "new_person_name": " Officer 0 ",
         "new_person_job_title": "Head", "new_person_organisation": ""},
    )  # fmt: skip
    assert response.status_code == 200
    assert "already leads on it" in " ".join(response.context["form"].errors["new_person_name"])
    assert Lead.objects.count() == leads


def test_a_nul_in_a_recommendation_label_in_the_address_is_a_404(officer_client, world):
    """Was a DataError on PostgreSQL, which refuses NUL in a query parameter."""
    for suffix in ["", "edit/", "response/", "leads/", "updates/new/"]:
        response = officer_client.get(f"/reviews/fuzz/recommendations/1%00/{suffix}")
        assert response.status_code == 404


def test_a_report_id_in_non_ascii_digits_is_a_404(officer_client, world):
    """Was a ValueError: str.isdigit() accepts "²", which int() refuses."""
    for page in ["appendix/", "appendix.csv", "appendix.xlsx"]:
        for report in ["²", "١٢", "𝟙"]:
            response = officer_client.get(f"/reviews/fuzz/{page}", {"report": report})
            assert response.status_code == 404, (page, report)


def test_any_per_page_shows_the_list(officer_client, world):
    """Was EmptyPage (a 500) for a negative ?per_page=; a huge one is capped."""
    for per_page in ["-1", "-50", "0", "1", str(10**9)]:
        response = officer_client.get("/recommendations/", {"per_page": per_page})
        assert response.status_code == 200, per_page
        assert 1 <= response.context["table"].paginator.per_page <= 500


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reported_on", "9999-12-31"),
        ("reported_on", "1899-12-31"),
        ("response_agreed_on", "2200-01-01"),
        ("response_agreed_on", "0001-01-01"),
    ],
)
def test_a_date_outside_1900_to_2199_is_a_form_error(officer_client, world, field, value):
    """Was a 500 on the review page ("year 10000 is out of range"): 9999-12-31 was accepted
    and the response deadline adds months to the date reported."""
    review = world.review
    data = {
        "committee": review.committee_id, "title": review.title, "slug": review.slug,
        "status": review.status, "reported_on": "2023-01-01", "reported_precision": "day",
        "response_agreed_precision": "day", "version": review.version, field: value,
    }  # fmt: skip
    response = officer_client.post(f"/reviews/{review.slug}/edit/", data)
    assert response.status_code == 200
    assert "between 1900 and 2199" in " ".join(response.context["form"].errors[field])
    assert Review.objects.get(pk=review.pk).reported_on.year == 2023
    assert officer_client.get(f"/reviews/{review.slug}/").status_code == 200


def test_a_nul_in_the_list_filters_is_not_a_500(officer_client, world):
    """PostgreSQL refuses NUL: the filter form refuses it first, so the result is empty."""
    for query in ["q=%00", "q=a%00b", "review=%00", "sort=%00", "lead=1%00"]:
        response = officer_client.get("/recommendations/", QUERY_STRING=query)
        assert response.status_code == 200, query
