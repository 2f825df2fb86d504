"""Appendix pages and their exports, the cross-review table, and meeting packs.

Who may do what: anyone with a role (``view_review``: members, clerks, officers) reads the
appendix and the table; exports and packs need ``export_review`` (clerks and officers); the
appendix layout needs ``change_review`` (officers).
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from recommendations import monitoring
from recommendations.models import Review
from reports import exports, pdf, selectors, tasks
from reports.filters import RecommendationFilter
from reports.forms import AppendixSettingsForm
from reports.models import AppendixSettings, PackRender
from reports.tables import AppendixTable, IdsFirstQuerysetData, RecommendationTable

logger = logging.getLogger(__name__)

VIEW = "recommendations.view_review"
EXPORT = "recommendations.export_review"
CHANGE = "recommendations.change_review"
PACK_REFRESH_SECONDS = 5


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _appendix_for_request(request: HttpRequest, slug: str, permission: str) -> selectors.Appendix:
    _require(request, permission)
    return selectors.appendix(slug, selectors.parse_report_id(request.GET.get("report")))


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filename(appendix: selectors.Appendix, extension: str) -> str:
    suffix = f"-report-{appendix.report.pk}" if appendix.report else ""
    return f"{appendix.review.slug}-appendix{suffix}.{extension}"


def appendix(request: HttpRequest, slug: str) -> HttpResponse:
    item = _appendix_for_request(request, slug, VIEW)
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
            "summary": monitoring.summarise(
                item.review,
                [row.recommendation for row in item.rows],
                meetings=item.review.meetings.all(),
                reports=reports,
            ),
        },
    )


def appendix_csv(request: HttpRequest, slug: str) -> HttpResponse:
    item = _appendix_for_request(request, slug, EXPORT)
    return _download(
        exports.to_csv(item.iter_text()), exports.CSV_CONTENT_TYPE, _filename(item, "csv")
    )


def appendix_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    item = _appendix_for_request(request, slug, EXPORT)
    content = exports.to_xlsx(item.iter_text(), title=item.review.title, widths=item.layout.widths)
    return _download(content, exports.XLSX_CONTENT_TYPE, _filename(item, "xlsx"))


def _pdf_response(html: str, filename: str) -> HttpResponse:
    try:
        content, from_cache = pdf.cached_pdf(html)
    except pdf.PDFRenderError as error:
        logger.error("PDF render failed for %s: %s", filename, error)
        response = HttpResponse(
            "The PDF could not be produced in time. Try again later, or ask for a smaller pack.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "60"
        return response
    response = _download(content, "application/pdf", filename)
    response["X-PDF-Cache"] = "hit" if from_cache else "miss"
    return response


def appendix_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    item = _appendix_for_request(request, slug, EXPORT)
    return _pdf_response(pdf.appendix_html(item), _filename(item, "pdf"))


def _pack_filename(pack: selectors.MeetingPack) -> str:
    return f"pack-{pack.meeting.date:%Y-%m-%d}-{slugify(pack.meeting.agenda_item)[:60]}.pdf"


def _stored_pack(job: PackRender, pack: selectors.MeetingPack) -> FileResponse:
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=_pack_filename(pack),
        content_type="application/pdf",
    )


def meeting_pack_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Small packs render here; a large one is served from its finished background render,
    or the user is sent to the page that starts one: a request never waits on a long render."""
    _require(request, EXPORT)
    pack = selectors.meeting_pack(pk)
    html = pdf.pack_html(pack)
    if tasks.needs_background(pack):
        job = tasks.finished_render(pack.meeting, pdf.fingerprint(html))
        if job is not None:
            return _stored_pack(job, pack)
        return redirect("reports:meeting_pack", pk=pk)
    return _pdf_response(html, _pack_filename(pack))


def meeting_pack(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, EXPORT)
    pack = selectors.meeting_pack(pk)
    job = tasks.render_for(pack.meeting, pdf.fingerprint(pdf.pack_html(pack)))
    response = render(
        request,
        "reports/pack_progress.html",
        {
            "meeting": pack.meeting,
            "pack": pack,
            "rows": tasks.pack_rows(pack),
            "background": tasks.needs_background(pack),
            "job": job,
            "refresh_seconds": PACK_REFRESH_SECONDS,
        },
    )
    if job is not None and job.is_active:
        # Refresh header, not a script: the CSP allows no inline JavaScript.
        response["Refresh"] = str(PACK_REFRESH_SECONDS)
    return response


@require_POST
def meeting_pack_render(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, EXPORT)
    pack = selectors.meeting_pack(pk)
    tasks.start_pack_render(
        meeting=pack.meeting,
        html=pdf.pack_html(pack),
        rows=tasks.pack_rows(pack),
        user=request.user,
    )
    return redirect("reports:meeting_pack", pk=pk)


def meeting_pack_download(request: HttpRequest, pk: int, render_id: int) -> HttpResponse:
    _require(request, EXPORT)
    job = get_object_or_404(PackRender, pk=render_id, meeting_id=pk, status=PackRender.Status.DONE)
    pack = selectors.meeting_pack(pk)
    if job.fingerprint != pdf.fingerprint(pdf.pack_html(pack)):
        messages.info(request, "The recommendations have changed since that pack was made.")
        return redirect("reports:meeting_pack", pk=pk)
    return _stored_pack(job, pack)


def appendix_settings(request: HttpRequest, slug: str) -> HttpResponse:
    _require(request, CHANGE)
    review = get_object_or_404(Review, slug=slug)
    settings = AppendixSettings.objects.filter(review=review).first() or AppendixSettings(
        review=review
    )
    form = AppendixSettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The appendix layout has been saved.")
        return redirect("reports:appendix", slug=review.slug)
    return render(request, "reports/appendix_settings_form.html", {"review": review, "form": form})


class RecommendationListView(SingleTableMixin, FilterView):
    """Every recommendation across reviews. ``?_export=csv|xlsx`` downloads the filtered rows
    (all pages) through our own writers, which neutralise spreadsheet formulas."""

    table_class = RecommendationTable
    filterset_class = RecommendationFilter
    template_name = "reports/recommendation_list.html"
    export_formats = ("csv", "xlsx")

    extra_context = {"nav": "recommendations"}

    def get_queryset(self):
        return selectors.recommendation_list()

    def get_table_data(self):
        return IdsFirstQuerysetData(super().get_table_data())

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _require(request, VIEW)
        export = request.GET.get("_export")
        if export is None:
            return super().get(request, *args, **kwargs)
        _require(request, EXPORT)
        if export not in self.export_formats:
            return HttpResponse("Unknown export format.", status=400)
        filterset = self.get_filterset(self.get_filterset_class())
        queryset = filterset.qs if filterset.is_valid() else self.get_queryset().none()
        table = self.table_class(queryset)
        table.order_by = request.GET.get("sort")
        rows = table.as_values()
        if export == "csv":
            return _download(exports.to_csv(rows), exports.CSV_CONTENT_TYPE, "recommendations.csv")
        content = exports.to_xlsx(rows, title="Recommendations")
        return _download(content, exports.XLSX_CONTENT_TYPE, "recommendations.xlsx")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("_export", None)
        context["query_string"] = query.urlencode()
        context["can_export"] = self.request.user.has_perm(EXPORT)
        return context
