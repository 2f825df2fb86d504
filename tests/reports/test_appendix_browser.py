"""The appendix page in headless Chromium: a screenshot to look at, and axe-core."""

import pytest

from tests.browser.conftest import assert_accessible, browser, page, screenshot, sign_in  # noqa: F401
from tests.reports.conftest import BUCKS, HACKNEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("slug", [HACKNEY, BUCKS])
def test_appendix_page_reads_well_and_passes_axe(page, layouts, clerk, slug):  # noqa: F811
    sign_in(page, clerk.username)
    page.goto(f"/reviews/{slug}/appendix/")
    assert page.get_by_role("columnheader").first.is_visible()
    assert page.get_by_role("link", name="PDF").is_visible()
    screenshot(page, f"appendix-{slug}")
    assert_accessible(page)


def test_recommendation_table_page_passes_axe(page, layouts, member):  # noqa: F811
    sign_in(page, member.username)
    page.goto("/recommendations/?decision=agreed")
    assert page.get_by_role("button", name="Filter").is_visible()
    screenshot(page, "recommendation-list")
    assert_accessible(page)
