"""The review list and page, and the officers' review forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from recommendations import access, forms, monitoring, selectors, services
from recommendations.views.common import (
    _form_page,
    _meanings_context,
    _saved_copy,
    _saved_or_conflict,
)

REVIEWS_PER_PAGE = 50


def review_list(request: HttpRequest) -> HttpResponse:
    # get_page() turns a missing, junk or out-of-range ?page= into the nearest real page.
    page = Paginator(selectors.review_list(), REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "recommendations/review_list.html",
        {"reviews": page.object_list, "page": page, "nav": "reviews"},
    )


def review_detail(request: HttpRequest, slug: str) -> HttpResponse:
    review, recommendations = selectors.review_with_recommendations(slug)
    everything = [item for rec in recommendations for item in [rec, *rec.part_list]]
    summary = monitoring.summarise(
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
            **_meanings_context(),
        },
    )


def review_create(request: HttpRequest) -> HttpResponse:
    access.require(request, "add_review")
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review = services.review_create(review=form.instance, user=request.user)
        messages.success(request, "Review created.")
        return redirect(review)
    return _form_page(request, "recommendations/review_form.html", form, review=None)


def review_edit(request: HttpRequest, slug: str) -> HttpResponse:
    review = access.review_for(request, slug, permission="change_review")
    form = forms.ReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        saved = _saved_or_conflict(
            form,
            lambda: services.review_update(
                review=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        )
        if saved:
            messages.success(request, "Review saved.")
            return redirect(form.instance)
        return _form_page(
            request, "recommendations/review_form.html", form,
            review=_saved_copy(review), conflict=True,
        )  # fmt: skip
    return _form_page(request, "recommendations/review_form.html", form, review=review)


def review_reorder(request: HttpRequest, slug: str) -> HttpResponse:
    access.require(request, "change_recommendation")
    review, recommendations = selectors.review_with_recommendations(slug)
    return render(
        request,
        "recommendations/review_reorder.html",
        {"review": review, "recommendations": recommendations},
    )
