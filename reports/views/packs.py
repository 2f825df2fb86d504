"""Committee packs: small ones rendered in the request, large ones in the background with a
page that shows their progress."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from recommendations import access
from recommendations.models import Meeting
from reports import rows, tasks
from reports.models import PackRender
from reports.pdf import documents
from reports.views.common import EXPORT, pdf_response

logger = logging.getLogger("reports.views")

PACK_REFRESH_SECONDS = 5


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
    access.require(request, EXPORT)
    # Rows exist only for a meeting that exists; an unknown one is a small pack, and a 404
    # from the selector.
    if tasks.needs_background(tasks.pack_row_count(pk)):
        job = tasks.finished_render(meeting_id=pk, data_version=tasks.pack_data_version(pk))
        if job is not None:
            return _stored_pack(request, job)
        return redirect("reports:meeting_pack", pk=pk)
    pack = rows.meeting_pack(pk)
    return pdf_response(documents.pack_html(pack), _pack_filename(pack.meeting), pack.appendices)


def meeting_pack(request: HttpRequest, pk: int) -> HttpResponse:
    """Shown, and refreshed every few seconds, while a pack renders: counts and a data
    version, never the pack itself. Also recovers a render whose worker died, so a clerk
    watching sees it retried or failed even when no worker is running."""
    access.require(request, EXPORT)
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
    access.require(request, EXPORT)
    meeting = get_object_or_404(Meeting, pk=pk)
    tasks.start_pack_render(meeting=meeting, user=request.user)
    return redirect("reports:meeting_pack", pk=pk)


def meeting_pack_download(request: HttpRequest, pk: int, render_id: int) -> HttpResponse:
    access.require(request, EXPORT)
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
