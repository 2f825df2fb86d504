"""The scrutiny domain: reviews, their recommendations, the executive's responses,
the people who lead on them, and the dated progress updates that follow."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from simple_history.models import HistoricalRecords

LONG_TEXT_MAX = 20_000  # characters; several pages of a committee paper
SHORT_TEXT_MAX = 255


class DatePrecision(models.TextChoices):
    """Committee papers often date things by month only ("March 2022"); keep that honest."""

    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


def format_partial_date(value: dt.date | None, precision: str) -> str:
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year}"
    if precision == DatePrecision.MONTH:
        return value.strftime("%B %Y")
    return f"{value.day} {value.strftime('%B %Y')}"


class Authority(models.Model):
    name = models.CharField(max_length=SHORT_TEXT_MAX, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return self.name


class Committee(models.Model):
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="committees")
    name = models.CharField(max_length=SHORT_TEXT_MAX)
    slug = models.SlugField(max_length=100)

    class Meta:
        ordering = ["authority__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "slug"], name="committee_slug_per_authority"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone named in the papers: an officer, a Cabinet member, a report author."""

    name = models.CharField(max_length=SHORT_TEXT_MAX)
    job_title = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    organisation = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    email = models.EmailField(blank=True, help_text="Used for update reminders.")
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "job_title"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["name", "job_title", "organisation"], name="person_unique_identity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.job_title}" if self.job_title else self.name


class Review(models.Model):
    class Status(models.TextChoices):
        AWAITING_RESPONSE = "awaiting_response", "Awaiting response"
        MONITORING = "monitoring", "Monitoring"
        CLOSED = "closed", "Closed"

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="reviews")
    title = models.CharField(max_length=SHORT_TEXT_MAX)
    slug = models.SlugField(max_length=100, unique=True)
    owner = models.CharField(
        max_length=SHORT_TEXT_MAX,
        blank=True,
        help_text="Who owns the review for the committee, "
        'e.g. "Chairman, Children\'s Select Committee".',
    )
    summary = models.TextField(blank=True, max_length=LONG_TEXT_MAX, help_text="Markdown.")
    reported_on = models.DateField(null=True, blank=True)
    reported_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    response_agreed_on = models.DateField(
        null=True, blank=True, help_text="When the executive (Cabinet) agreed its response."
    )
    response_agreed_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    lead_cabinet_member = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lead_director = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.MONITORING)
    response_due_months = models.PositiveSmallIntegerField(
        default=2,
        help_text="The executive's responses are due this many months after the review reports.",
    )
    update_interval_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Progress updates are due this many months after the last update report.",
    )
    overdue_grace_days = models.PositiveSmallIntegerField(
        default=0,
        help_text="A recommendation is overdue this many days after its target date passes "
        "without it being implemented.",
    )
    uses_rag = models.BooleanField(
        default=False, help_text="Progress updates carry a red/amber/green rating."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_on", "title"]
        permissions = [("export_review", "Can export appendices and committee packs")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reports:review_detail", kwargs={"slug": self.slug})

    @property
    def reported_display(self) -> str:
        return format_partial_date(self.reported_on, self.reported_precision)

    @property
    def response_agreed_display(self) -> str:
        return format_partial_date(self.response_agreed_on, self.response_agreed_precision)


class OverdueOverride(models.TextChoices):
    OVERDUE = "overdue", "Overdue"
    NOT_OVERDUE = "not_overdue", "Not overdue"


class Recommendation(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="recommendations")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="parts",
        help_text="Set for a lettered part (2a, 2b) that gets its own decision and updates.",
    )
    label = models.CharField(max_length=20, help_text='As the document prints it: "1", "R3", "3a".')
    order = models.PositiveIntegerField(default=0)
    text = models.TextField(max_length=LONG_TEXT_MAX, help_text="Markdown.")
    overdue_override = models.CharField(
        max_length=12,
        choices=OverdueOverride.choices,
        blank=True,
        help_text="Set by a scrutiny officer, with a reason, when the derived label is wrong.",
    )
    overdue_override_reason = models.TextField(blank=True, max_length=LONG_TEXT_MAX)
    # Closing is a committee decision: the meeting, the reason, the evidence.
    closed_at_meeting = models.ForeignKey(
        "Meeting",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="closed_recommendations",
    )
    closed_reason = models.TextField(blank=True, max_length=LONG_TEXT_MAX)
    closed_evidence = models.TextField(blank=True, max_length=LONG_TEXT_MAX)
    # The latest reopening, shown until it is closed again; earlier closures stay in the history.
    reopened_at_meeting = models.ForeignKey(
        "Meeting",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reopened_recommendations",
    )
    reopened_reason = models.TextField(blank=True, max_length=LONG_TEXT_MAX)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "label"], name="recommendation_label_per_review"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="recommendation_not_own_parent"
            ),
        ]
        indexes = [models.Index(fields=["review", "order"])]

    def __str__(self) -> str:
        return f"{self.review.title}: {self.label}"

    def get_absolute_url(self) -> str:
        return reverse(
            "recommendations:recommendation_detail",
            kwargs={"slug": self.review.slug, "label": self.label},
        )

    def clean(self) -> None:
        if self.parent_id and self.parent.review_id != self.review_id:
            raise ValidationError(
                {"parent": "A part must belong to the same review as its parent."}
            )
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": "Parts cannot have parts of their own."})


