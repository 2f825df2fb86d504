"""A review's appendix page, its CSV, XLSX, DOCX and PDF, and the officers' appendix settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from recommendations import access
from recommendations.models import Recommendation, Review, UpdateReport
from recommendations.services import EditConflict
from recommendations.views.common import form_page, save_or_show_errors
from reports import dashboard, prerender, rows, selectors, tasks
from reports.exporters.appendix import AppendixExporter
from reports.forms import (
    AppendixLayoutForm,
    AppendixSettingsForm,
    ReportAppendixSettingsForm,
    with_preset,
)
from reports.layouts import FIELDS
from reports.models import AppendixLayoutFields, AppendixSettings, ReportAppendixSettings
from reports.pdf import documents
from reports.services import (
    appendix_settings_set,
    report_appendix_settings_clear,
    report_appendix_settings_set,
)
from reports.tables import AppendixTable
from reports.views.common import CHANGE, EXPORT, VIEW, download, stored_pdf_response

PROGRESS_REFRESH_SECONDS = 5


def _appendix_for(request: HttpRequest, slug: str, permission: str) -> rows.Appendix:
    review = access.review_for(
        request, slug, permission=permission, select=("committee__authority", "appendix_settings")
    )
    return rows.appendix_for_review(review, selectors.parse_report_id(request.GET.get("report")))


def appendix(request: HttpRequest, slug: str) -> HttpResponse:
    item = _appendix_for(request, slug, VIEW)
    reports = list(item.review.update_reports.all())
    return render(
        request,
        "reports/appendix.html",
        {
            "appendix": item,
            "review": item.review,
            "table": AppendixTable.for_appendix(item),
            "reports": reports,
            "query": f"?report={item.report.pk}" if item.report else "",
            "can_export": request.user.has_perm(EXPORT),
            "can_change": request.user.has_perm(CHANGE),
            # The paper keeps its order; its priorities, open ones first, are a filter away.
            "priorities_href": _priorities_href(item),
            "summary": dashboard.summarise(
                item.review,
                [row.recommendation for row in item.rows],
                meetings=item.review.meetings.all(),
                reports=reports,
            ),
        },
    )


def _priorities_href(item: rows.Appendix) -> str:
    if not any(row.recommendation.is_priority for row in item.rows):
        return ""
    query = urlencode({"review": item.review.pk, "priority": "yes", "closed": ""})
    return f"{reverse('reports:tracker')}?{query}"


def _export(request: HttpRequest, slug: str, format: str) -> HttpResponse:
    filename, content_type, content = AppendixExporter(_appendix_for(request, slug, EXPORT)).render(
        format
    )
    return download(content, content_type, filename)


def appendix_csv(request: HttpRequest, slug: str) -> HttpResponse:
    return _export(request, slug, "csv")


def appendix_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    return _export(request, slug, "xlsx")


def appendix_docx(request: HttpRequest, slug: str) -> HttpResponse:
    return _export(request, slug, "docx")


def _appendix_document(request: HttpRequest, slug: str) -> tuple[Review, prerender.Document]:
    review = access.review_for(
        request, slug, permission=EXPORT, select=("committee__authority", "appendix_settings")
    )
    report_id = selectors.parse_report_id(request.GET.get("report"))
    if report_id is not None and not review.update_reports.filter(pk=report_id).exists():
        raise Http404("No such update report.")
    return review, prerender.appendix_document(review.pk, report_id)


def _progress_url(review: Review, document: prerender.Document) -> str:
    url = reverse("reports:appendix_pdf_progress", kwargs={"slug": review.slug})
    return f"{url}?report={document.report_id}" if document.report_id else url


def appendix_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """Served as the worker made it after the last change, when that is what the data shows;
    else made here (small), or by the worker now, with a progress page (large)."""
    review, document = _appendix_document(request, slug)

    def build() -> tuple[str, list[rows.Appendix]]:
        item = rows.appendix_for_review(review, document.report_id)
        return documents.appendix_html(item), [item]

    suffix = f"-report-{document.report_id}" if document.report_id else ""
    return stored_pdf_response(
        document,
        build,
        f"{review.slug}-appendix{suffix}.pdf",
        large=tasks.needs_background(Recommendation.objects.filter(review=review).count()),
        progress_url=_progress_url(review, document),
    )


def appendix_pdf_progress(request: HttpRequest, slug: str) -> HttpResponse:
    """Shown, and refreshed every few seconds, while the worker makes a large appendix's PDF:
    the row's state, never the appendix itself. POST: make it now (Try again)."""
    review, document = _appendix_document(request, slug)
    if request.method == "POST":
        prerender.request_render(document)
        return redirect(_progress_url(review, document))
    row = prerender.status(document)
    query = f"?report={document.report_id}" if document.report_id else ""
    response = render(
        request,
        "reports/appendix_pdf_progress.html",
        {
            "review": review,
            "row": row,
            "download_url": reverse("reports:appendix_pdf", kwargs={"slug": review.slug}) + query,
            "progress_url": _progress_url(review, document),
            "refresh_seconds": PROGRESS_REFRESH_SECONDS,
        },
    )
    if row is not None and row.is_active:
        # Refresh header, not a script: the CSP allows no inline JavaScript.
        response["Refresh"] = str(PROGRESS_REFRESH_SECONDS)
    return response


