"""Public pages are cacheable by anyone and the same for everyone: public, short max-age, an
ETag answered with 304, no cookie set and no Vary on the cookie, also for a signed-in
visitor. Signed-in pages stay private and unstored."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.publicdata import World

pytestmark = pytest.mark.django_db

PAGES = [
    "/public/",
    "/public/reviews/published-review/",
    "/public/reviews/published-review/appendix/",
    "/public/reviews/published-review/appendix.csv",
    "/public/reviews/published-review/feed/",
    "/public/authorities/publica/feed/",
]


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


@pytest.mark.parametrize("signed_in", [False, True])
def test_public_pages_are_public_cacheable_and_set_no_cookie(client, member, world, signed_in):
    if signed_in:
        client.force_login(member)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert _cache_control(response) == {"public", "max-age=300"}, path
        assert "cookie" not in response.get("Vary", "").lower(), path
        assert not response.cookies, (path, list(response.cookies))
        assert response["ETag"], path


def test_the_issued_pack_is_cacheable_with_its_sha256_as_etag(client, world: World):
    response = client.get(f"/public/meetings/{world.public_meeting.pk}/pack.pdf")
    assert response.status_code == 200
    assert _cache_control(response) == {"public", "max-age=300"}
    assert response["ETag"] == f'"{world.public_meeting.issued_pack.sha256}"'
    again = client.get(response.wsgi_request.path, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_repeat_visit_with_the_etag_is_a_304_until_the_page_changes(client, officer, world):
    path = "/public/reviews/published-review/"
    etag = client.get(path)["ETag"]
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and not again.content
    assert _cache_control(again) == {"public", "max-age=300"}
    review = world.published
    review.title = "Reducing exclusions, renamed"
    review.save()
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_not_found_pages_are_not_marked_public(client, world):
    response = client.get("/public/reviews/unpublished-review/")
    assert response.status_code == 404
    assert "public" not in _cache_control(response)


def test_signed_in_pages_stay_private_and_unstored(member, world):
    client = Client()
    client.force_login(member)
    response = client.get("/reviews/published-review/")
    assert _cache_control(response) == {"private", "no-store"}
