"""A recommendation's page and its editing: text, response, overdue label, priority, closing,
reopening, moving."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from recommendations import access, forms, meanings, selectors, services
from recommendations.models import Recommendation, Response
from recommendations.views.common import (
    form_page,
    move_direction,
    save_or_show_errors,
    saved_copy,
)


def recommendation_detail(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    recommendation = selectors.recommendation_detail(slug, label)
    return render(
        request,
        "recommendations/recommendation_detail.html",
        {
            "review": recommendation.review,
            "recommendation": recommendation,
            "timeline": selectors.recommendation_timeline(recommendation),
            "record": selectors.recommendation_record(recommendation),
            "target_history": selectors.target_date_history(recommendation),
            "overdue_meaning": meanings.OVERDUE,
        },
    )


def recommendation_create(request: HttpRequest, slug: str) -> HttpResponse:
    review = access.review_for(request, slug, permission="add_recommendation")
    form = forms.RecommendationForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        recommendation = save_or_show_errors(
            form,
            lambda: services.recommendation_create(recommendation=form.instance, user=request.user),
        )
        if recommendation is not None:
            messages.success(request, f"{recommendation.name} added.")
            return redirect(recommendation)
    return form_page(request, "recommendations/recommendation_form.html", form, review=review)


def recommendation_edit(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    recommendation = access.recommendation_for(
        request, slug, label, permission="change_recommendation"
    )
    form = forms.RecommendationForm(
        request.POST or None, instance=recommendation, review=recommendation.review
    )
    context = {"review": recommendation.review, "recommendation": recommendation}
    if request.method == "POST" and form.is_valid():
        if save_or_show_errors(
            form,
            lambda: services.recommendation_update(
                recommendation=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        ):
            messages.success(request, f"{form.instance.name} saved.")
            return redirect(form.instance)
        if form.had_conflict:
            context["saved"] = saved_copy(recommendation)
    return form_page(request, "recommendations/recommendation_form.html", form, **context)


def _recommendation_form(
    request: HttpRequest,
    slug: str,
    label: str,
    form_class: type[forms.VersionedForm],
    template: str,
    save: Callable[[forms.VersionedForm], object],
    message: str,
    refusal: Callable[[Recommendation], str] | None = None,
) -> HttpResponse:
    """``refusal`` says why this action does not apply to the recommendation as it stands
    (a stale link or a second tab): the officer is sent back to its page with that message."""
    recommendation = access.recommendation_for(
        request, slug, label, permission="change_recommendation"
    )
    if refusal is not None and (reason := refusal(recommendation)):
        messages.info(request, reason)
        return redirect(recommendation)
    form = form_class(request.POST or None, instance=recommendation)
    context = {"review": recommendation.review, "recommendation": recommendation}
    if request.method == "POST" and form.is_valid():
        if save_or_show_errors(form, lambda: save(form)):
            messages.success(request, message)
            return redirect(recommendation)
        if form.had_conflict:
            context["saved"] = saved_copy(recommendation)
    return form_page(request, template, form, **context)


def recommendation_overdue(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    return _recommendation_form(
        request, slug, label, forms.OverdueOverrideForm,
        "recommendations/overdue_form.html",
        lambda form: services.recommendation_set_overdue_override(
            recommendation=form.instance,
            override=form.cleaned_data["overdue_override"],
            reason=form.cleaned_data["overdue_override_reason"],
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        "The overdue label has been saved.",
    )  # fmt: skip


def recommendation_close(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    return _recommendation_form(
        request, slug, label, forms.CloseRecommendationForm,
        "recommendations/close_form.html",
        lambda form: services.recommendation_close(
            recommendation=form.instance,
            meeting=form.cleaned_data["closed_at_meeting"],
            reason=form.cleaned_data["closed_reason"],
            evidence=form.cleaned_data["closed_evidence"],
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        "The recommendation is closed. It stays on the record.",
        # Closing again would overwrite the committee's recorded decision: reopen it first.
        refusal=lambda rec: f"{rec.name} is already closed."
        if rec.closed_at_meeting_id else "",
    )  # fmt: skip


def recommendation_reopen(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    return _recommendation_form(
        request, slug, label, forms.ReopenRecommendationForm,
        "recommendations/reopen_form.html",
        lambda form: services.recommendation_reopen(
            recommendation=form.instance,
            meeting=form.cleaned_data["reopened_at_meeting"],
            reason=form.cleaned_data["reopened_reason"],
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        "The recommendation is reopened. Its closure stays in the history.",
        refusal=lambda rec: "" if rec.closed_at_meeting_id
        else f"{rec.name} is not closed, so there is nothing to reopen.",
    )  # fmt: skip


def recommendation_priority(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    return _recommendation_form(
        request, slug, label, forms.PriorityForm,
        "recommendations/priority_form.html",
        lambda form: services.recommendation_set_priority(
            recommendation=form.instance,
            is_priority=True,
            reason=form.cleaned_data["priority_reason"],
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        "It is marked as a priority.",
    )  # fmt: skip


def recommendation_priority_remove(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    return _recommendation_form(
        request, slug, label, forms.RemovePriorityForm,
        "recommendations/priority_remove.html",
        lambda form: services.recommendation_set_priority(
            recommendation=form.instance,
            is_priority=False,
            reason="",
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        "It is no longer a priority. Its reason stays in the history.",
        refusal=lambda rec: "" if rec.is_priority
        else f"{rec.name} is not a priority, so there is nothing to remove.",
    )  # fmt: skip


@require_POST
def recommendation_move(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    recommendation = access.recommendation_for(
        request, slug, label, permission="change_recommendation"
    )
    direction = move_direction(request)
    if direction is None:
        return HttpResponseBadRequest("Move up or down.")
    services.recommendation_move(
        recommendation=recommendation, direction=direction, user=request.user
    )
    messages.success(request, f"{recommendation.name} moved {direction}.")
    return redirect("recommendations:review_reorder", slug=slug)


def response_edit(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    recommendation = access.recommendation_for(request, slug, label, permission="change_response")
    response = Response.objects.filter(recommendation=recommendation).first() or Response(
        recommendation=recommendation
    )
    form = forms.ResponseForm(request.POST or None, instance=response)
    context = {"review": recommendation.review, "recommendation": recommendation}
    if request.method == "POST" and form.is_valid():
        if save_or_show_errors(
            form,
            lambda: services.response_save(
                response=form.instance,
                expected_version=form.cleaned_data.get("version"),
                user=request.user,
            ),
        ):
            messages.success(request, "Response saved.")
            return redirect(recommendation)
        if form.had_conflict:
            context["saved"] = saved_copy(response)
    return form_page(request, "recommendations/response_form.html", form, **context)
