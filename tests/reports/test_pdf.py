import io
import signal

import pdfplumber
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pdfminer.pdftypes import resolve1

from recommendations.models import ProgressUpdate, Recommendation
from reports import rows
from reports.pdf import documents, sandbox
from tests.reports.conftest import BUCKS, EAST_SUSSEX, HACKNEY, make_big_review, pdf_pages_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("live_packs")]

# Renders are the slowest part of the suite: one render per distinct HTML, shared by the tests
# of this module (and test_pack's). The key is the HTML, so an edit still renders afresh.
_RENDERED: dict[str, bytes] = {}


@pytest.fixture(autouse=True)
def shared_renders(monkeypatch):
    render = sandbox.render_pdf

    def render_once(html, **kwargs):
        if kwargs:  # limits or progress under test: render for real
            return render(html, **kwargs)
        if html not in _RENDERED:
            _RENDERED[html] = render(html)
        return _RENDERED[html]

    monkeypatch.setattr(sandbox, "render_pdf", render_once)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def test_hackney_pdf_has_the_appendix_on_every_page_with_headers_and_page_numbers(
    clerk_client, layouts
):
    response = clerk_client.get(f"/reviews/{HACKNEY}/appendix.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_pages_text(response.content)
    assert len(pages) > 5
    for number, text in enumerate(pages, start=1):
        # The table header repeats, and the margin boxes carry the running title and page count.
        assert "Hackney Education" in text and "Progress update" in text, number
        assert f"Page {number} of {len(pages)}" in text
        assert "Appendix: Reducing School Exclusions" in text
    whole = "\n".join(pages)
    assert "Recommendation 1" in whole and "Recommendation 18" in whole
    assert "Katherine Cracknell" in whole


def test_east_sussex_and_buckinghamshire_pdfs_have_their_own_headings(clerk_client, layouts):
    sussex = pdf_pages_text(clerk_client.get(f"/reviews/{EAST_SUSSEX}/appendix.pdf").content)
    for text in sussex:
        assert "Scrutiny Recommendation" in text and "Timescale" in text
    assert "R12" in "\n".join(sussex) and "July 2024" in "\n".join(sussex)
    bucks = pdf_pages_text(clerk_client.get(f"/reviews/{BUCKS}/appendix.pdf").content)
    for text in bucks:
        assert "Agreed" in text and "Six month progress update" in text
    whole = "\n".join(bucks)
    # Narrow columns wrap, so check words that fit on one line of their cell.
    assert "Cabinet is unable to" in whole
    assert "2a. a series of" in whole
    assert "Cllr Mike" in whole


def test_pdf_is_tagged_a4_landscape_with_title_author_and_language(clerk_client, layouts):
    content = clerk_client.get(f"/reviews/{HACKNEY}/appendix.pdf").content
    with pdfplumber.open(io.BytesIO(content)) as document:
        assert document.metadata["Title"] == "Appendix: Reducing School Exclusions"
        assert "Children & Young People Scrutiny Commission" in document.metadata["Author"]
        catalog = document.doc.catalog
        assert resolve1(catalog["MarkInfo"])["Marked"] is True
        assert "StructTreeRoot" in catalog
        assert resolve1(catalog["Lang"]).decode() == "en-GB"
        page = document.pages[0]
        assert round(page.width) == 842 and round(page.height) == 595
        # Body text at 9pt or more: the smallest characters are the margin boxes (8.5pt).
        sizes = {round(char["size"], 1) for char in page.chars}
        assert min(sizes) >= 8.5
        body = [c for c in page.chars if 60 < c["top"] < page.height - 45]
        assert min(round(c["size"], 1) for c in body) >= 9


def test_a_report_pdf_shows_that_reports_updates(clerk_client, layouts):
    report = Recommendation.objects.get(review__slug=HACKNEY, label="1").updates.first().report
    response = clerk_client.get(f"/reviews/{HACKNEY}/appendix.pdf?report={report.pk}")
    assert response.status_code == 200
    assert f"-report-{report.pk}.pdf" in response["Content-Disposition"]


def test_a_repeat_export_comes_from_the_cache_and_an_edit_is_never_stale(
    clerk_client, layouts, monkeypatch
):
    url = f"/reviews/{EAST_SUSSEX}/appendix.pdf"
    render = sandbox.render_pdf
    renders: list[str] = []

    def counted(html, **kwargs):
        renders.append(html)
        return render(html, **kwargs)

    monkeypatch.setattr(sandbox, "render_pdf", counted)
    first = clerk_client.get(url)
    assert first["X-PDF-Cache"] == "miss" and len(renders) == 1
    second = clerk_client.get(url)
    # Served from the cache: no render at all (a render is the only slow part; bench/pdf.py
    # times a hit).
    assert second["X-PDF-Cache"] == "hit" and second.content == first.content
    assert len(renders) == 1
    update = Recommendation.objects.get(review__slug=EAST_SUSSEX, label="R1").updates.first()
    update.text = "A corrected update."
    update.save()
    third = clerk_client.get(url)
    assert third["X-PDF-Cache"] == "miss" and len(renders) == 2
    assert "A corrected update." in "\n".join(pdf_pages_text(third.content))


def test_a_render_that_overruns_its_time_limit_is_stopped(monkeypatch):
    html = "<html lang='en'><title>t</title>" + "<p>x</p>" * 20000 + "</html>"
    reap = sandbox._reap
    renderers = []

    def watched(process, **kwargs):
        reap(process, **kwargs)
        renderers.append(process.exitcode)

    monkeypatch.setattr(sandbox, "_reap", watched)
    with pytest.raises(sandbox.PDFRenderTimeout):
        sandbox.render_pdf(html, timeout=0.05)
    # Stopped, not waited for: the renderer was killed mid-layout (laying all of this out
    # takes far longer), not left to finish and exit by itself.
    assert renderers == [-signal.SIGKILL]


def test_an_overrun_gives_a_clear_503_not_a_hang(clerk_client, layouts, monkeypatch):
    def too_slow(html, **kwargs):
        raise sandbox.PDFRenderTimeout("too slow")

    monkeypatch.setattr(sandbox, "render_pdf", too_slow)
    response = clerk_client.get(f"/reviews/{HACKNEY}/appendix.pdf")
    assert response.status_code == 503
    assert b"could not be produced in time" in response.content


@pytest.mark.parametrize("count", [10, 500])
def test_pdf_uses_a_constant_number_of_queries(clerk_client, count, monkeypatch, settings):
    settings.PDF_PACK_REQUEST_MAX_ROWS = 1000  # both sizes served by the request
    make_big_review(count)
    monkeypatch.setattr(documents, "cached_pdf", lambda html: (b"%PDF", False))
    clerk_client.get("/reviews/big-review/appendix.pdf")
    with CaptureQueriesContext(connection) as queries:
        assert clerk_client.get("/reviews/big-review/appendix.pdf").status_code == 200
    # session; user; own and group permissions; the review; how many rows (small or large);
    # its stored PDF (made by the first download, and trusted: the appendix is not built
    # again); saving the session (savepoint, update, release).
    assert len(queries) == 10, [q["sql"][:100] for q in queries.captured_queries]


def test_a_many_page_pdf_repeats_its_header_on_every_page(db):
    # Four pages: the header's repetition is checked per page, whatever their number (500
    # rows, 100 pages, took 16-50 s of the suite and showed no more).
    review = make_big_review(20)
    content = sandbox.render_pdf(
        documents.appendix_html(rows.appendix(review.slug)),
        timeout=settings.PDF_BACKGROUND_RENDER_TIMEOUT,
    )
    pages = pdf_pages_text(content)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert "Latest update" in text and f"Page {number} of {len(pages)}" in text
        # Every heading fits its column: none is broken mid-word ("Timesc" / "ale").
        assert all(heading in text for heading in ("Status", "Timescale")), number
    assert "Progress 2 on 20." in pages[-1]


def test_rows_may_break_across_pages_without_losing_a_line(db):
    review = make_big_review(3, slug="long-rows")
    update = ProgressUpdate.objects.filter(recommendation__review=review).order_by("-as_at").first()
    update.text = "\n\n".join(f"Paragraph {i} of a very long update." for i in range(1, 121))
    update.save()
    pages = pdf_pages_text(sandbox.render_pdf(documents.appendix_html(rows.appendix(review.slug))))
    whole = "\n".join(pages)
    for i in range(1, 121):
        assert f"Paragraph {i} of a very long update." in whole
