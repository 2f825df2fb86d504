"""A member reads the annual report before writing the scrutiny annual report: the charts
have names and data tables, and a figure leads to the recommendations it counts."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_reads_the_annual_report_and_checks_a_figure(page: Page, member, demo_data):
    sign_in(page, member.username)
    page.get_by_role("link", name="Annual report").click()
    page.get_by_label("Year", exact=True).select_option(label="2021/22")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "All authorities: annual report 2021/22"
    )
    expect(
        page.get_by_role(
            "img",
            name="Share of agreed recommendations implemented, by years since the decision",
        )
    ).to_be_visible()
    expect(
        page.get_by_role(
            "img", name="Recommendations made in 2021/22 by latest status, per committee"
        )
    ).to_be_visible()
    expect(page.get_by_role("table", name="Cohorts by the year of the decision")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "annual-report")
    made = page.locator("table.annual-overall tr", has_text="Recommendations made")
    count = made.get_by_role("link").inner_text()
    made.get_by_role("link").click()
    expect(page.get_by_role("heading", name=f"{count} recommendations")).to_be_visible()

    # On a phone: no sideways scroll of the page (wide tables scroll in their own region).
    page.go_back()
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "annual-report-phone")
