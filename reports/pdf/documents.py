"""The documents we print: an appendix and a committee pack as HTML for the renderer, and a
cache of rendered PDFs keyed by that HTML, so a repeat export of unchanged data is instant and
an edit can never serve a stale PDF."""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone

from recommendations.models import Review, UpdateReport
from reports.pdf import sandbox
from reports.rows import Appendix, AppendixRow, MeetingPack, Tracker

logger = logging.getLogger("reports.pdf")


def fingerprint(html: str) -> str:
    """The rendered HTML holds every value the PDF shows, so any edit changes this."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def cache_key(html: str) -> str:
    return f"reports:pdf:{sandbox.PDF_VARIANT}:{fingerprint(html)}"


def _broken_key(html: str) -> str:
    return f"reports:pdf-broken:{sandbox.PDF_VARIANT}:{fingerprint(html)}"


def cached_pdf(html: str) -> tuple[bytes, bool]:
    """The PDF for this HTML, and whether it came from the cache. HTML that could not be laid
    out raises its explained ``PDFDocumentError`` again at once (see ``explain``)."""
    key = cache_key(html)
    pdf = cache.get(key)
    if pdf is not None:
        return pdf, True
    if message := cache.get(_broken_key(html)):
        raise sandbox.PDFDocumentError(message, explained=True)
    pdf = sandbox.render_pdf(html)
    cache.set(key, pdf, timeout=settings.PDF_CACHE_SECONDS)
    return pdf, False


def counted_pdf(html: str) -> tuple[bytes, int]:
    """The PDF and its number of pages (from the layout's progress), rendered afresh for a
    pack being issued, and left in the cache for the downloads that follow."""
    if message := cache.get(_broken_key(html)):
        raise sandbox.PDFDocumentError(message, explained=True)
    pages = 0

    def count(laid_out: int) -> None:
        nonlocal pages
        pages = max(pages, laid_out)

    pdf = sandbox.render_pdf(html, on_progress=count)
    cache.set(cache_key(html), pdf, timeout=settings.PDF_CACHE_SECONDS)
    return pdf, pages


# Finding the recommendation that breaks a document renders parts of it again; in a request
# that must stay well inside a proxy's timeout, in the background it may take longer.
EXPLAIN_SECONDS_IN_REQUEST = 20.0
EXPLAIN_SECONDS_IN_BACKGROUND = 300.0


class _OutOfTime(Exception):
    pass


def failing_row(
    appendices: Sequence[Appendix],
    *,
    seconds: float,
    heartbeat: Callable[[], None] | None = None,
) -> tuple[Appendix, AppendixRow] | None:
    """The first row whose own render fails with a document error, found by rendering each
    appendix and then halving its rows (about log2(rows) renders of shrinking size), or None
    when no appendix fails alone or ``seconds`` run out."""
    deadline = time.monotonic() + seconds

    def fails(appendix: Appendix, rows: list[AppendixRow]) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _OutOfTime
        try:
            sandbox.render_pdf(
                appendix_html(replace(appendix, rows=rows)), timeout=remaining, heartbeat=heartbeat
            )
        except sandbox.PDFDocumentError:
            return True
        except sandbox.PDFRenderError as error:  # out of time or memory: stop looking
            raise _OutOfTime from error
        return False

    try:
        for appendix in appendices:
            rows = list(appendix.rows)
            if not rows or not fails(appendix, rows):
                continue
            while len(rows) > 1:
                half = len(rows) // 2
                rows = rows[:half] if fails(appendix, rows[:half]) else rows[half:]
            return appendix, rows[0]
    except _OutOfTime:
        pass
    return None


def explain(
    error: sandbox.PDFDocumentError,
    html: str,
    appendices: Sequence[Appendix],
    *,
    seconds: float,
    heartbeat: Callable[[], None] | None = None,
) -> sandbox.PDFDocumentError:
    """The error again, naming the recommendation that cannot be laid out when one can be
    found; remembered for this HTML, so asking again does not render anything."""
    found = failing_row(appendices, seconds=seconds, heartbeat=heartbeat)
    if found is None:
        message = (
            "The PDF could not be laid out, and trying again will not help: some text in it "
            "is too deeply nested or too complex. Ask an officer to simplify the longest texts."
        )
    else:
        appendix, row = found
        message = (
            f"{row.recommendation.name} of {appendix.review.title} could not be "
            "laid out, and trying again will not help: its text (or its response or update) is "
            "too deeply nested or too complex. Ask an officer to simplify its text."
        )
    logger.error("PDF cannot be laid out (%s): %s", error.detail, message)
    cache.set(_broken_key(html), message, timeout=settings.PDF_CACHE_SECONDS)
    return sandbox.PDFDocumentError(message, detail=error.detail, explained=True)


def _author(report: UpdateReport | None, review: Review) -> str:
    if report is not None and report.author_id:
        return report.author.name
    return f"{review.committee.name}, {review.committee.authority.name}"


_OL_START = re.compile(r'<ol start="(\d{1,9})">')


def _numbered_as_typed(html: str) -> str:
    """WeasyPrint ignores ``<ol start>``: a list typed from 4 would print from 1. Its list
    counter is set instead (browsers honour ``start``; pages keep the attribute alone)."""
    return _OL_START.sub(
        lambda m: f'<ol start="{m[1]}" style="counter-reset: list-item {int(m[1]) - 1}">', html
    )


def appendix_html(appendix: Appendix) -> str:
    return _numbered_as_typed(
        render_to_string(
            "reports/appendix_pdf.html",
            {
                "appendix": appendix,
                "title": appendix.heading,
                "author": _author(None, appendix.review),
            },
        )
    )


def pack_html(pack: MeetingPack) -> str:
    meeting = pack.meeting
    author = (
        pack.cover.author.name if pack.cover and pack.cover.author_id else meeting.committee.name
    )
    return _numbered_as_typed(
        render_to_string(
            "reports/pack_pdf.html",
            {"pack": pack, "meeting": meeting, "title": pack.title, "author": author},
        )
    )


def tracker_html(tracker: Tracker, description: str) -> str:
    return _numbered_as_typed(
        render_to_string(
            "reports/tracker_pdf.html",
            {"tracker": tracker, "title": tracker.title, "description": description, "author": ""},
        )
    )


def annual_report_html(report) -> str:
    """The annual report for print: a cover, its contents, then the page's tables and charts
    without their links."""
    return render_to_string(
        "reports/annual_pdf.html",
        {"report": report, "title": report.title, "author": "", "today": timezone.localdate()},
    )
