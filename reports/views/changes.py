"""What changed in a review between two update reports, or since the last meeting."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reports import changes


def review_changes(request: HttpRequest, slug: str) -> HttpResponse:
    start, end = request.GET.get("from") or None, request.GET.get("to") or None
    comparison = changes.compare(slug, start, end)
    return render(
        request,
        "recommendations/review_changes.html",
        {"review": comparison.review, "comparison": comparison},
    )
