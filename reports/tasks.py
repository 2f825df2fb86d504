"""Background rendering of committee packs too large to render within a request.

Runs on django-tasks' database backend: ``start_pack_render`` records a ``PackRender`` and
enqueues ``render_pack``; a ``manage.py run_worker`` process picks it up, renders the pack with
the same time- and memory-limited renderer the views use, and stores the PDF under MEDIA_ROOT.

django-tasks leaves the task of a worker that died RUNNING for good, so ``PackRender`` has its
own lease: the worker renews it while it renders, and ``recover_expired_renders`` (run by
``run_worker`` every few seconds and by the pack pages) queues again, or fails, a job whose
lease ran out. Whether a finished render can be reused is decided by ``pack_data_version``, a
few index lookups, never by building the pack.

``PackRender`` rows are this module's job bookkeeping and are written only here, not through
``reports.services``: most writes are conditional updates that are the lease protocol itself
(a row changes only while its worker holds the lease), and the rows are no part of the record
(no history). An issued pack, which is, goes through ``services.issued_pack_store``.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, Count, Max, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import slugify
from django_tasks import task

from recommendations.models import (
    Authority,
    Committee,
    CommitteeVerdict,
    GlossaryTerm,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    RequestedUpdate,
    Response,
    Review,
    SupportingDocument,
    UpdateReport,
    UpdateRequest,
)
from recommendations.storage import StorageUnavailable
from reports import rows, services
from reports.models import AppendixSettings, IssuedPack, PackRender, ReportAppendixSettings
from reports.pdf import documents, sandbox

logger = logging.getLogger(__name__)

# How often a running render writes its page count: often enough for a progress page that
# refreshes every few seconds, rarely enough not to matter to the database.
PROGRESS_SAVE_SECONDS = 1.0
# A worker renews its lease at least every sandbox.HEARTBEAT_SECONDS (5 s); six missed renewals
# mean it is gone. With a recovery pass every 10 s, a dead worker's job moves within a minute.
LEASE_SECONDS = 30
MAX_ATTEMPTS = 2

WORKER_DIED = (
    "The worker stopped while making this pack, twice. Try again; if it happens again, "
    "tell your administrator."
)
STORAGE_FAILED = (
    "The pack could not be saved: the server's storage is full or not writable. Try again later."
)
UNEXPECTED_ERROR = (
    "The pack could not be produced because of an error on the server. Try again; if it "
    "happens again, tell your administrator."
)
FILE_MISSING = "The stored pack file is missing. Make the pack again."
ALREADY_ISSUED = "The pack had been issued: its issued copy is what is served."

# Every save or delete of these adds a row to its history table (django-simple-history).
HISTORY_SOURCES = [
    Authority,
    Person,
    Review,
    Recommendation,
    Response,
    Lead,
    Meeting,
    UpdateReport,
    ProgressUpdate,
    # The pack's contents name the documents attached to the meeting, reports and updates.
    SupportingDocument,
    CommitteeVerdict,
    # An update report's own appendix layout (saved, or deleted to print in the review's).
    ReportAppendixSettings,
]
# History-tracked models the pack never reads: a lead's request and what they draft reach it
# only once an officer accepts the update, as a ProgressUpdate.
NOT_IN_PACK = [UpdateRequest, RequestedUpdate]


class LeaseLost(Exception):
    """Another attempt took this job over: this worker's result must not be stored."""


class SaveFailed(Exception):
    """Storing the finished PDF failed (full disk, unwritable storage)."""


# -- What a pack shows, cheaply ------------------------------------------------------------


def _pack_reviews(meeting_id: int) -> QuerySet[Review]:
    """The reviews ``rows.meeting_pack`` prints: those the meeting lists and those of its
    update reports."""
    return Review.objects.filter(
        Q(meetings=meeting_id) | Q(update_reports__meeting=meeting_id)
    ).values("pk")


def pack_row_count(meeting_id: int) -> int:
    """The appendix rows of the pack (every recommendation and part of its reviews): one
    COUNT, equal to the rows ``rows.meeting_pack`` builds."""
    return Recommendation.objects.filter(review__in=_pack_reviews(meeting_id)).count()


def needs_background(rows: int) -> bool:
    return rows > settings.PDF_PACK_REQUEST_MAX_ROWS


