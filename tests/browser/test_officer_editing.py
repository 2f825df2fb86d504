"""Officers keep progress up to date in a real browser; members cannot change anything."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from recommendations.models import ProgressUpdate, Recommendation, UpdateReport
from recommendations.roles import SCRUTINY_OFFICERS
from tests.browser.conftest import assert_accessible, screenshot, sign_in
from tests.conftest import _user

pytestmark = pytest.mark.django_db(transaction=True)

HACKNEY = "/reviews/hackney-school-exclusions/"
REC3 = HACKNEY + "recommendations/3/"


def test_an_officer_adds_a_progress_update(page: Page, officer, demo_data):
    sign_in(page, officer.username)
    page.goto(REC3)
    page.get_by_role("link", name="Add progress update").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add progress update")
    assert_accessible(page)
    screenshot(page, "officer-update-form")

    # Nothing typed: the error summary takes focus and links to the field.
    page.get_by_role("button", name="Add update").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter the progress update.")
    expect(summary).to_be_focused()
    assert_accessible(page)
    screenshot(page, "officer-update-form-errors")
    summary.get_by_role("link", name="Enter the progress update.").click()
    expect(page.get_by_label("Progress update", exact=True)).to_be_focused()

    page.get_by_label("Progress update", exact=True).fill("Inclusion charter signed by 40 schools.")
    page.get_by_label("Status", exact=True).select_option(label="Implemented")
    page.get_by_label("Timescale").fill("Summer term 2024")
    page.get_by_role("button", name="Add update").click()

    # The fragment of the error-summary link survives the redirect, as browsers do.
    expect(page).to_have_url(re.compile(re.escape(REC3) + "(#id_text)?$"))
    expect(page.get_by_text("Progress update added.")).to_be_visible()
    expect(page.get_by_text("Inclusion charter signed by 40 schools.").first).to_be_visible()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "officer-recommendation-after-update")

    page.goto(HACKNEY)
    expect(page.get_by_text("Inclusion charter signed by 40 schools.")).to_be_visible()


def test_a_member_sees_no_edit_links_and_gets_403_on_a_post(page: Page, member, demo_data):
    sign_in(page, member.username)
    page.goto(REC3)
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 3")
    expect(page.get_by_role("link", name="Add progress update")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit recommendation")).to_have_count(0)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    before = ProgressUpdate.objects.count()
    response = page.request.post(
        REC3 + "updates/new/",
        form={"as_at": "2024-01-01", "status": "in_progress", "text": "Sneaky."},
        headers={"X-CSRFToken": token, "Referer": page.url},
    )
    assert response.status == 403
    assert ProgressUpdate.objects.count() == before
    # Through the API, not page.goto: Chromium logs any 4xx navigation as a console error.
    refused = page.request.get(REC3 + "updates/new/")
    assert refused.status == 403
    assert "You cannot do that" in refused.text()


def test_two_officers_editing_at_once_keeps_the_first_save(
    browser: Browser, page: Page, live_server, officer, demo_data
):
    second_user = _user("oliver-officer", SCRUTINY_OFFICERS)
    other = browser.new_context(base_url=live_server.url)
    second = other.new_page()
    try:
        sign_in(page, officer.username)
        sign_in(second, second_user.username)
        edit = REC3 + "edit/"
        page.goto(edit)
        second.goto(edit)
        page.get_by_label("Recommendation text").fill("First officer's wording.")
        second.get_by_label("Recommendation text").fill("Second officer's wording.")
        page.get_by_role("button", name="Save recommendation").click()
        expect(page).to_have_url(REC3)
        second.get_by_role("button", name="Save recommendation").click()
        expect(second.get_by_role("alert")).to_contain_text("Someone else changed this")
        expect(second.get_by_label("Recommendation text")).to_have_value(
            "Second officer's wording."
        )
        # Their wording is shown twice: as the field they changed, and as the saved version.
        expect(second.get_by_role("cell", name="First officer's wording.")).to_be_visible()
        expect(second.locator(".conflict .prose")).to_contain_text("First officer's wording.")
        assert_accessible(second)
        screenshot(second, "officer-edit-conflict")
        rec = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="3")
        assert rec.text == "First officer's wording."
    finally:
        other.close()


def test_a_finalised_reports_updates_cannot_be_changed(page: Page, officer, demo_data):
    rec = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="3")
    report = UpdateReport.objects.create(review=rec.review, title="Round three", as_at="2024-01-31")
    update = ProgressUpdate.objects.create(
        recommendation=rec, report=report, as_at="2024-01-31", text="Original wording."
    )
    sign_in(page, officer.username)
    page.goto(HACKNEY + f"update-reports/{report.pk}/")
    page.get_by_role("link", name="Make this report final").click()
    # Only recommendation 3 has an update in this round: finalising asks why.
    page.get_by_label("Why is the report final without these updates?").fill("A short round.")
    page.get_by_role("button", name="Make this report final").click()
    expect(page.get_by_text("This report is final")).to_be_visible()
    assert_accessible(page)

    page.goto(REC3)
    item = page.locator(f"#update-{update.pk}")
    expect(item.get_by_role("link", name="Edit this update")).to_have_count(0)
    refused = page.request.get(REC3 + f"updates/{update.pk}/edit/")
    assert refused.status == 403 and "part of a final report" in refused.text()

    page.goto(REC3)
    page.locator(f"#update-{update.pk}").get_by_role("link", name="Correct this update").click()
    page.get_by_label("Progress update", exact=True).fill("Corrected wording.")
    page.get_by_role("button", name="Add correction").click()
    expect(page.get_by_text("Corrected wording.").first).to_be_visible()
    expect(page.get_by_text("Original wording.").first).to_be_visible()
    update.refresh_from_db()
    assert update.text == "Original wording."


def test_a_script_in_an_update_does_not_run(page: Page, officer, demo_data):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, officer.username)
    page.goto(REC3 + "updates/new/")
    page.get_by_label("Progress update", exact=True).fill(
        "<script>alert('x')</script> <img src=x onerror=alert(2)> [link](javascript:alert(3)) Safe."
    )
    page.get_by_role("button", name="Add update").click()
    expect(page).to_have_url(REC3)
    expect(page.get_by_text("Safe.").first).to_be_visible()
    page.goto(HACKNEY)
    page.goto(REC3)
    assert dialogs == []
    assert page.locator("main script").count() == 0


def test_an_officer_records_the_committee_closing_and_then_reopening_it(
    page: Page, officer, demo_data
):
    sign_in(page, officer.username)
    page.goto(REC3)
    page.get_by_role("link", name="Close (committee decision)").click()
    page.get_by_label("Meeting that decided to close it").select_option(index=1)
    page.get_by_label("Reason").fill("The charter is in place.")
    page.get_by_label("Evidence").fill("Minute 7.")
    page.get_by_role("button", name=re.compile("Close")).click()
    expect(page.get_by_role("heading", name="Closed by the committee")).to_be_visible()

    page.get_by_role("link", name="Reopen (committee decision)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reopen")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Reopen")).click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the reason for reopening it.")
    page.get_by_label("Meeting that decided to reopen it").select_option(index=1)
    page.get_by_label("Reason").fill("Exclusions rose again in the autumn term.")
    screenshot(page, "officer-reopen-form")
    page.get_by_role("button", name=re.compile("Reopen")).click()

    expect(page).to_have_url(re.compile(re.escape(REC3) + "$"))
    expect(page.get_by_text("The recommendation is reopened.")).to_be_visible()
    expect(page.get_by_role("heading", name="Reopened by the committee")).to_be_visible()
    expect(page.get_by_role("heading", name="Closed by the committee")).to_have_count(0)
    expect(page.get_by_role("link", name="Close (committee decision)")).to_be_visible()
    expect(page.get_by_text("Exclusions rose again in the autumn term.").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "officer-recommendation-reopened")
    record = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="3")
    assert record.closed_at_meeting_id is None and record.reopened_at_meeting_id is not None
    assert record.history.filter(closed_reason="The charter is in place.").exists()
