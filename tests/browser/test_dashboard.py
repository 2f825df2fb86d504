"""A commission member reads the dashboard before a meeting, follows a figure to the table,
and checks the review's summary, what changed and the label meanings: all with axe-core."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from recommendations.models import ProgressUpdate, Recommendation
from tests.browser.conftest import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

HACKNEY = "/reviews/hackney-school-exclusions/"


def test_a_member_reads_the_dashboard_and_follows_its_figures(page: Page, member, demo_data):
    rec = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="3")
    ProgressUpdate.objects.create(
        recommendation=rec, as_at=dt.date(2024, 6, 1), status="implemented",
        text="The data is now **published** every term, with <b>markup</b> escaped.",
    )  # fmt: skip
    sign_in(page, member.username)
    expect(page).to_have_url("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Where things stand")
    expect(
        page.get_by_role("img", name="Reducing School Exclusions: recommendations by status")
    ).to_be_visible()
    expect(page.locator(".follow-ups").get_by_text("in the 2024/25 work programme")).to_be_visible()
    expect(page.get_by_role("heading", name="What the labels mean")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "dashboard")

    hackney = page.locator("section.review-summary").filter(has_text="Reducing School Exclusions")
    hackney.get_by_role("link", name="In progress: 15").click()
    expect(page.get_by_role("heading", name="15 recommendations")).to_be_visible()
    assert_accessible(page)

    page.goto(HACKNEY)
    expect(page.get_by_role("heading", name="Where things stand")).to_be_visible()
    expect(page.get_by_text("Last meeting's decision")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "review-summary-hackney")

    page.get_by_role("link", name="What changed since the last meeting").click()
    expect(page.get_by_role("heading", name="1 of 18 recommendations changed")).to_be_visible()
    expect(page.locator("ins").filter(has_text="Implemented")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "what-changed-hackney")

    page.get_by_role("link", name="What the labels mean").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What the labels mean")
    assert_accessible(page)
