"""Background rendering of committee packs too large to render within a request.

Runs on django-tasks' database backend: ``start_pack_render`` records a ``PackRender`` and
enqueues ``render_pack``; a ``manage.py db_worker`` process picks it up, renders the pack with
the same time- and memory-limited renderer the views use, and stores the PDF under MEDIA_ROOT.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django_tasks import task

from recommendations.models import Meeting
from reports import pdf, selectors
from reports.models import PackRender

logger = logging.getLogger(__name__)

# How often a running render writes its page count: often enough for a progress page that
# refreshes every few seconds, rarely enough not to matter to the database.
PROGRESS_SAVE_SECONDS = 1.0


def pack_rows(pack: selectors.MeetingPack) -> int:
    return sum(len(item.rows) for item in pack.appendices)


def needs_background(pack: selectors.MeetingPack) -> bool:
    return pack_rows(pack) > settings.PDF_PACK_REQUEST_MAX_ROWS


def _stall_limit() -> float:
    return settings.PDF_BACKGROUND_RENDER_TIMEOUT + 60


def render_for(meeting: Meeting, fingerprint: str) -> PackRender | None:
    """The newest render of exactly this content, in whatever state."""
    return PackRender.objects.filter(meeting=meeting, fingerprint=fingerprint).first()


def finished_render(meeting: Meeting, fingerprint: str) -> PackRender | None:
    return PackRender.objects.filter(
        meeting=meeting, fingerprint=fingerprint, status=PackRender.Status.DONE
    ).first()


@transaction.atomic
def start_pack_render(
    *, meeting: Meeting, html: str, rows: int, user: AbstractBaseUser | None
) -> PackRender:
    """Queue a render of this HTML, or return the one already queued or running for it."""
    fingerprint = pdf.fingerprint(html)
    now = timezone.now()
    for stalled in PackRender.objects.filter(meeting=meeting, status__in=PackRender.ACTIVE):
        if stalled.is_stalled(now, _stall_limit()):
            stalled.status = PackRender.Status.FAILED
            stalled.error = "The worker stopped before the pack was finished."
            stalled.save(update_fields=["status", "error", "updated_at"])
    active = PackRender.objects.filter(
        meeting=meeting, fingerprint=fingerprint, status__in=PackRender.ACTIVE
    ).first()
    if active is not None:
        return active
    try:
        with transaction.atomic():
            job = PackRender.objects.create(
                meeting=meeting, fingerprint=fingerprint, rows=rows, requested_by=user
            )
    except IntegrityError:
        # Another request queued the same content between our check and our insert.
        return PackRender.objects.get(
            meeting=meeting, fingerprint=fingerprint, status__in=PackRender.ACTIVE
        )
    # In the same transaction as the PackRender: both are queued, or neither.
    result = render_pack.enqueue(job.pk)
    job.task_id = str(result.id)[:64]
    job.save(update_fields=["task_id", "updated_at"])
    return job


def _progress_saver(job: PackRender):
    last_saved = 0.0

    def save(pages: int) -> None:
        nonlocal last_saved
        job.pages_done = pages
        if time.monotonic() - last_saved >= PROGRESS_SAVE_SECONDS:
            job.save(update_fields=["pages_done", "updated_at"])
            last_saved = time.monotonic()

    return save


@task()
def render_pack(render_id: int) -> str:
    job = PackRender.objects.select_related("meeting").get(pk=render_id)
    if job.status != PackRender.Status.QUEUED:
        return job.status  # already done, or given up as stalled
    job.status = PackRender.Status.RUNNING
    job.save(update_fields=["status", "updated_at"])
    try:
        pack = selectors.meeting_pack(job.meeting_id)
        html = pdf.pack_html(pack)
        content = pdf.render_pdf(
            html,
            timeout=settings.PDF_BACKGROUND_RENDER_TIMEOUT,
            on_progress=_progress_saver(job),
        )
    except Exception as error:
        logger.error("Pack render %s failed: %s", job.pk, error)
        job.status = PackRender.Status.FAILED
        job.error = (
            str(error)
            if isinstance(error, pdf.PDFRenderError)
            else "The pack could not be produced."
        )
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at", "updated_at"])
        if isinstance(error, pdf.PDFRenderError):
            return job.status
        raise
    # Data edited after the click is in this render; record what it actually shows.
    job.fingerprint = pdf.fingerprint(html)
    name = f"pack-{job.meeting.date:%Y-%m-%d}-{slugify(job.meeting.agenda_item)[:50]}.pdf"
    job.file.save(name, ContentFile(content), save=False)
    job.status = PackRender.Status.DONE
    job.finished_at = timezone.now()
    job.save(
        update_fields=["fingerprint", "file", "pages_done", "status", "finished_at", "updated_at"]
    )
    return job.status
