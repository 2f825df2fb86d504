"""Pages that read across reviews and edit nothing: the dashboard, the published meanings of
the labels, and what changed between two update reports."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recommendations import changes, monitoring
from recommendations.views.common import meanings_context


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: where each review under monitoring stands, with every figure linking to
    the table of exactly the recommendations it counts."""
    return render(
        request,
        "recommendations/dashboard.html",
        {
            "dashboard": monitoring.cached_dashboard(page_number=request.GET.get("page")),
            "nav": "dashboard",
            **meanings_context(),
        },
    )


def label_meanings(request: HttpRequest) -> HttpResponse:
    return render(
        request, "recommendations/label_meanings.html", {"nav": "labels", **meanings_context()}
    )


def review_changes(request: HttpRequest, slug: str) -> HttpResponse:
    start, end = request.GET.get("from") or None, request.GET.get("to") or None
    comparison = changes.compare(slug, start, end)
    return render(
        request,
        "recommendations/review_changes.html",
        {"review": comparison.review, "comparison": comparison},
    )
