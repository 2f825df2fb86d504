"""The session expires while an officer types: in a real browser, sending the form leads to
sign-in, and signing in brings the form back with what was typed, unsaved, to save again."""

import pytest
from playwright.sync_api import Page, expect

from recommendations.models import ProgressUpdate
from tests.browser.conftest import assert_accessible, screenshot, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

NEW_UPDATE = "/reviews/hackney-school-exclusions/recommendations/3/updates/new/"
TYPED = "Charter signed by 40 schools <b>&</b> the rest by July.\nSecond paragraph."


def test_what_was_typed_survives_the_session_expiring(page: Page, officer, demo_data):
    sign_in(page, officer.username)
    page.goto(NEW_UPDATE)
    # The session expires as the officer types: the browser drops its cookie. The CSRF
    # cookie lives on, as it does (a year against two hours).
    page.context.clear_cookies(name="sessionid")
    page.get_by_label("Progress update", exact=True).fill(TYPED)
    page.get_by_label("Status", exact=True).select_option(label="Implemented")
    page.get_by_label("Timescale").fill("Summer term 2024")
    page.get_by_role("button", name="Add update").click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("the form comes back with what you typed")).to_be_visible()
    assert not ProgressUpdate.objects.filter(text__startswith="Charter signed").exists()
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Add progress update")
    expect(page.get_by_text("We kept what you typed: check it and save again.")).to_be_visible()
    expect(page.get_by_label("Progress update", exact=True)).to_have_value(TYPED)
    expect(page.get_by_label("Status", exact=True)).to_have_value("implemented")
    expect(page.get_by_label("Timescale")).to_have_value("Summer term 2024")
    assert not ProgressUpdate.objects.filter(text__startswith="Charter signed").exists()
    assert_accessible(page)
    screenshot(page, "session-expired-form-kept")

    page.get_by_role("button", name="Add update").click()
    expect(page.get_by_text("Progress update added.")).to_be_visible()
    saved = ProgressUpdate.objects.get(text__startswith="Charter signed")
    assert saved.text.replace("\r\n", "\n") == TYPED
    assert saved.status == "implemented"
