"""Issue 12, "The committee's view", in a real browser: after the meeting of 16 January 2023
that considered Hackney's December 2022 round, an officer records the committee's verdict on
each of the 18 updates on one page, then reads it in the appendix and on the dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from recommendations.models import CommitteeVerdict, ProgressUpdate, UpdateReport
from tests.browser.conftest import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

HACKNEY = "/reviews/hackney-school-exclusions/"
ASKS = "The lead officer to attend the next meeting with the annual exclusions report."


def test_an_officer_records_the_committees_view_of_a_hackney_round(page: Page, officer, demo_data):
    report = UpdateReport.objects.get(review__slug="hackney-school-exclusions")
    updates = {
        u.recommendation.label: u
        for u in ProgressUpdate.objects.filter(report=report).select_related("recommendation")
    }
    assert len(updates) == 18 and updates["1"].status == "implemented"

    sign_in(page, officer.username)
    page.goto(HACKNEY)
    page.get_by_role(
        "link", name="Record the committee's view at the meeting of 16 January 2023"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The committee's view")
    expect(page.locator("#verdict-summary")).to_contain_text("0 of 18 updates have")

    def row(label: str):
        return page.locator(f"#update-{updates[label].pk}")

    # The executive's status beside each row's choices.
    expect(row("1").locator(".tag--status-implemented")).to_have_text("Status: Implemented")
    assert_accessible(page)
    screenshot(page, "verdicts-empty")

    # Not satisfied, but nothing said about what the committee asks for: refused, nothing saved.
    row("1").get_by_label("Not satisfied").check()
    row("2").get_by_label("Satisfied: close or stop monitoring").check()
    page.get_by_role("button", name="Save all").first.click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Nothing was saved.")
    expect(summary).to_contain_text("Recommendation 1: Say what the committee asks for")
    expect(summary).to_be_focused()
    expect(row("2").get_by_label("Satisfied: close or stop monitoring")).to_be_checked()
    assert not CommitteeVerdict.objects.exists()
    assert_accessible(page)
    screenshot(page, "verdicts-error")

    row("1").get_by_label("What the committee asks for").fill(ASKS)
    row("1").get_by_label("Comment").fill("Members were not assured the report is **annual**.")
    for label in updates:
        if label not in {"1", "2"}:
            row(label).get_by_label("Acceptable progress: keep monitoring").check()
    page.get_by_role("button", name="Save all").last.click()

    expect(page.get_by_text("18 verdicts saved.")).to_be_visible()
    expect(page.locator("#verdict-summary")).to_contain_text("18 of 18 updates have")
    saved = {v.update.recommendation.label: v for v in CommitteeVerdict.objects.all()}
    assert len(saved) == 18
    assert (saved["1"].verdict, saved["1"].asks) == ("not_satisfied", ASKS)
    assert saved["2"].verdict == "satisfied" and saved["3"].verdict == "acceptable"
    assert {v.meeting_id for v in saved.values()} == {report.meeting_id}
    assert_accessible(page)
    screenshot(page, "verdicts-saved")

    # 390 px wide (a phone): no sideways scrolling of the page.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    screenshot(page, "verdicts-390")

    # Beside the update in the appendix.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(HACKNEY + "appendix/")
    verdict = page.locator(".appendix-verdict--not_satisfied")
    expect(verdict).to_contain_text("Committee's view: Not satisfied (meeting of 16 January 2023)")
    expect(verdict).to_contain_text(ASKS)
    assert_accessible(page)
    screenshot(page, "verdicts-appendix")

    # The dashboard's figure leads to exactly that recommendation.
    page.goto("/")
    figure = page.locator(".figure--disputed")
    expect(figure).to_contain_text("1")
    screenshot(page, "verdicts-dashboard")
    figure.get_by_role("link").click()
    expect(page.get_by_role("heading", name="1 recommendation")).to_be_visible()
    expect(page.get_by_role("link", name="1", exact=True)).to_be_visible()
    expect(page.get_by_label("Executive and committee")).to_have_value("yes")
    assert_accessible(page)
