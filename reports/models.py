from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from recommendations.models import Meeting, Review, UpdateReport
from reports.layouts import (
    DEFAULT_LAYOUT,
    FIELDS,
    HEADER_FIELDS,
    HEADER_KEYS,
    LAYOUT_CHOICES,
    LAYOUTS,
    NOTE_MAX,
    TITLE_MAX,
    VERSION_HEADINGS,
    Layout,
    preset_columns,
)


class AppendixLayoutFields(models.Model):
    """A stored layout: the preset it started from (which writes the labels), its columns in
    order (each ``{"field": key, "heading": text}``; a field not listed is hidden), the header
    block's fields (each ``{"field": key, "label": text}``, the version table's also with its
    column ``"headings"``; blank is the field's own), its note, and the appendix's own title
    ("Appendix A")."""

    layout = models.CharField(
        "preset", max_length=30, choices=LAYOUT_CHOICES, default=DEFAULT_LAYOUT
    )
    columns = models.JSONField(default=list, blank=True)
    header = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True, max_length=NOTE_MAX)
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def get_layout(self) -> Layout:
        return LAYOUTS.get(self.layout, LAYOUTS[DEFAULT_LAYOUT])

    def get_columns(self) -> list[tuple[str, str]]:
        """(field, heading) in order: the stored columns, or the preset's when none are
        stored (a layout always has one). A blank heading is the field's own."""
        stored = self.columns or preset_columns(self.get_layout().key)
        return [
            (column["field"], column.get("heading") or FIELDS[column["field"]].heading)
            for column in stored
            if isinstance(column, dict) and column.get("field") in FIELDS
        ]

    def get_header_entries(self) -> list[dict]:
        """The header's fields as stored, in the order they print. A bare key (as stored
        before header fields had labels of their own) is the field under its own label."""
        entries: dict[str, dict] = {}
        for entry in self.header or []:
            if isinstance(entry, str):
                entry = {"field": entry, "label": ""}
            if isinstance(entry, dict) and entry.get("field") in HEADER_FIELDS:
                entries.setdefault(entry["field"], entry)
        return [entries[key] for key in HEADER_KEYS if key in entries]

    def get_header(self) -> list[str]:
        return [entry["field"] for entry in self.get_header_entries()]

    def get_header_labels(self) -> dict[str, str]:
        """Each shown header field's label: the one given, else the field's own."""
        return {
            entry["field"]: str(entry.get("label") or "") or HEADER_FIELDS[entry["field"]].label
            for entry in self.get_header_entries()
        }

    def get_version_headings(self) -> tuple[str, ...]:
        """The version table's column headings: those given, else ours."""
        given = next(
            (e.get("headings") for e in self.get_header_entries() if e["field"] == "versions"),
            None,
        )
        if not isinstance(given, list) or len(given) != len(VERSION_HEADINGS):
            return VERSION_HEADINGS
        return tuple(
            str(mine or "") or ours for mine, ours in zip(given, VERSION_HEADINGS, strict=True)
        )


