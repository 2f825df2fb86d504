"""A progress update posted while the database is down: the 503 page in a real browser shows
what was typed (no CSP violation, no axe-core violation), and its "Try again" button saves it
once the database is back, passing CSRF with the same session."""

from collections.abc import Iterator
from unittest import mock

import pytest
from django.db import OperationalError
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from recommendations.models import ProgressUpdate
from tests.browser.conftest import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NEW_UPDATE = "/reviews/hackney-school-exclusions/recommendations/3/updates/new/"


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """The shared page fixture, except that the 503 itself is expected: any other console
    error (a CSP violation included) still fails the test."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "status of 503" not in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


TYPED = 'Charter signed by 40 schools <script>alert("x")</script>\nSecond paragraph & more.'


def test_a_form_posted_during_an_outage_can_be_sent_again(page: Page, officer, demo_data):
    sign_in(page, officer.username)
    page.goto(NEW_UPDATE)
    page.get_by_label("Progress update", exact=True).fill(TYPED)
    page.get_by_label("Status", exact=True).select_option(label="In progress")
    with mock.patch(
        "recommendations.services.progress_update_create",
        side_effect=OperationalError("server closed"),
    ):
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.get_by_role("button", name="Add update").click()
        assert posted.value.status == 503
        expect(page.get_by_role("heading", name="Your form was not saved")).to_be_visible()
        expect(page.get_by_label("text", exact=True)).to_have_value(TYPED)
        assert_accessible(page)
        screenshot(page, "outage-form-kept")
    assert not ProgressUpdate.objects.filter(text__startswith="Charter signed").exists()

    # The database is back.
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_text("Progress update added.")).to_be_visible()
    saved = ProgressUpdate.objects.filter(text__startswith="Charter signed")
    assert saved.count() == 1
    assert saved.get().text.replace("\r\n", "\n") == TYPED
