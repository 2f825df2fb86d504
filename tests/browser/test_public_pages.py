"""An officer publishes Hackney's review; anyone, signed out, reads its public pages on a
desktop and on a phone (390 px): axe-core and the Nu HTML checker find nothing, and nothing
scrolls sideways. Screenshots land in test-artifacts/public-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.browser.conftest import assert_accessible, screenshot, sign_in
from tests.browser.test_every_page_on_a_phone import MEASURE, PHONE
from tests.html_checker import assert_valid_html

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "hackney-school-exclusions"
PUBLIC = [
    "/public/",
    f"/public/reviews/{SLUG}/",
    f"/public/reviews/{SLUG}/appendix/",
    # The appendix PDF's progress page: publishing queued its render, which no worker runs here.
    f"/public/reviews/{SLUG}/appendix/pdf/",
]


def test_an_officer_publishes_and_anyone_reads_it_on_a_desktop_and_a_phone(
    page: Page, browser: Browser, live_server, officer, demo_data
):
    sign_in(page, officer.username)
    page.goto(f"/reviews/{SLUG}/")
    expect(page.get_by_text("Not published")).to_be_visible()
    page.get_by_role("link", name="Publish…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publish")
    assert_accessible(page)
    screenshot(page, "public-publish-confirmation")
    served = {page.url: page.content()}
    page.get_by_role("button", name="Yes, publish it").click()
    expect(page.get_by_text("The review is published")).to_be_visible()
    expect(page.get_by_role("link", name="its public page")).to_be_visible()

    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    for width, viewport in [("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)]:
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        visitor = context.new_page()
        visitor.on("console", on_console)
        for path in PUBLIC:
            response = visitor.goto(path)
            assert response is not None and response.status == 200, path
            assert "public" in response.headers["cache-control"]
            served[path] = response.body()
            assert_accessible(visitor)
            if width == "phone":
                assert visitor.evaluate(MEASURE) == [], path
            name = path.strip("/").replace("/", "-").replace(SLUG, "hackney")
            screenshot(visitor, f"{name}-{width}")
        expect(visitor.get_by_role("link", name="Sign out")).to_have_count(0)
        assert context.cookies() == []  # no session, no CSRF cookie
        context.close()
        assert not errors, errors
    assert_valid_html(served)