def _newest_history_ids() -> tuple:
    """The newest history row of each tracked model, in one query (an index lookup each)."""
    quote = connection.ops.quote_name
    tables = [quote(model.history.model._meta.db_table) for model in HISTORY_SOURCES]
    columns = ", ".join(f"(SELECT MAX(history_id) FROM {table})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        # Table names come from the models, never from a request.
        cursor.execute(f"SELECT {columns}")
        return tuple(cursor.fetchone())


@functools.cache
def _code_version() -> str:
    """The code that lays out a pack (templates, stylesheet, charts, layouts, rows and their
    selectors, the PDF package), read once per process: a release that changes how packs look
    does not serve packs made before."""
    app = Path(__file__).resolve().parent
    files = [
        *sorted((Path(settings.BASE_DIR) / "templates" / "reports").glob("*.html")),
        *sorted((app / "static" / "reports").glob("*.css")),
        app / "charts.py",
        app / "layouts.py",
        app / "rows.py",
        app / "selectors.py",
        *sorted((app / "pdf").glob("*.py")),
    ]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def pack_data_version(meeting_id: int) -> str:
    """Changes whenever anything the meeting's pack shows could change, without building it.

    History-tracked models: the newest history row of each (every save and delete adds one).
    The rest have no history: the meeting's list of reviews and those reviews' appendix
    settings by count and newest id or timestamp; the committees, authorities and glossary
    terms the pack can name, by their content (a handful of short rows). And the date, since
    whether an update is overdue depends on it; and the code that lays the pack out. Five
    small queries, on indexes."""
    parts: list[object] = [_code_version(), timezone.localdate().isoformat()]
    parts.append(_newest_history_ids())
    reviews = _pack_reviews(meeting_id)
    parts.append(
        Meeting.reviews.through.objects.filter(meeting_id=meeting_id).aggregate(
            n=Count("id"), newest=Max("id")
        )
    )
    parts.append(
        AppendixSettings.objects.filter(review__in=reviews).aggregate(
            n=Count("id"), newest=Max("updated_at")
        )
    )
    committees = list(
        Committee.objects.filter(Q(meetings=meeting_id) | Q(reviews__in=reviews))
        .distinct()
        .order_by("pk")
        .values_list("pk", "name", "authority_id", "authority__name")
    )
    parts.append(committees)
    parts.append(
        list(
            GlossaryTerm.objects.filter(authority_id__in={row[2] for row in committees})
            .order_by("pk")
            .values_list("pk", "term", "meaning")
        )
    )
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


@dataclass
class PackSummary:
    """What the pack page says about a pack, read without building it."""

    meeting: Meeting
    title: str
    reviews: int
    rows: int

    @property
    def background(self) -> bool:
        return needs_background(self.rows)


def pack_summary(meeting_id: int) -> PackSummary:
    """Queries: the meeting; its first update report's title; the reviews; the rows."""
    meeting = get_object_or_404(
        Meeting.objects.select_related("committee__authority"), pk=meeting_id
    )
    # The cover is the report rows.meeting_pack puts first.
    cover = (
        meeting.update_reports.order_by("review__title", "title")
        .values_list("title", flat=True)
        .first()
    )
    return PackSummary(
        meeting=meeting,
        title=cover or meeting.agenda_item,
        reviews=Review.objects.filter(pk__in=_pack_reviews(meeting_id)).count(),
        rows=pack_row_count(meeting_id),
    )


# -- Issued packs ----------------------------------------------------------------------------


def issued_pack(meeting_id: int) -> IssuedPack | None:
    return IssuedPack.objects.select_related("meeting").filter(meeting_id=meeting_id).first()


def meeting_has_passed(meeting: Meeting) -> bool:
    """From the day after the meeting, its pack is what members were sent: frozen."""
    return meeting.date < timezone.localdate()


def issue_from_render(job: PackRender) -> IssuedPack:
    """A finished render of the current data becomes the meeting's pack as presented: its
    bytes are copied, so the issued file never depends on the render's."""
    with job.file.open("rb") as stored:
        content = stored.read()
    issued, _ = services.issued_pack_store(
        meeting=job.meeting, content=content, pages=job.pages_done, issued_by=None
    )
    return issued


# -- Finding and starting renders ----------------------------------------------------------


def render_for(*, meeting_id: int, data_version: str) -> PackRender | None:
    """The render of this version of the data to show: a finished one if any, else the
    newest in whatever state."""
    return (
        PackRender.objects.filter(meeting_id=meeting_id, data_version=data_version)
        .order_by(
            Case(When(status=PackRender.Status.DONE, then=Value(0)), default=Value(1)),
            "-created_at",
            "-id",
        )
        .first()
    )


def finished_render(*, meeting_id: int, data_version: str) -> PackRender | None:
    return PackRender.objects.filter(
        meeting_id=meeting_id, data_version=data_version, status=PackRender.Status.DONE
    ).first()


def _enqueue(job_id: int) -> None:
    result = render_pack.enqueue(job_id)
    PackRender.objects.filter(pk=job_id).update(task_id=str(result.id)[:64])


def start_pack_render(
    *, meeting: Meeting, user: AbstractBaseUser | None, issue: bool = False
) -> PackRender | None:
    """The finished render of the meeting's current data, or the one queued or running for
    it, or else a new one, queued. Never builds the pack: repeated clicks cost a few queries.
    None once the pack is issued: an issued pack is never rendered again.

    ``issue``: the clerk issues the pack, so the render is stored as issued when it is done
    (a finished render of the current data is issued at once)."""
    if IssuedPack.objects.filter(meeting=meeting).exists():
        return None
    recover_expired_renders(meeting_id=meeting.pk)
    version = pack_data_version(meeting.pk)
    finished = finished_render(meeting_id=meeting.pk, data_version=version)
    if finished is not None and issue:
        with finished.file.open("rb") as stored:
            content = stored.read()
        services.issued_pack_store(
            meeting=meeting, content=content, pages=finished.pages_done, issued_by=user
        )
        return finished
    existing = finished or (
        PackRender.objects.filter(
            meeting=meeting, data_version=version, status__in=PackRender.ACTIVE
        ).first()
    )
    if existing is not None:
        if issue and existing.is_active:
            PackRender.objects.filter(pk=existing.pk).update(issue_requested_by=user)
        return existing
    try:
        # The PackRender and its task are queued together, or neither.
        with transaction.atomic():
            job = PackRender.objects.create(
                meeting=meeting,
                data_version=version,
                rows=pack_row_count(meeting.pk),
                requested_by=user,
                issue_requested_by=user if issue else None,
            )
            _enqueue(job.pk)
    except IntegrityError:
        # Another request queued the same data between our check and our insert.
        joined = PackRender.objects.filter(
            meeting=meeting, data_version=version, status__in=PackRender.ACTIVE
        )
        if issue:
            joined.update(issue_requested_by=user)
        return joined.get()
    job.refresh_from_db()
    return job


# -- Storage -------------------------------------------------------------------------------


def _storage():
    return PackRender._meta.get_field("file").storage


def _delete_file(name: str) -> None:
    """Remove a partial or unwanted file; harmless if it is already gone."""
    if not name:
        return
    try:
        _storage().delete(name)
    except Exception:  # noqa: BLE001 -- a leftover file must not hide the job's real outcome
        logger.exception("Could not remove the pack file %s", name)


def _file_name(job: PackRender, attempt: int) -> str:
    """Known before the render starts, so a dead worker's partial file can be found and
    removed; unique per attempt, so two attempts never write to the same file."""
    meeting = job.meeting
    base = f"pack-{meeting.date:%Y-%m-%d}-{slugify(meeting.agenda_item)[:50]}-{job.pk}-{attempt}"
    return PackRender._meta.get_field("file").generate_filename(job, f"{base}.pdf")


def _save_file(name: str, content: bytes) -> str:
    try:
        return _storage().save(name, ContentFile(content))
    except Exception as error:
        # Whatever the storage raises (OSError for a full disk or a read-only mount), a
        # truncated file may be left under this name.
        _delete_file(name)
        raise SaveFailed(f"Saving {name} failed: {error!r}") from error


# -- The lease -----------------------------------------------------------------------------


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _lease_until(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(seconds=LEASE_SECONDS)


def _held(job: PackRender) -> QuerySet[PackRender]:
    """The job, only while this attempt still holds it."""
    return PackRender.objects.filter(
        pk=job.pk, status=PackRender.Status.RUNNING, attempts=job.attempts
    )


def claim_render(*, render_id: int) -> PackRender | None:
    """QUEUED -> RUNNING in one conditional UPDATE (so on SQLite and PostgreSQL alike only
    one worker wins), with a lease, the next attempt number and the worker's host:pid.
    None if the job is not waiting (done, failed, or claimed by another worker)."""
    job = PackRender.objects.select_related("meeting").filter(pk=render_id).first()
    if job is None or job.status != PackRender.Status.QUEUED:
        return None
    attempt = job.attempts + 1
    now = timezone.now()
    claimed = PackRender.objects.filter(
        pk=job.pk, status=PackRender.Status.QUEUED, attempts=job.attempts
    ).update(
        status=PackRender.Status.RUNNING,
        attempts=attempt,
        lease_expires_at=_lease_until(now),
        leased_by=_holder(),
        file=_file_name(job, attempt),
        pages_done=0,
        error="",
        updated_at=now,
    )
    if not claimed:
        return None
    job.refresh_from_db()
    return job


class Lease:
    """Renews a claimed job's lease from the renderer's heartbeat and progress."""

    def __init__(self, job: PackRender):
        self.job = job
        self.pages = 0
        self.last_saved = 0.0

    def renew(self) -> None:
        now = timezone.now()
        try:
            held = _held(self.job).update(
                lease_expires_at=_lease_until(now), pages_done=self.pages, updated_at=now
            )
        except (OperationalError, InterfaceError) as error:
            # A short database outage need not waste the render: keep going. If the outage
            # outlasts the lease, another attempt takes over and our result is discarded.
            logger.warning("Pack render %s could not renew its lease: %s", self.job.pk, error)
            connection.close_if_unusable_or_obsolete()
            return
        if not held:
            raise LeaseLost(f"Pack render {self.job.pk} attempt {self.job.attempts} taken over.")
        self.last_saved = time.monotonic()

    def progress(self, pages: int) -> None:
        self.pages = pages
        if time.monotonic() - self.last_saved >= PROGRESS_SAVE_SECONDS:
            self.renew()


def _abandon_task(task_id: str, now: datetime.datetime) -> None:
    """django-tasks leaves a dead worker's task RUNNING for good; say it failed."""
    from django_tasks_db.models import DBTaskResult

    try:
        task_uuid = uuid.UUID(task_id)
    except ValueError:
        return  # another backend (tests use the dummy and immediate ones)
    DBTaskResult.objects.filter(id=task_uuid, status="RUNNING").update(
        status="FAILED",
        finished_at=now,
        exception_class_path=f"{__name__}.{LeaseLost.__qualname__}",
        traceback="The worker stopped: its pack render's lease expired.",
    )


def recover_expired_renders(*, meeting_id: int | None = None) -> int:
    """Every RUNNING job whose lease ran out lost its worker: queue it again if it has
    attempts left, else fail it; remove its partial file either way. Safe to run anywhere
    at once: each change is a conditional UPDATE that only one caller wins. Returns how many
    jobs were recovered. One query when there is nothing to do."""
    now = timezone.now()
    expired = PackRender.objects.filter(status=PackRender.Status.RUNNING, lease_expires_at__lt=now)
    if meeting_id is not None:
        expired = expired.filter(meeting_id=meeting_id)
    recovered = 0
    for job in expired:
        still_expired = _held(job).filter(lease_expires_at__lt=now)
        if job.attempts < MAX_ATTEMPTS:
            with transaction.atomic():
                if not still_expired.update(
                    status=PackRender.Status.QUEUED,
                    lease_expires_at=None,
                    leased_by="",
                    file="",
                    pages_done=0,
                    updated_at=now,
                ):
                    continue
                _enqueue(job.pk)
            logger.warning(
                "Pack render %s: worker %s stopped (attempt %s); queued again.",
                job.pk,
                job.leased_by,
                job.attempts,
            )
        else:
            if not still_expired.update(
                status=PackRender.Status.FAILED,
                error=WORKER_DIED,
                lease_expires_at=None,
                file="",
                finished_at=now,
                updated_at=now,
            ):
                continue
            logger.error(
                "Pack render %s: worker %s stopped on the last attempt (%s); failed.",
                job.pk,
                job.leased_by,
                job.attempts,
            )
        _delete_file(job.file.name)
        _abandon_task(job.task_id, now)
        recovered += 1
    return recovered


# -- The task ------------------------------------------------------------------------------


def _issue_if_due(job: PackRender, content: bytes, pages: int, name: str) -> None:
    """A clerk asked for this pack to be issued (perhaps while it rendered), or its meeting
    has passed: store it as the meeting's issued pack."""
    issuer = (
        PackRender.objects.select_related("issue_requested_by").get(pk=job.pk).issue_requested_by
    )
    if issuer is None and not meeting_has_passed(job.meeting):
        return
    try:
        services.issued_pack_store(
            meeting=job.meeting, content=content, pages=pages, issued_by=issuer
        )
    except StorageUnavailable as error:
        _delete_file(name)
        raise SaveFailed(f"Issuing the pack failed: {error}") from error


def mark_file_missing(job: PackRender) -> None:
    """A finished render whose file was removed behind our back: failed, so that its page
    offers to make it again."""
    PackRender.objects.filter(pk=job.pk).update(status=PackRender.Status.FAILED, error=FILE_MISSING)


def _fail(job: PackRender, message: str) -> None:
    now = timezone.now()
    _held(job).update(
        status=PackRender.Status.FAILED,
        error=message,
        lease_expires_at=None,
        file="",
        finished_at=now,
        updated_at=now,
    )
    # The name is this attempt's own, so removing it is right even if the lease was lost.
    _delete_file(job.file.name)


@task()
def render_pack(render_id: int) -> str:
    job = claim_render(render_id=render_id)
    if job is None:
        return "not claimed"  # already done, failed, or another worker has it
    if IssuedPack.objects.filter(meeting_id=job.meeting_id).exists():
        # Papers as presented: whatever changed since, the issued pack is not made again.
        _fail(job, ALREADY_ISSUED)
        return "already issued"
    lease = Lease(job)
    try:
        # Read before the pack is built: an edit made while it renders gives a newer
        # version, so the next click renders again rather than reuse a stale pack.
        version = pack_data_version(job.meeting_id)
        pack = rows.meeting_pack(job.meeting_id)
        html = documents.pack_html(pack)
        content = sandbox.render_pdf(
            html,
            timeout=settings.PDF_BACKGROUND_RENDER_TIMEOUT,
            on_progress=lease.progress,
            heartbeat=lease.renew,
            niceness=settings.PDF_WORKER_NICENESS,
        )
        name = _save_file(job.file.name, content)
        _issue_if_due(job, content, lease.pages, name)
    except LeaseLost:
        logger.warning("Pack render %s attempt %s was taken over; stopping.", job.pk, job.attempts)
        return "taken over"
    except Exception as error:
        if isinstance(error, sandbox.PDFDocumentError):
            # Trying again will not help: name the recommendation to simplify.
            error = documents.explain(
                error, html, pack.appendices, heartbeat=lease.renew,
                seconds=documents.EXPLAIN_SECONDS_IN_BACKGROUND,
            )  # fmt: skip
        if isinstance(error, sandbox.PDFRenderError):
            # Too slow, too big or not laid out: the message says it all, no traceback needed.
            logger.error("Pack render %s failed: %s", job.pk, error)
            _fail(job, str(error))
            return PackRender.Status.FAILED
        logger.exception("Pack render %s failed", job.pk)
        _fail(job, STORAGE_FAILED if isinstance(error, SaveFailed) else UNEXPECTED_ERROR)
        raise  # so that the task's own result records the traceback too
    now = timezone.now()
    try:
        done = _held(job).update(
            status=PackRender.Status.DONE,
            data_version=version,
            file=name,
            pages_done=lease.pages,
            lease_expires_at=None,
            finished_at=now,
            updated_at=now,
        )
    except Exception:
        # The database went away at the last moment: the job's lease will run out and it
        # will be rendered again, so this file would belong to nobody.
        _delete_file(name)
        raise
    if not done:
        # The lease expired and another attempt has the job: its result counts, not ours.
        logger.warning("Pack render %s attempt %s finished too late.", job.pk, job.attempts)
        _delete_file(name)
        return "taken over"
    return PackRender.Status.DONE
