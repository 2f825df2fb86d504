"""A review's appendix page, its CSV, XLSX, DOCX and PDF, and the officers' appendix settings."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from recommendations import access
from recommendations.models import Recommendation, Review
from recommendations.views.common import form_page, save_or_show_errors
from reports import dashboard, prerender, rows, selectors, tasks
from reports.exporters.appendix import AppendixExporter
from reports.forms import AppendixSettingsForm
from reports.models import AppendixSettings
from reports.pdf import documents
from reports.services import appendix_settings_set
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
