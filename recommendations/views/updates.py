"""Dated progress updates: add, edit, delete, correct."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from recommendations import access, forms, selectors, services
from recommendations.views.common import (
    confirm_delete,
    form_page,
    save_or_show_errors,
    saved_copy,
)


def progress_update_create(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    recommendation = access.recommendation_for(
        request, slug, label, permission="add_progressupdate"
    )
    # The open draft round by default (still changeable); a link from a report names its own.
    if request.GET.get("report"):
        initial = {"report": request.GET.get("report")}
    elif request.method == "GET" and (draft := selectors.open_round(recommendation.review_id)):
        initial = {"report": draft.pk}
    else:
        initial = None
    form = forms.ProgressUpdateForm(
        request.POST or None, initial=initial, recommendation=recommendation
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_show_errors(
            form, lambda: services.progress_update_create(update=form.instance, user=request.user)
        )
    ):
        messages.success(request, "Progress update added.")
        return redirect(recommendation)
    return form_page(
        request, "recommendations/progressupdate_form.html", form,
        review=recommendation.review, recommendation=recommendation,
    )  # fmt: skip


def progress_update_edit(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    update = access.update_for(request, slug, label, pk, permission="change_progressupdate")
    if update.is_locked:
        raise services.RecordLocked()
    recommendation = update.recommendation
    form = forms.ProgressUpdateForm(
        request.POST or None, instance=update, recommendation=recommendation
    )
    context = {"review": recommendation.review, "recommendation": recommendation, "update": update}
    if request.method == "POST" and form.is_valid():
        if save_or_show_errors(
            form,
            lambda: services.progress_update_edit(
                update=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        ):
            messages.success(request, "Progress update saved.")
            return redirect(recommendation)
        if form.had_conflict:
            context["saved"] = saved_copy(update)
    return form_page(request, "recommendations/progressupdate_form.html", form, **context)


def progress_update_delete(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    update = access.update_for(request, slug, label, pk, permission="delete_progressupdate")
    if update.is_locked:
        raise services.RecordLocked()
    recommendation = update.recommendation
    page = confirm_delete(
        request, "recommendations/progressupdate_delete.html", update,
        lambda version: services.progress_update_delete(
            update=update, expected_version=version, user=request.user
        ),
        review=recommendation.review, recommendation=recommendation, update=update,
        effect=selectors.update_deletion(update),
    )  # fmt: skip
    if page is not None:
        return page
    messages.success(request, f"The update as at {update.as_at_display} was deleted.")
    return redirect(update.recommendation)


def progress_update_correct(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    original = access.update_for(request, slug, label, pk, permission="add_progressupdate")
    recommendation = original.recommendation
    initial = {
        field: getattr(original, field)
        for field in ["as_at", "as_at_precision", "status", "text", "timescale", "target_date"]
    }
    form = forms.ProgressUpdateForm(
        request.POST or None, initial=initial, recommendation=recommendation
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_show_errors(
            form,
            lambda: services.progress_update_correct(
                original=original, correction=form.instance, user=request.user
            ),
        )
    ):
        messages.success(request, "Correction added. The original update stays on the record.")
        return redirect(recommendation)
    return form_page(
        request, "recommendations/progressupdate_form.html", form,
        review=recommendation.review, recommendation=recommendation, original=original,
    )  # fmt: skip