class Response(models.Model):
    """The executive's answer to one recommendation (or one part of it)."""

    class Decision(models.TextChoices):
        AGREED = "agreed", "Agreed"
        PARTLY_AGREED = "partly_agreed", "Partly agreed"
        NOT_AGREED = "not_agreed", "Not agreed"
        NOTED = "noted", "Noted"
        AWAITING = "awaiting", "Awaiting response"
        NOT_STATED = "not_stated", "Not stated"

    recommendation = models.OneToOneField(
        Recommendation, on_delete=models.CASCADE, related_name="response"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.AWAITING)
    text = models.TextField(
        blank=True,
        max_length=LONG_TEXT_MAX,
        help_text="Response including proposed action. Markdown.",
    )
    given_by = models.CharField(
        max_length=SHORT_TEXT_MAX, blank=True, help_text='e.g. "Hackney Education", "Cabinet".'
    )
    agreed_on = models.DateField(null=True, blank=True)
    agreed_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Response to {self.recommendation}"

    @property
    def agreed_display(self) -> str:
        return format_partial_date(self.agreed_on, self.agreed_precision)


class Lead(models.Model):
    class Role(models.TextChoices):
        LEAD_OFFICER = "lead_officer", "Lead officer"
        CABINET_MEMBER = "cabinet_member", "Responsible Cabinet member"
        SENIOR_RESPONSIBLE_OFFICER = "senior_responsible_officer", "Senior responsible officer"

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="leads"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="leads")
    role = models.CharField(max_length=30, choices=Role.choices, default=Role.LEAD_OFFICER)
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recommendation", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "person", "role"], name="lead_once_per_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class Meeting(models.Model):
    """A committee meeting at which progress was considered, and what it decided."""

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="meetings")
    date = models.DateField()
    agenda_item = models.CharField(max_length=SHORT_TEXT_MAX)
    reviews = models.ManyToManyField(Review, blank=True, related_name="meetings")
    minutes = models.TextField(blank=True, max_length=LONG_TEXT_MAX * 3, help_text="Markdown.")
    decision = models.TextField(blank=True, max_length=LONG_TEXT_MAX, help_text="Markdown.")
    next_follow_up = models.CharField(
        max_length=SHORT_TEXT_MAX,
        blank=True,
        help_text='As the decision words it, e.g. "Further update in the 2024/25 work programme".',
    )
    next_follow_up_due = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # The reviews a meeting considered are part of its record: which were added or removed,
    # by whom and when, is kept beside its other changes.
    history = HistoricalRecords(m2m_fields=[reviews])

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.committee} {self.date:%d %B %Y}: {self.agenda_item}"


