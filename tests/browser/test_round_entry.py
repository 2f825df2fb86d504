"""Issue 12's goal, in a real browser: Hackney's 18 progress updates (Appendix A, December 2022)
entered on one page, 18 rows filled and one "Save all", instead of a form per update."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from recommendations.demo import demo_files, load_review_document, read_document
from recommendations.models import ProgressUpdate, UpdateReport
from tests.browser.conftest import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

HACKNEY = "/reviews/hackney-school-exclusions/"


@pytest.fixture
def hackney_without_updates() -> dict[str, dict]:
    """Hackney's review as the demo has it, but its update report still a draft with no
    updates in it; returns the updates the papers printed, by recommendation label."""
    path = next(p for p in demo_files() if p.name.startswith("hackney"))
    doc = read_document(path)
    printed = {}
    for rec in doc["recommendations"]:
        (printed[rec["label"]],) = rec.pop("updates")
    for report in doc["update_reports"]:
        report["is_final"] = False
    load_review_document(doc)
    return printed


def test_an_officer_enters_the_18_hackney_updates_on_one_page(
    page: Page, officer, hackney_without_updates
):
    printed = hackney_without_updates
    assert len(printed) == 18
    sign_in(page, officer.username)
    page.goto(HACKNEY)
    page.get_by_role("link", name="Enter this round’s updates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter this round’s updates")
    expect(page.locator("#round-summary")).to_contain_text("0 of 18 have an update in this round")
    expect(page.get_by_label("Progress as at")).to_have_value("2022-12-01")
    assert_accessible(page)
    screenshot(page, "round-entry-empty")

    for label, update in printed.items():
        page.get_by_label(f"Progress update (recommendation {label})").fill(update["text"].strip())
        page.get_by_label(f"Status (recommendation {label})").select_option(update["status"])
    page.get_by_role("button", name="Save all").first.click()

    expect(page.get_by_text("18 updates saved")).to_be_visible()
    expect(page.locator("#round-summary")).to_contain_text("18 of 18 have an update in this round")
    report = UpdateReport.objects.get(review__slug="hackney-school-exclusions")
    saved = {u.recommendation.label: u for u in ProgressUpdate.objects.filter(report=report)}
    assert len(saved) == 18
    for label, update in printed.items():
        assert saved[label].text.replace("\r\n", "\n") == update["text"].strip()
        assert saved[label].status == update["status"]
        assert (saved[label].as_at, saved[label].as_at_precision) == (dt.date(2022, 12, 1), "month")
    assert_accessible(page)
    screenshot(page, "round-entry-saved")

    # 390 px wide (a phone): no sideways scrolling of the page.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    screenshot(page, "round-entry-390")


def test_a_row_with_a_problem_is_shown_beside_it_and_nothing_is_saved(
    page: Page, officer, hackney_without_updates
):
    sign_in(page, officer.username)
    report = UpdateReport.objects.get(review__slug="hackney-school-exclusions")
    page.goto(f"{HACKNEY}update-reports/{report.pk}/enter/")
    page.get_by_label("Progress update (recommendation 1)").fill("Fine.")
    page.get_by_label("Status (recommendation 2)").select_option("implemented")  # but no text
    page.get_by_role("button", name="Save all").first.click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Nothing was saved.")
    expect(summary).to_contain_text("Recommendation 2: Enter the progress update.")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Progress update (recommendation 1)")).to_have_value("Fine.")
    assert not ProgressUpdate.objects.filter(report=report).exists()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "round-entry-errors-390")
