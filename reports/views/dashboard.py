"""The dashboard, where each review under monitoring stands with the follow-ups due, and the
published meanings of the labels."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reports import dashboard
from reports.views.common import meanings_context


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: where each review under monitoring stands, with every figure linking to
    the table of exactly the recommendations it counts."""
    return render(
        request,
        "recommendations/dashboard.html",
        {
            "dashboard": dashboard.cached_dashboard(page_number=request.GET.get("page")),
            "nav": "dashboard",
            **meanings_context(),
        },
    )


def label_meanings(request: HttpRequest) -> HttpResponse:
    return render(
        request, "recommendations/label_meanings.html", {"nav": "labels", **meanings_context()}
    )
