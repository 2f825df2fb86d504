"""The API with arbitrary query strings and ids, anonymous and with a member's token (never a
5xx: a 400 says which parameter, a 404 an unknown page or record); and the API token form
with arbitrary values (errors on the form, or one token whose name is what was sent)."""

from __future__ import annotations

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from recommendations import forms, services
from recommendations.models import ApiToken
from tests.fuzz.conftest import FUZZ, World
from tests.fuzz.strategies import (
    assert_no_active_content,
    decoded,
    encode_pairs,
    query_string,
    rolled_back,
    submissions,
    url_segment,
)
from tests.fuzz.test_query_strings import LIST_PARAMS, _list_value

FORM_CONTENT = "application/x-www-form-urlencoded"
ENDPOINTS = ["authorities", "committees", "reviews", "recommendations", "updates", "reports",
             "meetings"]  # fmt: skip
API_PARAMS = [*LIST_PARAMS, "page_size", "format", "is_final", "report", "recommendation",
              "verdict", "disputed", "closed", "parents", "review_status"]  # fmt: skip


@pytest.fixture(autouse=True)
def _no_rate_limit(settings) -> None:
    """Every example of a test comes from one address within a minute (tests/reports/api
    tests the limits)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }


@pytest.fixture
def published(world: World, officer) -> World:
    world.review.update_reports.update(is_final=True)
    services.review_publish(
        review=world.review, expected_version=world.review.version, user=officer
    )
    return world


@pytest.fixture
def list_values(published: World) -> st.SearchStrategy[str]:
    """Made once per test, not per example (``test_query_strings.list_values``)."""
    return _list_value(published)


@pytest.mark.parametrize("as_member", [False, True], ids=["anonymous", "token"])
@settings(FUZZ, max_examples=30)
@given(data=st.data())
def test_api_lists_with_any_query(client, member, published, list_values, as_member, data):
    headers = {}
    if as_member:
        _, key = services.api_token_create(owner=member, name="fuzz", user=member)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    endpoint = data.draw(st.sampled_from(ENDPOINTS), label="endpoint")
    keys = data.draw(st.lists(st.sampled_from(API_PARAMS), max_size=6), label="keys")
    pairs = [(key, data.draw(list_values, label=key)) for key in keys]
    with rolled_back():
        response = client.get(
            f"/api/v1/{endpoint}/",
            QUERY_STRING=query_string(pairs),
            HTTP_ACCEPT="application/json",
            **headers,
        )
    assert response.status_code in (200, 400, 404), (response.status_code, response.content[:200])
    event(str(response.status_code))


@settings(FUZZ, max_examples=30)
@given(segment=url_segment, endpoint=st.sampled_from(ENDPOINTS))
def test_api_records_with_any_id(client, published, endpoint, segment):
    response = client.get(f"/api/v1/{endpoint}/{segment}/", HTTP_ACCEPT="application/json")
    assert response.status_code == 404, response.status_code


@pytest.fixture
def token_bodies(officer) -> st.SearchStrategy[list[tuple[str, str]]]:
    return submissions(forms.ApiTokenForm())  # its users, read once (``submissions``)


@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_api_token_form_with_any_values(officer_client, officer, token_bodies, data):
    pairs = data.draw(token_bodies, label="post")
    with rolled_back():
        response = officer_client.post(
            "/api-tokens/", encode_pairs(pairs), content_type=FORM_CONTENT
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert_no_active_content(html)
        made = list(ApiToken.objects.all())
        if made:
            sent = dict(pairs)
            assert len(made) == 1 and made[0].name == decoded(sent["name"]).strip()
            assert str(made[0].user_id) == sent["user"] and 'class="token-key"' in html
            event("made")
        else:
            assert response.context["form"].errors or not pairs
            event("refused")


@settings(FUZZ, max_examples=10)
@given(segment=url_segment)
def test_api_token_revoke_with_any_id(officer_client, segment):
    response = officer_client.post(f"/api-tokens/{segment}/revoke/")
    assert response.status_code == 404, response.status_code
