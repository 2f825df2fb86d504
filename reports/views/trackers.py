"""Trackers across reviews: a committee's, an authority's or every authority's recommendations
in one table, filtered as ``/recommendations/`` is (open ones unless asked otherwise), grouped
by review or by committee, in any layout, each row with its reference; as a page, CSV, XLSX,
DOCX and PDF."""

from __future__ import annotations

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from recommendations import access
from reports import prerender, rows, selectors, tasks, trackers
from reports.exporters.tracker import TrackerExporter
from reports.filters import SEARCH_TOO_COMPLEX, TrackerFilter, is_too_complex, tracker_query
from reports.layouts import DEFAULT_LAYOUT, LAYOUTS
from reports.pdf import documents
from reports.views.common import EXPORT, VIEW, download, pdf_response, stored_pdf_response

FORMATS = ("csv", "xlsx", "docx")
PROGRESS_REFRESH_SECONDS = 5


def _filterset(request: HttpRequest) -> TrackerFilter:
    return trackers.filterset(request.GET, request)


def tracker(request: HttpRequest) -> HttpResponse:
    access.require(request, VIEW)
    filterset = _filterset(request)
    try:
        item = trackers.build(filterset)
    except OperationalError as error:
        if not is_too_complex(error):
            raise
        filterset.form.add_error("q", SEARCH_TOO_COMPLEX)
        item = rows.buildtrackers.build(
            selectors.TrackerData([], {}), title=trackers.title(filterset),
            layout=LAYOUTS[DEFAULT_LAYOUT], group_by="review",
        )  # fmt: skip
    query = tracker_query(request.GET).urlencode()
    return render(
        request,
        "reports/tracker.html",
        {
            "filter": filterset,
            "tracker": item,
            "description": trackers.description(item),
            "query": query,
            "can_export": request.user.has_perm(EXPORT),
            "nav": "recommendations",
        },
    )


def _export(request: HttpRequest, format: str) -> HttpResponse:
    access.require(request, EXPORT)
    try:
        item = trackers.build(_filterset(request))
        filename, content_type, content = TrackerExporter(
            item, description=trackers.description(item)
        ).render(format)
    except OperationalError as error:
        if not is_too_complex(error):
            raise
        return HttpResponse(SEARCH_TOO_COMPLEX, status=400, content_type="text/plain")
    return download(content, content_type, filename)


def tracker_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


def tracker_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")


def tracker_docx(request: HttpRequest) -> HttpResponse:
    return _export(request, "docx")


def _progress_url(query: str) -> str:
    return f"{reverse('reports:tracker_pdf_progress')}?{query}"


def tracker_pdf(request: HttpRequest) -> HttpResponse:
    """Made here when small enough for a request; a larger tracker is made by the worker,
    as a large appendix is: stored by its query and content (never served stale), with a
    progress page meanwhile."""
    access.require(request, EXPORT)
    filterset = _filterset(request)
    try:
        if not tasks.needs_background(trackers.row_count(filterset)):
            item = trackers.build(filterset)
            return pdf_response(
                documents.tracker_html(item, trackers.description(item)), "tracker.pdf"
            )
    except OperationalError as error:
        if not is_too_complex(error):
            raise
        return HttpResponse(SEARCH_TOO_COMPLEX, status=400, content_type="text/plain")
    query = trackers.canonical_query(request.GET)

    def build() -> tuple[str, list]:
        item = trackers.build(filterset)
        return documents.tracker_html(item, trackers.description(item)), []

    return stored_pdf_response(
        prerender.tracker_document(query),
        build,
        "tracker.pdf",
        large=True,
        progress_url=_progress_url(query),
    )


def tracker_pdf_progress(request: HttpRequest) -> HttpResponse:
    """Shown, and refreshed every few seconds, while the worker makes a large tracker's PDF:
    the row's state, never the tracker itself. POST: make it now (Try again)."""
    access.require(request, EXPORT)
    query = trackers.canonical_query(request.GET)
    document = prerender.tracker_document(query)
    if request.method == "POST":
        prerender.request_render(document)
        return redirect(_progress_url(query))
    row = prerender.status(document)
    filterset = _filterset(request)
    response = render(
        request,
        "reports/tracker_pdf_progress.html",
        {
            "title": trackers.title(filterset),
            "row": row,
            "download_url": f"{reverse('reports:tracker_pdf')}?{query}",
            "progress_url": _progress_url(query),
            "tracker_url": f"{reverse('reports:tracker')}?{query}",
            "refresh_seconds": PROGRESS_REFRESH_SECONDS,
            "nav": "recommendations",
        },
    )
    if row is not None and row.is_active:
        # Refresh header, not a script: the CSP allows no inline JavaScript.
        response["Refresh"] = str(PROGRESS_REFRESH_SECONDS)
    return response
