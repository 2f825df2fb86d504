"""Committee packs: small ones rendered in the request, large ones in the background with a
page that shows their progress.

Papers as presented: once a pack is issued (by a clerk, or frozen on the first request after
its meeting), every download serves the issued file's bytes, whatever is recorded later."""

from __future__ import annotations

import hashlib
import logging

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from recommendations import access
from recommendations.models import Meeting
from recommendations.storage import StorageUnavailable
from reports import prerender, rows, services, tasks
from reports.exporters import word
from reports.exporters.pack import pack_docx
from reports.models import IssuedPack, PackRender
from reports.pdf import documents, sandbox
from reports.views.common import (
    EXPORT,
    download,
    pdf_error_response,
    stored_pdf_response,
)

logger = logging.getLogger("reports.views")

PACK_REFRESH_SECONDS = 5

ISSUED_FILE_MISSING = (
    "The issued pack's file is missing from storage, or is not the file that was issued, so "
    "it cannot be downloaded. It is not made again, since it must be exactly what members "
    "were sent: ask your administrator to restore {name} (SHA-256 {sha256}) from the backups."
)


def _pack_filename(meeting: Meeting) -> str:
    return f"pack-{meeting.date:%Y-%m-%d}-{slugify(meeting.agenda_item)[:60]}.pdf"


def _stored_pack(request: HttpRequest, job: PackRender) -> HttpResponse:
    try:
        stored = job.file.open("rb")
    except OSError:
        # Removed from the shared storage behind our back: say so, and offer "Try again".
        logger.error("Stored pack %s is missing: %s", job.pk, job.file.name)
        tasks.mark_file_missing(job)
        messages.error(request, tasks.FILE_MISSING)
        return redirect("reports:meeting_pack", pk=job.meeting_id)
    return FileResponse(
        stored,
        as_attachment=True,
        filename=_pack_filename(job.meeting),
        content_type="application/pdf",
    )


def _open_issued(issued: IssuedPack):
    """The issued file, open at its start, or None if it is gone or not what was issued."""
    try:
        stored = issued.file.open("rb")
    except OSError:
        return None
    digest = hashlib.sha256()
    for chunk in iter(lambda: stored.read(1 << 20), b""):
        digest.update(chunk)
    if digest.hexdigest() != issued.sha256:
        stored.close()
        return None
    stored.seek(0)
    return stored


def _issued_pack(request: HttpRequest, issued: IssuedPack) -> HttpResponse:
    stored = _open_issued(issued)
    if stored is None:
        logger.error("Issued pack of meeting %s is missing: %s", issued.meeting_id, issued.file)
        response = render(
            request,
            "reports/pack_issued_missing.html",
            {"meeting": issued.meeting, "issued": issued, "message": _missing(issued)},
            status=503,
        )
        return response
    return FileResponse(
        stored,
        as_attachment=True,
        filename=_pack_filename(issued.meeting),
        content_type="application/pdf",
    )


def _missing(issued: IssuedPack) -> str:
    return ISSUED_FILE_MISSING.format(name=issued.file.name, sha256=issued.sha256)


def _storage_failed(
    request: HttpRequest, meeting_id: int, error: StorageUnavailable
) -> HttpResponse:
    messages.error(request, f"The pack could not be issued. {error}")
    return redirect("reports:meeting_pack", pk=meeting_id)


def _issue_small(
    request: HttpRequest, pack: rows.MeetingPack, *, by_clerk: bool
) -> HttpResponse | None:
    """Render a small pack, keep it as issued (by this clerk, or frozen), and serve the
    stored file. A render that fails answers as any PDF does; storage that fails says so on
    the pack page."""
    html = documents.pack_html(pack)
    filename = _pack_filename(pack.meeting)
    try:
        content, pages = documents.counted_pdf(html)
    except sandbox.PDFRenderError as error:
        return pdf_error_response(error, html, filename, pack.appendices)
    try:
        issued, _ = services.issued_pack_store(
            meeting=pack.meeting,
            content=content,
            pages=pages,
            issued_by=request.user if by_clerk else None,
        )
    except StorageUnavailable as error:
        return _storage_failed(request, pack.meeting.pk, error)
    if by_clerk:
        return None
    return _issued_pack(request, issued)


