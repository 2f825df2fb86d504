"""Update reports (monitoring rounds), which clerks manage too."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from recommendations import forms, services
from recommendations.models import UpdateReport
from recommendations.views.common import (
    _form_page,
    _get_review,
    _needs,
    _saved_copy,
    _saved_or_conflict,
)

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
