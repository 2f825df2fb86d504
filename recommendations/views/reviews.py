"""The review list and the officers' review forms (the review's page is
``reports.views.reviews``')."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.core.validators import slug_re
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from recommendations import access, forms, publication, selectors, services
from recommendations.models import Authority
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
    """Start a review: first the authority it is for (skipped when there is only one; an
    empty ``?authority=`` asks again), then the review, whose form offers that authority's
    committees and people and takes new ones on the spot."""
    access.require(request, "add_review")
    slug = request.GET.get("authority")
    if slug is None and request.method == "GET":
        only = list(Authority.objects.values_list("slug", flat=True)[:2])
        if len(only) == 1:
            return redirect(f"{request.path}?{urlencode({'authority': only[0]})}")
    if not slug:
        return render(
            request,
            "recommendations/review_start.html",
            {"form": forms.AuthorityChoiceForm(), "nav": "reviews"},
        )
    if not slug_re.fullmatch(slug):
        raise Http404("No such authority.")
    authority = get_object_or_404(Authority, slug=slug)
    form = forms.ReviewForm(request.POST or None, authority=authority)
    if request.method == "POST" and form.is_valid():
        review = save_or_show_errors(
            form,
            lambda: services.review_create(
                review=form.instance, user=request.user, added=form.added()
            ),
        )
        if review is not None:
            messages.success(request, "Review created.")
            return redirect(review)
    return form_page(
        request, "recommendations/review_form.html", form, review=None, authority=authority
    )


def review_edit(request: HttpRequest, slug: str) -> HttpResponse:
    review = access.review_for(
        request, slug, permission="change_review", select=("committee__authority",)
    )
    authority = review.committee.authority
    form = forms.ReviewForm(request.POST or None, instance=review, authority=authority)
    if request.method == "POST" and form.is_valid():
        saved = save_or_show_errors(
            form,
            lambda: services.review_update(
                review=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
                added=form.added(),
            ),
        )
        if saved is not None:
            messages.success(request, "Review saved.")
            return redirect(saved)
        if form.had_conflict:
            return form_page(
                request, "recommendations/review_form.html", form,
                review=saved_copy(review), conflict=True, authority=authority,
            )  # fmt: skip
    return form_page(
        request, "recommendations/review_form.html", form, review=review, authority=authority
    )


def review_reorder(request: HttpRequest, slug: str) -> HttpResponse:
    access.require(request, "change_recommendation")
    review, recommendations = selectors.review_with_recommendations(slug)
    return render(
        request,
        "recommendations/review_reorder.html",
        {"review": review, "recommendations": recommendations},
    )


def review_publication(request: HttpRequest, slug: str) -> HttpResponse:
    """Publish a review on the public pages, or take it down: a confirmation page saying what
    becomes public (final update reports and their updates) and what stays private (drafts),
    and the only form that does it, at the version the page showed."""
    review = access.review_for(
        request, slug, permission="publish_review", select=("committee__authority", "published_by")
    )
    form = forms.PublishReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        publish = form.cleaned_data["action"] == "publish"
        service = services.review_publish if publish else services.review_unpublish
        try:
            service(review=review, expected_version=form.cleaned_data["version"], user=request.user)
        except services.EditConflict:
            messages.error(
                request,
                "Someone else changed this review since you opened this page, so nothing was "
                "changed. Check what the page says now.",
            )
            return redirect(request.path)
        if publish:
            messages.success(request, "The review is published: anyone can read its public page.")
        else:
            messages.success(request, "The review is unpublished: its public pages are taken down.")
        return redirect(review)
    return render(
        request,
        "recommendations/review_publication.html",
        {
            "form": form,
            # A refused form is shown with its errors; its button is always for the review
            # as it stands now.
            "fresh": forms.PublishReviewForm(instance=review),
            "review": review,
            "preview": publication.preview(review),
        },
    )
