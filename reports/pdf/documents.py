"""The documents we print: an appendix and a committee pack as HTML for the renderer, and a
cache of rendered PDFs keyed by that HTML, so a repeat export of unchanged data is instant and
an edit can never serve a stale PDF."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string

from recommendations.models import Review, UpdateReport
from reports.pdf import sandbox
from reports.selectors import Appendix, MeetingPack


def fingerprint(html: str) -> str:
    """The rendered HTML holds every value the PDF shows, so any edit changes this."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def cache_key(html: str) -> str:
    return f"reports:pdf:{sandbox.PDF_VARIANT}:{fingerprint(html)}"


def cached_pdf(html: str) -> tuple[bytes, bool]:
    """The PDF for this HTML, and whether it came from the cache."""
    key = cache_key(html)
    pdf = cache.get(key)
    if pdf is not None:
        return pdf, True
    pdf = sandbox.render_pdf(html)
    cache.set(key, pdf, timeout=settings.PDF_CACHE_SECONDS)
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
