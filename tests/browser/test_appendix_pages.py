"""The appendix page in headless Chromium: a screenshot to look at, and axe-core."""

import pytest

from tests.browser.conftest import assert_accessible, screenshot, sign_in
from tests.reports.conftest import BUCKS, HACKNEY

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("slug", [HACKNEY, BUCKS])
def test_appendix_page_reads_well_and_passes_axe(page, demo_data, clerk, slug):
    sign_in(page, clerk.username)
    page.goto(f"/reviews/{slug}/appendix/")
    assert page.get_by_role("columnheader").first.is_visible()
    assert page.get_by_role("link", name="PDF").is_visible()
    screenshot(page, f"appendix-{slug}")
    assert_accessible(page)


def test_recommendation_table_page_passes_axe(page, demo_data, member):
    sign_in(page, member.username)
    page.goto("/recommendations/?decision=agreed")
    assert page.get_by_role("button", name="Filter").is_visible()
    screenshot(page, "recommendation-list")
    assert_accessible(page)
