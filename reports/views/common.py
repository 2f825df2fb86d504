"""What the reports' views share: the permissions they name, the labels' meanings, downloads
and PDF responses."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse, HttpResponseRedirect

from recommendations import meanings
from reports import prerender
from reports.pdf import documents, sandbox

if TYPE_CHECKING:
    from reports.rows import Appendix

logger = logging.getLogger("reports.views")

# Members, clerks and officers read; clerks and officers export; officers change layouts.
VIEW = "recommendations.view_review"
EXPORT = "recommendations.export_review"
CHANGE = "recommendations.change_review"


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pdf_response(html: str, filename: str, appendices: Sequence[Appendix] = ()) -> HttpResponse:
    """The PDF, or a plain-text answer saying what went wrong: a document that cannot be laid
    out names the recommendation at fault among ``appendices`` (422: retrying will not help);
    only a render that ran out of time or memory says "try again later" (503)."""
    try:
        content, from_cache = documents.cached_pdf(html)
    except sandbox.PDFRenderError as error:
        return pdf_error_response(error, html, filename, appendices)
    response = download(content, "application/pdf", filename)
    response["X-PDF-Cache"] = "hit" if from_cache else "miss"
    return response


def stored_pdf_response(
    document: prerender.Document,
    build: Callable[[], tuple[str, list[Appendix]]],
    filename: str,
    *,
    large: bool,
    progress_url: str,
) -> HttpResponse:
    """The document's PDF as the data stands: made ahead by the worker, or here for a small
    one; a large one not yet made sends the user to its progress page."""
    try:
        outcome = prerender.fetch(document, build, large=large)
    except sandbox.PDFRenderError as error:
        # Already explained by prerender, so no HTML is needed to answer it.
        return pdf_error_response(error, "", filename)
    if outcome.pending:
        return HttpResponseRedirect(progress_url)
    response = download(outcome.content, "application/pdf", filename)
    response["X-PDF-Cache"] = "miss" if outcome.source == "rendered" else "hit"
    return response


def pdf_error_response(
    error: sandbox.PDFRenderError, html: str, filename: str, appendices: Sequence[Appendix] = ()
) -> HttpResponse:
    if isinstance(error, sandbox.PDFDocumentError):
        if not error.explained:
            error = documents.explain(
                error, html, appendices, seconds=documents.EXPLAIN_SECONDS_IN_REQUEST
            )
        return HttpResponse(str(error), status=422, content_type="text/plain; charset=utf-8")
    logger.error("PDF render failed for %s: %s", filename, error)
    if isinstance(error, sandbox.PDFRenderTimeout):
        message = "The PDF could not be produced in time. Try again later, or ask for a "
        message += "smaller pack."
    else:
        message = "The PDF renderer stopped before it finished (it may have run out of "
        message += "memory). Try again later, or ask for a smaller pack."
    response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "60"
    return response


def meanings_context() -> dict[str, Any]:
    return {
        "statuses": meanings.STATUSES,
        "decisions": meanings.DECISIONS,
        "rag": meanings.RAG,
        "overdue_meaning": meanings.OVERDUE,
        "closed_meaning": meanings.CLOSED,
        "verdicts": meanings.VERDICTS,
        "disputed_meaning": meanings.DISPUTED,
        "counting_rule": meanings.COUNTING,
    }
