"""People within an authority (issue 12): organisations as leads, choice lists of the review's
authority, officers' people pages, and merging duplicates with every link and the history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalChanges

from recommendations import forms, rules, services
from recommendations.models import (
    Lead,
    Person,
    ProgressUpdate,
    ReminderSent,
    Review,
    UpdateReport,
    UpdateRequest,
)
from tests.factories import make_committee, make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def review() -> Review:
    return make_review(slug="r", recommendations=2, leads_each=0)


@pytest.fixture
def authority(review):
    return review.committee.authority


def _person(authority, name: str, **fields) -> Person:
    return Person.objects.create(name=name, authority=authority, **fields)


# --- Every relation to a person -------------------------------------------------------------


def _relations_to_person() -> set[tuple[type[models.Model], str]]:
    """Found independently of the code under test: every field of every model (history
    copies and many-to-many tables aside) that points at Person."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        if issubclass(model, HistoricalChanges) or model._meta.auto_created:
            continue
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation and field.related_model is Person:
                found.add((model, field.name))
    return found


def test_person_links_finds_every_relation_to_a_person():
    assert {(link.model, link.field) for link in rules.person_links()} == _relations_to_person()
    # The hidden ones too (related_name="+"), which Person._meta.related_objects leaves out.
    assert (Review, "lead_director") in _relations_to_person()


def _link_everything(review: Review, person: Person) -> dict[tuple[type, str], models.Model]:
    """One row naming ``person`` through each relation there is."""
    rec = review.recommendations.get(label="1")
    report = UpdateReport.objects.get(review=review)
    update = ProgressUpdate.objects.filter(recommendation=rec).first()
    lead = Lead.objects.create(recommendation=rec, person=person)
    review.lead_cabinet_member = review.lead_director = person
    review.save()
    report.author = report.authorised_by = person
    report.save()
    report.contributors.add(person)
    update.author = person
    update.save()
    reminder = ReminderSent.objects.create(
        person=person, recommendation=rec, due_on=dt.date.today()
    )
    earlier = Person.objects.create(name="Earlier duplicate", merged_into=person)
    request = UpdateRequest.objects.create(report=report, person=person, due_on=dt.date.today())
    rows = {
        (Lead, "person"): lead,
        (Review, "lead_cabinet_member"): review,
        (Review, "lead_director"): review,
        (UpdateReport, "author"): report,
        (UpdateReport, "authorised_by"): report,
        (UpdateReport, "contributors"): report,
        (ProgressUpdate, "author"): update,
        (ReminderSent, "person"): reminder,
        (Person, "merged_into"): earlier,
        (UpdateRequest, "person"): request,
    }
    # A relation added to the models later must get a row here too, so it is tested below.
    assert set(rows) == _relations_to_person()
    return rows


def _names(row: models.Model, field: str) -> set[int]:
    row = type(row)._default_manager.get(pk=row.pk)
    value = getattr(row, field)
    if isinstance(value, models.Manager):
        return set(value.values_list("pk", flat=True))
    return {value.pk} if value else set()


def test_a_merge_moves_every_link_and_keeps_the_history(review, authority, officer):
    keep = _person(authority, "Viv Trundell", job_title="Education Entitlement Manager")
    duplicate = _person(authority, "Viv Trundell", job_title="Manager and SEN Manager")
    rows = _link_everything(review, duplicate)
    lead_versions = Lead.objects.get(person=duplicate).version

    result = services.merge_people(
        keep=keep, duplicate=duplicate, expected_keep_version=1, expected_duplicate_version=1,
        user=officer,
    )  # fmt: skip

    for (model, field), row in rows.items():
        assert _names(row, field) == {keep.pk}, (model.__name__, field)
    assert sum(result.moved.values()) == len(rows) and not result.dropped
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep and duplicate.version == 2
    # The duplicate stays, with its history, and out of every choice list.
    record = duplicate.history.first()
    assert record.merged_into_id == keep.pk and record.history_user == officer
    assert record.history_change_reason.startswith("Merged into Viv Trundell")
    assert duplicate not in Person.objects.for_authority(authority.pk)
    # Each moved row's history says who moved it; its earlier records still name the duplicate.
    lead = Lead.objects.get(person=keep)
    assert lead.version == lead_versions + 1
    newest, *earlier = lead.history.all()
    assert newest.person_id == keep.pk and newest.history_user == officer
    assert earlier[-1].person == duplicate  # still readable: the row was not deleted
    assert review.history.first().lead_director_id == keep.pk
    contributors = apps.get_model("recommendations", "HistoricalUpdateReport_contributors")
    assert contributors.objects.filter(person=duplicate).exists()
    assert contributors.objects.filter(person=keep).exists()


