"""Deleting anything asks first: a GET shows what will go and what goes with it and never
deletes; a POST without the confirmation page's form deletes nothing; the confirmation posted
at the version it showed deletes. In the admin, Django's own confirmation page does the same."""

import re
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.urls import get_resolver

from recommendations import services
from recommendations.models import Person, ProgressUpdate, UpdateReport
from tests.conftest import PASSWORD
from tests.factories import make_review

pytestmark = pytest.mark.django_db

REC = "/reviews/r/recommendations/1/"


@pytest.fixture
def review():
    review = make_review(slug="r", recommendations=2, updates_each=2)
    # The lead also leads recommendation 2, which removing them from 1 leaves alone.
    Person.objects.filter(name="Officer 0").update(email="lead@example.org")
    return review


def _deletes(review) -> dict[str, tuple[str, object]]:
    """Every delete route of the app: its confirmation page and the record it deletes."""
    rec = review.recommendations.get(label="1")
    lead = rec.leads.get()
    latest = rec.updates.order_by("-as_at", "-id").first()
    return {
        "lead_remove": (f"{REC}leads/{lead.pk}/remove/", lead),
        "progress_update_delete": (f"{REC}updates/{latest.pk}/delete/", latest),
    }


def test_every_delete_route_is_covered_here():
    names = set()
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) in {"recommendations", "reports"}:
            names |= {p.name for p in pattern.url_patterns}
    deleting = {name for name in names if "delete" in name or "remove" in name}
    # document_remove has its own confirmation page: test_document_pages.py
    # (test_removing_asks_first_and_only_a_post_removes); recommendation_priority_remove
    # deletes nothing (it unmarks a priority, versioned, after a page showing the reason:
    # test_priority.py).
    assert deleting == {
        "lead_remove",
        "progress_update_delete",
        "document_remove",
        "recommendation_priority_remove",
    }, (
        "a new delete route: give it a confirmation page (views.common.confirm_delete) and "
        "add it to _deletes"
    )


@pytest.mark.parametrize("name", ["lead_remove", "progress_update_delete"])
def test_a_get_shows_the_confirmation_and_deletes_nothing(officer_client, review, name):
    url, record = _deletes(review)[name]
    response = officer_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "What goes with it" in page
    assert 'name="confirm" value="yes"' in page
    assert f'name="version" value="{record.version}"' in page
    assert type(record).objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("name", ["lead_remove", "progress_update_delete"])
def test_a_post_without_the_confirmation_deletes_nothing(officer_client, review, name):
    url, record = _deletes(review)[name]
    for body in [
        {},  # the list's old "Delete" button posted nothing but its token
        {"version": record.version},
        {"confirm": "no", "version": record.version},
        {"confirm": "yes"},
        {"confirm": "yes", "version": "x"},
    ]:
        response = officer_client.post(url, body)
        assert response.status_code == 200, body
        assert "Nothing has been deleted" in response.content.decode(), body
        assert type(record).objects.filter(pk=record.pk).exists(), body


@pytest.mark.parametrize("name", ["lead_remove", "progress_update_delete"])
def test_the_confirmation_deletes_and_keeps_a_history_record(officer_client, review, name):
    url, record = _deletes(review)[name]
    response = officer_client.post(url, {"confirm": "yes", "version": record.version})
    assert response.status_code == 302
    assert response["Location"].startswith(REC)
    model = type(record)
    assert not model.objects.filter(pk=record.pk).exists()
    removal = model.history.get(id=record.pk, history_type="-")
    assert removal.history_user.username == "olivia-officer"


