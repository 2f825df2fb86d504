"""Anyone, signed out, walks every public page, download and feed: each answers 200 and none
shows anything private (a draft round, a working entry, officers' notes, an unpublished
review); every address of something unpublished is a 404, also after unpublishing."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client
from django.urls import get_resolver
from django_tasks import task_backends

from recommendations import services
from recommendations.models import Response
from reports.models import StoredPDF
from tests.publicdata import MARKER, World
from tests.reports.conftest import DUMMY, pdf_pages_text, work

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="([^"]+)"')


def _text(response) -> str:
    if response["Content-Type"] == "application/pdf":
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return "\n".join(pdf_pages_text(content))
    return response.content.decode()


def _walk(client: Client, start: str = "/public/", *, pdfs: bool = True) -> dict[str, str]:
    """Every /public/ address reachable by links from ``start``, with its text (PDFs are
    listed unread unless ``pdfs``: the appendix's render takes seconds)."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        if path.endswith(".pdf") and not pdfs:
            seen[path] = ""
            continue
        response = client.get(path)
        if response.status_code == 302 and path.endswith(".pdf"):
            # A large PDF the worker makes: its public progress page.
            assert response.url.startswith("/public/"), (path, response.url)
            seen[path] = ""
            queue.append(response.url)
            continue
        assert response.status_code == 200, (path, response.status_code)
        seen[path] = text = _text(response)
        if "html" in response["Content-Type"]:
            for href in HREF.findall(text):
                href = urldefrag(href.replace("&amp;", "&"))[0]
                if href.startswith("/public/") and href not in seen:
                    queue.append(href)
    return seen


def _public_url_names() -> set[str]:
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) == "public":
            return {p.name for p in pattern.url_patterns}
    raise AssertionError("no public URLs")


def _name(path: str) -> str:
    return get_resolver().resolve(urlsplit(path).path).url_name


def test_every_public_page_answers_and_shows_nothing_private(client, world: World, settings):
    # The appendix is large (three rows), so its PDF is the worker's: the first walk finds
    # its progress page; the worker makes it, really (the text is read from the PDF).
    settings.TASKS = DUMMY
    settings.PDF_PACK_REQUEST_MAX_ROWS = 2
    task_backends["default"].clear()
    pdf_path = "/public/reviews/published-review/appendix.pdf"
    progress = _walk(client)
    assert progress[pdf_path] == "" and "/public/reviews/published-review/appendix/pdf/" in progress
    assert work(later=False) == ["rendered"]
    stored = StoredPDF.objects.get(document=f"public-appendix:{world.published.pk}")
    stored_text = "\n".join(pdf_pages_text(stored.file.read()))
    assert "Public progress on 1." in stored_text and MARKER not in stored_text
    pages = _walk(client)
    task_backends["default"].clear()

    # Every kind of public page was reached by following links (a new one must be linked).
    assert {_name(path) for path in pages | progress} == _public_url_names()
    for path, text in (pages | progress).items():
        assert MARKER not in text, path
    review_page = pages["/public/reviews/published-review/"]
    assert "Public progress on 1." in review_page
    assert "Pat Lead" in review_page and "Lead officer" in review_page
    assert "Acceptable progress" in review_page  # the committee's view of a final update
    # The public appendix is the final report's round: recommendation 3 had no update in it
    # and shows none, never the draft's or the working entry dated before the report.
    appendix = pages["/public/reviews/published-review/appendix/"]
    assert "Public progress on 2." in appendix and "No update yet." in appendix
    assert "Public progress on 1." in pages["/public/reviews/published-review/appendix.pdf"]
    assert f"/public/meetings/{world.public_meeting.pk}/pack.pdf" in pages


def test_the_signed_in_appendix_of_the_same_round_would_show_the_working_entry(
    client, officer, world: World
):
    """Why the public appendix has its own updates: the signed-in one shows a round's latest
    earlier update whatever report it is in."""
    client.force_login(officer)
    page = client.get(f"/reviews/published-review/appendix/?report={world.final.pk}")
    assert MARKER in page.content.decode()


def _unpublished_paths(world: World) -> list[str]:
    slug = world.unpublished.slug
    return [
        f"/public/reviews/{slug}/",
        f"/public/reviews/{slug}/appendix/",
        f"/public/reviews/{slug}/appendix.csv",
        f"/public/reviews/{slug}/appendix.pdf",
        f"/public/reviews/{slug}/feed/",
        f"/public/authorities/{world.other_authority.slug}/feed/",
        f"/public/meetings/{world.draft_meeting.pk}/pack.pdf",
        "/public/reviews/no-such-review/",
        "/public/meetings/999999/pack.pdf",
    ]


def test_anything_unpublished_is_not_found(client, world: World):
    for path in _unpublished_paths(world):
        response = client.get(path)
        assert response.status_code == 404, path
        assert MARKER not in response.content.decode(errors="replace"), path


def test_unpublishing_takes_every_page_down(client, officer, world: World):
    published = _walk(client, pdfs=False)
    review = world.published
    services.review_unpublish(review=review, expected_version=review.version, user=officer)
    for path in published:
        if path == "/public/":
            assert "Reducing exclusions" not in client.get(path).content.decode()
        else:
            assert client.get(path).status_code == 404, path


def test_signed_in_visitors_get_the_same_public_pages(client, member, world: World):
    anonymous = _walk(client, pdfs=False)
    client.force_login(member)
    for path, text in anonymous.items():
        if path.endswith((".pdf", "/feed/")):
            continue
        assert client.get(path).content.decode() == text, path


def test_public_pages_take_only_reads(client, officer, world: World):
    for path in ["/public/", "/public/reviews/published-review/"]:
        assert client.post(path).status_code == 405


def test_the_public_review_prints_the_responses_own_timetable_escaped(client, world):
    """The public card shows the response's timetable under its text (the signed-in card
    does not; the two share the response and leads cells)."""
    response = Response.objects.get(
        recommendation__review=world.published, recommendation__label="1"
    )
    response.timetable = "By <b>March</b> 2025"
    response.save()
    page = client.get(f"/public/reviews/{world.published.slug}/").content.decode()
    assert "<strong>Timetable:</strong> By &lt;b&gt;March&lt;/b&gt; 2025" in page
