"""An officer marks a recommendation as a priority; a member sees it first on the dashboard and
in the table, with its badge, on a desktop and on a phone: all with axe-core."""

import re

import pytest
from playwright.sync_api import Page, expect

from recommendations.models import Recommendation
from tests.browser.conftest import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

REC3 = "/reviews/hackney-school-exclusions/recommendations/3/"
REASON = "Exclusions of children with SEND are rising faster than any other group."
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_an_officer_marks_a_priority_and_a_member_finds_it_first(
    page: Page, officer, member, demo_data
):
    sign_in(page, officer.username)
    page.goto(REC3)
    page.get_by_role("link", name="Mark as priority").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("as a priority")
    assert_accessible(page)
    page.get_by_role("button", name="Mark as a priority").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter why it is a priority.")
    page.get_by_label("Why it is a priority").fill(REASON)
    page.get_by_role("button", name="Mark as a priority").click()

    expect(page).to_have_url(re.compile(re.escape(REC3) + "$"))
    expect(page.locator(".tags .tag--priority")).to_have_text("Priority")
    expect(page.get_by_role("heading", name="A priority recommendation")).to_be_visible()
    expect(page.get_by_text("Marked as a priority", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Remove priority")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "priority-recommendation")
    assert Recommendation.objects.get(
        review__slug="hackney-school-exclusions", label="3"
    ).is_priority

    sign_in(page, member.username)
    panel = page.locator("section").filter(
        has=page.get_by_role("heading", name=re.compile("Open priority recommendations"))
    )
    expect(panel.get_by_role("link", name="Recommendation 3")).to_be_visible()
    expect(panel.get_by_text(REASON)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "priority-dashboard")
    panel.get_by_role("link", name="These in the table of recommendations").click()
    expect(page.get_by_role("heading", name="1 recommendation", exact=True)).to_be_visible()
    expect(page.get_by_label("Priority", exact=True)).to_have_value("open")
    assert_accessible(page)

    page.goto("/recommendations/")
    first = page.locator("table tbody tr").first
    expect(first.locator(".tag--priority")).to_have_text("Priority")
    expect(first.get_by_role("link", name="3", exact=True)).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in [(REC3, "phone-priority-recommendation"), ("/", "phone-priority-dashboard")]:
        page.goto(path)
        expect(page.locator(".tag--priority").first).to_be_visible()
        assert page.evaluate(NO_SIDEWAYS_SCROLL), path
        screenshot(page, name)