def meeting_pack_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """An issued pack is served as stored. Otherwise small packs render here (frozen as
    issued if the meeting has passed); a large one is served from its finished background
    render, or the user is sent to the page that starts one: a request never waits on a long
    render, and never builds a large pack's HTML."""
    access.require(request, EXPORT)
    if (issued := tasks.issued_pack(pk)) is not None:
        return _issued_pack(request, issued)
    # Rows exist only for a meeting that exists; an unknown one is a small pack, and a 404
    # from the selector.
    if tasks.needs_background(tasks.pack_row_count(pk)):
        job = tasks.finished_render(meeting_id=pk, data_version=tasks.pack_data_version(pk))
        if job is None:
            return redirect("reports:meeting_pack", pk=pk)
        job = PackRender.objects.select_related("meeting").get(pk=job.pk)
        if tasks.meeting_has_passed(job.meeting):
            try:
                return _issued_pack(request, tasks.issue_from_render(job))
            except StorageUnavailable as error:
                return _storage_failed(request, pk, error)
            except OSError:
                pass  # the render's file is gone: _stored_pack says so
        return _stored_pack(request, job)
    meeting = get_object_or_404(Meeting, pk=pk)
    if tasks.meeting_has_passed(meeting):
        return _issue_small(request, rows.meeting_pack(pk), by_clerk=False)

    def build() -> tuple[str, list[rows.Appendix]]:
        pack = rows.meeting_pack(pk)
        return documents.pack_html(pack), list(pack.appendices)

    # Made ahead by the worker after each change, or here; a render under way is waited for.
    return stored_pdf_response(
        prerender.pack_document(pk),
        build,
        _pack_filename(meeting),
        large=False,
        progress_url=reverse("reports:meeting_pack", kwargs={"pk": pk}),
    )


def meeting_pack_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The pack as a Word document, made from the records as they stand (the issued PDF
    stays the papers as presented): quick to write, so made in the request at any size."""
    access.require(request, EXPORT)
    pack = rows.meeting_pack(pk)
    filename = _pack_filename(pack.meeting).removesuffix(".pdf") + ".docx"
    return download(pack_docx(pack), word.DOCX_CONTENT_TYPE, filename)


def meeting_pack(request: HttpRequest, pk: int) -> HttpResponse:
    """Shown, and refreshed every few seconds, while a pack renders: counts and a data
    version, never the pack itself. Also recovers a render whose worker died, so a clerk
    watching sees it retried or failed even when no worker is running. Once the pack is
    issued: when and by whom, and its download."""
    access.require(request, EXPORT)
    summary = tasks.pack_summary(pk)
    issued = tasks.issued_pack(pk)
    job = None
    if issued is None:
        tasks.recover_expired_renders(meeting_id=pk)
        job = tasks.render_for(meeting_id=pk, data_version=tasks.pack_data_version(pk))
    response = render(
        request,
        "reports/pack_progress.html",
        {
            "meeting": summary.meeting,
            "summary": summary,
            "job": job,
            "issued": issued,
            "issued_missing": (
                _missing(issued)
                if issued and not issued.file.storage.exists(issued.file.name)
                else ""
            ),
            "passed": tasks.meeting_has_passed(summary.meeting),
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
    one: however many clicks, one render per version of the data. Never once issued."""
    access.require(request, EXPORT)
    meeting = get_object_or_404(Meeting, pk=pk)
    tasks.start_pack_render(meeting=meeting, user=request.user)
    return redirect("reports:meeting_pack", pk=pk)


@require_POST
def meeting_pack_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """The clerk issues the pack: from now on it is what every download serves. A second
    issue changes nothing and says so."""
    access.require(request, EXPORT)
    meeting = get_object_or_404(Meeting, pk=pk)
    if (issued := tasks.issued_pack(pk)) is not None:
        messages.info(
            request, f"The pack was already issued: {issued.statement}. It has not changed."
        )
        return redirect("reports:meeting_pack", pk=pk)
    if tasks.needs_background(tasks.pack_row_count(pk)):
        try:
            tasks.start_pack_render(meeting=meeting, user=request.user, issue=True)
        except StorageUnavailable as error:
            return _storage_failed(request, pk, error)
        if tasks.issued_pack(pk) is None:
            messages.info(
                request, "The pack is being made; it will be issued as soon as it is ready."
            )
        else:
            messages.success(request, "The pack is issued. Every download now gives this pack.")
        return redirect("reports:meeting_pack", pk=pk)
    failed = _issue_small(request, rows.meeting_pack(pk), by_clerk=True)
    if failed is not None:
        return failed
    messages.success(request, "The pack is issued. Every download now gives this pack.")
    return redirect("reports:meeting_pack", pk=pk)


def meeting_pack_download(request: HttpRequest, pk: int, render_id: int) -> HttpResponse:
    access.require(request, EXPORT)
    if (issued := tasks.issued_pack(pk)) is not None:
        return _issued_pack(request, issued)
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
