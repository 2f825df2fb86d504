"""Reading pages for everyone signed in, and the officers' editing pages.

Every editing view names the model permission it needs (``_needs``) and answers 403 without
it; login itself is enforced for every page by ``LoginRequiredMiddleware``. Views validate
with a form and write through ``services``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db import models
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from recommendations import changes, forms, meanings, monitoring, selectors, services
from recommendations.models import (
    Lead,
    Meeting,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)


def _needs(*codenames: str) -> Callable:
    """Require every named permission of this app; 403 (not a login loop) without them."""
    return permission_required(
        [f"recommendations.{codename}" for codename in codenames], raise_exception=True
    )


def _meanings_context() -> dict[str, Any]:
    return {
        "statuses": meanings.STATUSES,
        "decisions": meanings.DECISIONS,
        "rag": meanings.RAG,
        "overdue_meaning": meanings.OVERDUE,
        "closed_meaning": meanings.CLOSED,
        "counting_rule": meanings.COUNTING,
    }


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: where each review under monitoring stands, with every figure linking to
    the table of exactly the recommendations it counts."""
    return render(
        request,
        "recommendations/dashboard.html",
        {
            "dashboard": monitoring.cached_dashboard(page_number=request.GET.get("page")),
            "nav": "dashboard",
            **_meanings_context(),
        },
    )


def label_meanings(request: HttpRequest) -> HttpResponse:
    return render(
        request, "recommendations/label_meanings.html", {"nav": "labels", **_meanings_context()}
    )


