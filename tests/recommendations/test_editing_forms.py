"""Reviews, recommendations, responses, leads, update reports and meetings through their forms."""

import pytest

from recommendations.models import (
    LONG_TEXT_MAX,
    Lead,
    Meeting,
    Person,
    Recommendation,
    Review,
    UpdateReport,
)
from tests.factories import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def review():
    return make_review(slug="r", recommendations=3)


def _review_data(review, **overrides):
    data = {
        "committee": review.committee_id, "title": "A new review", "slug": "a-new-review",
        "owner": "", "status": "monitoring", "summary": "", "reported_on": "2024-01-15",
        "reported_precision": "day", "response_agreed_on": "", "response_agreed_precision": "day",
        "lead_cabinet_member": "", "lead_director": "",
    }  # fmt: skip
    data.update(overrides)
    return data


def _new_review_url(review) -> str:
    return f"/reviews/new/?authority={review.committee.authority.slug}"


def test_an_officer_creates_a_review(officer_client, review):
    response = officer_client.post(_new_review_url(review), _review_data(review))
    assert response.status_code == 302 and response["Location"] == "/reviews/a-new-review/"
    assert Review.objects.get(slug="a-new-review").title == "A new review"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Enter the title of the review."),
        ({"slug": "r"}, "slug", "Another review already uses this short name."),
        ({"slug": "new"}, "slug", "reserved"),
        ({"slug": "Not a slug!"}, "slug", "valid"),
        ({"summary": "x" * (LONG_TEXT_MAX + 1)}, "summary", "20,000 characters or fewer"),
        ({"reported_on": "2023-02-30"}, "reported_on", "valid date"),
        ({"response_agreed_on": "2023-01-01"}, "response_agreed_on", "on or after"),
        ({"committee": "999999"}, "committee", "Select a committee of this authority"),
    ],
)
def test_review_form_errors(officer_client, review, overrides, field, message):
    response = officer_client.post(_new_review_url(review), _review_data(review, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'href="#id_{field}"' in response.content.decode()


def test_an_officer_adds_a_part_that_goes_last_and_awaits_a_response(officer_client, review):
    parent = review.recommendations.get(label="2")
    response = officer_client.post(
        "/reviews/r/add-recommendation/", {"label": "2a", "parent": parent.pk, "text": "A part."}
    )
    assert response.status_code == 302
    part = Recommendation.objects.get(label="2a")
    assert part.parent == parent and part.response.decision == "awaiting"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"label": "1", "text": "Dup."}, "label", "already has a recommendation 1"),
        ({"label": "~12", "text": "Looks like an id."}, "label", "cannot start with “~”"),
        ({"label": "9", "text": ""}, "text", "Enter the text of the recommendation."),
        ({"label": "9", "text": "x" * (LONG_TEXT_MAX + 1)}, "text", "20,000 characters"),
        ({"label": "a/b", "text": "Slash."}, "label", "slash"),
        ({"label": "9", "text": "T", "parent": "abc"}, "parent", "Select a top-level"),
    ],
)
def test_recommendation_form_errors(officer_client, review, data, field, message):
    response = officer_client.post("/reviews/r/add-recommendation/", data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])


def test_the_parent_must_be_a_top_level_recommendation_of_the_same_review(officer_client, review):
    other = make_review(slug="other", recommendations=1).recommendations.get()
    response = officer_client.post(
        "/reviews/r/add-recommendation/", {"label": "9", "text": "T", "parent": other.pk}
    )
    assert "parent" in response.context["form"].errors
    part = Recommendation.objects.create(
        review=review, label="1a", parent=review.recommendations.get(label="1"), text="."
    )
    response = officer_client.post(
        "/reviews/r/add-recommendation/", {"label": "9", "text": "T", "parent": part.pk}
    )
    assert "parent" in response.context["form"].errors


def test_recommendations_move_up_and_down(officer_client, review):
    assert (
        officer_client.post("/reviews/r/recommendations/3/move/", {"direction": "up"}).status_code
        == 302
    )
    assert list(review.recommendations.values_list("label", flat=True)) == ["1", "3", "2"]
    officer_client.post("/reviews/r/recommendations/1/move/", {"direction": "down"})
    assert list(review.recommendations.values_list("label", flat=True)) == ["3", "1", "2"]
    assert (
        officer_client.post("/reviews/r/recommendations/1/move/", {"direction": "x"}).status_code
        == 400
    )
    assert officer_client.get("/reviews/r/reorder/").status_code == 200


