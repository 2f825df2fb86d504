from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_answers_anonymous_load_balancers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_says_503_when_the_database_is_unreachable(client):
    with mock.patch(
        "exclusions_tracker.views.connection.cursor", side_effect=OperationalError("gone")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_a_lost_database_gives_a_friendly_503_not_a_traceback(client, member):
    client.force_login(member)
    client.raise_request_exception = False
    with mock.patch(
        "recommendations.selectors.review_list", side_effect=OperationalError("server closed")
    ):
        response = client.get("/reviews/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "unavailable for a moment" in body
    assert "Traceback" not in body and "server closed" not in body


def test_other_errors_give_the_500_page(client, member):
    client.force_login(member)
    client.raise_request_exception = False
    with mock.patch("recommendations.selectors.review_list", side_effect=RuntimeError("bug")):
        response = client.get("/reviews/")
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.content.decode()
