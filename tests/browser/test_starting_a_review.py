"""An officer starts a review from the dashboard in a real browser (issue 12): chooses the
authority, sees the short name suggested from the title, adds a committee and a directorate on
the spot, saves; and merges a duplicate person."""

import pytest
from playwright.sync_api import Page, expect

from recommendations.models import Lead, Person, Review
from tests.browser.conftest import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _fits(page: Page) -> bool:
    """No sideways scrolling of the page itself."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_officer_starts_a_review_adding_a_committee_and_a_directorate(
    page: Page, officer, demo_data
):
    sign_in(page, officer.username)
    page.goto("/")
    page.get_by_role("link", name="Start a review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a review")
    page.get_by_label("Which authority's review is it?").select_option(
        label="East Sussex County Council"
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("East Sussex County Council").first).to_be_visible()

    # The short name follows the title as it is typed...
    slug = page.get_by_label("Short name for web addresses")
    title = page.get_by_label("Title", exact=True)
    title.press_sequentially("Exclusions from Primary Schools")
    expect(slug).to_have_value("exclusions-from-primary-schools")
    # ...until the officer writes their own, which then stays.
    slug.fill("primary-exclusions")
    title.fill("Exclusions from Primary Schools (2025)")
    expect(slug).to_have_value("primary-exclusions")

    committee = page.locator("details", has_text="Not listed? Add a committee")
    committee.get_by_text("Not listed? Add a committee").click()
    committee.get_by_label("Name of the committee").fill("People Scrutiny Committee")
    director = page.locator("details", has_text="Not listed? Add a director or directorate")
    director.get_by_text("Not listed? Add a director or directorate").click()
    director.get_by_label("Organisation (e.g. a directorate)").check()
    director.get_by_label("Name of the director or directorate").fill(
        "Children's Services Department"
    )
    page.get_by_label("Date reported (optional)").fill("2025-03-10")
    assert_accessible(page)
    screenshot(page, "start-review-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert _fits(page)
    screenshot(page, "start-review-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Create review").click()
    expect(page).to_have_url(f"{page.url.split('/reviews/')[0]}/reviews/primary-exclusions/")
    expect(page.get_by_text("Review created.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Exclusions from Primary Schools (2025)"
    )
    expect(page.get_by_text("People Scrutiny Committee")).to_be_visible()
    expect(page.get_by_text("Lead directorate")).to_be_visible()
    review = Review.objects.select_related("committee__authority", "lead_director").get(
        slug="primary-exclusions"
    )
    assert review.committee.authority.name == "East Sussex County Council"
    assert review.lead_director.kind == Person.Kind.ORGANISATION
    assert review.lead_director.authority == review.committee.authority
    screenshot(page, "start-review-saved")


def test_an_officer_merges_a_duplicate_person(page: Page, officer, demo_data):
    """Buckinghamshire's papers name Viv Trundell under two job titles: two records."""
    keep = Person.objects.get(name="Viv Trundell", job_title="Education Entitlement Manager")
    duplicate = Person.objects.get(
        name="Viv Trundell", job_title="Education Entitlement Manager and SEN Manager"
    )
    moved = set(Lead.objects.filter(person=duplicate).values_list("pk", flat=True))
    assert moved
    sign_in(page, officer.username)
    page.goto("/reviews/")
    page.get_by_role("link", name="Authorities and their people").click()
    page.get_by_role("link", name="People at Buckinghamshire County Council").click()
    row = page.get_by_role("row").filter(has_text="Education Entitlement Manager and SEN Manager")
    row.get_by_role("link", name="into someone else").click()
    page.get_by_label("Merge into").select_option(
        label="Viv Trundell, Education Entitlement Manager"
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="The record kept")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert _fits(page)
    screenshot(page, "merge-person-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "merge-person-1280")
    page.get_by_role(
        "button", name="Merge into Viv Trundell, Education Entitlement Manager"
    ).click()
    expect(
        page.get_by_text("merged into Viv Trundell, Education Entitlement Manager")
    ).to_be_visible()
    assert set(Lead.objects.filter(person=keep).values_list("pk", flat=True)) >= moved
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep
    expect(page.get_by_role("heading", name="Merged records")).to_be_visible()
