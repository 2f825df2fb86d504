"""A small HTTP client for tests that drive the deployed app over real HTTP (bench/server.py).

One signed-in session: cookies kept, CSRF tokens read from the forms, redirects not followed
(so a test sees each 302 and where it points).
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message

from bench.server import BENCH_PASSWORD

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int  # 0: no answer at all, what a user would see as a timeout
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def csrf_token(self) -> str:
        match = CSRF.search(self.text)
        assert match, f"no CSRF token in the page (status {self.status})"
        return match.group(1)


@dataclass
class Browser:
    base: str
    timeout: float = 20
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(self, path: str, data: dict | None = None) -> Response:
        """GET ``path``, or POST ``data`` to it (form-encoded, with a same-origin Referer)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if data is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Response(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.headers, error.read())
        except OSError as error:
            return Response(0, Message(), f"{type(error).__name__}: {error}".encode())

    def get(self, path: str) -> Response:
        return self.request(path)

    def submit(self, path: str, data: dict[str, str], form_page: str | None = None) -> Response:
        """POST ``data`` to ``path`` with the CSRF token of the form at ``form_page`` (by
        default ``path`` itself), as a browser submitting that form would."""
        page = self.get(form_page or path)
        return self.request(path, {**data, "csrfmiddlewaretoken": page.csrf_token()})

    def sign_in(self, username: str, password: str = BENCH_PASSWORD) -> None:
        response = self.submit("/accounts/login/", {"username": username, "password": password})
        assert response.status == 302, f"{username} could not sign in ({response.status})"