@pytest.mark.parametrize("name", ["lead_remove", "progress_update_delete"])
def test_a_record_changed_since_the_page_was_shown_is_not_deleted(officer_client, review, name):
    url, record = _deletes(review)[name]
    shown = record.version
    type(record).objects.filter(pk=record.pk).update(version=shown + 1)  # someone else's save
    response = officer_client.post(url, {"confirm": "yes", "version": shown}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this" in page
    # The page shows the record as it is now, ready to confirm again.
    assert f'name="version" value="{shown + 1}"' in page
    assert type(record).objects.filter(pk=record.pk).exists()


def test_the_lead_page_says_what_goes_with_the_removal(officer_client, review):
    url, lead = _deletes(review)["lead_remove"]
    page = officer_client.get(url).content.decode()
    assert "Remove Officer 0 as" in page
    assert "gets no more update reminders for it" in page  # they have an address
    assert "stays named on 1 other recommendation" in page
    # The list of leads links to the page; it has no form that removes at once.
    leads = officer_client.get(f"{REC}leads/").content.decode()
    assert f'href="{url}"' in leads
    assert f'action="{url}"' not in leads


def test_the_update_page_says_what_the_status_goes_back_to(officer_client, review):
    url, latest = _deletes(review)["progress_update_delete"]
    earlier = ProgressUpdate.objects.filter(recommendation=latest.recommendation).exclude(
        pk=latest.pk
    )
    ProgressUpdate.objects.filter(pk=earlier.get().pk).update(status="not_started")
    page = officer_client.get(url).content.decode()
    assert "its status goes back to <strong>Not started</strong>" in page
    assert "no longer part of the update report “Six month update”" in page
    detail = officer_client.get(REC).content.decode()
    assert f'href="{url}"' in detail
    assert f'action="{url}"' not in detail
    # Not the latest: the status stays.
    page = officer_client.get(f"{REC}updates/{earlier.get().pk}/delete/").content.decode()
    assert "status stays as it is" in page


def test_an_update_in_a_final_report_has_no_delete_page(officer_client, review):
    url, update = _deletes(review)["progress_update_delete"]
    UpdateReport.objects.filter(pk=update.report_id).update(is_final=True)
    assert officer_client.get(url).status_code == 403
    assert officer_client.post(url, {"confirm": "yes", "version": 1}).status_code == 403
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_members_cannot_open_a_delete_page(member_client, review):
    for url, record in _deletes(review).values():
        assert member_client.get(url).status_code == 403
        assert member_client.post(url, {"confirm": "yes", "version": 1}).status_code == 403
        assert type(record).objects.filter(pk=record.pk).exists()


def test_the_admin_asks_first_for_every_model_it_may_delete(client, demo_data):
    """Django's admin: a GET of the delete page, or a POST without its "post" field, deletes
    nothing; the page lists what goes with it."""
    ada = User.objects.create_superuser("ada-admin", password=PASSWORD)
    client.force_login(ada)
    request = RequestFactory().get("/admin/")
    request.user = ada
    checked = []
    for model, model_admin in admin.site._registry.items():
        record = model._default_manager.order_by("pk").first()
        if record is None or not model_admin.has_delete_permission(request, record):
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{record.pk}/delete/"
        page = client.get(url)
        assert page.status_code == 200, url
        # It asks, or (for a record others depend on) says why it cannot be deleted.
        assert re.search("Are you sure|Cannot delete", page.content.decode()), url
        client.post(url, {})
        assert model._default_manager.filter(pk=record.pk).exists(), url
        checked.append(model._meta.model_name)
    assert {"meeting", "person", "review", "glossaryterm"} <= set(checked), checked


@pytest.mark.parametrize("name", ["lead_remove", "progress_update_delete"])
def test_a_record_deleted_meanwhile_is_gone_as_asked(officer_client, review, name):
    """Two officers confirm at once: the second finds it gone after the page looked it up."""
    url, record = _deletes(review)[name]
    original = getattr(services, name)

    def deleted_just_before(**kwargs):
        type(record).objects.filter(pk=record.pk).delete()  # the other officer's
        return original(**kwargs)

    with mock.patch.object(services, name, deleted_just_before):
        response = officer_client.post(url, {"confirm": "yes", "version": record.version})
    assert response.status_code == 302
