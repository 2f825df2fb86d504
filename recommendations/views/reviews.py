"""The review list and the officers' review forms (the review's page is
``reports.views.reviews``')."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from recommendations import access, forms, selectors, services
from recommendations.views.common import form_page, save_or_show_errors, saved_copy

REVIEWS_PER_PAGE = 50


def review_list(request: HttpRequest) -> HttpResponse:
    # get_page() turns a missing, junk or out-of-range ?page= into the nearest real page.
    page = Paginator(selectors.review_list(), REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "recommendations/review_list.html",
        {"reviews": page.object_list, "page": page, "nav": "reviews"},
    )


def review_create(request: HttpRequest) -> HttpResponse:
    access.require(request, "add_review")
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review = save_or_show_errors(
            form, lambda: services.review_create(review=form.instance, user=request.user)
        )
        if review is not None:
            messages.success(request, "Review created.")
            return redirect(review)
    return form_page(request, "recommendations/review_form.html", form, review=None)


def review_edit(request: HttpRequest, slug: str) -> HttpResponse:
    review = access.review_for(request, slug, permission="change_review")
    form = forms.ReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        saved = save_or_show_errors(
            form,
            lambda: services.review_update(
                review=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        )
        if saved is not None:
            messages.success(request, "Review saved.")
            return redirect(saved)
        if form.had_conflict:
            return form_page(
                request, "recommendations/review_form.html", form,
                review=saved_copy(review), conflict=True,
            )  # fmt: skip
    return form_page(request, "recommendations/review_form.html", form, review=review)


def review_reorder(request: HttpRequest, slug: str) -> HttpResponse:
    access.require(request, "change_recommendation")
    review, recommendations = selectors.review_with_recommendations(slug)
    return render(
        request,
        "recommendations/review_reorder.html",
        {"review": review, "recommendations": recommendations},
    )