class AppendixSettings(AppendixLayoutFields):
    """How one review's appendix is printed."""

    review = models.OneToOneField(
        Review, on_delete=models.CASCADE, related_name="appendix_settings"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "appendix settings"

    def __str__(self) -> str:
        return f"Appendix settings for {self.review}"


class ReportAppendixSettings(AppendixLayoutFields):
    """One update report's own layout, replacing its review's when that report is printed."""

    report = models.OneToOneField(
        UpdateReport, on_delete=models.CASCADE, related_name="appendix_settings"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "update report's appendix settings"
        verbose_name_plural = "update reports' appendix settings"

    def __str__(self) -> str:
        return f"Appendix settings for {self.report}"


class PackRender(models.Model):
    """A committee pack rendered by a background worker, for packs too large for a request.

    ``data_version`` is ``reports.tasks.pack_data_version()`` as the worker read it before it
    built the pack: the stored PDF is offered only while the meeting's data still has that
    version, so never stale.

    A worker holds a RUNNING job by a lease (``lease_expires_at``, renewed while it renders);
    a job whose lease ran out lost its worker, and is queued again or failed by
    ``reports.tasks.recover_expired_renders``. ``attempts`` counts the claims, so a worker
    that comes back late can tell that its claim was taken over.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Rendering"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="pack_renders")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    data_version = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    pages_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="packs/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # A clerk asked for the pack to be issued: when the render is done it is stored as the
    # meeting's IssuedPack, by them.
    issue_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=100, blank=True, help_text="host:pid of the worker.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A second click (or a second clerk) joins the render already under way.
            models.UniqueConstraint(
                fields=["meeting", "data_version"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_pack_render_per_content",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="pack_render_status_valid",
            ),
        ]
        indexes = [
            # The recovery pass looks for running jobs whose lease has run out.
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(status="running"),
                name="pack_render_running_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"Pack for {self.meeting} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class IssuedPack(models.Model):
    """A meeting's committee pack as members were sent it: the PDF is kept, and every later
    download serves these bytes, whatever is recorded afterwards.

    A clerk issues it before the meeting (``issued_by`` names them), or it is frozen on the
    first request after the meeting date (``issued_by`` empty). One per meeting: two first
    requests at once meet the one-to-one constraint, and the loser serves the winner's file.
    """

    class How(models.TextChoices):
        ISSUED = "issued", "Issued by the clerk"
        FROZEN = "frozen", "Frozen when the meeting passed"

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="issued_pack")
    file = models.FileField(upload_to="packs/issued/", max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    pages = models.PositiveIntegerField(default=0)
    how = models.CharField(max_length=10, choices=How.choices)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as it was at the time: the account may later be renamed or removed.
    issued_by_name = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(how__in=["issued", "frozen"]), name="issued_pack_how_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(how="issued") | models.Q(issued_by__isnull=True),
                name="frozen_pack_has_no_issuer",
            ),
        ]

    def __str__(self) -> str:
        return f"Issued pack for {self.meeting}"

    @property
    def statement(self) -> str:
        """What the pack page says, in the council's time zone: "Issued on 3 March 2025 at
        14:02 by Colin Clerk" or "Frozen when the meeting passed, on 4 March 2025 at 09:00"."""
        when = timezone.localtime(self.issued_at)
        at = f"{when.day} {when:%B %Y} at {when:%H:%M}"
        if self.how == self.How.ISSUED:
            return f"Issued on {at} by {self.issued_by_name or 'a clerk'}"
        return f"Frozen when the meeting passed, on {at}"


class StoredPDF(models.Model):
    """One document's PDF (a review's appendix, latest or of one update report, or a small
    committee pack), made by the task worker after the data it shows changed, so that a
    download finds it ready; or a large tracker across reviews, made when asked for.
    ``reports.prerender`` reads and writes these rows.

    Kept by content: ``fingerprint`` is that of the HTML the stored file was rendered from,
    and a download serves the file only if the HTML it builds now has the same fingerprint,
    so an edit the worker has not caught up with is never served stale; ``trusted`` lets a
    download skip building the HTML while nothing it shows can have changed.

    One row per document, so at most one render of it runs at a time: QUEUED waits until
    ``due_at`` (each change pushes it on: a burst of edits is one render), RUNNING is held by
    a lease as ``PackRender`` is (``lease_token`` names the attempt), ``changes`` counts the
    changes marked, so a render that finishes after another change leaves it QUEUED again.
    """

    class Status(models.TextChoices):
        IDLE = "idle", "Up to date, or waiting for a change"
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Rendering"

    document = models.CharField(max_length=100, unique=True)
    # For the cascade when the review, report or meeting goes; the key says which document.
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    report = models.ForeignKey(
        "recommendations.UpdateReport",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # A tracker across reviews: its query (``reports.trackers.canonical_query``), from which
    # the worker builds it; its key is the query's digest.
    tracker_query = models.TextField(blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    file = models.FileField(upload_to="pdfs/", blank=True, max_length=255)
    # Known to be what the data shows, without building the HTML: set when a render of the
    # current data is stored (or a download finds the fingerprint unchanged), cleared inside
    # the transaction of any write that may change the document; good for ``verified_on``
    # only (overdue labels follow the date) and for the code of ``code_version``.
    trusted = models.BooleanField(default=False)
    verified_on = models.DateField(null=True, blank=True)
    code_version = models.CharField(max_length=32, blank=True)
    pages = models.PositiveIntegerField(default=0)
    rendered_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IDLE)
    due_at = models.DateTimeField(null=True, blank=True)
    changes = models.PositiveIntegerField(default=0)
    pages_done = models.PositiveIntegerField(default=0)
    # The last render's failure, and the fingerprint of the HTML that failed to lay out (a
    # document error: rendering it again would fail again).
    error = models.TextField(blank=True)
    error_fingerprint = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=100, blank=True, help_text="host:pid of the renderer.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "stored PDF"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["idle", "queued", "running"]),
                name="stored_pdf_status_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(status="running"),
                name="stored_pdf_running_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"PDF of {self.document} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
