"""Rate limits from the settings (API_ANON_RATE, API_USER_RATE), counted in the cache."""

from __future__ import annotations

import pytest

from recommendations import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute"},
    }


def test_the_public_is_limited_per_address(client, low_rates):
    assert [client.get("/api/v1/reviews/").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/v1/reviews/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    # Another address has its own allowance.
    assert client.get("/api/v1/reviews/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_a_token_has_its_own_allowance(client, member, low_rates):
    _, key = services.api_token_create(owner=member, name="t", user=member)
    statuses = [
        client.get("/api/v1/reviews/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_rates_must_be_well_formed(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from exclusions_tracker.settings import api_rate

    monkeypatch.setenv("API_ANON_RATE", "lots")
    with pytest.raises(ImproperlyConfigured, match="API_ANON_RATE"):
        api_rate("API_ANON_RATE", "60/minute")
    monkeypatch.setenv("API_ANON_RATE", "100/hour")
    assert api_rate("API_ANON_RATE", "60/minute") == "100/hour"
