"""The PDF renderer fetches nothing but our own static files (SECURITY.md, "PDF rendering")."""

import base64
import io
import socket
import threading

import pdfplumber
import pytest
from django.templatetags.static import static
from pdfminer.pdftypes import resolve1

from recommendations.models import ProgressUpdate
from reports.pdf import sandbox
from reports.pdf.fetcher import StaticFilesURLFetcher
from tests.factories import make_review
from tests.reports.conftest import pdf_pages_text

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="  # noqa: E501
)


@pytest.fixture
def listener():
    """A loopback TCP listener that records every connection made to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    hits: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            hits.append(connection.recv(1024))
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", hits
    stop.set()
    thread.join(2)
    server.close()


@pytest.fixture
def local_files(tmp_path):
    (tmp_path / "secret.png").write_bytes(PNG)
    (tmp_path / "secret.css").write_text('body::after { content: "LEAKED-FROM-CSS"; }')
    (tmp_path / "secret.txt").write_text("LEAKED-FROM-FILE")
    (tmp_path / "secret.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>LEAKED-SVG</text></svg>'  # noqa: E501
    )
    return tmp_path


def hostile_markup(base: str, files) -> str:
    pieces = []
    for target in (base, f"file://{files}"):
        pieces += [
            f'<img src="{target}/secret.png" alt="x">',
            f'<img src="{target}/secret.svg" alt="x">',
            f'<link rel="stylesheet" href="{target}/secret.css">',
            f'<style>@import url("{target}/secret.css"); p {{ background: url("{target}/secret.png"); }}</style>',  # noqa: E501
            f'<iframe src="{target}/secret.txt"></iframe>',
            f'<object data="{target}/secret.svg"></object><embed src="{target}/secret.svg">',
            f'<link rel="attachment" href="{target}/secret.txt" title="secret">',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><image href="{target}/secret.png" width="20" height="20"/></svg>',  # noqa: E501
        ]
    pieces.append('<img src="/static/../../../../etc/passwd" alt="x">')
    pieces.append('<img src="/static/reports/../../../etc/hostname" alt="x">')
    return "".join(pieces)


def assert_nothing_leaked(content: bytes, hits: list[bytes]) -> None:
    assert hits == [], f"the renderer connected to the listener: {hits}"
    text = "\n".join(pdf_pages_text(content))
    assert "LEAKED" not in text
    with pdfplumber.open(io.BytesIO(content)) as document:
        assert all(not page.images for page in document.pages)
        names = resolve1(document.doc.catalog.get("Names")) or {}
        assert "EmbeddedFiles" not in names
    assert b"/EmbeddedFiles" not in content and b"LEAKED" not in content


def test_hostile_html_fetches_nothing_even_without_the_sanitiser(listener, local_files):
    base, hits = listener
    html = (
        "<!DOCTYPE html><html lang='en'><head><title>Hostile</title>"
        '<link rel="stylesheet" href="/static/reports/pdf.css"></head><body><h1>Hostile</h1>'
        + hostile_markup(base, local_files)
        + "<p>Body text.</p></body></html>"
    )
    content = sandbox.render_pdf(html)
    assert_nothing_leaked(content, hits)
    # Our own static stylesheet was served: its margin boxes put the page count on the page.
    assert "Page 1 of 1" in pdf_pages_text(content)[0]


@pytest.mark.django_db
def test_a_hostile_update_fetches_nothing(client, clerk, listener, local_files):
    base, hits = listener
    review = make_review(recommendations=1)
    update = ProgressUpdate.objects.get(recommendation__review=review)
    update.text = (
        hostile_markup(base, local_files) + f"\n\n![x]({base}/secret.png) [link]({base}/a)"
    )
    update.save()
    client.force_login(clerk)
    response = client.get(f"/reviews/{review.slug}/appendix.pdf")
    assert response.status_code == 200
    assert_nothing_leaked(response.content, hits)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///static/../etc/passwd",
        "file:///static/%2e%2e/%2e%2e/etc/passwd",
        "file://evil.example/static/reports/pdf.css",
        "http://127.0.0.1/static/reports/pdf.css",
        "https://example.com/x.png",
        "ftp://example.com/x",
        "gopher://127.0.0.1/x",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files_and_data(url, settings):
    with pytest.raises(Exception):  # noqa: B017 -- any refusal will do
        StaticFilesURLFetcher().fetch(url)


def test_the_fetcher_serves_static_files_and_data_urls():
    response = StaticFilesURLFetcher().fetch("file:///static/reports/pdf.css")
    assert b"@page" in response.read()
    assert StaticFilesURLFetcher().fetch("data:text/plain,hello").read() == b"hello"


def test_the_fetcher_serves_the_hashed_stylesheet_names_production_links_to():
    # The suite runs with the manifest storage, so {% static %} names "reports/pdf.<hash>.css",
    # which only the collected files hold: the fetcher maps it back to the source.
    hashed = static("reports/pdf.css")
    assert hashed != "/static/reports/pdf.css"
    response = StaticFilesURLFetcher().fetch(f"file://{hashed}")
    assert b"@page" in response.read()
    with pytest.raises(Exception):  # noqa: B017
        StaticFilesURLFetcher().fetch("file:///static/reports/other.0123abcd.css")
