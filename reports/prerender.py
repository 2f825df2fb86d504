"""PDFs made before anyone asks: after a change, the task worker re-renders the appendices
(latest, and of each update report; and a published review's public appendix) and committee
packs it affects, and a download serves the stored file when it is still what the data shows.

- **Marking.** Every write goes through the services and adds a history row; ``reports.apps``
  connects ``note_change`` to django-simple-history's signal (and to the few models without
  history), which collects the reviews and meetings touched and, once the transaction
  commits, marks their documents: one ``StoredPDF`` row per document, QUEUED until
  ``due_at``, which each further change pushes on (``PDF_PRERENDER_DELAY``). A burst of edits
  is one render.
- **Coalesced.** A row is claimed QUEUED -> RUNNING by one conditional UPDATE, under a lease
  (as ``PackRender``), so one render of a document at a time; a change during the render
  leaves it QUEUED again when it ends, and ``recover_expired`` queues again (or gives up on)
  a render whose worker died.
- **Never stale.** The file is kept with the fingerprint of the HTML it was made from; a
  download builds the HTML and serves the file only if the fingerprints match. Otherwise a
  small document renders in the request (waiting first for a render already under way), and a
  large one is made by the worker now, with a progress page.
- **Low priority.** Background renders are queued below users' own pack renders and run
  niced (``settings.PDF_WORKER_NICENESS``). Large committee packs keep their own path
  (``tasks.start_pack_render``); issued packs and packs of past meetings are never made here.
- **Public appendices** are documents of their own (``public_appendix_document``), built only
  from what ``recommendations.publication`` makes public, never from the signed-in appendix's
  HTML or file. Unpublishing removes the stored file in the same transaction (the file goes
  once it commits); the worker makes none for a review that is not published.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.http import QueryDict
from django.utils import timezone
from django_tasks import task

from recommendations import publication
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
    Response,
    Review,
    SupportingDocument,
    UpdateReport,
)
from reports import rows, tasks, trackers
from reports.models import AppendixSettings, IssuedPack, StoredPDF
from reports.pdf import documents, sandbox
from reports.public import selectors as public_selectors

logger = logging.getLogger(__name__)

# Below users' own renders (django-tasks' default priority is 0): the worker takes those first.
BACKGROUND_PRIORITY = -10
REQUESTED_PRIORITY = 10
LEASE_SECONDS = tasks.LEASE_SECONDS
MAX_ATTEMPTS = tasks.MAX_ATTEMPTS
# How long a download of a small document waits for the worker's render of it before
# sending the user to the progress page (or, for a pack, rendering it itself).
WAIT_SECONDS = 20.0
POLL_SECONDS = 0.25

WORKER_DIED = (
    "The worker stopped while making this PDF, twice. Try again; if it happens again, "
    "tell your administrator."
)
UNEXPECTED_ERROR = (
    "The PDF could not be produced because of an error on the server. Try again; if it "
    "happens again, tell your administrator."
)


# -- Documents -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """Which document: an appendix (latest, or of one update report), a published review's
    public appendix, a committee pack, or a tracker across reviews (by its query,
    ``reports.trackers.canonical_query``)."""

    review_id: int | None = None
    report_id: int | None = None
    meeting_id: int | None = None
    tracker_query: str | None = None
    public: bool = False

    @property
    def key(self) -> str:
        if self.public:
            return f"{PUBLIC_PREFIX}{self.review_id}"
        if self.tracker_query is not None:
            # Named by its query's digest: any query fits the key's column.
            return f"tracker:{hashlib.sha256(self.tracker_query.encode()).hexdigest()[:40]}"
        if self.meeting_id is not None:
            return f"pack:{self.meeting_id}"
        if self.report_id is not None:
            return f"appendix:{self.review_id}:report:{self.report_id}"
        return f"appendix:{self.review_id}"

    @property
    def is_pack(self) -> bool:
        return self.meeting_id is not None

    @property
    def is_tracker(self) -> bool:
        return self.tracker_query is not None


# The stored public appendix's key: what the rows' ``document`` starts with.
PUBLIC_PREFIX = "public-appendix:"


def appendix_document(review_id: int, report_id: int | None = None) -> Document:
    return Document(review_id=review_id, report_id=report_id)


def public_appendix_document(review_id: int) -> Document:
    """The appendix the public pages offer (as at the latest final report, final reports'
    updates only): a document of its own, so the signed-in appendix's file, which shows
    drafts, is never served for it."""
    return Document(review_id=review_id, public=True)


def pack_document(meeting_id: int) -> Document:
    return Document(meeting_id=meeting_id)


def tracker_document(query: str) -> Document:
    """A tracker across reviews, made only when asked for (there is one per query): never
    ahead of time, and never trusted without building its HTML (any write may change it)."""
    return Document(tracker_query=query)


def fingerprint(html: str) -> str:
    """The rendered HTML holds every value the PDF shows (and the stylesheet's hashed name);
    with the PDF variant, it decides the bytes."""
    return hashlib.sha256(f"{sandbox.PDF_VARIANT}\n{html}".encode()).hexdigest()


@functools.cache
def code_version() -> str:
    """The code that lays out a document (``tasks._code_version``: templates, stylesheet,
    rows, selectors, the PDF package) and the domain's parts that print (where a
    recommendation stands, Markdown, what is public): a release that changes them trusts
    no PDF made before."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(tasks._code_version().encode())
    for name in ("monitoring.py", "markdown.py", "meanings.py", "publication.py"):
        digest.update((root / "recommendations" / name).read_bytes())
    # What the public appendix picks: a release that changes it trusts no public PDF.
    digest.update((root / "reports" / "public" / "selectors.py").read_bytes())
    return digest.hexdigest()[:32]


