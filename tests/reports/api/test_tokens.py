"""Per-user API tokens: officers make them for anyone, a key is shown once and stored only as
its hash, everyone sees and revokes their own, and a revoked key is a 401 at once."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from recommendations import services
from recommendations.models import ApiToken
from tests.publicdata import MARKER

pytestmark = pytest.mark.django_db


def _bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_an_officer_makes_a_token_for_a_member_shown_once_and_stored_as_a_hash(
    client, officer, member, world
):
    client.force_login(officer)
    page = client.post("/api-tokens/", {"user": member.pk, "name": "Power BI dashboard"})
    assert page.status_code == 200
    key = re.search(r'<code class="token-key">(st_[\w-]+)</code>', page.content.decode())[1]
    assert page["Cache-Control"] == "private, no-store" or "no-store" in page["Cache-Control"]
    token = ApiToken.objects.get()
    assert (
        token.user == member and token.created_by == officer and token.name == "Power BI dashboard"
    )
    # Only the hash is kept: the key is in no column of the table.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608
        assert not any(key in str(value) for row in cursor.fetchall() for value in row)
    assert token.key_hash == ApiToken.hash_key(key) and key.startswith(token.prefix)
    # Listed afterwards without the key.
    listing = client.get("/api-tokens/").content.decode()
    assert "Power BI dashboard" in listing and key not in listing and token.prefix in listing
    # The key reads what a member reads: unpublished reviews too.
    client.logout()
    response = client.get("/api/v1/reviews/", **_bearer(key))
    assert response.status_code == 200 and response.json()["count"] == 2
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_revoked_token_is_refused_with_401(client, officer, member, world):
    token, key = services.api_token_create(owner=member, name="script", user=officer)
    assert client.get("/api/v1/reviews/", **_bearer(key)).status_code == 200
    client.force_login(member)
    assert "script" in client.get("/api-tokens/").content.decode()
    assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 302
    client.logout()
    refused = client.get("/api/v1/reviews/", **_bearer(key))
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")
    token.refresh_from_db()
    assert token.revoked_by == member and token.revoked_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer st_nosuchkey", "Bearer", "Bearer a b", "Token st_nosuchkey", "Bearer \u00e9t\u00e9"],
)
def test_a_wrong_key_is_a_401_not_the_public_data(client, world, header):
    response = client.get("/api/v1/recommendations/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401 and MARKER not in response.content.decode()


def test_a_token_of_an_inactive_account_is_refused(client, officer, member, world):
    _, key = services.api_token_create(owner=member, name="old", user=officer)
    member.is_active = False
    member.save()
    assert client.get("/api/v1/reviews/", **_bearer(key)).status_code == 401


def test_only_officers_make_tokens_and_see_everyones(client, officer, member, clerk):
    mine, _ = services.api_token_create(owner=member, name="member's", user=officer)
    theirs, _ = services.api_token_create(owner=clerk, name="clerk's", user=officer)
    client.force_login(member)
    assert client.post("/api-tokens/", {"user": member.pk, "name": "x"}).status_code == 403
    page = client.get("/api-tokens/").content.decode()
    assert "member&#x27;s" in page and "clerk&#x27;s" not in page and "Make a token" not in page
    # Another's token: not found, and not revoked.
    assert client.post(f"/api-tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.get(f"/api-tokens/{mine.pk}/revoke/").status_code == 405
    theirs.refresh_from_db()
    assert theirs.is_active
    client.force_login(officer)
    page = client.get("/api-tokens/").content.decode()
    assert "member&#x27;s" in page and "clerk&#x27;s" in page
    assert client.post(f"/api-tokens/{theirs.pk}/revoke/").status_code == 302
    theirs.refresh_from_db()
    assert not theirs.is_active and theirs.revoked_by == officer


def test_the_form_refuses_what_it_cannot_make(client, officer):
    client.force_login(officer)
    page = client.post("/api-tokens/", {"user": "", "name": ""}).content.decode()
    assert "Choose whose token it is." in page and "Say what the token is for." in page
    assert client.post("/api-tokens/", {"user": "999999", "name": "x" * 101}).status_code == 200
    assert not ApiToken.objects.exists()


def test_a_token_of_someone_in_no_role_reads_published_data_only(client, officer, outsider, world):
    _, key = services.api_token_create(owner=outsider, name="outsider", user=officer)
    response = client.get("/api/v1/reviews/", **_bearer(key))
    assert [row["slug"] for row in response.json()["results"]] == ["published-review"]