class UpdateReport(models.Model):
    """One monitoring round: the papers that carry a set of progress updates to the committee."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="update_reports")
    title = models.CharField(max_length=SHORT_TEXT_MAX)
    as_at = models.DateField(null=True, blank=True)
    as_at_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="update_reports"
    )
    author = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    authorised_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contributors = models.ManyToManyField(Person, blank=True, related_name="contributed_reports")
    summary = models.TextField(blank=True, max_length=LONG_TEXT_MAX * 3, help_text="Markdown.")
    is_final = models.BooleanField(
        default=False,
        help_text="Once final, the report's details and its updates can no longer be edited.",
    )
    # Set by ``services.update_report_finalise``, emptied when an officer reopens the report;
    # the history keeps every finalisation and reopening (the report's page lists them).
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalised_with_gaps_reason = models.TextField(
        "Why it is final without an update for every recommendation",
        blank=True,
        max_length=LONG_TEXT_MAX,
        help_text="Markdown. Shown on the report, its appendix and the committee pack.",
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopened_reason = models.TextField(
        "Why it is reopened", blank=True, max_length=LONG_TEXT_MAX, help_text="Markdown."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(m2m_fields=[contributors])

    class Meta:
        ordering = ["review", "-as_at", "title"]
        permissions = [("reopen_updatereport", "Can reopen a final update report")]

    def __str__(self) -> str:
        return self.title

    @property
    def as_at_display(self) -> str:
        return format_partial_date(self.as_at, self.as_at_precision)


class RagRating(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class ProgressUpdate(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        IMPLEMENTED = "implemented", "Implemented"
        NOT_IMPLEMENTED = "not_implemented", "Not implemented"
        SUPERSEDED = "superseded", "Superseded"

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="updates"
    )
    # RESTRICT, not PROTECT: a report cannot be deleted from under its updates, but deleting a
    # whole review (which deletes the updates too) still works.
    report = models.ForeignKey(
        UpdateReport, null=True, blank=True, on_delete=models.RESTRICT, related_name="updates"
    )
    as_at = models.DateField()
    as_at_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    text = models.TextField(max_length=LONG_TEXT_MAX, help_text="Markdown.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    rag = models.CharField("RAG rating", max_length=5, choices=RagRating.choices, blank=True)
    target_date_change_reason = models.TextField(
        blank=True,
        max_length=LONG_TEXT_MAX,
        help_text="Why the target date differs from the previous one (required when it does).",
    )
    timescale = models.CharField(
        max_length=SHORT_TEXT_MAX,
        blank=True,
        help_text='As the document writes it: "July 2024", "Ongoing (termly)".',
    )
    target_date = models.DateField(null=True, blank=True)
    author = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        help_text="The update, in a final report, that this one corrects.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recommendation", "-as_at", "-id"]
        get_latest_by = ["as_at", "id"]
        indexes = [
            models.Index(fields=["recommendation", "-as_at", "-id"]),
            # The dashboard's "recently updated": the newest updates across all reviews.
            models.Index(fields=["-as_at", "-id"], name="progressupdate_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation} as at {self.as_at_display}"

    @property
    def as_at_display(self) -> str:
        return format_partial_date(self.as_at, self.as_at_precision)

    @property
    def is_locked(self) -> bool:
        """Updates in a final report are part of the published record."""
        return self.report_id is not None and self.report.is_final


class GlossaryTerm(models.Model):
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="glossary")
    term = models.CharField(max_length=100)
    meaning = models.CharField(max_length=SHORT_TEXT_MAX * 2)

    class Meta:
        ordering = ["authority", "term"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "term"], name="glossary_term_per_authority"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term}: {self.meaning}"


class DocumentVersion(models.Model):
    """A row of a response document's version-control table."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="document_versions")
    version = models.CharField(max_length=50)
    changes = models.CharField(max_length=SHORT_TEXT_MAX * 2, blank=True)
    author = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    date = models.DateField(null=True, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["review", "order", "id"]

    def __str__(self) -> str:
        return f"{self.review}: version {self.version}"


SUPPORTING_DOCUMENT_EXTENSIONS = [
    "pdf",
    "docx",
    "doc",
    "odt",
    "xlsx",
    "xls",
    "ods",
    "csv",
    "txt",
    "pptx",
]


def validate_document_size(upload) -> None:
    limit = settings.SUPPORTING_DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"The file is {filesizeformat(upload.size)}; the limit is {filesizeformat(limit)}."
        )


def supporting_document_path(instance: SupportingDocument, filename: str) -> str:
    return f"documents/{dt.date.today():%Y/%m}/{Path(filename).name}"


class SupportingDocument(models.Model):
    """A file attached to a review or to a meeting (a policy, the papers, the minutes)."""

    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(max_length=SHORT_TEXT_MAX)
    description = models.TextField(blank=True, max_length=LONG_TEXT_MAX)
    file = models.FileField(
        upload_to=supporting_document_path,
        validators=[
            FileExtensionValidator(SUPPORTING_DOCUMENT_EXTENSIONS),
            validate_document_size,
        ],
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review__isnull=False, meeting__isnull=True)
                | Q(review__isnull=True, meeting__isnull=False),
                name="document_belongs_to_review_or_meeting",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReminderSent(models.Model):
    """One reminder email to a lead about one recommendation's update due on one date.

    The unique constraint is what stops a second run of the reminder command from
    sending the same reminder twice.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reminders")
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="reminders"
    )
    due_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "recommendation", "due_on"], name="reminder_once_per_due_date"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.person} about {self.recommendation} due {self.due_on}"