def test_a_link_the_kept_record_already_has_is_dropped_on_the_record(review, authority):
    keep = _person(authority, "Keep")
    duplicate = _person(authority, "Duplicate")
    rec = review.recommendations.get(label="1")
    Lead.objects.create(recommendation=rec, person=keep, role=Lead.Role.LEAD_OFFICER)
    twin = Lead.objects.create(recommendation=rec, person=duplicate, role=Lead.Role.LEAD_OFFICER)
    other_role = Lead.objects.create(
        recommendation=rec, person=duplicate, role=Lead.Role.CABINET_MEMBER
    )
    result = services.merge_people(
        keep=keep, duplicate=duplicate, expected_keep_version=1, expected_duplicate_version=1,
        user=None,
    )  # fmt: skip
    assert list(rec.leads.values_list("person_id", "role")) == [
        (keep.pk, Lead.Role.LEAD_OFFICER), (keep.pk, Lead.Role.CABINET_MEMBER),
    ]  # fmt: skip
    assert not Lead.objects.filter(pk=twin.pk).exists()
    assert Lead.history.filter(id=twin.pk).first().history_type == "-"
    assert Lead.objects.get(pk=other_role.pk).person == keep
    assert result.dropped == {"lead: person": 1}


def test_a_stale_merge_is_refused_and_changes_nothing(review, authority):
    keep = _person(authority, "Keep")
    duplicate = _person(authority, "Duplicate")
    lead = Lead.objects.create(recommendation=review.recommendations.first(), person=duplicate)
    services.person_update(person=duplicate, expected_version=1, user=None)  # now version 2
    for keep_version, duplicate_version in [(1, 1), (2, 2)]:
        with pytest.raises(services.EditConflict):
            services.merge_people(
                keep=keep, duplicate=duplicate, expected_keep_version=keep_version,
                expected_duplicate_version=duplicate_version, user=None,
            )  # fmt: skip
    assert Lead.objects.get(pk=lead.pk).person == duplicate
    assert Person.objects.get(pk=duplicate.pk).merged_into is None


@pytest.mark.parametrize("case", ["self", "merged", "other authority", "named elsewhere"])
def test_merges_that_would_break_a_rule_are_refused(review, authority, case):
    keep = _person(authority, "Keep")
    duplicate = _person(authority, "Duplicate")
    if case == "self":
        keep = duplicate
    elif case == "merged":
        keep.merged_into = _person(authority, "Someone")
        keep.save()
    elif case == "other authority":
        keep = _person(make_committee().authority, "Elsewhere")
    else:
        # Not yet assigned and named in another authority's review: they cannot become ours.
        duplicate.authority = None
        duplicate.save()
        other = make_review(slug="other", recommendations=1, leads_each=0)
        Lead.objects.create(recommendation=other.recommendations.get(), person=duplicate)
    with pytest.raises(ValidationError):
        services.merge_people(
            keep=keep, duplicate=duplicate, expected_keep_version=keep.version,
            expected_duplicate_version=duplicate.version, user=None,
        )  # fmt: skip
    assert Person.objects.get(pk=duplicate.pk).merged_into is None