def review_changes(request: HttpRequest, slug: str) -> HttpResponse:
    start, end = request.GET.get("from") or None, request.GET.get("to") or None
    comparison = changes.compare(slug, start, end)
    return render(
        request,
        "recommendations/review_changes.html",
        {"review": comparison.review, "comparison": comparison},
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


# --- Editing helpers ----------------------------------------------------------------------


def _get_review(slug: str) -> Review:
    return get_object_or_404(Review.objects.select_related("committee"), slug=slug)


def _get_recommendation(slug: str, label: str) -> Recommendation:
    return get_object_or_404(
        Recommendation.objects.select_related("review", "parent"), review__slug=slug, label=label
    )


def _form_page(request: HttpRequest, template: str, form: BaseForm, **context: Any) -> HttpResponse:
    return render(request, template, {"form": form, **context})


def _saved_or_conflict(form: forms.VersionedForm, save: Callable[[], object]) -> bool:
    """Run the save; on a conflicting edit, put the message on the form and keep the text."""
    try:
        save()
    except services.EditConflict as conflict:
        form.add_error(None, str(conflict))
        form.keep_typed_text_for_retry(conflict.current_version)
        return False
    except services.NotClosed as refusal:
        # Someone reopened it after this request found it closed.
        form.add_error(None, str(refusal))
        return False
    return True


def _saved_copy(instance: models.Model) -> models.Model | None:
    """The version in the database now, to show beside the editor's own text after a conflict."""
    return type(instance)._default_manager.filter(pk=instance.pk).first()


def _direction(request: HttpRequest) -> str | None:
    direction = request.POST.get("direction")
    return direction if direction in {"up", "down"} else None


# --- Reviews ------------------------------------------------------------------------------


@_needs("add_review")
def review_create(request: HttpRequest) -> HttpResponse:
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review = services.review_create(review=form.instance, user=request.user)
        messages.success(request, "Review created.")
        return redirect(review)
    return _form_page(request, "recommendations/review_form.html", form, review=None)


@_needs("change_review")
def review_edit(request: HttpRequest, slug: str) -> HttpResponse:
    review = _get_review(slug)
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


@_needs("change_recommendation")
def review_reorder(request: HttpRequest, slug: str) -> HttpResponse:
    review, recommendations = selectors.review_with_recommendations(slug)
    return render(
        request,
        "recommendations/review_reorder.html",
        {"review": review, "recommendations": recommendations},
    )


# --- Recommendations ----------------------------------------------------------------------


@_needs("add_recommendation")
def recommendation_create(request: HttpRequest, slug: str) -> HttpResponse:
    review = _get_review(slug)
    form = forms.RecommendationForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        recommendation = services.recommendation_create(
            recommendation=form.instance, user=request.user
        )
        messages.success(request, f"Recommendation {recommendation.label} added.")
        return redirect(recommendation)
    return _form_page(request, "recommendations/recommendation_form.html", form, review=review)


@_needs("change_recommendation")
def recommendation_edit(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    recommendation = _get_recommendation(slug, label)
    form = forms.RecommendationForm(
        request.POST or None, instance=recommendation, review=recommendation.review
    )
    context = {"review": recommendation.review, "recommendation": recommendation}
    if request.method == "POST" and form.is_valid():
        if _saved_or_conflict(
            form,
            lambda: services.recommendation_update(
                recommendation=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        ):
            messages.success(request, f"Recommendation {form.instance.label} saved.")
            return redirect(form.instance)
        context["saved"] = _saved_copy(recommendation)
    return _form_page(request, "recommendations/recommendation_form.html", form, **context)


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
    recommendation = _get_recommendation(slug, label)
    if refusal is not None and (reason := refusal(recommendation)):
        messages.info(request, reason)
        return redirect(recommendation)
    form = form_class(request.POST or None, instance=recommendation)
    context = {"review": recommendation.review, "recommendation": recommendation}
    if request.method == "POST" and form.is_valid():
        if _saved_or_conflict(form, lambda: save(form)):
            messages.success(request, message)
            return redirect(recommendation)
        context["saved"] = _saved_copy(recommendation)
    return _form_page(request, template, form, **context)


@_needs("change_recommendation")
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


@_needs("change_recommendation")
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
        refusal=lambda rec: f"Recommendation {label} is already closed."
        if rec.closed_at_meeting_id else "",
    )  # fmt: skip


@_needs("change_recommendation")
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
        else f"Recommendation {label} is not closed, so there is nothing to reopen.",
    )  # fmt: skip


@require_POST
@_needs("change_recommendation")
def recommendation_move(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    recommendation = _get_recommendation(slug, label)
    direction = _direction(request)
    if direction is None:
        return HttpResponseBadRequest("Move up or down.")
    services.recommendation_move(
        recommendation=recommendation, direction=direction, user=request.user
    )
    messages.success(request, f"Recommendation {label} moved {direction}.")
    return redirect("recommendations:review_reorder", slug=slug)


@_needs("change_response")
def response_edit(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    recommendation = _get_recommendation(slug, label)
    response = Response.objects.filter(recommendation=recommendation).first() or Response(
        recommendation=recommendation
    )
    form = forms.ResponseForm(request.POST or None, instance=response)
    context = {"review": recommendation.review, "recommendation": recommendation}
    if request.method == "POST" and form.is_valid():
        if _saved_or_conflict(
            form,
            lambda: services.response_save(
                response=form.instance,
                expected_version=form.cleaned_data.get("version"),
                user=request.user,
            ),
        ):
            messages.success(request, "Response saved.")
            return redirect(recommendation)
        context["saved"] = _saved_copy(response)
    return _form_page(request, "recommendations/response_form.html", form, **context)


# --- Leads --------------------------------------------------------------------------------


@_needs("add_lead", "change_lead", "delete_lead")
def lead_list(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    recommendation = _get_recommendation(slug, label)
    form = forms.LeadForm(request.POST or None, recommendation=recommendation)
    if request.method == "POST" and form.is_valid():
        lead = services.lead_add(
            recommendation=recommendation,
            role=form.cleaned_data["role"],
            person=form.cleaned_data["person"],
            new_person_name=form.cleaned_data["new_person_name"].strip(),
            new_person_job_title=form.cleaned_data["new_person_job_title"].strip(),
            new_person_organisation=form.cleaned_data["new_person_organisation"].strip(),
            user=request.user,
        )
        messages.success(request, f"{lead.person.name} added as {lead.get_role_display()}.")
        return redirect("recommendations:lead_list", slug=slug, label=label)
    leads = recommendation.leads.select_related("person")
    return _form_page(
        request, "recommendations/lead_form.html", form,
        review=recommendation.review, recommendation=recommendation, leads=leads,
    )  # fmt: skip


def _get_lead(slug: str, label: str, pk: int) -> Lead:
    return get_object_or_404(
        Lead.objects.select_related("recommendation__review", "person"),
        pk=pk, recommendation__review__slug=slug, recommendation__label=label,
    )  # fmt: skip


@_needs("change_lead")
def lead_edit(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    lead = _get_lead(slug, label, pk)
    recommendation = lead.recommendation
    form = forms.LeadForm(request.POST or None, instance=lead, recommendation=recommendation)
    if request.method == "POST" and form.is_valid():
        services.lead_update(lead=form.instance, user=request.user)
        messages.success(request, "Lead saved.")
        return redirect("recommendations:lead_list", slug=slug, label=label)
    return _form_page(
        request, "recommendations/lead_edit_form.html", form,
        review=recommendation.review, recommendation=recommendation, lead=lead,
    )  # fmt: skip


@require_POST
@_needs("delete_lead")
def lead_remove(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    lead = _get_lead(slug, label, pk)
    services.lead_remove(lead=lead, user=request.user)
    messages.success(request, f"{lead.person.name} removed as {lead.get_role_display()}.")
    return redirect("recommendations:lead_list", slug=slug, label=label)


@require_POST
@_needs("change_lead")
def lead_move(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    lead = _get_lead(slug, label, pk)
    direction = _direction(request)
    if direction is None:
        return HttpResponseBadRequest("Move up or down.")
    services.lead_move(lead=lead, direction=direction, user=request.user)
    return redirect("recommendations:lead_list", slug=slug, label=label)


# --- Progress updates ---------------------------------------------------------------------


def _get_update(slug: str, label: str, pk: int) -> ProgressUpdate:
    return get_object_or_404(
        ProgressUpdate.objects.select_related("recommendation__review", "report"),
        pk=pk, recommendation__review__slug=slug, recommendation__label=label,
    )  # fmt: skip


@_needs("add_progressupdate")
def progress_update_create(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    recommendation = _get_recommendation(slug, label)
    initial = {"report": request.GET.get("report")} if request.GET.get("report") else None
    form = forms.ProgressUpdateForm(
        request.POST or None, initial=initial, recommendation=recommendation
    )
    if request.method == "POST" and form.is_valid():
        services.progress_update_create(update=form.instance, user=request.user)
        messages.success(request, "Progress update added.")
        return redirect(recommendation)
    return _form_page(
        request, "recommendations/progressupdate_form.html", form,
        review=recommendation.review, recommendation=recommendation,
    )  # fmt: skip


@_needs("change_progressupdate")
def progress_update_edit(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    update = _get_update(slug, label, pk)
    if update.is_locked:
        raise services.RecordLocked()
    recommendation = update.recommendation
    form = forms.ProgressUpdateForm(
        request.POST or None, instance=update, recommendation=recommendation
    )
    context = {"review": recommendation.review, "recommendation": recommendation, "update": update}
    if request.method == "POST" and form.is_valid():
        if _saved_or_conflict(
            form,
            lambda: services.progress_update_edit(
                update=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        ):
            messages.success(request, "Progress update saved.")
            return redirect(recommendation)
        context["saved"] = _saved_copy(update)
    return _form_page(request, "recommendations/progressupdate_form.html", form, **context)


@require_POST
@_needs("delete_progressupdate")
def progress_update_delete(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    update = _get_update(slug, label, pk)
    services.progress_update_delete(update=update, user=request.user)
    messages.success(request, f"The update as at {update.as_at_display} was deleted.")
    return redirect(update.recommendation)


@_needs("add_progressupdate")
def progress_update_correct(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    original = _get_update(slug, label, pk)
    recommendation = original.recommendation
    initial = {
        field: getattr(original, field)
        for field in ["as_at", "as_at_precision", "status", "text", "timescale", "target_date"]
    }
    form = forms.ProgressUpdateForm(
        request.POST or None, initial=initial, recommendation=recommendation
    )
    if request.method == "POST" and form.is_valid():
        services.progress_update_correct(
            original=original, correction=form.instance, user=request.user
        )
        messages.success(request, "Correction added. The original update stays on the record.")
        return redirect(recommendation)
    return _form_page(
        request, "recommendations/progressupdate_form.html", form,
        review=recommendation.review, recommendation=recommendation, original=original,
    )  # fmt: skip


# --- Update reports and meetings (clerks too) ---------------------------------------------


def _get_report(slug: str, pk: int) -> UpdateReport:
    return get_object_or_404(
        UpdateReport.objects.select_related("review", "meeting"), pk=pk, review__slug=slug
    )


def update_report_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = _get_report(slug, pk)
    updates = report.updates.select_related("recommendation", "corrects").order_by(
        "recommendation__order", "recommendation__id", "-as_at", "-id"
    )
    return render(
        request,
        "recommendations/updatereport_detail.html",
        {"review": report.review, "report": report, "updates": updates},
    )


@_needs("add_updatereport")
def update_report_create(request: HttpRequest, slug: str) -> HttpResponse:
    review = _get_review(slug)
    form = forms.UpdateReportForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        report = services.update_report_create(report=form.instance, user=request.user)
        messages.success(request, f"Update report “{report.title}” started.")
        return redirect("recommendations:update_report_detail", slug=slug, pk=report.pk)
    return _form_page(request, "recommendations/updatereport_form.html", form, review=review)


@_needs("change_updatereport")
def update_report_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = _get_report(slug, pk)
    form = forms.UpdateReportForm(request.POST or None, instance=report, review=report.review)
    context = {"review": report.review, "report": report}
    if request.method == "POST" and form.is_valid():
        if _saved_or_conflict(
            form,
            lambda: services.update_report_update(
                report=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        ):
            messages.success(request, "Update report saved.")
            return redirect("recommendations:update_report_detail", slug=slug, pk=pk)
        context["saved"] = _saved_copy(report)
    return _form_page(request, "recommendations/updatereport_form.html", form, **context)


@require_POST
@_needs("change_updatereport")
def update_report_finalise(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = services.update_report_finalise(report=_get_report(slug, pk), user=request.user)
    messages.success(request, f"“{report.title}” is final. Its updates can no longer be edited.")
    return redirect("recommendations:update_report_detail", slug=slug, pk=pk)


@_needs("add_meeting")
def meeting_create(request: HttpRequest, slug: str) -> HttpResponse:
    review = _get_review(slug)
    form = forms.MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.meeting_create(meeting=form.instance, review=review, user=request.user)
        messages.success(request, "Meeting added.")
        return redirect(review)
    return _form_page(request, "recommendations/meeting_form.html", form, review=review)


@_needs("change_meeting")
def meeting_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    review = _get_review(slug)
    meeting = get_object_or_404(Meeting, pk=pk, reviews=review)
    form = forms.MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        services.meeting_update(meeting=form.instance, user=request.user)
        messages.success(request, "Meeting saved.")
        return redirect(review)
    return _form_page(
        request, "recommendations/meeting_form.html", form, review=review, meeting=meeting
    )
