"""Update reports (monitoring rounds), which clerks manage too."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from recommendations import access, forms, selectors, services
from recommendations.views.common import (
    form_page,
    save_or_show_errors,
    saved_copy,
)


def update_report_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = access.report_for(request, slug, pk, permission=None)
    entries = selectors.report_entries(report)
    counted = [entry for entry in entries if entry.counted]
    return render(
        request,
        "recommendations/updatereport_detail.html",
        {
            "review": report.review,
            "report": report,
            "entries": entries,
            "counted": len(counted),
            "updated": sum(1 for entry in counted if entry.updates),
            "without": [entry for entry in counted if not entry.updates],
            "events": selectors.report_events(report),
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
    if report.is_final and request.method != "POST":
        # A form posted as the report became final comes back with the service's refusal
        # above what was typed, instead.
        raise services.RecordLocked(services.REPORT_DETAILS_FINAL_MESSAGE)
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


def update_report_finalise(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A confirmation page: how many recommendations have an update in this round, and which
    have none (those need a reason); confirming makes the report final."""
    report = access.report_for(request, slug, pk, permission="change_updatereport")
    here = redirect("recommendations:update_report_detail", slug=slug, pk=pk)
    if report.is_final:
        messages.info(request, f"“{report.title}” is already final.")
        return here
    rows = selectors.round_rows(report)
    gaps = [row for row in rows if row.current is None]
    form = forms.FinaliseReportForm(
        request.POST or None, instance=report, gaps=[row.recommendation for row in gaps]
    )
    if request.method == "POST" and form.is_valid():
        finalised = save_or_show_errors(
            form,
            lambda: services.update_report_finalise(
                report=report,
                expected_version=form.cleaned_data["version"],
                user=request.user,
                gaps_reason=form.cleaned_data.get("finalised_with_gaps_reason", ""),
                confirmed_gaps=form.cleaned_data["gaps"],
            ),
        )
        if finalised is not None:
            messages.success(
                request,
                f"“{finalised.title}” is final. Its details and updates can no longer be edited.",
            )
            return here
    if form.is_bound and (form["gaps"].value() or "") != form["gaps"].initial:
        # Updates were entered or removed meanwhile: say so, and let confirming again confirm
        # the list the page shows now.
        if not form.has_error(NON_FIELD_ERRORS, code="gaps_changed"):
            form.add_error(None, services.GapsChanged())
        form.show_gaps([row.recommendation.pk for row in gaps])
    return form_page(
        request,
        "recommendations/updatereport_finalise.html",
        form,
        review=report.review,
        report=report,
        rows=rows,
        gaps=gaps,
        updated=len(rows) - len(gaps),
    )


def update_report_reopen(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An officer makes a final report a draft again, giving the reason; the report's page
    lists each finalisation and reopening, with who and when."""
    report = access.report_for(request, slug, pk, permission="reopen_updatereport")
    here = redirect("recommendations:update_report_detail", slug=slug, pk=pk)
    if not report.is_final:
        messages.info(request, f"“{report.title}” is not final, so there is nothing to reopen.")
        return here
    form = forms.ReopenReportForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        reopened = save_or_show_errors(
            form,
            lambda: services.update_report_reopen(
                report=report,
                reason=form.cleaned_data["reopened_reason"],
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        )
        if reopened is not None:
            messages.success(
                request, f"“{reopened.title}” is reopened: its details and updates can be edited."
            )
            return here
    return form_page(
        request,
        "recommendations/updatereport_reopen.html",
        form,
        review=report.review,
        report=report,
    )