def test_typing_in_a_merged_duplicates_details_finds_the_record_kept(review, authority):
    keep = _person(authority, "Jane Smith", job_title="Head of Inclusion")
    duplicate = _person(authority, "J Smith", job_title="Head")
    services.merge_people(
        keep=keep, duplicate=duplicate, expected_keep_version=1, expected_duplicate_version=1,
        user=None,
    )  # fmt: skip
    lead = services.lead_add(
        recommendation=review.recommendations.first(), role=Lead.Role.LEAD_OFFICER,
        new_person_name="J Smith", new_person_job_title="Head", user=None,
    )  # fmt: skip
    assert lead.person == keep and Person.objects.count() == 2
    duplicate.refresh_from_db()
    with pytest.raises(ValidationError) as raised:
        services.lead_add(
            recommendation=review.recommendations.last(), role=Lead.Role.LEAD_OFFICER,
            person=duplicate, user=None,
        )  # fmt: skip
    assert "was merged into Jane Smith" in raised.value.message_dict["person"][0]


# --- Organisations as leads -----------------------------------------------------------------


def test_an_organisation_leads_as_a_body(officer_client, review, authority):
    url = "/reviews/r/recommendations/1/leads/"
    response = officer_client.post(
        url,
        {"role": "lead_officer", "new_person_kind": "organisation",
         "new_person_name": "Children and Education directorate"},
    )  # fmt: skip
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.person.kind == Person.Kind.ORGANISATION and lead.person.authority == authority
    assert lead.role_label == "Lead organisation"
    for path in [url, "/reviews/r/recommendations/1/", "/reviews/r/"]:
        body = officer_client.get(path).content.decode()
        assert "Children and Education directorate" in body, path
        assert "Lead organisation" in body, path


def test_the_lead_form_offers_the_authoritys_people_only(review, authority):
    ours = _person(authority, "Ours")
    theirs = _person(make_committee().authority, "Theirs")
    unassigned = Person.objects.create(name="Unassigned")
    form = forms.LeadForm(recommendation=review.recommendations.first())
    offered = set(form.fields["person"].queryset)
    assert {ours, unassigned} <= offered and theirs not in offered
    form = forms.UpdateReportForm(review=review)
    for name in ["author", "authorised_by", "contributors"]:
        offered = set(form.fields[name].queryset)
        assert {ours, unassigned} <= offered and theirs not in offered, name


def test_someone_of_another_authority_is_refused_as_a_contributor(review):
    theirs = _person(make_committee().authority, "Theirs")
    report = UpdateReport.objects.get(review=review)
    with pytest.raises(ValidationError) as raised:
        services.update_report_update(
            report=report, expected_version=report.version, user=None, contributors=[theirs]
        )
    assert "contributors" in raised.value.message_dict


# --- The people pages -----------------------------------------------------------------------


def test_the_people_page_lists_the_authoritys_people(officer_client, review, authority):
    _person(authority, "Ours")
    _person(make_committee().authority, "Theirs")
    Person.objects.create(name="Unassigned")
    body = officer_client.get(f"/authorities/{authority.slug}/people/").content.decode()
    assert "Ours" in body and "Unassigned" in body and "Theirs" not in body
    assert "into someone else</a>" in body and "Add a person or organisation" in body


def test_an_officer_adds_and_edits_people(officer_client, authority):
    base = f"/authorities/{authority.slug}/people/"
    response = officer_client.post(
        base + "new/", {"kind": "organisation", "name": "Hackney Education"}
    )
    assert response.status_code == 302 and response["Location"] == base
    person = Person.objects.get(name="Hackney Education")
    assert person.authority == authority and person.is_organisation
    response = officer_client.post(
        f"{base}{person.pk}/edit/",
        {"kind": "organisation", "name": "Hackney Education", "email": "he@example.org",
         "authority": authority.pk, "version": 1},
    )  # fmt: skip
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.email == "he@example.org" and person.version == 2


