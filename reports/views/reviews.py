"""A review's page: where it stands (the summary with its charts, beside the labels' meanings)
and its recommendations. The officers' forms it links to are ``recommendations.views``'."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recommendations import selectors
from reports import dashboard
from reports.views.common import meanings_context


def review_detail(request: HttpRequest, slug: str) -> HttpResponse:
    review, recommendations = selectors.review_with_recommendations(slug)
    everything = [item for rec in recommendations for item in [rec, *rec.part_list]]
    summary = dashboard.summarise(
        review, everything, meetings=review.meetings.all(), reports=review.update_reports.all()
    )
    hide_closed = request.GET.get("closed") == "hide"
    if hide_closed:
        recommendations = [rec for rec in recommendations if not rec.closed_at_meeting_id]
        for rec in recommendations:
            rec.part_list = [part for part in rec.part_list if not part.closed_at_meeting_id]
    return render(
        request,
        "recommendations/review_detail.html",
        {
            "review": review,
            "recommendations": recommendations,
            "summary": summary,
            "hide_closed": hide_closed,
            **meanings_context(),
        },
    )