def _layout_page(
    request: HttpRequest,
    *,
    review: Review,
    report: UpdateReport | None,
    form_class: type[AppendixLayoutForm],
    settings: AppendixLayoutFields,
    save: Callable[[AppendixLayoutForm], object],
    done: str,
    **context: Any,
) -> HttpResponse:
    """One page for a review's layout and a report's own: "Start from this preset" and
    "Preview" show the form again as posted (nothing saved) with the preview of its first
    rows; "Save" saves through the service."""
    action = request.POST.get("action", "save") if request.method == "POST" else None
    data = request.POST if action else None
    if action == "preset":
        data = with_preset(request.POST, form_class(request.POST, instance=settings))
    form = form_class(data, instance=settings)
    valid = form.is_valid() if action else False
    if action == "save" and valid:
        if save_or_show_errors(form, lambda: save(form)):
            messages.success(request, "The appendix layout has been saved.")
            return redirect(done)
        if form.had_conflict:
            context["saved"] = type(settings).objects.filter(pk=settings.pk).first()
    layout = form.as_layout() if valid and not form.had_conflict else settings
    if not valid and action:
        layout = type(settings).objects.filter(pk=settings.pk).first() or settings
    context["preview"] = rows.appendix_preview(review, report.pk if report else None, layout)
    context["fields"] = FIELDS
    return form_page(
        request,
        "reports/appendix_settings_form.html",
        form,
        review=review,
        report=report,
        **context,
    )


def appendix_settings(request: HttpRequest, slug: str) -> HttpResponse:
    review = access.review_for(request, slug, permission=CHANGE)
    settings = AppendixSettings.objects.filter(review=review).first() or AppendixSettings(
        review=review
    )
    return _layout_page(
        request,
        review=review,
        report=None,
        form_class=AppendixSettingsForm,
        settings=settings,
        save=lambda form: appendix_settings_set(
            review=review,
            layout=form.cleaned_data["layout"],
            columns=form.columns(),
            header=form.header(),
            note=form.cleaned_data["note"],
            title=form.cleaned_data["title"],
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        done=reverse("reports:appendix", args=[review.slug]),
    )


def report_appendix_settings(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An update report's own layout; until it has one, the form starts from its review's."""
    report = access.report_for(request, slug, pk, permission=CHANGE)
    review = report.review
    settings = ReportAppendixSettings.objects.filter(report=report).first()
    done = f"{reverse('reports:appendix', args=[review.slug])}?report={report.pk}"
    if request.method == "POST" and request.POST.get("action") == "clear":
        return _clear_report_layout(request, report, settings, done)
    if settings is None:
        inherited = AppendixSettings.objects.filter(review=review).first() or AppendixSettings()
        settings = ReportAppendixSettings(
            report=report,
            layout=inherited.layout,
            columns=[{"field": k, "heading": h} for k, h in inherited.get_columns()],
            header=inherited.get_header_entries(),
            note=inherited.note,
            title=inherited.title,
        )
    return _layout_page(
        request,
        review=review,
        report=report,
        form_class=ReportAppendixSettingsForm,
        settings=settings,
        save=lambda form: report_appendix_settings_set(
            report=report,
            layout=form.cleaned_data["layout"],
            columns=form.columns(),
            header=form.header(),
            note=form.cleaned_data["note"],
            title=form.cleaned_data["title"],
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        done=done,
    )


def _clear_report_layout(
    request: HttpRequest,
    report: UpdateReport,
    settings: ReportAppendixSettings | None,
    done: str,
) -> HttpResponse:
    raw = request.POST.get("version", "")
    version = int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 10 else None
    try:
        report_appendix_settings_clear(report=report, expected_version=version, user=request.user)
    except EditConflict:
        messages.error(
            request,
            "Someone else changed this report's layout since you opened the page, so it was "
            "kept. Check it as it is now.",
        )
        return redirect(request.path)
    if settings is not None:
        messages.success(request, "This report now prints in its review's layout.")
    return redirect(done)