def test_someone_named_elsewhere_cannot_be_assigned_here(officer_client, review, authority):
    unassigned = Person.objects.create(name="Shared")
    other = make_review(slug="other", recommendations=1, leads_each=0)
    Lead.objects.create(recommendation=other.recommendations.get(), person=unassigned)
    response = officer_client.post(
        f"/authorities/{authority.slug}/people/{unassigned.pk}/edit/",
        {"kind": "person", "name": "Shared", "authority": authority.pk, "version": 1},
    )
    assert response.status_code == 200
    assert "is named in reviews of" in response.context["form"].errors["authority"][0]
    assert Person.objects.get(pk=unassigned.pk).authority is None


def test_merging_from_the_page_asks_first_then_merges(officer_client, review, authority):
    keep = _person(authority, "Viv Trundell", job_title="Education Entitlement Manager")
    duplicate = _person(authority, "Viv Trundell", job_title="Manager and SEN Manager")
    Lead.objects.create(recommendation=review.recommendations.first(), person=duplicate)
    url = f"/authorities/{authority.slug}/people/{duplicate.pk}/merge/"
    assert keep in officer_client.get(url).context["form"].fields["keep"].queryset
    response = officer_client.get(url, {"keep": keep.pk})
    body = response.content.decode()
    assert "The record kept" in body and "Leads on recommendations: 1" in body
    assert Person.objects.get(pk=duplicate.pk).merged_into is None  # nothing yet
    response = officer_client.post(
        url, {"keep": keep.pk, "keep_version": 1, "duplicate_version": 1}
    )
    assert response.status_code == 302
    assert Lead.objects.get().person == keep
    assert Person.objects.get(pk=duplicate.pk).merged_into == keep
    # A merged record is retired: its pages are gone, the list shows where it went.
    assert officer_client.get(url).status_code == 404
    body = officer_client.get(f"/authorities/{authority.slug}/people/").content.decode()
    assert "Merged records" in body


def test_a_merge_confirmed_from_a_stale_page_is_refused_on_the_page(
    officer_client, review, authority
):
    keep = _person(authority, "Keep")
    duplicate = _person(authority, "Duplicate")
    services.person_update(person=keep, expected_version=1, user=None)
    url = f"/authorities/{authority.slug}/people/{duplicate.pk}/merge/"
    response = officer_client.post(
        url, {"keep": keep.pk, "keep_version": 1, "duplicate_version": 1}
    )
    assert response.status_code == 200
    assert "nothing was merged" in response.content.decode()
    assert response.context["confirm"]["keep_version"] == 2  # merging again uses what is shown
    assert Person.objects.get(pk=duplicate.pk).merged_into is None


def test_people_of_another_authority_are_not_found_here(officer_client, authority):
    theirs = _person(make_committee().authority, "Theirs")
    ours = _person(authority, "Ours")
    base = f"/authorities/{authority.slug}/people/{theirs.pk}/"
    assert officer_client.get(base + "edit/").status_code == 404
    assert officer_client.get(base + "merge/").status_code == 404
    url = f"/authorities/{authority.slug}/people/{ours.pk}/merge/"
    response = officer_client.get(url, {"keep": theirs.pk})
    assert "keep" in response.context["form"].errors and "confirm" not in response.context


def test_members_cannot_add_edit_or_merge_people(member_client, authority):
    keep = _person(authority, "Keep")
    duplicate = _person(authority, "Duplicate")
    base = f"/authorities/{authority.slug}/"
    for path in [
        base + "people/new/",
        f"{base}people/{duplicate.pk}/edit/",
        f"{base}people/{duplicate.pk}/merge/",
        base + "settings/",
    ]:
        assert member_client.get(path).status_code == 403, path
        data = {"keep": keep.pk, "keep_version": 1, "duplicate_version": 1, "name": "X"}
        assert member_client.post(path, data).status_code == 403, path
    assert Person.objects.get(pk=duplicate.pk).merged_into is None
    assert Person.objects.count() == 2
    # Reading is open to every role, as the rest of the record is.
    assert member_client.get(base + "people/").status_code == 200
