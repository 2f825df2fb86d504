"""A review's appendix page, its CSV, XLSX, DOCX and PDF, and the officers' appendix settings."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from recommendations import access
from recommendations.views.common import form_page, save_or_show_errors
from reports import dashboard, rows, selectors
from reports.exporters.appendix import AppendixExporter
from reports.forms import AppendixSettingsForm
from reports.models import AppendixSettings
from reports.pdf import documents
from reports.services import appendix_settings_set
from reports.tables import AppendixTable
from reports.views.common import CHANGE, EXPORT, VIEW, download, pdf_response


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
            "summary": dashboard.summarise(
                item.review,
                [row.recommendation for row in item.rows],
                meetings=item.review.meetings.all(),
                reports=reports,
            ),
        },
    )


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


def appendix_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    item = _appendix_for(request, slug, EXPORT)
    return pdf_response(
        documents.appendix_html(item), f"{AppendixExporter(item).filename}.pdf", [item]
    )


def appendix_settings(request: HttpRequest, slug: str) -> HttpResponse:
    review = access.review_for(request, slug, permission=CHANGE)
    settings = AppendixSettings.objects.filter(review=review).first() or AppendixSettings(
        review=review
    )
    form = AppendixSettingsForm(request.POST or None, instance=settings)
    context = {"review": review}
    if request.method == "POST" and form.is_valid():
        if save_or_show_errors(
            form,
            lambda: appendix_settings_set(
                review=review,
                layout=form.cleaned_data["layout"],
                headings=form.headings(),
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        ):
            messages.success(request, "The appendix layout has been saved.")
            return redirect("reports:appendix", slug=review.slug)
        if form.had_conflict:
            context["saved"] = AppendixSettings.objects.filter(review=review).first()
    return form_page(request, "reports/appendix_settings_form.html", form, **context)
