"""CSRF, login throttling, sessions: the doors stay shut."""

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

APP = Path(__file__).resolve().parents[2] / "recommendations"


def test_no_view_is_csrf_exempt():
    for path in APP.rglob("*.py"):
        assert "csrf_exempt" not in path.read_text(), path


def test_no_tracked_model_is_written_with_queryset_update_or_bulk_calls():
    # django-simple-history records save() and delete() only, and its bulk_create_with_history
    # and bulk_update_with_history. The services' bulk route (record_published_*, which the
    # import's _bulk_rows calls) uses those, bulk-creates a meeting's links to reviews and
    # their history rows, which are the history themselves, and in _bulk_create_with_history
    # bulk-creates rows whose history it then copies by one INSERT ... SELECT (tested in
    # test_generate_demo_data: every generated row has its creation record).
    allowed = re.compile(
        r"bulk_(?:create|update)_with_history\b|\b(?:through|listed)\.objects\.bulk_create\("
        r"|\b_bulk_rows\b|model\._default_manager\.bulk_create\(instances, batch_size=batch_size\)"
        r"|can_return_rows_from_bulk_insert"
        # Where each recommendation stands (models.Standing): derived from the updates, whose
        # history is kept; it has no history of its own (standing_refresh rewrites it).
        r"|\bStanding\.objects\.bulk_create\("
    )
    paths = sorted((APP / "services").glob("*.py"))
    paths += [APP / name for name in ["rules.py", "access.py"]]
    paths += sorted((APP / "forms").glob("*.py"))
    paths += sorted((APP / "views").glob("*.py"))
    for path in paths:
        text = allowed.sub("", path.read_text())
        assert ".update(" not in text and "bulk_" not in text, path


def test_a_post_without_a_csrf_token_is_refused(officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    from tests.factories import make_review

    make_review(slug="r", recommendations=1)
    response = client.post("/reviews/r/recommendations/1/updates/new/", {"text": "x"})
    assert response.status_code == 403


def test_five_wrong_passwords_lock_the_account(client, officer):
    for _ in range(5):
        client.post("/accounts/login/", {"username": officer.username, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": officer.username, "password": PASSWORD})
    assert response.status_code in {403, 429}
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_out_ends_the_session(officer_client):
    assert officer_client.get("/reviews/").status_code == 200
    assert officer_client.post("/accounts/logout/").status_code == 302
    response = officer_client.get("/reviews/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
