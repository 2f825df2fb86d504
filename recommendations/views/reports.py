"""Update reports (monitoring rounds), which clerks manage too."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from recommendations import access, forms, services
from recommendations.views.common import (
    form_page,
    save_or_show_errors,
    saved_copy,
)


def update_report_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = access.report_for(request, slug, pk, permission=None)
    updates = report.updates.select_related(
        "recommendation", "corrects", "verdict__meeting", "author"
    ).order_by("recommendation__order", "recommendation__id", "-as_at", "-id")
    return render(
        request,
        "recommendations/updatereport_detail.html",
        {
            "review": report.review,
            "report": report,
            "updates": updates,
            "documents": report.documents.order_by("title", "id"),
            "form": forms.SupportingDocumentForm(),
        },
    )


def update_report_create(request: HttpRequest, slug: str) -> HttpResponse:
    review = access.review_for(request, slug, permission="add_updatereport")
    form = forms.UpdateReportForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        report = save_or_show_errors(
            form,
            lambda: services.update_report_create(
                report=form.instance,
                user=request.user,
                contributors=form.cleaned_data["contributors"],
            ),
        )
        if report is not None:
            messages.success(request, f"Update report “{report.title}” started.")
            return redirect("recommendations:update_report_detail", slug=slug, pk=report.pk)
    return form_page(request, "recommendations/updatereport_form.html", form, review=review)


def update_report_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = access.report_for(request, slug, pk, permission="change_updatereport")
    form = forms.UpdateReportForm(request.POST or None, instance=report, review=report.review)
    context = {"review": report.review, "report": report}
    if request.method == "POST" and form.is_valid():
        if save_or_show_errors(
            form,
            lambda: services.update_report_update(
                report=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
                contributors=form.cleaned_data["contributors"],
            ),
        ):
            messages.success(request, "Update report saved.")
            return redirect("recommendations:update_report_detail", slug=slug, pk=pk)
        if form.had_conflict:
            context["saved"] = saved_copy(report)
    return form_page(request, "recommendations/updatereport_form.html", form, **context)


@require_POST
def update_report_finalise(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = services.update_report_finalise(
        report=access.report_for(request, slug, pk, permission="change_updatereport"),
        user=request.user,
    )
    messages.success(request, f"“{report.title}” is final. Its updates can no longer be edited.")
    return redirect("recommendations:update_report_detail", slug=slug, pk=pk)
