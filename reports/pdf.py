"""PDF rendering with WeasyPrint: a URL fetcher that serves only our own static files, a
wall-clock and memory limit on every render, and a cache keyed by the document's content."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import resource
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.template.loader import render_to_string
from django.templatetags.static import static
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

from recommendations.models import Review, UpdateReport
from reports.selectors import Appendix, MeetingPack

logger = logging.getLogger(__name__)

# Relative URLs in our templates ("/static/...") resolve against this; it names no real file.
BASE_URL = "file:///pdf-base/"
PDF_VARIANT = "pdf/ua-1"
# Overridable in settings; the defaults suit a 500-recommendation appendix comfortably.
PDF_RENDER_TIMEOUT = getattr(settings, "PDF_RENDER_TIMEOUT", 120)  # seconds
PDF_RENDER_MEMORY_BYTES = getattr(settings, "PDF_RENDER_MEMORY_BYTES", 2 * 1024**3)
PDF_CACHE_SECONDS = getattr(settings, "PDF_CACHE_SECONDS", 24 * 60 * 60)


class PDFRenderError(Exception):
    """The renderer failed (or ran out of memory) on this document."""


class PDFRenderTimeout(PDFRenderError):
    """The render overran its wall-clock limit and was stopped."""


class StaticFilesURLFetcher(URLFetcher):
    """Serves ``data:`` URLs and files the staticfiles finders resolve; refuses the rest.

    Everything a document can point at goes through ``fetch``: images, stylesheets and their
    ``@import``/``url()``, SVG references and ``<link rel="attachment">``. A refusal is an
    exception, which WeasyPrint logs and treats as a missing resource.
    """

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)
        self._static_prefix = static("")  # "/static/"

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self._static_path(url)
            if path is not None:
                return URLFetcherResponse(url, body=path.read_bytes(), headers=_type_for(path))
        logger.warning("PDF render refused to fetch %.200s", url)
        raise URLFetchingError(f"Not fetched: {url[:200]}")

    def _static_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        path = unquote(parts.path)
        if not path.startswith(self._static_prefix):
            return None
        relative = PurePosixPath(path.removeprefix(self._static_prefix))
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            return None
        found = finders.find(str(relative))
        if not found:
            return None
        return Path(found if isinstance(found, str) else found[0])


def _type_for(path: Path) -> dict[str, str]:
    types = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}
    return {"Content-Type": types.get(path.suffix.lower(), "application/octet-stream")}


def write_pdf(html: str) -> bytes:
    """Render in this process, without limits. Use ``render_pdf`` for anything user-facing."""
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesURLFetcher()).write_pdf(
        pdf_variant=PDF_VARIANT, attachments=[], uncompressed_pdf=False
    )


def _render_in_child(html: str, connection, memory_bytes: int) -> None:
    try:
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        connection.send((True, write_pdf(html)))
    except BaseException as error:  # noqa: BLE001 -- reported to the parent, which raises
        connection.send((False, f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


_warmed = False


def _warm_up() -> None:
    """Load fonts once in the parent, so each forked renderer starts with them in memory."""
    global _warmed
    if not _warmed:
        write_pdf("<html lang='en'><title>warm</title><p>Warm up</p></html>")
        _warmed = True


def render_pdf(
    html: str, *, timeout: float | None = None, memory_bytes: int | None = None
) -> bytes:
    """Render in a forked child that is killed if it overruns ``timeout`` seconds, and that
    cannot grow beyond ``memory_bytes``: a runaway document gives an error, not a hung worker."""
    timeout = PDF_RENDER_TIMEOUT if timeout is None else timeout
    memory_bytes = PDF_RENDER_MEMORY_BYTES if memory_bytes is None else memory_bytes
    _warm_up()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_render_in_child, args=(html, sender, memory_bytes), daemon=True
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            process.kill()
            raise PDFRenderTimeout(f"The PDF took longer than {timeout:g} seconds to render.")
        try:
            ok, payload = receiver.recv()
        except EOFError as error:
            raise PDFRenderError("The PDF renderer stopped (out of memory?).") from error
    finally:
        receiver.close()
        process.join(5)
    if not ok:
        raise PDFRenderError(payload)
    return payload


def cache_key(html: str) -> str:
    # The rendered HTML holds every value the PDF shows, so any edit changes the key.
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    return f"reports:pdf:{PDF_VARIANT}:{digest}"


def cached_pdf(html: str) -> tuple[bytes, bool]:
    """The PDF for this HTML, and whether it came from the cache."""
    key = cache_key(html)
    pdf = cache.get(key)
    if pdf is not None:
        return pdf, True
    pdf = render_pdf(html)
    cache.set(key, pdf, timeout=PDF_CACHE_SECONDS)
    return pdf, False


def _author(report: UpdateReport | None, review: Review) -> str:
    if report is not None and report.author_id:
        return report.author.name
    return f"{review.committee.name}, {review.committee.authority.name}"


def appendix_html(appendix: Appendix) -> str:
    return render_to_string(
        "reports/appendix_pdf.html",
        {
            "appendix": appendix,
            "title": f"Appendix: {appendix.title}",
            "author": _author(None, appendix.review),
        },
    )


def pack_html(pack: MeetingPack) -> str:
    meeting = pack.meeting
    author = (
        pack.cover.author.name if pack.cover and pack.cover.author_id else meeting.committee.name
    )
    return render_to_string(
        "reports/pack_pdf.html",
        {"pack": pack, "meeting": meeting, "title": pack.title, "author": author},
    )