def _row(document: Document) -> StoredPDF:
    row = StoredPDF.objects.filter(document=document.key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return StoredPDF.objects.create(
                document=document.key,
                review_id=document.review_id,
                report_id=document.report_id,
                meeting_id=document.meeting_id,
                tracker_query=document.tracker_query or "",
            )
    except IntegrityError:  # created meanwhile by another request or worker
        return StoredPDF.objects.get(document=document.key)


# -- Marking changes -----------------------------------------------------------------------


@dataclass
class _Touched:
    reviews: set[int] = field(default_factory=set)
    recommendations: set[int] = field(default_factory=set)
    updates: set[int] = field(default_factory=set)
    reports: set[int] = field(default_factory=set)
    meetings: set[int] = field(default_factory=set)
    people: set[int] = field(default_factory=set)
    committees: set[int] = field(default_factory=set)
    authorities: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return any(vars(self).values())


_pending = threading.local()


def _add(touched: _Touched, instance: object) -> None:
    """What a saved or deleted record can change in print. Ids only: no query here."""
    if isinstance(instance, Review):
        touched.reviews.add(instance.pk)
    elif isinstance(instance, Recommendation | AppendixSettings):
        touched.reviews.add(instance.review_id)
    elif isinstance(instance, Response | Lead):
        touched.recommendations.add(instance.recommendation_id)
    elif isinstance(instance, ProgressUpdate):
        touched.recommendations.add(instance.recommendation_id)
        if instance.report_id:
            touched.reports.add(instance.report_id)
    elif isinstance(instance, CommitteeVerdict):
        touched.updates.add(instance.update_id)
        touched.meetings.add(instance.meeting_id)
    elif isinstance(instance, UpdateReport):
        touched.reviews.add(instance.review_id)
        if instance.meeting_id:
            touched.meetings.add(instance.meeting_id)
    elif isinstance(instance, Meeting):
        touched.meetings.add(instance.pk)
    elif isinstance(instance, SupportingDocument):
        for name, ids in [
            ("review_id", touched.reviews),
            ("update_report_id", touched.reports),
            ("progress_update_id", touched.updates),
            ("meeting_id", touched.meetings),
        ]:
            if value := getattr(instance, name, None):
                ids.add(value)
    elif isinstance(instance, Person):
        touched.people.add(instance.pk)
    elif isinstance(instance, Committee):
        touched.committees.add(instance.pk)
    elif isinstance(instance, Authority):
        touched.authorities.add(instance.pk)
    elif isinstance(instance, GlossaryTerm):
        touched.authorities.add(instance.authority_id)


def _flush() -> None:
    """Mark what was noted. Each write queued one of these; the first to run after a commit
    marks everything noted so far, the rest find nothing left: one mark per document."""
    touched = getattr(_pending, "touched", None)
    _pending.touched = None
    if not touched:
        return
    try:
        mark_changed(affected_documents(touched))
    except Exception:  # noqa: BLE001 -- the edit is saved; a missed mark costs a render
        logger.exception("Could not mark the PDFs of a change for re-rendering")


def note_change(sender=None, instance=None, **kwargs) -> None:
    """A signal receiver: remember what changed, and mark its documents once the
    transaction commits (straight away outside one). What a rolled-back transaction noted
    is marked with the next commit: a render that finds its document unchanged is skipped."""
    if instance is None or kwargs.get("raw"):
        return
    # In the write's own transaction, so that no download trusts a stored PDF once the
    # change is committed (the marking below comes a moment after the commit).
    StoredPDF.objects.filter(_documents_showing(instance)).update(
        trusted=False, changes=F("changes") + 1
    )
    if isinstance(instance, Review) and instance.published_at is None:
        take_down_public(instance.pk)
    touched = getattr(_pending, "touched", None)
    if touched is None:
        touched = _pending.touched = _Touched()
    _add(touched, instance)
    transaction.on_commit(_flush)


def _of_reviews(reviews) -> Q:
    """The appendices of ``reviews`` (ids, or a subquery of them), and their packs."""
    meetings = Meeting.objects.filter(
        Q(reviews__in=reviews) | Q(update_reports__review__in=reviews)
    )
    return Q(review_id__in=reviews) | Q(meeting_id__in=meetings.values("pk"))


def _documents_showing(instance: object) -> Q:
    """The stored documents a write to ``instance`` may change, as one filter (subqueries,
    no query of its own). Rare writes (people, authorities, committees, glossary terms)
    take every document; a supporting document, every pack."""
    if isinstance(instance, Review):
        return _of_reviews([instance.pk])
    if isinstance(instance, Recommendation | AppendixSettings):
        return _of_reviews([instance.review_id])
    if isinstance(instance, Response | Lead | ProgressUpdate):
        recommendation = Recommendation.objects.filter(pk=instance.recommendation_id)
        return _of_reviews(recommendation.values("review_id"))
    if isinstance(instance, CommitteeVerdict):
        recommendation = Recommendation.objects.filter(updates=instance.update_id)
        return _of_reviews(recommendation.values("review_id")) | Q(meeting_id=instance.meeting_id)
    if isinstance(instance, UpdateReport):
        return _of_reviews([instance.review_id]) | Q(meeting_id=instance.meeting_id)
    if isinstance(instance, Meeting):
        reviews = Review.objects.filter(
            Q(meetings=instance.pk)
            | Q(update_reports__meeting=instance.pk)
            | Q(recommendations__updates__verdict__meeting=instance.pk)
        )
        return _of_reviews(reviews.values("pk")) | Q(meeting_id=instance.pk)
    if isinstance(instance, SupportingDocument):
        return Q(meeting__isnull=False)
    return Q()


def note_relation(sender=None, instance=None, action: str = "", **kwargs) -> None:
    """A meeting's list of reviews, or a report's contributors, changed (``m2m_changed``)."""
    if action.startswith("post_"):
        note_change(instance=instance)


def affected_documents(touched: _Touched) -> list[Document]:
    """The documents that may print what changed. Generous: a document whose HTML turns out
    unchanged costs the worker the HTML and no render."""
    reviews = set(touched.reviews)
    recommendations = set(touched.recommendations)
    if touched.updates:
        recommendations |= set(
            ProgressUpdate.objects.filter(pk__in=touched.updates).values_list(
                "recommendation_id", flat=True
            )
        )
    if recommendations:
        reviews |= set(
            Recommendation.objects.filter(pk__in=recommendations).values_list(
                "review_id", flat=True
            )
        )
    if touched.reports:
        reviews |= set(
            UpdateReport.objects.filter(pk__in=touched.reports).values_list("review_id", flat=True)
        )
    if touched.people:
        people = touched.people
        reviews |= set(
            Review.objects.filter(
                Q(recommendations__leads__person__in=people)
                | Q(lead_cabinet_member__in=people)
                | Q(lead_director__in=people)
                | Q(update_reports__author__in=people)
                | Q(update_reports__authorised_by__in=people)
                | Q(update_reports__contributors__in=people)
                | Q(recommendations__updates__author__in=people)
            ).values_list("pk", flat=True)
        )
    if touched.committees or touched.authorities:
        reviews |= set(
            Review.objects.filter(
                Q(committee__in=touched.committees)
                | Q(committee__authority__in=touched.authorities)
            ).values_list("pk", flat=True)
        )
    # Only those still there (what a rolled-back transaction noted may not be).
    still_there = dict(Review.objects.filter(pk__in=reviews).values_list("pk", "published_at"))
    reviews = set(still_there)
    found = [appendix_document(pk) for pk in sorted(reviews)]
    # Published reviews' public appendices: publishing, a report made final or anything it
    # prints. One whose HTML is unchanged (a draft's edit) costs the worker no render.
    found += [public_appendix_document(pk) for pk in sorted(reviews) if still_there[pk]]
    found += [
        appendix_document(review_id, report_id)
        for report_id, review_id in UpdateReport.objects.filter(review__in=reviews)
        .order_by("pk")
        .values_list("pk", "review_id")
    ]
    # Packs still to be presented: an issued pack, or one whose meeting has passed (frozen
    # on its first download), is never made again.
    meetings = (
        Meeting.objects.filter(
            Q(pk__in=touched.meetings)
            | Q(reviews__in=reviews)
            | Q(update_reports__review__in=reviews),
            date__gte=timezone.localdate(),
            issued_pack__isnull=True,
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    found += [pack_document(pk) for pk in meetings]
    return found


def _enqueue(row_id: int, *, run_after: datetime.datetime | None, priority: int) -> None:
    task_ = render_document.using(priority=priority)
    if run_after is not None and _can_defer():
        task_ = task_.using(run_after=run_after)
    task_.enqueue(row_id)


def _can_defer() -> bool:
    return render_document.get_backend().supports_defer


def mark_changed(found: Iterable[Document], *, delay: float | None = None) -> None:
    """Each document is due ``delay`` seconds from now (``PDF_PRERENDER_DELAY``), pushed on
    from any earlier due time; one task is queued for a document not already waiting."""
    delay = settings.PDF_PRERENDER_DELAY if delay is None else delay
    due = timezone.now() + datetime.timedelta(seconds=delay)
    for document in found:
        row = _row(document)
        with transaction.atomic():
            StoredPDF.objects.filter(pk=row.pk).update(
                due_at=due, changes=F("changes") + 1, trusted=False
            )
            # Waiting or rendering already: that task takes this change too (see _finish).
            if StoredPDF.objects.filter(pk=row.pk, status=StoredPDF.Status.IDLE).update(
                status=StoredPDF.Status.QUEUED, error=""
            ):
                _enqueue(row.pk, run_after=due, priority=BACKGROUND_PRIORITY)


def request_render(document: Document) -> StoredPDF:
    """A user is waiting: the document is due now, ahead of the background's renders."""
    row = _row(document)
    now = timezone.now()
    recover_expired(row_id=row.pk)
    waiting = StoredPDF.objects.filter(pk=row.pk, status=StoredPDF.Status.QUEUED)
    with transaction.atomic():
        if waiting.filter(due_at__gt=now).update(due_at=now) or StoredPDF.objects.filter(
            pk=row.pk, status=StoredPDF.Status.IDLE
        ).update(status=StoredPDF.Status.QUEUED, due_at=now, error="", changes=F("changes") + 1):
            # A task queued for later may still be waiting for its time: this one runs now,
            # and whichever comes second finds nothing to do.
            _enqueue(row.pk, run_after=None, priority=REQUESTED_PRIORITY)
    row.refresh_from_db()
    return row


# -- The lease -----------------------------------------------------------------------------


def _lease_until(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(seconds=LEASE_SECONDS)


def _held(row: StoredPDF):
    return StoredPDF.objects.filter(
        pk=row.pk, status=StoredPDF.Status.RUNNING, lease_token=row.lease_token
    )


def claim(
    row_id: int,
    *,
    statuses: Iterable[str],
    changes: int | None = None,
    lease_seconds: float = LEASE_SECONDS,
) -> StoredPDF | None:
    """One of ``statuses`` -> RUNNING in one conditional UPDATE, so one renderer wins; with a
    lease under a token of its own. ``changes``: only if no change was marked since."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimable = StoredPDF.objects.filter(pk=row_id, status__in=list(statuses))
    if changes is not None:
        claimable = claimable.filter(changes=changes)
    if not claimable.update(
        status=StoredPDF.Status.RUNNING,
        attempts=F("attempts") + 1,
        lease_token=token,
        lease_expires_at=now + datetime.timedelta(seconds=lease_seconds),
        leased_by=tasks._holder(),
        pages_done=0,
    ):
        return None
    return StoredPDF.objects.get(pk=row_id)


class Lease:
    def __init__(self, row: StoredPDF):
        self.row = row
        self.pages = 0
        self.last_saved = 0.0

    def renew(self) -> None:
        try:
            held = _held(self.row).update(
                lease_expires_at=_lease_until(timezone.now()), pages_done=self.pages
            )
        except (OperationalError, InterfaceError) as error:
            logger.warning("PDF %s could not renew its lease: %s", self.row.document, error)
            connection.close_if_unusable_or_obsolete()
            return
        if not held:
            raise tasks.LeaseLost(f"The render of {self.row.document} was taken over.")
        self.last_saved = time.monotonic()

    def progress(self, pages: int) -> None:
        self.pages = pages
        if time.monotonic() - self.last_saved >= tasks.PROGRESS_SAVE_SECONDS:
            self.renew()


def _finish(row: StoredPDF, **values) -> bool:
    """Let go of the document: IDLE, or QUEUED again (with a task) if a change was marked
    while it rendered. False if the lease had been lost."""
    released = dict(lease_token="", lease_expires_at=None, leased_by="", attempts=0)
    trust = {}
    if values.get("fingerprint"):
        # Stored from the data as it stands: no change was marked since the claim.
        trust = dict(trusted=True, verified_on=timezone.localdate(), code_version=code_version())
    idle = _held(row).filter(changes=row.changes)
    if idle.update(status=StoredPDF.Status.IDLE, **released, **values, **trust):
        return True
    with transaction.atomic():
        if not _held(row).update(
            status=StoredPDF.Status.QUEUED, trusted=False, **released, **values
        ):
            return False
        due = StoredPDF.objects.values_list("due_at", flat=True).get(pk=row.pk)
        _enqueue(row.pk, run_after=due, priority=BACKGROUND_PRIORITY)
    return True


def recover_expired(*, row_id: int | None = None) -> int:
    """A RUNNING render whose lease ran out lost its renderer: queue it again, or after
    ``MAX_ATTEMPTS`` give up with a message (IDLE, so the next change or click tries again).
    One query when there is nothing to do."""
    now = timezone.now()
    expired = StoredPDF.objects.filter(status=StoredPDF.Status.RUNNING, lease_expires_at__lt=now)
    if row_id is not None:
        expired = expired.filter(pk=row_id)
    recovered = 0
    for row in expired:
        gone = _held(row).filter(lease_expires_at__lt=now)
        released = dict(lease_token="", lease_expires_at=None, leased_by="", pages_done=0)
        if row.attempts < MAX_ATTEMPTS:
            with transaction.atomic():
                if not gone.update(status=StoredPDF.Status.QUEUED, due_at=now, **released):
                    continue
                _enqueue(row.pk, run_after=None, priority=BACKGROUND_PRIORITY)
            logger.warning(
                "PDF %s: renderer %s stopped; queued again.", row.document, row.leased_by
            )
        else:
            if not gone.update(
                status=StoredPDF.Status.IDLE, error=WORKER_DIED, attempts=0, **released
            ):
                continue
            logger.error("PDF %s: renderer %s stopped again; gave up.", row.document, row.leased_by)
        recovered += 1
    return recovered


# -- Rendering and storing -----------------------------------------------------------------


def _storage():
    return StoredPDF._meta.get_field("file").storage


def _delete_file(name: str) -> None:
    if not name:
        return
    try:
        _storage().delete(name)
    except Exception:  # noqa: BLE001 -- a leftover file must not hide the outcome
        logger.exception("Could not remove the stored PDF %s", name)


def _store(row: StoredPDF, *, print_: str, content: bytes, pages: int) -> bool:
    """Save the file under a name of its content, then point the row at it while the lease
    holds; the file it replaces goes once that is committed."""
    name = StoredPDF._meta.get_field("file").generate_filename(
        row, f"{row.document.replace(':', '-')}-{print_[:20]}.pdf"
    )
    try:
        name = _storage().save(name, ContentFile(content))
    except Exception as error:
        _delete_file(name)
        raise tasks.SaveFailed(f"Saving {name} failed: {error!r}") from error
    old = StoredPDF.objects.values_list("file", flat=True).get(pk=row.pk)
    stored = _finish(
        row,
        fingerprint=print_,
        file=name,
        pages=pages,
        rendered_at=timezone.now(),
        error="",
        error_fingerprint="",
    )
    if not stored:
        _delete_file(name)
        return False
    if old and old != name:
        transaction.on_commit(lambda: _delete_file(old))
    return True


def take_down_public(review_id: int) -> None:
    """The review is no longer published: its stored public appendix is forgotten in this
    transaction (no download can be served it, whatever a render under way stores after,
    since the public pages answer 404 first), and its file removed once that commits."""
    public = StoredPDF.objects.filter(
        document=public_appendix_document(review_id).key, review__published_at__isnull=True
    )
    names = [name for name in public.exclude(file="").values_list("file", flat=True)]
    if not names:
        return
    public.update(file="", fingerprint="", trusted=False, pages=0, rendered_at=None)
    transaction.on_commit(lambda: [_delete_file(name) for name in names])


def _public_appendix_html(row: StoredPDF) -> tuple[str, list[rows.Appendix]] | None:
    review = (
        publication.published_reviews()
        .select_related("committee__authority", "appendix_settings")
        .filter(pk=row.review_id)
        .first()
    )
    if review is None:
        return None  # unpublished (or deleted) meanwhile: nothing public to make
    appendix = public_selectors.public_appendix(review)
    return documents.appendix_html(appendix), [appendix]


def _html(row: StoredPDF) -> tuple[str, list[rows.Appendix]] | None:
    """The document's HTML as the data stands, or None when it is not to be made here."""
    if row.document.startswith(PUBLIC_PREFIX):
        return _public_appendix_html(row)
    if row.document.startswith("tracker:"):
        found = trackers.filterset(QueryDict(row.tracker_query))
        tracker = trackers.build(found)
        return documents.tracker_html(tracker, trackers.description(tracker)), []
    if row.meeting_id is not None:
        meeting = Meeting.objects.filter(pk=row.meeting_id).first()
        if (
            meeting is None
            or IssuedPack.objects.filter(meeting=meeting).exists()
            or tasks.meeting_has_passed(meeting)
        ):
            return None  # papers as presented are never made again
        if tasks.needs_background(tasks.pack_row_count(meeting.pk)):
            # Large packs have their own render, which pack.pdf serves.
            tasks.start_pack_render(meeting=meeting, user=None)
            return None
        pack = rows.meeting_pack(meeting.pk)
        return documents.pack_html(pack), pack.appendices
    review = (
        Review.objects.select_related("committee__authority", "appendix_settings")
        .filter(pk=row.review_id)
        .first()
    )
    if review is None:
        return None  # deleted meanwhile (its row goes with it)
    appendix = rows.appendix_for_review(review, row.report_id)
    return documents.appendix_html(appendix), [appendix]


def render(
    row: StoredPDF,
    html: str,
    appendices: list[rows.Appendix],
    *,
    timeout: float,
    niceness: int = 0,
    explain_seconds: float,
) -> bytes:
    """Render the claimed document and store it; a failure is recorded on the row (a document
    that cannot be laid out, by its fingerprint) and raised."""
    lease = Lease(row)
    print_ = fingerprint(html)
    try:
        pages = 0

        def progress(laid_out: int) -> None:
            nonlocal pages
            pages = max(pages, laid_out)
            lease.progress(laid_out)

        content = sandbox.render_pdf(
            html, timeout=timeout, on_progress=progress, heartbeat=lease.renew, niceness=niceness
        )
        _store(row, print_=print_, content=content, pages=pages)
        return content
    except tasks.LeaseLost:
        raise
    except Exception as error:
        broken = ""
        if isinstance(error, sandbox.PDFDocumentError):
            if not error.explained:
                error = documents.explain(
                    error, html, appendices, seconds=explain_seconds, heartbeat=lease.renew
                )
            broken = print_
        message = str(error) if isinstance(error, sandbox.PDFRenderError) else UNEXPECTED_ERROR
        if isinstance(error, tasks.SaveFailed):
            message = "The PDF could not be saved: the server's storage is full or not writable."
        _finish(row, error=message, error_fingerprint=broken)
        raise error from None


@task(priority=BACKGROUND_PRIORITY)
def render_document(row_id: int) -> str:
    """The worker's render of one document, once its changes have settled."""
    row = StoredPDF.objects.filter(pk=row_id).first()
    if row is None or row.status != StoredPDF.Status.QUEUED:
        return "nothing to do"  # made meanwhile (by a request, or another task)
    now = timezone.now()
    if row.due_at and row.due_at > now and _can_defer():
        # More changes came: wait for the burst to end. Only one task waits per document
        # (a later one for the same row finds it claimed or idle).
        _enqueue(row.pk, run_after=row.due_at, priority=BACKGROUND_PRIORITY)
        return "deferred"
    row = claim(row.pk, statuses=[StoredPDF.Status.QUEUED])
    if row is None:
        return "not claimed"
    try:
        built = _html(row)
        if built is None:
            _finish(row)
            if row.document.startswith(PUBLIC_PREFIX):
                # A render that ended after the review was unpublished may have stored one.
                take_down_public(row.review_id)
            return "not made here"
        html, appendices = built
        print_ = fingerprint(html)
        if print_ == row.error_fingerprint or (
            print_ == row.fingerprint and _storage().exists(row.file.name)
        ):
            _finish(row)  # the change did not change this document
            return "unchanged"
        render(
            row,
            html,
            appendices,
            timeout=settings.PDF_BACKGROUND_RENDER_TIMEOUT,
            niceness=settings.PDF_WORKER_NICENESS,
            explain_seconds=documents.EXPLAIN_SECONDS_IN_BACKGROUND,
        )
        if row.document.startswith("tracker:"):
            prune_trackers(keep=row.pk)
    except tasks.LeaseLost:
        logger.warning("The render of %s was taken over; stopping.", row.document)
        return "taken over"
    except sandbox.PDFRenderError as error:
        logger.error("PDF %s could not be made: %s", row.document, error)
        return "failed"
    except Exception:
        logger.exception("PDF %s could not be made", row.document)
        _finish(row, error=UNEXPECTED_ERROR)
        raise
    return "rendered"


def prune_trackers(*, keep: int | None = None) -> int:
    """Trackers are kept per query, so they would pile up: one not made or asked for within
    ``PDF_CACHE_SECONDS`` goes, with its file (asking again makes it again)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.PDF_CACHE_SECONDS)
    old = StoredPDF.objects.filter(
        Q(rendered_at__lt=cutoff) | Q(rendered_at__isnull=True, due_at__lt=cutoff),
        document__startswith="tracker:",
        status=StoredPDF.Status.IDLE,
    ).exclude(pk=keep)
    names = [name for name in old.values_list("file", flat=True) if name]
    deleted, _ = old.delete()
    transaction.on_commit(lambda: [_delete_file(name) for name in names])
    return deleted


# -- Downloads -----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a download gets: the PDF (``content``), or a render to wait for (``pending``)."""

    row: StoredPDF
    content: bytes | None = None
    source: str = ""  # "stored", "cache" or "rendered"

    @property
    def pending(self) -> bool:
        return self.content is None


def _read(row: StoredPDF) -> bytes | None:
    if not row.file.name:
        return None
    try:
        with row.file.open("rb") as stored:
            return stored.read()
    except OSError:
        return None  # removed behind our back: made again below


def fetch(
    document: Document,
    build: Callable[[], tuple[str, list[rows.Appendix]]],
    *,
    large: bool,
    wait: Callable[[float], None] = time.sleep,
) -> Outcome:
    """The document's PDF as the data stands now: the stored file if it was made from the
    same HTML; else, for a small document, the render under way (waited for) or one made
    here; for a large one, the worker's render, started now if none is (``pending``).

    Raises the renderer's errors (``sandbox.PDFRenderError``) for the caller to answer."""
    row = _row(document)
    if (
        row.trusted
        and not document.is_tracker  # no write marks a tracker: its HTML decides
        and row.status == StoredPDF.Status.IDLE
        and row.verified_on == timezone.localdate()
        and row.code_version == code_version()
        and (content := _read(row)) is not None
    ):
        return Outcome(row=row, content=content, source="stored")
    changes = row.changes
    html, appendices = build()
    print_ = fingerprint(html)
    if row.fingerprint == print_ and (content := _read(row)) is not None:
        # Still what the data shows (a change elsewhere, or a new day): trusted again, if
        # nothing was marked meanwhile.
        StoredPDF.objects.filter(
            pk=row.pk, status=StoredPDF.Status.IDLE, changes=changes, fingerprint=print_
        ).update(trusted=True, verified_on=timezone.localdate(), code_version=code_version())
        return Outcome(row=row, content=content, source="stored")
    if row.error_fingerprint == print_ and row.error:
        raise sandbox.PDFDocumentError(row.error, explained=True)
    if large:
        return Outcome(row=request_render(document))
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        if row.status != StoredPDF.Status.RUNNING:
            claimed = claim(
                row.pk,
                statuses=[StoredPDF.Status.IDLE, StoredPDF.Status.QUEUED],
                changes=changes,
                lease_seconds=settings.PDF_RENDER_TIMEOUT + LEASE_SECONDS,
            )
            if claimed is not None:
                break
        elif time.monotonic() >= deadline:
            return Outcome(row=row)
        else:
            wait(POLL_SECONDS)  # for the render under way: never two at once
        recover_expired(row_id=row.pk)
        row.refresh_from_db()
        if row.changes != changes:
            # A change was marked meanwhile: render what the data shows now.
            changes = row.changes
            html, appendices = build()
            print_ = fingerprint(html)
        if row.fingerprint == print_ and (content := _read(row)) is not None:
            return Outcome(row=row, content=content, source="stored")
    content, from_cache = _render_in_request(claimed, html, appendices)
    return Outcome(row=claimed, content=content, source="cache" if from_cache else "rendered")


def _render_in_request(
    row: StoredPDF, html: str, appendices: list[rows.Appendix]
) -> tuple[bytes, bool]:
    """Within the request's time limit, through the PDF cache (another app server may just
    have made it); the lease outlasts that limit, so it needs no renewing."""
    print_ = fingerprint(html)
    try:
        content, from_cache = documents.cached_pdf(html)
    except sandbox.PDFDocumentError as error:
        if not error.explained:
            error = documents.explain(
                error, html, appendices, seconds=documents.EXPLAIN_SECONDS_IN_REQUEST
            )
        _finish(row, error=str(error), error_fingerprint=print_)
        raise error from None
    except sandbox.PDFRenderError as error:
        _finish(row, error=str(error))
        raise
    except Exception:
        _finish(row, error=UNEXPECTED_ERROR)
        raise
    try:
        _store(row, print_=print_, content=content, pages=0)
    except tasks.SaveFailed:
        # The user still gets the PDF; the next download makes it again.
        logger.exception("PDF %s was made but could not be stored", row.document)
        _finish(row, error="The PDF could not be saved: the server's storage is full.")
    return content, from_cache


def status(document: Document) -> StoredPDF | None:
    """For the progress page: the row, after recovering a render whose worker died."""
    row = StoredPDF.objects.filter(document=document.key).first()
    if row is not None and recover_expired(row_id=row.pk):
        row.refresh_from_db()
    return row
