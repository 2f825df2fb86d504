"""A form sent after the session expired keeps what was typed: sign in, and the same form comes
back filled in, not saved; only for whoever loaded the form, on that page, once, within an hour.
CSRF is checked as for any POST (the token cookie outlives the session)."""

import datetime as dt
import re
import time
from unittest import mock

import pytest
from django.test import Client

from recommendations import kept_forms
from recommendations.models import Recommendation
from recommendations.roles import SCRUTINY_OFFICERS
from tests.conftest import PASSWORD, _user
from tests.factories import make_review

pytestmark = pytest.mark.django_db

EDIT = "/reviews/r/recommendations/1/edit/"
TYPED = 'Publish the figures termly <b>& "soon"</b>.\nSecond line.'


@pytest.fixture
def review():
    return make_review(slug="r", recommendations=2)


def _field(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def _expired_post(officer, path: str = EDIT, **extra) -> tuple[Client, object]:
    """Load the form signed in, lose the session (as its expiry does: the browser drops the
    cookie), then send the form with CSRF checked as in production."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer)
    page = browser.get(path).content.decode()
    del browser.cookies["sessionid"]
    data = {
        "csrfmiddlewaretoken": _field(page, "csrfmiddlewaretoken"),
        "typed_by": _field(page, "typed_by"),
        "label": "1",
        "text": TYPED,
        "version": "1",
        **extra,
    }
    return browser, browser.post(path, data)


def _sign_in(browser: Client, username: str, next_path: str = EDIT):
    page = browser.get(f"/accounts/login/?next={next_path}").content.decode()
    return browser.post(
        "/accounts/login/",
        {
            "username": username,
            "password": PASSWORD,
            "next": next_path,
            "csrfmiddlewaretoken": _field(page, "csrfmiddlewaretoken"),
        },
    )


def test_the_form_comes_back_filled_after_signing_in_and_is_saved_only_when_sent(officer, review):
    browser, response = _expired_post(officer)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={EDIT}"
    sign_in_page = browser.get(response["Location"]).content.decode()
    assert "Sign in again: the form comes back with what you typed" in sign_in_page

    signed_in = _sign_in(browser, officer.username)
    assert signed_in.status_code == 302 and signed_in["Location"] == EDIT
    page = browser.get(EDIT)
    assert page.status_code == 200
    assert "We kept what you typed: check it and save again." in page.content.decode()
    form = page.context["form"]
    assert form.is_bound and form["text"].value() == TYPED
    assert form["version"].value() == "1"
    assert not form.errors
    # Not saved: the officer checks and saves.
    assert Recommendation.objects.get(review=review, label="1").text == "Recommendation text 1"

    # Used once: the page opens as usual next time.
    again = browser.get(EDIT)
    assert not again.context["form"].is_bound
    assert "We kept what you typed" not in again.content.decode()

    token = _field(again.content.decode(), "csrfmiddlewaretoken")
    saved = browser.post(
        EDIT, {"csrfmiddlewaretoken": token, "label": "1", "text": TYPED, "version": "1"}
    )
    assert saved.status_code == 302
    assert Recommendation.objects.get(review=review, label="1").text == TYPED


def test_an_edit_made_meanwhile_is_still_a_conflict(officer, review):
    browser, _ = _expired_post(officer)
    rec = Recommendation.objects.get(review=review, label="1")
    rec.text, rec.version = "Someone else's wording.", 2
    rec.save()
    _sign_in(browser, officer.username)
    page = browser.get(EDIT)
    assert page.context["form"]["version"].value() == "1"  # what the officer had loaded
    token = _field(page.content.decode(), "csrfmiddlewaretoken")
    data = {"csrfmiddlewaretoken": token, "label": "1", "text": TYPED, "version": "1"}
    conflict = browser.post(EDIT, data)
    assert conflict.status_code == 200
    assert "Someone else changed this recommendation" in conflict.content.decode()
    assert Recommendation.objects.get(pk=rec.pk).text == "Someone else's wording."


def test_someone_else_signing_in_on_that_browser_never_sees_it(officer, review):
    other = _user("oona-officer", SCRUTINY_OFFICERS)
    browser, _ = _expired_post(officer)
    _sign_in(browser, other.username)
    page = browser.get(EDIT)
    assert not page.context["form"].is_bound
    assert TYPED not in page.content.decode()
    assert kept_forms.SESSION_KEY not in browser.session  # dropped, not waiting for the owner


def test_it_comes_back_only_on_its_own_page_and_within_an_hour(officer, review):
    browser, _ = _expired_post(officer)
    _sign_in(browser, officer.username)
    other_form = browser.get("/reviews/r/recommendations/2/edit/")
    assert not other_form.context["form"].is_bound
    assert kept_forms.SESSION_KEY in browser.session  # still there for its own page
    later = time.time() + kept_forms.MAX_AGE_SECONDS + 1
    with mock.patch("recommendations.kept_forms.time.time", return_value=later):
        page = browser.get(EDIT)
    assert not page.context["form"].is_bound
    assert kept_forms.SESSION_KEY not in browser.session


def test_what_is_never_kept(officer, review):
    browser, _ = _expired_post(officer, new_password1="hunter2-secret", api_key="k")
    kept = browser.session[kept_forms.SESSION_KEY]
    names = {name for name, _ in kept["fields"]}
    assert names == {"label", "text", "version"}  # no token, no owner, nothing password-like
    assert kept["path"] == EDIT

    # Too much to keep in a session: nothing is kept, sign-in as usual.
    browser, response = _expired_post(officer, text="x" * (kept_forms.MAX_BYTES + 1))
    assert response.status_code == 302
    assert kept_forms.SESSION_KEY not in browser.session

    # A form that is not a form page's (no owner, or a forged one) is not kept.
    browser, _ = _expired_post(officer, typed_by="1:forged")
    assert kept_forms.SESSION_KEY not in browser.session


def test_a_post_that_fails_the_csrf_check_keeps_nothing(officer, review):
    """Another site cannot plant text in someone's form by posting to it."""
    browser = Client(enforce_csrf_checks=True)
    data = {"typed_by": kept_forms.owner_token(officer), "text": "Planted.", "version": "1"}
    response = browser.post(EDIT, data)
    assert response.status_code == 403
    assert kept_forms.SESSION_KEY not in browser.session


def test_the_appendix_layout_form_is_kept_too(officer, review):
    path = "/reviews/r/appendix/settings/"
    browser, response = _expired_post(officer, path, layout="hackney")
    assert response.status_code == 302
    _sign_in(browser, officer.username, path)
    page = browser.get(path)
    assert page.context["form"]["layout"].value() == "hackney"


def test_the_rounds_page_comes_back_filled_too(officer, review):
    report = review.update_reports.get()
    path = f"/reviews/r/update-reports/{report.pk}/enter/"
    rec = review.recommendations.get(label="2")
    before = rec.updates.count()
    typed = {f"rec-{rec.pk}-text": TYPED, f"rec-{rec.pk}-status": "implemented"}
    browser, response = _expired_post(officer, path, **typed)
    assert response.status_code == 302
    _sign_in(browser, officer.username, path)
    page = browser.get(path)
    row = next(form for form in page.context["rows"] if form.row.recommendation == rec)
    assert row["text"].value() == TYPED and row["status"].value() == "implemented"
    assert not page.context["has_errors"]
    assert "We kept what you typed" in page.content.decode()
    assert rec.updates.count() == before


def test_a_leads_update_comes_back_filled_too(officer, review):
    from recommendations import update_requests
    from recommendations.models import Person, RequestedUpdate, UpdateReport

    person = review.recommendations.get(label="2").leads.get().person
    person.email = "lead@example.org"
    person.save()
    report = UpdateReport.objects.create(review=review, title="Next round")
    (sent,) = update_requests.send(report=report, due_on=dt.date.today(), user=officer).requests
    lead = Person.objects.get(pk=person.pk).user
    lead.set_password(PASSWORD)
    lead.save()
    rec = review.recommendations.get(label="2")
    path = sent.get_absolute_url()
    typed = {"recommendation": str(rec.pk), "action": "submit", f"rec-{rec.pk}-text": TYPED}
    browser, response = _expired_post(lead, path, **typed)
    assert response.status_code == 302
    _sign_in(browser, lead.username, path)
    page = browser.get(path)
    row = next(form for form in page.context["rows"] if form.row.row.recommendation == rec)
    assert row["text"].value() == TYPED and not row.errors
    assert "We kept what you typed" in page.content.decode()
    assert not RequestedUpdate.objects.exists()
