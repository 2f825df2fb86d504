"""Starting a review (issue 12): from the dashboard and the review list, for the authority it
is for, with the short name made from the title and a committee, a person or an organisation
added on the spot."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from recommendations import services
from recommendations.models import Authority, Committee, Person, Review
from tests.factories import make_committee, make_review

pytestmark = pytest.mark.django_db

START = 'href="/reviews/new/"'


@pytest.fixture
def committee() -> Committee:
    return make_committee()


@pytest.fixture
def url(committee) -> str:
    return f"/reviews/new/?authority={committee.authority.slug}"


def _data(**overrides) -> dict:
    data = {
        "committee": "", "title": "School exclusions", "slug": "", "owner": "",
        "status": "monitoring", "summary": "", "reported_on": "2024-01-15",
        "reported_precision": "day", "response_agreed_on": "", "response_agreed_precision": "day",
        "lead_cabinet_member": "", "lead_director": "",
    }  # fmt: skip
    data.update(overrides)
    return data


# --- Where officers start ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/reviews/"])
def test_the_dashboard_and_the_review_list_lead_officers_to_start_a_review(
    officer_client, committee, path
):
    body = officer_client.get(path).content.decode()
    assert START in body and "Start a review" in body


@pytest.mark.parametrize("path", ["/", "/reviews/"])
def test_members_and_clerks_are_not_offered_it(client, member, clerk, committee, path):
    for user in [member, clerk]:
        client.force_login(user)
        body = client.get(path).content.decode()
        assert START not in body and "Start a review" not in body


def test_with_one_authority_the_form_is_for_it(officer_client, committee):
    response = officer_client.get("/reviews/new/")
    assert response.status_code == 302
    assert response["Location"] == f"/reviews/new/?authority={committee.authority.slug}"


def test_with_several_the_officer_chooses_the_authority_first(officer_client, committee):
    other = make_committee().authority
    response = officer_client.get("/reviews/new/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'value="{committee.authority.slug}"' in body and f'value="{other.slug}"' in body
    assert 'href="/authorities/new/?next=/reviews/new/"' in body
    # "Another authority" from the form asks again, even with one authority.
    assert officer_client.get("/reviews/new/?authority=").status_code == 200


@pytest.mark.parametrize("slug", ["no-such-authority", "bad slug", "x\x00"])
def test_an_unknown_authority_is_a_404(officer_client, committee, slug):
    assert officer_client.get("/reviews/new/", {"authority": slug}).status_code == 404


def test_the_form_offers_only_the_authoritys_committees_and_people(officer_client, url, committee):
    ours = Person.objects.create(name="Ours", authority=committee.authority)
    unassigned = Person.objects.create(name="Not yet assigned")
    other = make_committee()
    theirs = Person.objects.create(name="Theirs", authority=other.authority)
    merged = Person.objects.create(name="Merged", authority=committee.authority, merged_into=ours)
    form = officer_client.get(url).context["form"]
    assert list(form.fields["committee"].queryset) == [committee]
    offered = set(form.fields["lead_director"].queryset)
    assert ours in offered and unassigned in offered
    assert theirs not in offered and merged not in offered
    response = officer_client.post(url, _data(committee=committee.pk, lead_director=theirs.pk))
    assert response.status_code == 200 and "lead_director" in response.context["form"].errors
    response = officer_client.post(url, _data(committee=other.pk))
    assert response.context["form"].errors["committee"] == [
        "Select a committee of this authority, or add one."
    ]


# --- The short name ---------------------------------------------------------------------------


def test_a_short_name_left_empty_is_made_from_the_title(officer_client, url, committee):
    response = officer_client.post(url, _data(committee=committee.pk, title="School Exclusions!"))
    assert response.status_code == 302 and response["Location"] == "/reviews/school-exclusions/"
    response = officer_client.post(url, _data(committee=committee.pk, title="School exclusions"))
    assert response["Location"] == "/reviews/school-exclusions-2/"


def test_a_typed_short_name_is_kept(officer_client, url, committee):
    response = officer_client.post(url, _data(committee=committee.pk, slug="my-name"))
    assert response["Location"] == "/reviews/my-name/"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("New", "new-2"),  # "new" is the address of this very form
        ("学校の排除", "review"),  # nothing of it is left: a plain fallback
        ("Ünïcödé — Ærø café", "unicode-r-cafe"),
        ("x" * 255, "x" * 100),
    ],
)
def test_made_short_names_are_valid_and_never_reserved(committee, title, slug):
    review = services.review_create(review=Review(committee=committee, title=title), user=None)
    assert review.slug == slug


def test_made_short_names_stay_within_the_limit_when_numbered(committee):
    for _ in range(2):
        services.review_create(review=Review(committee=committee, title="y" * 200), user=None)
    assert Review.objects.filter(slug="y" * 98 + "-2").exists()


def test_the_form_suggests_it_as_the_title_is_typed(officer_client, url, committee):
    body = officer_client.get(url).content.decode()
    assert 'data-slug-from="id_title"' in body
    assert '<script src="/static/js/slug.' in body and "defer" in body
    review = make_review(slug="r")
    body = officer_client.get("/reviews/r/edit/").content.decode()
    # Renaming a review keeps its address: no suggestion on the edit form.
    assert "data-slug-from" not in body and "js/slug." not in body
    assert review.slug == "r"


# --- Adding on the spot -----------------------------------------------------------------------


def test_a_committee_a_person_and_an_organisation_are_added_on_the_spot(
    officer_client, url, committee
):
    response = officer_client.post(
        url,
        _data(
            new_committee_name="People Scrutiny Committee",
            new_lead_cabinet_member_name="Cllr Bob Standley",
            new_lead_cabinet_member_job_title="Lead Member for Education",
            new_lead_director_kind="organisation",
            new_lead_director_name="Children's Services directorate",
        ),
    )
    assert response.status_code == 302
    review = Review.objects.get(slug="school-exclusions")
    assert review.committee.name == "People Scrutiny Committee"
    assert review.committee.authority == committee.authority
    assert review.committee.slug == "people-scrutiny-committee"
    member, director = review.lead_cabinet_member, review.lead_director
    assert (member.name, member.job_title, member.kind) == (
        "Cllr Bob Standley", "Lead Member for Education", "person",
    )  # fmt: skip
    assert (director.name, director.kind) == ("Children's Services directorate", "organisation")
    assert member.authority == director.authority == committee.authority
    page = officer_client.get("/reviews/school-exclusions/").content.decode()
    assert "Lead directorate" in page and "Children&#x27;s Services directorate" in page


def test_one_already_recorded_is_reused_not_repeated(officer_client, url, committee):
    person = Person.objects.create(
        name="Ann Lee", job_title="Director", authority=committee.authority
    )
    officer_client.post(
        url,
        _data(
            new_committee_name=committee.name.upper(),
            new_lead_director_name="Ann Lee",
            new_lead_director_job_title="Director",
        ),
    )
    review = Review.objects.get()
    assert review.committee == committee and review.lead_director == person
    assert Committee.objects.count() == 1 and Person.objects.count() == 1


def test_a_refused_review_keeps_nothing_added_and_everything_typed(officer_client, url, committee):
    response = officer_client.post(
        url,
        _data(
            new_committee_name="A new committee",
            new_lead_director_kind="organisation",
            new_lead_director_name="A directorate",
            reported_on="2024-03-01",
            response_agreed_on="2024-01-01",
        ),
    )
    assert response.status_code == 200
    assert "response_agreed_on" in response.context["form"].errors
    assert not Committee.objects.exclude(pk=committee.pk).exists()
    assert not Person.objects.exists() and not Review.objects.exists()
    body = response.content.decode()
    assert 'value="A new committee"' in body and 'value="A directorate"' in body
    assert body.count('<details class="add-new" open>') == 2  # the two groups that were used


def test_a_refusal_of_what_was_added_is_shown_beside_it(committee):
    review = Review(committee=None, title="T")
    added = services.AddedOnTheSpot(
        committee=Committee(authority=committee.authority, name="x" * 300)
    )
    with pytest.raises(ValidationError) as raised:
        services.review_create(review=review, user=None, added=added)
    assert "new_committee_name" in raised.value.message_dict
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"new_committee_name": "X", "committee": "COMMITTEE"}, "new_committee_name", "not both"),
        ({}, "committee", "Select the committee that made the review, or add a new one."),
        ({"new_lead_director_job_title": "Head"}, "new_lead_director_name", "Enter their name"),
        (
            {"new_lead_director_name": "X", "lead_director": "PERSON"},
            "new_lead_director_name",
            "Either select someone",
        ),
    ],
)
def test_choosing_and_adding_at_once_is_refused(
    officer_client, url, committee, overrides, field, message
):
    person = Person.objects.create(name="P", authority=committee.authority)
    values = {"COMMITTEE": str(committee.pk), "PERSON": str(person.pk)}
    data = _data(**{key: values.get(value, value) for key, value in overrides.items()})
    response = officer_client.post(url, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Review.objects.exists()


def test_the_service_refuses_someone_of_another_authority(committee):
    theirs = Person.objects.create(name="Theirs", authority=make_committee().authority)
    review = Review(committee=committee, title="T", slug="t", lead_director=theirs)
    with pytest.raises(ValidationError) as raised:
        services.review_create(review=review, user=None)
    assert "is recorded at" in raised.value.message_dict["lead_director"][0]


def test_editing_a_review_can_add_someone_too(officer_client):
    review = make_review(slug="r")
    data = _data(committee=review.committee_id, title=review.title, slug="r", version=1)
    data["new_lead_cabinet_member_name"] = "Cllr New"
    assert officer_client.post("/reviews/r/edit/", data).status_code == 302
    review.refresh_from_db()
    assert review.lead_cabinet_member.name == "Cllr New"
    assert review.lead_cabinet_member.authority == review.committee.authority


# --- Adding an authority on the way -----------------------------------------------------------


def test_an_authority_added_on_the_way_comes_back_chosen(officer_client, committee):
    response = officer_client.post(
        "/authorities/new/?next=/reviews/new/",
        {"name": "East Sussex County Council", "response_due_amount": "28",
         "response_due_unit": "days", "next": "/reviews/new/"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/reviews/new/?authority=east-sussex-county-council"
    authority = Authority.objects.get(slug="east-sussex-county-council")
    assert (authority.response_due_amount, authority.response_due_unit) == (28, "days")
    form = officer_client.get(response["Location"]).context["form"]
    assert form.authority == authority


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_only_a_path_on_this_site_is_returned_to(officer_client, committee, target):
    response = officer_client.post(
        "/authorities/new/",
        {"name": "Somewhere", "response_due_amount": "2", "response_due_unit": "months",
         "next": target},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/authorities/"


def test_members_cannot_start_reviews_or_add_authorities(member_client, committee, url):
    for path in ["/reviews/new/", url, "/authorities/new/"]:
        assert member_client.get(path).status_code == 403
        assert member_client.post(path, _data(new_committee_name="X")).status_code == 403
    assert not Review.objects.exists() and Committee.objects.count() == 1
