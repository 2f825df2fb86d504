"""An officer builds an appendix layout in the browser from fields: chooses, orders, hides and
renames columns, picks the header's fields and labels one as the paper does, titles the
appendix, previews it (the script refreshes the preview as they type; the "Preview" button
does without it) and saves. The layout built is the one tests/reports/test_layouts.py prints
in every format."""

import re

import pytest
from playwright.sync_api import Page, expect

from reports.layouts import FIELDS, HEADER_FIELDS
from reports.models import AppendixSettings
from tests.browser.conftest import assert_accessible, screenshot, sign_in
from tests.reports.test_layouts import (
    BUILT_COLUMNS,
    BUILT_HEADER,
    BUILT_HEADINGS,
    BUILT_NOTE,
    BUILT_PRESET,
    BUILT_TITLE,
    built_review,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _column(page: Page, key: str, *, place: int | None, heading: str = "") -> None:
    description = FIELDS[key].description
    show = page.get_by_label(f"Show {description}", exact=True)
    if place is None:
        show.uncheck()
        return
    show.check()
    page.get_by_label(f"Place of {description}", exact=True).fill(str(place))
    page.get_by_label(
        f"Heading of {description} (blank: “{FIELDS[key].heading}”)", exact=True
    ).fill(heading)


def test_an_officer_builds_a_layout_from_fields_and_it_prints(page, officer):
    review = built_review()
    sign_in(page, officer.username)
    page.goto(f"/reviews/{review.slug}/appendix/settings/")
    page.get_by_label("The appendix's title").fill(BUILT_TITLE)
    page.get_by_label("Preset").select_option(BUILT_PRESET)
    page.get_by_role("button", name="Start from this preset").click()
    preview = page.locator("#layout-preview")
    expect(preview.get_by_role("columnheader").first).to_have_text("Scrutiny Recommendation")

    for key in ["recommendation", "response", "timescale"]:
        _column(page, key, place=None)
    for place, (key, heading) in enumerate(BUILT_COLUMNS, start=1):
        _column(page, key, place=place, heading=heading)
    for key in BUILT_HEADER:
        page.get_by_label(HEADER_FIELDS[key].description, exact=True).check()
    page.get_by_label("Note in the header").fill(BUILT_NOTE)
    # A header field under the paper's label, as a column under its heading.
    page.get_by_label("Label of the review's title (blank: “Review”)", exact=True).fill(
        "Inquiry Title"
    )

    # The script refreshes the preview from the server as the form changes.
    expect(preview.get_by_role("columnheader")).to_have_text(BUILT_HEADINGS)
    expect(preview).to_contain_text(BUILT_NOTE)
    expect(preview.get_by_role("rowheader").first).to_have_text("Inquiry Title")
    screenshot(page, "appendix-layout-built")
    assert_accessible(page)
    assert not AppendixSettings.objects.filter(review=review).exists()  # nothing saved yet

    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/reviews/{review.slug}/appendix/$"))
    # The header block names the review, so the heading is the paper's title alone.
    expect(page.get_by_role("heading", level=1)).to_have_text(BUILT_TITLE)
    expect(page.locator(".appendix-table").get_by_role("columnheader")).to_have_text(BUILT_HEADINGS)
    screenshot(page, "appendix-built-layout")
    stored = AppendixSettings.objects.get(review=review)
    assert stored.layout == BUILT_PRESET
    assert stored.get_columns() == BUILT_COLUMNS
    assert (stored.get_header(), stored.note, stored.title) == (
        BUILT_HEADER,
        BUILT_NOTE,
        BUILT_TITLE,
    )
    assert stored.get_header_labels()["review_title"] == "Inquiry Title"


def test_without_the_script_the_preview_button_shows_the_change(browser, live_server, officer):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    review = built_review()
    sign_in(page, officer.username)
    page.goto(f"/reviews/{review.slug}/appendix/settings/")
    _column(page, "rag", place=1, heading="Rating")
    page.get_by_role("button", name="Preview").click()
    headings = page.locator("#layout-preview").get_by_role("columnheader")
    expect(headings.first).to_have_text("Recommendation")  # a tie keeps the form's order
    expect(headings.nth(1)).to_have_text("Rating")
    assert not AppendixSettings.objects.filter(review=review).exists()
    context.close()
