"""Issue 12, "Finalising, and changing one's mind", in a real browser: an officer makes a round
final with three recommendations not updated, is asked why, and later reopens it."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from recommendations.models import ProgressUpdate, Recommendation, UpdateReport
from tests.browser.conftest import assert_accessible, screenshot, sign_in
from tests.html_checker import assert_valid_html

pytestmark = pytest.mark.django_db(transaction=True)

HACKNEY = "/reviews/hackney-school-exclusions/"
NOT_UPDATED = ["4", "9", "14"]
REASON = "The leads for 4, 9 and 14 were on leave; their updates follow at the March meeting."


@pytest.fixture
def round_with_gaps(demo_data) -> UpdateReport:
    """Hackney's next round, as at December 2023: 15 of its 18 recommendations updated."""
    review_recs = Recommendation.objects.filter(review__slug="hackney-school-exclusions")
    report = UpdateReport.objects.create(
        review=review_recs.first().review, title="Twelve month update",
        as_at=dt.date(2023, 12, 1), as_at_precision="month",
    )  # fmt: skip
    for rec in review_recs.filter(parts=None).exclude(label__in=NOT_UPDATED):
        ProgressUpdate.objects.create(
            recommendation=rec, report=report, as_at=dt.date(2023, 12, 1),
            as_at_precision="month", text=f"Twelve month progress on {rec.label}.",
        )  # fmt: skip
    return report


def test_finalising_with_gaps_asks_why_and_reopening_is_recorded(
    page: Page, officer, round_with_gaps
):
    report = round_with_gaps
    sign_in(page, officer.username)
    page.goto(f"{HACKNEY}update-reports/{report.pk}/")
    page.get_by_role("link", name="Make this report final").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Make “Twelve month update” final")
    expect(page.locator("#finalise-summary")).to_have_text(
        "15 of 18 recommendations have an update in this round."
    )
    gaps = page.get_by_role("region", name="No new update this round (3)")
    for label in NOT_UPDATED:
        expect(gaps.get_by_role("link", name=f"Recommendation {label}", exact=True)).to_be_visible()
    expect(gaps).to_contain_text("latest update as at December 2022")

    # Confirming without saying why is refused, beside the reason.
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Make this report final").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#id_finalised_with_gaps_reason_error")).to_contain_text(
        "3 recommendations have no update in this round (4, 9, 14)."
    )
    report.refresh_from_db()
    assert not report.is_final
    assert_accessible(page)
    # What the server sent, not the DOM the browser built from it.
    served = {"finalise, reason missing": refused.value.body()}
    screenshot(page, "finalise-with-gaps-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    screenshot(page, "finalise-with-gaps-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("Why is the report final without these updates?").fill(REASON)
    with page.expect_navigation() as final:
        page.get_by_role("button", name="Make this report final").click()
    expect(page.get_by_text("This report is final: made final on")).to_be_visible()
    expect(page.get_by_role("region", name="No new update this round (3)")).to_contain_text(REASON)
    expect(page.get_by_role("link", name="Edit update report")).to_have_count(0)
    served["report, final with gaps"] = final.value.body()
    assert_accessible(page)
    report.refresh_from_db()
    assert report.is_final and report.finalised_with_gaps_reason == REASON

    # The appendix for this report says the same.
    page.goto(f"{HACKNEY}appendix/?report={report.pk}")
    expect(page.locator(".round-note")).to_contain_text(REASON)
    row = page.locator("tr", has_text="Twelve month progress on 3.")
    expect(row).to_have_count(1)
    expect(page.get_by_text("No new update this round.", exact=True)).to_have_count(3)

    page.goto(f"{HACKNEY}update-reports/{report.pk}/")
    page.get_by_role("link", name="Reopen this report").click()
    page.get_by_label("Why are you reopening it?").fill("Recommendation 9's update arrived.")
    with page.expect_navigation() as reopened:
        page.get_by_role("button", name="Reopen the report").click()
    expect(page.get_by_text("is reopened")).to_be_visible()
    history = page.get_by_role("region", name="Made final and reopened")
    expect(history).to_contain_text(f"Made final by {officer.username} on")
    expect(history).to_contain_text(f"Reopened by {officer.username} on")
    expect(history).to_contain_text("Recommendation 9's update arrived.")
    served["report, reopened"] = reopened.value.body()
    assert_accessible(page)
    screenshot(page, "finalise-reopened")
    assert_valid_html(served)