def test_response_text_over_the_limit_is_refused(officer_client, review):
    response = officer_client.post(
        "/reviews/r/recommendations/1/response/",
        {"decision": "agreed", "text": "x" * (LONG_TEXT_MAX + 1), "version": 1,
         "agreed_precision": "day"},
    )  # fmt: skip
    assert "20,000 characters" in response.context["form"].errors["text"][0]


def test_leads_are_added_new_or_existing_moved_and_removed_with_history(officer_client, review):
    url = "/reviews/r/recommendations/1/leads/"
    rec = review.recommendations.get(label="1")
    response = officer_client.post(
        url, {"person": "", "role": "cabinet_member", "new_person_name": "Cllr Bramble",
              "new_person_job_title": "Cabinet Member", "new_person_organisation": ""},
    )  # fmt: skip
    assert response.status_code == 302
    new_lead = Lead.objects.get(person__name="Cllr Bramble")
    assert list(rec.leads.values_list("pk", flat=True))[-1] == new_lead.pk
    officer_client.post(f"{url}{new_lead.pk}/move/", {"direction": "up"})
    assert list(rec.leads.values_list("pk", flat=True))[0] == new_lead.pk
    # The same person in the same role twice is refused; neither or both ways of naming them too.
    duplicate = officer_client.post(url, {"person": new_lead.person_id, "role": "cabinet_member"})
    assert "already leads" in duplicate.context["form"].errors["person"][0]
    neither = officer_client.post(url, {"person": "", "role": "lead_officer"})
    assert "Select a person" in neither.context["form"].errors["person"][0]
    both = officer_client.post(
        url, {"person": new_lead.person_id, "role": "lead_officer", "new_person_name": "X"}
    )
    assert "Either" in both.context["form"].errors["new_person_name"][0]
    officer_client.post(
        f"{url}{new_lead.pk}/edit/",
        {"person": new_lead.person_id, "role": "lead_officer", "version": 1},
    )
    assert Lead.objects.get(pk=new_lead.pk).role == "lead_officer"
    confirmed = {"confirm": "yes", "version": Lead.objects.get(pk=new_lead.pk).version}
    assert officer_client.post(f"{url}{new_lead.pk}/remove/", confirmed).status_code == 302
    assert not Lead.objects.filter(pk=new_lead.pk).exists()
    assert (
        Lead.history.filter(id=new_lead.pk, history_type="-").get().history_user.username
        == "olivia-officer"
    )
    assert Person.objects.filter(name="Cllr Bramble").exists()


def test_a_clerk_starts_an_update_report_and_adds_a_meeting(client, clerk, review):
    client.force_login(clerk)
    response = client.post(
        "/reviews/r/update-reports/new/",
        {"title": "Twelve month update", "as_at": "2024-01-31", "as_at_precision": "day",
         "meeting": "", "summary": ""},
    )  # fmt: skip
    report = UpdateReport.objects.get(title="Twelve month update")
    assert response["Location"] == f"/reviews/r/update-reports/{report.pk}/"
    assert not report.is_final
    assert (
        client.post("/reviews/r/update-reports/new/", {"title": ""}).context["form"].errors["title"]
    )
    response = client.post(
        "/reviews/r/meetings/new/",
        {"date": "2024-02-14", "agenda_item": "Exclusions update", "decision": "Noted."},
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(agenda_item="Exclusions update")
    assert list(meeting.reviews.all()) == [review]
    assert meeting.committee == review.committee
    bad = client.post("/reviews/r/meetings/new/", {"date": "2024-02-30", "agenda_item": ""})
    assert set(bad.context["form"].errors) == {"date", "agenda_item"}
    assert (
        client.post(
            f"/reviews/r/meetings/{meeting.pk}/edit/",
            {"date": "2024-02-15", "agenda_item": "Renamed", "version": 1},
        ).status_code
        == 302
    )
