import errno
import logging
import os
import re
import sys
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InterfaceError, OperationalError
from django.test import Client

from recommendations.models import ProgressUpdate
from recommendations.storage import StorageUnavailable
from tests.factories import make_review

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


# A form posted during an outage


class RetryForm(HTMLParser):
    """The 503 page's retry form (its action and hidden fields) and its shown, labelled text."""

    def __init__(self) -> None:
        super().__init__()
        self.actions: list[str] = []
        self.hidden: list[tuple[str, str]] = []
        self.labels: dict[str, str] = {}  # for= → label text
        self.shown: dict[str, str] = {}  # id of a read-only box → its text
        self._label: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.actions.append(attributes["action"])
        elif tag == "input" and attributes.get("type") == "hidden":
            self.hidden.append((attributes["name"], attributes.get("value") or ""))
        elif tag == "input":
            assert "readonly" in attributes and "name" not in attributes
            self.shown[attributes["id"]] = attributes.get("value") or ""
        elif tag == "label":
            self._label = attributes["for"]
            self.labels[self._label] = ""
        elif tag == "textarea":
            assert "readonly" in attributes and "name" not in attributes
            self._textarea = attributes["id"]
            self.shown[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "label":
            self._label = None
        elif tag == "textarea":
            # As browsers do: the newline right after <textarea> is not part of the text.
            self.shown[self._textarea] = self.shown[self._textarea].removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._label:
            self.labels[self._label] += data
        if self._textarea:
            self.shown[self._textarea] += data

    def shown_by_label(self) -> dict[str, str]:
        assert set(self.labels) == set(self.shown), "every text shown has its label"
        return {self.labels[id_].strip(): text for id_, text in self.shown.items()}


UPDATE_URL = "/reviews/r/recommendations/1/updates/new/"
HOSTILE = '<script>alert("typed")</script> & it\'s \'quoted\' "twice"\nsecond line'


@pytest.fixture
def csrf_client(officer):
    """A browser-like client: CSRF enforced, the token taken from the page it was served on."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    client.raise_request_exception = False
    return client


def _csrf_token(client: Client, url: str) -> str:
    match = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content.decode()
    )
    assert match
    return match.group(1)


def _update_form(token: str, text: str = HOSTILE) -> dict[str, str]:
    return {
        "csrfmiddlewaretoken": token,
        "as_at": "2024-03-31",
        "as_at_precision": "day",
        "status": "in_progress",
        "text": text,
        "timescale": "July 2024",
        "target_date": "",
        "report": "",
    }


def _post_during_outage(client: Client, url: str, data, error=OperationalError, **kwargs):
    with mock.patch(
        "recommendations.services.progress_update_create", side_effect=error("server closed")
    ):
        return client.post(url, data, **kwargs)


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_form_posted_during_an_outage_is_shown_back_and_not_saved(csrf_client, error):
    make_review(slug="r", recommendations=1)
    token = _csrf_token(csrf_client, UPDATE_URL)
    before = ProgressUpdate.objects.count()
    response = _post_during_outage(csrf_client, UPDATE_URL, _update_form(token), error=error)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Your form was not saved" in body
    assert "Nothing from the form you sent has been saved" in body
    assert "<script>" not in body and "server closed" not in body
    assert "&lt;script&gt;alert(&quot;typed&quot;)&lt;/script&gt; &amp; it&#x27;s" in body
    page = RetryForm()
    page.feed(body)
    shown = page.shown_by_label()
    assert shown["text"] == HOSTILE
    assert shown["as_at"] == "2024-03-31" and shown["timescale"] == "July 2024"
    # Long or multi-line text in a text area, short values in one-line boxes.
    assert body.count("<textarea") == 1 and body.count('<input type="text"') == 4
    assert "csrfmiddlewaretoken" not in shown and "target_date" not in shown  # empty: not shown
    assert page.actions == [UPDATE_URL]
    assert sorted(page.hidden) == sorted(_update_form(token).items())
    assert ProgressUpdate.objects.count() == before


def test_trying_again_after_the_outage_saves_exactly_once(csrf_client):
    make_review(slug="r", recommendations=1)
    token = _csrf_token(csrf_client, UPDATE_URL)
    marker = "Training delivered to all schools <b>after</b> the outage"
    response = _post_during_outage(csrf_client, UPDATE_URL, _update_form(token, marker))
    assert response.status_code == 503
    assert not ProgressUpdate.objects.filter(text=marker).exists()
    page = RetryForm()
    page.feed(response.content.decode())
    retry = {}
    for name, value in page.hidden:
        retry.setdefault(name, []).append(value)
    # The database is back: the button posts the same fields, CSRF token included.
    response = csrf_client.post(page.actions[0], retry)
    assert response.status_code == 302
    assert response["Location"] == "/reviews/r/recommendations/1/"
    assert ProgressUpdate.objects.filter(text=marker).count() == 1


def test_a_query_string_and_repeated_fields_are_posted_back_as_they_came(csrf_client):
    make_review(slug="r", recommendations=1)
    token = _csrf_token(csrf_client, UPDATE_URL)
    data = _update_form(token)
    data["tag"] = ["first", "second"]
    data["notes"] = "\nafter a blank line"
    response = _post_during_outage(csrf_client, UPDATE_URL + "?report=7&x=<b>", data)
    page = RetryForm()
    page.feed(response.content.decode())
    assert page.actions == [UPDATE_URL + "?report=7&x=%3Cb%3E"]
    assert [value for name, value in page.hidden if name == "tag"] == ["first", "second"]
    assert page.shown_by_label()["notes"] == "\nafter a blank line"


SECRETS = {
    "password": "hunter2-password",
    "new_password1": "hunter3-new-password",
    "api_token": "tok-123456",
    "client_secret": "sec-654321",
    "API_KEY": "key-abcdef",
}


def test_passwords_secrets_and_tokens_are_never_shown_or_kept(csrf_client):
    make_review(slug="r", recommendations=1)
    token = _csrf_token(csrf_client, UPDATE_URL)
    response = _post_during_outage(csrf_client, UPDATE_URL, _update_form(token) | SECRETS)
    assert response.status_code == 503
    body = response.content.decode()
    for name, value in SECRETS.items():
        assert value not in body, name
        assert f'name="{name}"' not in body
    assert "passwords and other private fields are neither shown nor kept" in body
    page = RetryForm()
    page.feed(body)
    # The CSRF token goes back in the retry form only, never shown as typed text.
    assert ("csrfmiddlewaretoken", token) in page.hidden
    assert token not in "".join(page.shown.values())


def test_a_sign_in_during_an_outage_never_echoes_the_password(db):
    client = Client(enforce_csrf_checks=True)
    client.raise_request_exception = False
    token = _csrf_token(client, "/accounts/login/")
    with mock.patch(
        "axes.backends.AxesStandaloneBackend.authenticate",
        side_effect=OperationalError("server closed"),
    ):
        response = client.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": "olivia", "password": "pa55-w0rd-typed"},
        )
    assert response.status_code == 503
    body = response.content.decode()
    assert "pa55-w0rd-typed" not in body
    assert 'name="password"' not in body
    assert "type them again" in body


def test_a_file_cannot_be_sent_again_so_the_page_says_choose_it_again(csrf_client):
    make_review(slug="r", recommendations=1)
    token = _csrf_token(csrf_client, UPDATE_URL)
    data = _update_form(token) | {"attachment": SimpleUploadedFile("minutes.pdf", b"%PDF-1.7")}
    response = _post_during_outage(csrf_client, UPDATE_URL, data)
    assert response.status_code == 503
    body = response.content.decode()
    assert "choose the file again" in body
    page = RetryForm()
    page.feed(body)
    assert "attachment" not in dict(page.hidden)
    assert page.shown_by_label()["text"] == HOSTILE


def test_the_outage_page_for_a_post_has_headings_and_nothing_inline(csrf_client):
    make_review(slug="r", recommendations=1)
    token = _csrf_token(csrf_client, UPDATE_URL)
    body = _post_during_outage(csrf_client, UPDATE_URL, _update_form(token)).content.decode()
    assert body.count("<h1>") == 1 and "<h2>What you typed</h2>" in body
    assert "<script" not in body and "style=" not in body and "<style" not in body
    assert '<button type="submit" class="button">Try again</button>' in body


def test_a_get_during_an_outage_still_gets_the_plain_page(client, member):
    client.force_login(member)
    client.raise_request_exception = False
    with mock.patch(
        "recommendations.selectors.review_list", side_effect=OperationalError("server closed")
    ):
        response = client.get("/reviews/?q=<script>")
    assert response.status_code == 503
    body = response.content.decode()
    assert "go back, wait a minute and try again" in body
    assert "<form" not in body and "readonly" not in body and "script" not in body


def test_a_post_that_fails_in_the_middleware_keeps_what_was_typed_too(csrf_client):
    """The database gone for every query, not one view: the session lookup fails first (in
    the middleware, before any view), and saving the session on the way out fails again."""
    make_review(slug="r", recommendations=1)
    token = _csrf_token(csrf_client, UPDATE_URL)
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = csrf_client.post(UPDATE_URL, _update_form(token))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = RetryForm()
    page.feed(response.content.decode())
    assert page.shown_by_label()["text"] == HOSTILE
    assert sorted(page.hidden) == sorted(_update_form(token).items())


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.ENOSPC, "storage is full"), (errno.EROFS, "storage is not writable")],
)
def test_full_storage_outside_the_admin_is_a_503_that_keeps_the_form(csrf_client, code, reason):
    make_review(slug="r", recommendations=1)
    token = _csrf_token(csrf_client, UPDATE_URL)
    error = StorageUnavailable.from_os_error(OSError(code, os.strerror(code)))
    with mock.patch("recommendations.services.progress_update_create", side_effect=error):
        response = csrf_client.post(UPDATE_URL, _update_form(token))
    assert response.status_code == 503
    body = response.content.decode()
    assert f"The file could not be stored: the server&#x27;s {reason}." in body
    assert "cannot reach the database" not in body
    page = RetryForm()
    page.feed(body)
    assert page.shown_by_label()["text"] == HOSTILE


def _console_handler() -> logging.Handler:
    return next(h for h in logging.getLogger().handlers if h.filters)


def test_refused_requests_log_one_line_without_a_traceback(client, member, caplog):
    client.force_login(member)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/reviews/new/").status_code == 403
        assert client.get("/reviews/no-such-review/").status_code == 404
    handler = _console_handler()
    refused = [r for r in caplog.records if getattr(r, "status_code", 0) in (403, 404)]
    assert {r.status_code for r in refused} == {403, 404}
    for record in refused:
        assert handler.filter(record)
        line = handler.format(record)
        assert "Traceback" not in line and ("Forbidden" in line or "Not Found" in line)


def test_server_errors_keep_their_traceback():
    try:
        raise ValueError("a real bug")
    except ValueError:
        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error",
            (),
            sys.exc_info(),
        )
    record.status_code = 500
    handler = _console_handler()
    assert handler.filter(record)
    assert "Traceback" in handler.format(record) and "a real bug" in handler.format(record)
