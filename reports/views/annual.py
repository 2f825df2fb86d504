"""The annual report: what became of recommendations in a year, as a page with its charts,
and as XLSX, PDF (cover and contents, as committee packs have) and DOCX."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from recommendations import access
from recommendations.models import Authority
from reports import annual
from reports.exporters.annual import AnnualReportExporter
from reports.forms import AnnualReportForm
from reports.pdf import documents
from reports.views.common import EXPORT, VIEW, download, pdf_response


def _report(request: HttpRequest, *, cached: bool = False) -> tuple[AnnualReportForm, Any]:
    """The report the query asks for; a field that does not read falls back to its default
    and says so on the form. ``cached``: the page's (report, its tables as HTML)."""
    authority_slug = request.GET.get("authority") or ""
    chosen = Authority.objects.filter(slug=authority_slug).first() if authority_slug else None
    starts = annual.year_starts(chosen)
    years = [(y, annual.period_of(y, starts).label) for y in annual.years_available(chosen, starts)]
    form = AnnualReportForm(request.GET or None, years=years)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    build = annual.cached_annual_page if cached else annual.annual_report
    report = build(authority=data.get("authority"), year=data.get("year"), as_at=data.get("as_at"))
    return form, report


def annual_report(request: HttpRequest) -> HttpResponse:
    access.require(request, VIEW)
    form, (report, tables) = _report(request, cached=True)
    query = request.GET.urlencode()
    return render(
        request,
        "reports/annual.html",
        {
            "form": form,
            "report": report,
            "tables": mark_safe(tables),  # noqa: S308 -- our template's output, escaped there
            "query": query,
            "can_export": request.user.has_perm(EXPORT),
            "today": timezone.localdate(),
            "nav": "annual",
        },
    )


def _export(request: HttpRequest, format: str) -> HttpResponse:
    access.require(request, EXPORT)
    _, report = _report(request)
    filename, content_type, content = AnnualReportExporter(report).render(format)
    return download(content, content_type, filename)


def annual_report_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")


def annual_report_docx(request: HttpRequest) -> HttpResponse:
    return _export(request, "docx")


def annual_report_pdf(request: HttpRequest) -> HttpResponse:
    access.require(request, EXPORT)
    _, report = _report(request)
    return pdf_response(documents.annual_report_html(report), "annual-report.pdf")
