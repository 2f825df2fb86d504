"""The API's docs run in a browser under the Content-Security-Policy with the app's own files
(any CSP violation is a console error, which fails the test), and the token page makes a key
and revokes it."""

from __future__ import annotations

import pytest

from recommendations import services
from tests.browser.conftest import sign_in
from tests.conftest import ARTIFACTS
from tests.factories import make_review

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_shows_the_endpoints_and_tries_one(page, officer):
    review = make_review(slug="open", recommendations=2)
    review.update_reports.update(is_final=True)
    services.review_publish(review=review, expected_version=review.version, user=officer)
    page.goto("/api/v1/docs/")
    page.locator(".opblock-summary-path", has_text="/api/v1/recommendations/").first.wait_for()
    assert page.locator(".opblock").count() >= 14
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
    response = page.request.get("/api/v1/recommendations/?format=json")
    assert response.json()["count"] == 2


def test_an_officer_makes_a_key_it_is_shown_once_and_revoked(page, officer, member):
    sign_in(page, officer.username)
    page.goto("/api-tokens/")
    page.get_by_label("For whom").select_option(label=member.username)
    page.get_by_label("What it is for").fill("Power BI dashboard")
    page.get_by_role("button", name="Make the token").click()
    key = page.locator(".token-key").inner_text()
    assert key.startswith("st_")
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.screenshot(path=str(ARTIFACTS / "api-token-made.png"), full_page=True)
    api = page.request.get("/api/v1/reviews/", headers={"Authorization": f"Bearer {key}"})
    assert api.ok
    page.goto("/api-tokens/")
    assert key not in page.content()
    page.get_by_role("button", name="Revoke “Power BI dashboard”").click()
    assert "Revoked" in page.locator("table").inner_text()
    refused = page.request.get(
        "/api/v1/reviews/", headers={"Authorization": f"Bearer {key}", "Cookie": ""}
    )
    assert refused.status == 401
