"""A commission member reads the demo reviews in a real browser."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_login_page_is_accessible(page: Page):
    page.goto("/reviews/")
    expect(page).to_have_url("/accounts/login/?next=/reviews/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page)


def test_a_wrong_password_gets_a_clear_message(page: Page, member):
    sign_in(page, member.username, "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("did not match")
    assert_accessible(page)


def test_a_member_reads_a_review_and_a_recommendation(page: Page, member, demo_data):
    sign_in(page, member.username)
    expect(page).to_have_url("/")  # the dashboard
    page.get_by_role("link", name="Reviews", exact=True).click()
    expect(page).to_have_url("/reviews/")
    expect(page.get_by_role("link", name="Reducing School Exclusions")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "review-list")

    page.get_by_role("link", name="Reducing School Exclusions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reducing School Exclusions")
    for label in range(1, 19):
        expect(page.get_by_role("link", name=f"Recommendation {label}", exact=True)).to_be_visible()
    expect(page.get_by_text("Nick Wilson", exact=True)).to_be_visible()
    expect(page.locator(".card").get_by_text("Partly agreed").first).to_be_visible()
    expect(page.get_by_text("Latest update, as at December 2022").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "review-hackney")

    page.get_by_role("link", name="Recommendation 5", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 5")
    expect(page.get_by_role("heading", name="Progress updates")).to_be_visible()
    expansion = "There has been a full expansion of the Re-engagement Unit"
    expect(page.get_by_text(expansion)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "recommendation-hackney-5")


def test_parts_and_timescales_read_well(page: Page, member, demo_data):
    sign_in(page, member.username)
    page.goto("/reviews/buckinghamshire-permanent-exclusions/")
    expect(page.get_by_role("link", name="Recommendation 2b", exact=True)).to_be_visible()
    expect(page.locator(".card").get_by_text("Not stated").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "review-buckinghamshire")
    page.goto("/reviews/east-sussex-school-exclusions/")
    # One timescale per line, as the paper prints them.
    timescale = page.locator(".card p", has_text="Ongoing (termly)").first
    expect(timescale).to_contain_text("Ongoing (termly)January-March 2025")
    assert "Ongoing (termly)<br>January-March 2025" in timescale.inner_html()
    assert_accessible(page)
    page.goto("/reviews/buckinghamshire-permanent-exclusions/recommendations/2b/")
    assert_accessible(page)


def test_the_skip_link_is_the_first_stop_and_visible_on_focus(page: Page, member, demo_data):
    sign_in(page, member.username)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
