"""Trackers across reviews: a committee's, an authority's or every authority's recommendations
in one table, filtered as ``/recommendations/`` is (open ones unless asked otherwise), grouped
by review or by committee, in any layout, each row with its reference; as a page, CSV, XLSX,
DOCX and PDF."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from recommendations import access
from reports import rows, selectors
from reports.exporters.tracker import TrackerExporter
from reports.filters import SEARCH_TOO_COMPLEX, TrackerFilter, is_too_complex, tracker_query
from reports.layouts import DEFAULT_LAYOUT, LAYOUTS
from reports.pdf import documents
from reports.views.common import EXPORT, VIEW, download, pdf_response

FORMATS = ("csv", "xlsx", "docx")
TOO_BIG_FOR_PDF = (
    "This tracker has {rows} rows, more than a PDF made while you wait can hold ({limit}). "
    "Download it as Word or Excel, or narrow the filters."
)


def _filterset(request: HttpRequest) -> TrackerFilter:
    return TrackerFilter(
        tracker_query(request.GET), queryset=selectors.recommendation_list(), request=request
    )


def _title(filterset: TrackerFilter) -> str:
    data = filterset.form.cleaned_data if filterset.is_valid() else {}
    whose = (
        data.get("committee") or data.get("authority") or data.get("review") or "All authorities"
    )
    closed = data.get("closed")
    which = {"hide": "open", "only": "closed"}.get(closed, "all")
    return f"Tracker: {whose}, {which} recommendations"


def _tracker(filterset: TrackerFilter) -> rows.Tracker:
    data = filterset.form.cleaned_data if filterset.is_valid() else {}
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    return rows.build_tracker(
        # Filtered by priority, open priorities come first; otherwise the papers' order.
        selectors.tracker_data(queryset, priority_first=bool(data.get("priority"))),
        title=_title(filterset),
        layout=LAYOUTS[data.get("layout") or DEFAULT_LAYOUT],
        group_by=data.get("group") or "review",
    )


def _description(tracker: rows.Tracker) -> str:
    count = len(tracker.rows)
    grouped = rows.GROUPINGS[tracker.group_by].lower()
    today = timezone.localdate()
    return (
        f"{count} recommendation{'' if count == 1 else 's'}, grouped by {grouped}, "
        f"each with its latest update, as at {today.day} {today:%B %Y}."
    )


def tracker(request: HttpRequest) -> HttpResponse:
    access.require(request, VIEW)
    filterset = _filterset(request)
    try:
        item = _tracker(filterset)
    except OperationalError as error:
        if not is_too_complex(error):
            raise
        filterset.form.add_error("q", SEARCH_TOO_COMPLEX)
        item = rows.build_tracker(
            selectors.TrackerData([], {}), title=_title(filterset),
            layout=LAYOUTS[DEFAULT_LAYOUT], group_by="review",
        )  # fmt: skip
    query = tracker_query(request.GET).urlencode()
    return render(
        request,
        "reports/tracker.html",
        {
            "filter": filterset,
            "tracker": item,
            "description": _description(item),
            "query": query,
            "can_export": request.user.has_perm(EXPORT),
            "nav": "recommendations",
        },
    )


def _export(request: HttpRequest, format: str) -> HttpResponse:
    access.require(request, EXPORT)
    try:
        item = _tracker(_filterset(request))
        filename, content_type, content = TrackerExporter(
            item, description=_description(item)
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


def tracker_pdf(request: HttpRequest) -> HttpResponse:
    """Within the request's limits only: a tracker with more rows than a request may render
    sends the clerk back to the tracker, to download Word or Excel or narrow it."""
    access.require(request, EXPORT)
    filterset = _filterset(request)
    try:
        count = filterset.qs.count() if filterset.is_valid() else 0
        if count > settings.PDF_PACK_REQUEST_MAX_ROWS:
            messages.error(
                request,
                TOO_BIG_FOR_PDF.format(rows=count, limit=settings.PDF_PACK_REQUEST_MAX_ROWS),
            )
            return redirect(f"{reverse('reports:tracker')}?{request.GET.urlencode()}")
        item = _tracker(filterset)
    except OperationalError as error:
        if not is_too_complex(error):
            raise
        return HttpResponse(SEARCH_TOO_COMPLEX, status=400, content_type="text/plain")
    return pdf_response(documents.tracker_html(item, _description(item)), "tracker.pdf")
