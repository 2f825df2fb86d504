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
from recommendations.models import Meeting, Review
from reports import exports, selectors, tasks
from reports.filters import RecommendationFilter
from reports.forms import AppendixSettingsForm
from reports.models import AppendixSettings, PackRender
from reports.pdf import documents, sandbox
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
        content, from_cache = documents.cached_pdf(html)
    except sandbox.PDFRenderError as error:
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
    return _pdf_response(documents.appendix_html(item), _filename(item, "pdf"))


def _pack_filename(meeting: Meeting) -> str:
    return f"pack-{meeting.date:%Y-%m-%d}-{slugify(meeting.agenda_item)[:60]}.pdf"


def _stored_pack(request: HttpRequest, job: PackRender) -> HttpResponse:
    try:
        stored = job.file.open("rb")
    except OSError:
        # Removed from the shared storage behind our back: say so, and offer "Try again".
        logger.error("Stored pack %s is missing: %s", job.pk, job.file.name)
        PackRender.objects.filter(pk=job.pk).update(
            status=PackRender.Status.FAILED, error=tasks.FILE_MISSING
        )
        messages.error(request, tasks.FILE_MISSING)
        return redirect("reports:meeting_pack", pk=job.meeting_id)
    return FileResponse(
        stored,
        as_attachment=True,
        filename=_pack_filename(job.meeting),
        content_type="application/pdf",
    )


def meeting_pack_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Small packs render here; a large one is served from its finished background render,
    or the user is sent to the page that starts one: a request never waits on a long render,
    and never builds a large pack's HTML."""
    _require(request, EXPORT)
    # Rows exist only for a meeting that exists; an unknown one is a small pack, and a 404
    # from the selector.
    if tasks.needs_background(tasks.pack_row_count(pk)):
        job = tasks.finished_render(meeting_id=pk, data_version=tasks.pack_data_version(pk))
        if job is not None:
            return _stored_pack(request, job)
        return redirect("reports:meeting_pack", pk=pk)
    pack = selectors.meeting_pack(pk)
    return _pdf_response(documents.pack_html(pack), _pack_filename(pack.meeting))


def meeting_pack(request: HttpRequest, pk: int) -> HttpResponse:
    """Shown, and refreshed every few seconds, while a pack renders: counts and a data
    version, never the pack itself. Also recovers a render whose worker died, so a clerk
    watching sees it retried or failed even when no worker is running."""
    _require(request, EXPORT)
    summary = tasks.pack_summary(pk)
    tasks.recover_expired_renders(meeting_id=pk)
    job = tasks.render_for(meeting_id=pk, data_version=tasks.pack_data_version(pk))
    response = render(
        request,
        "reports/pack_progress.html",
        {
            "meeting": summary.meeting,
            "summary": summary,
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
    """Reuses the finished render of the current data, joins the one under way, or queues
    one: however many clicks, one render per version of the data."""
    _require(request, EXPORT)
    meeting = get_object_or_404(Meeting, pk=pk)
    tasks.start_pack_render(meeting=meeting, user=request.user)
    return redirect("reports:meeting_pack", pk=pk)


def meeting_pack_download(request: HttpRequest, pk: int, render_id: int) -> HttpResponse:
    _require(request, EXPORT)
    job = get_object_or_404(
        PackRender.objects.select_related("meeting"),
        pk=render_id,
        meeting_id=pk,
        status=PackRender.Status.DONE,
    )
    if job.data_version != tasks.pack_data_version(pk):
        messages.info(request, "The recommendations have changed since that pack was made.")
        return redirect("reports:meeting_pack", pk=pk)
    return _stored_pack(request, job)


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
