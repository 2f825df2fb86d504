"""The scrutiny domain: reviews, their recommendations, the executive's responses,
the people who lead on them, and the dated progress updates that follow."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from simple_history.models import HistoricalRecords

from recommendations import filetypes

LONG_TEXT_MAX = 20_000  # characters; several pages of a committee paper
SHORT_TEXT_MAX = 255
WORDING_MAX = 100  # a decision or status as the paper words it

DEFAULT_TRACKER_REFERENCE = "SR ({year}) {number:02}"
TRACKER_REFERENCE_FIELDS = ("year", "number", "label")


def format_tracker_reference(pattern: str, *, year: str, number: int, label: str) -> str:
    """The pattern with its fields filled in; a pattern that cannot be filled (saved before
    the rule, or edited in the database) gives the label rather than an error."""
    try:
        return pattern.format(year=year, number=number, label=label)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        return label


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
    class DueUnit(models.TextChoices):
        DAYS = "days", "Days"
        MONTHS = "months", "Months"

    name = models.CharField(max_length=SHORT_TEXT_MAX, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    # The executive's responses to a review are due this long after it reports. Two months is
    # the statutory default in England (Local Government Act 2000, s.9FE); some councils use
    # their own rule, such as 28 days.
    response_due_amount = models.PositiveSmallIntegerField(
        default=2,
        help_text="Responses to a review are due this many days or months after it reports.",
    )
    response_due_unit = models.CharField(
        max_length=6, choices=DueUnit.choices, default=DueUnit.MONTHS
    )
    # Council-wide trackers give each row a reference: "SR (25/26) 01" is the first
    # recommendation of a review that reported in the municipal year 2025/26.
    tracker_reference = models.CharField(
        max_length=100,
        default=DEFAULT_TRACKER_REFERENCE,
        help_text="{year} is the municipal year (25/26), {number} the recommendation's number "
        "in that year ({number:02} gives 01), {label} its label as entered.",
    )
    # Reading such references when importing a tracker: a regular expression naming the
    # review's part and the label (rules.reference_pattern_error); blank, the importer
    # recognises the common forms ("SR (25/26) 01", "CSC/2024/3", "Rec 4 (Housing 2023)").
    reference_pattern = models.CharField(
        max_length=200,
        blank=True,
        help_text="A regular expression for reading imported references, naming the review's "
        "part (?P<review>…) and the recommendation's label (?P<label>…). Blank: the common "
        "forms are recognised.",
    )
    municipal_year_starts = models.PositiveSmallIntegerField(
        default=5, help_text="The month the municipal year starts (5: May)."
    )
    # The annual report counts a year from this month: April, the financial year, unless the
    # authority reports on another.
    report_year_starts = models.PositiveSmallIntegerField(
        default=4, help_text="The month the annual report's year starts (4: April)."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return self.name

    def municipal_year(self, date: dt.date | None) -> str:
        """The municipal year of a date: "25/26" from the start month of 2025 to the month
        before it in 2026; empty when there is no date."""
        if date is None:
            return ""
        first = date.year if date.month >= self.municipal_year_starts else date.year - 1
        return f"{first % 100:02}/{(first + 1) % 100:02}"

    def reference(self, *, year: str, number: int, label: str) -> str:
        """A tracker row's reference in this authority's pattern (checked when saved:
        ``rules.tracker_reference_error``)."""
        return format_tracker_reference(
            self.tracker_reference, year=year, number=number, label=label
        )

    @property
    def response_due_display(self) -> str:
        amount, unit = self.response_due_amount, self.get_response_due_unit_display().lower()
        return f"{amount} {unit.removesuffix('s') if amount == 1 else unit}"


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


PERSON_RECORDED_ALREADY = (
    "Someone with this name, job title and organisation is already recorded here. "
    "Select them instead, or tell them apart by job title."
)


class PersonQuerySet(models.QuerySet):
    def current(self) -> PersonQuerySet:
        """People not merged into someone else: the ones offered in choice lists."""
        return self.filter(merged_into__isnull=True)

    def for_authority(self, authority_id: int | None) -> PersonQuerySet:
        """The current people of an authority, and those not yet assigned to one."""
        return self.current().filter(Q(authority_id=authority_id) | Q(authority__isnull=True))

    def recorded_as(
        self, *, authority_id: int | None, name: str, job_title: str, organisation: str
    ) -> Person | None:
        """The record of someone typed in as new: a current one, the authority's own first;
        else, if a duplicate with these details was merged away, the record it was merged
        into (an officer said they are the same person)."""
        identity = (name, job_title, organisation)
        return self.recorded_as_many(authority_id=authority_id, identities=[identity]).get(identity)

    def recorded_as_many(
        self, *, authority_id: int | None, identities: Iterable[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], Person]:
        """``recorded_as`` for many (name, job title, organisation) at once, one query per
        500 names (an imported table's leads): the record of each identity found."""
        wanted = set(identities)
        names = sorted({name for name, _, _ in wanted})
        candidates = []
        for start in range(0, len(names), 500):  # within SQLite's limit on parameters
            candidates += (
                self.filter(Q(authority_id=authority_id) | Q(authority__isnull=True))
                .filter(name__in=names[start : start + 500])
                .select_related("merged_into")
            )
        # Current before merged away, the authority's own before the unassigned, then oldest.
        candidates.sort(key=lambda p: (p.merged_into_id is not None, p.authority_id is None, p.pk))
        found: dict[tuple[str, str, str], Person] = {}
        for person in candidates:
            identity = (person.name, person.job_title, person.organisation)
            if identity in wanted and identity not in found:
                found[identity] = person.merged_into if person.merged_into_id else person
        return found


class Person(models.Model):
    """Someone named in the papers (an officer, a Cabinet member, a report author), or an
    organisation that leads as a body (a directorate, a partner)."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation (e.g. a directorate)"

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(max_length=SHORT_TEXT_MAX)
    job_title = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    organisation = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    email = models.EmailField(blank=True, help_text="Used for update reminders.")
    # A lead's own account, made when an officer first sends them an update request: they
    # sign in to send their updates and see nothing but the recommendations they lead.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lead_person",
    )
    # Null for people recorded before people belonged to an authority and linked to reviews of
    # more than one (or none): choice lists offer them to every authority until an officer
    # assigns them.
    authority = models.ForeignKey(
        Authority, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    # A duplicate an officer merged into the person kept: its links moved there, and the row
    # stays so that its history (and the history of the rows that named it) reads as it was.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_people"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name", "job_title"]
        verbose_name_plural = "people"
        constraints = [
            # One record per person within an authority; merged duplicates no longer count.
            models.UniqueConstraint(
                fields=["authority", "name", "job_title", "organisation"],
                condition=Q(merged_into__isnull=True, authority__isnull=False),
                name="person_unique_identity_per_authority",
                violation_error_message=PERSON_RECORDED_ALREADY,
            ),
            models.UniqueConstraint(
                fields=["name", "job_title", "organisation"],
                condition=Q(merged_into__isnull=True, authority__isnull=True),
                name="person_unique_identity_unassigned",
                violation_error_message=PERSON_RECORDED_ALREADY,
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="person_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.named(self.name, self.job_title)

    @staticmethod
    def named(name: str, job_title: str) -> str:
        """How a person is named in lists: with their job title, when they have one."""
        return f"{name}, {job_title}" if job_title else name

    @property
    def is_organisation(self) -> bool:
        return self.kind == self.Kind.ORGANISATION

    @property
    def choice_label(self) -> str:
        """How choice lists name them: organisations marked as such."""
        return f"{self} (organisation)" if self.is_organisation else str(self)


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
    # Set by ``services.review_publish``, emptied by ``review_unpublish``. What of a published
    # review the public sees (final reports only) is ``recommendations.publication``'s rule.
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_on", "title"]
        permissions = [
            ("export_review", "Can export appendices and committee packs"),
            ("publish_review", "Can publish a review on the public pages and unpublish it"),
        ]
        # The cross-review table and the API list by review title: with this index a page of
        # them reads its reviews in order instead of sorting every recommendation.
        # The unpublished ones, few once a tracker is under way: the public count of
        # recommendations subtracts theirs from all (publication.count_public_recommendations).
        indexes = [
            models.Index(fields=["title"], name="review_title"),
            # The review list's order: a page of it reads its 20 reviews in order rather than
            # sorting every review (9 ms at 10,000 reviews, bench/pages.py).
            models.Index(fields=["-reported_on", "title", "id"], name="review_list_order"),
            models.Index(
                fields=["id"], condition=Q(published_at__isnull=True), name="review_unpublished"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # A URL name, not an import: the review's page is the reports app's, and naming it keeps
        # recommendations free of reports' code (the import contracts see imports only; links in
        # templates name reports' pages the same way).
        return reverse("reports:review_detail", kwargs={"slug": self.slug})

    @property
    def reported_display(self) -> str:
        return format_partial_date(self.reported_on, self.reported_precision)

    @property
    def response_agreed_display(self) -> str:
        return format_partial_date(self.response_agreed_on, self.response_agreed_precision)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class OverdueOverride(models.TextChoices):
    OVERDUE = "overdue", "Overdue"
    NOT_OVERDUE = "not_overdue", "Not overdue"


UNNUMBERED_PREFIX = "~"


def label_lookup(label: str, prefix: str = "") -> dict[str, object]:
    """The filter that finds a recommendation by its ``url_label``."""
    if label.startswith(UNNUMBERED_PREFIX) and label[1:].isdigit() and len(label) <= 19:
        return {f"{prefix}pk": int(label[1:]), f"{prefix}label": ""}
    return {f"{prefix}label": label}


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
    label = models.CharField(
        max_length=20,
        blank=True,
        help_text='As the document prints it: "1", "R3", "3a"; blank if it prints none.',
    )
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
    # A priority recommendation (as the US GAO flags them), marked by an officer with a reason
    # through ``services.recommendation_set_priority``; open ones are listed first.
    is_priority = models.BooleanField("Priority", default=False)
    priority_reason = models.TextField(
        "Why it is a priority", blank=True, max_length=LONG_TEXT_MAX, help_text="Markdown."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "order", "id"]
        constraints = [
            # Labels name recommendations in web addresses and papers; unnumbered ones
            # (blank) are addressed by their id instead.
            models.UniqueConstraint(
                fields=["review", "label"],
                condition=~Q(label=""),
                name="recommendation_label_per_review",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="recommendation_not_own_parent"
            ),
        ]
        indexes = [
            models.Index(fields=["review", "order"]),
            # The few priorities, read first to put the open ones first (selectors.page_ids).
            models.Index(
                fields=["review"], condition=Q(is_priority=True), name="recommendation_priority"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review.title}: {self.label}"

    def get_absolute_url(self) -> str:
        return reverse(
            "recommendations:recommendation_detail",
            kwargs={"slug": self.review.slug, "label": self.url_label},
        )

    @property
    def url_label(self) -> str:
        """The label in web addresses: the label, or "~" and the id for one the paper does
        not number (no label can start with "~")."""
        return self.label or f"{UNNUMBERED_PREFIX}{self.pk}"

    @property
    def name(self) -> str:
        return f"Recommendation {self.label}" if self.label else "Unnumbered recommendation"

    @property
    def name_in_sentence(self) -> str:
        """The name inside a sentence: "recommendation R1" (the label keeps its case)."""
        return f"recommendation {self.label}" if self.label else "unnumbered recommendation"

    def clean(self) -> None:
        if self.parent_id and self.parent.review_id != self.review_id:
            raise ValidationError(
                {"parent": "A part must belong to the same review as its parent."}
            )
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": "Parts cannot have parts of their own."})


class RecommendationSearch(models.Model):
    """What the text search reads: one document per recommendation holding its label and
    text, its response, its leads' names, every update's text and its review's title, kept
    current by ``recommendations.search`` on every write. Derived data, so no history of its
    own. ``vector`` is PostgreSQL's parsed form of ``document`` (its GIN index is made by
    the migration, PostgreSQL only); SQLite leaves it empty and matches ``document``.
    ``public_document`` and ``public_vector`` likewise hold what the public may search."""

    recommendation = models.OneToOneField(
        Recommendation, on_delete=models.CASCADE, primary_key=True, related_name="search"
    )
    document = models.TextField(blank=True)
    vector = SearchVectorField(null=True, editable=False)
    # The same without the text of updates outside final reports: what a reader of published
    # data only may search (``publication``'s rule; the open API's search reads it).
    public_document = models.TextField(blank=True)
    public_vector = SearchVectorField(null=True, editable=False)

    def __str__(self) -> str:
        return f"Search document of {self.recommendation_id}"


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
    # The paper's own word for the decision ("Accepted", "Agreed in principle"), printed in
    # the appendix instead of ours; counts, filters and charts go by ``decision``.
    decision_wording = models.CharField(
        "decision as the paper words it",
        max_length=WORDING_MAX,
        blank=True,
        help_text="Optional: the authority's own word for the decision, e.g. “Accepted” or "
        "“Agreed in principle”. The appendix prints it; the figures count the decision above.",
    )
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
    # The response's own timetable, as the paper states it: a deadline or a status. It is
    # part of the response, not a progress update, so it never makes anything overdue.
    timetable = models.CharField(
        max_length=SHORT_TEXT_MAX,
        blank=True,
        help_text='As the response states it: "Meeting held by 28 February", "Completed".',
    )
    timetable_date = models.DateField(null=True, blank=True)
    timetable_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Response to {self.recommendation}"

    @property
    def agreed_display(self) -> str:
        return format_partial_date(self.agreed_on, self.agreed_precision)

    @property
    def timetable_date_display(self) -> str:
        return format_partial_date(self.timetable_date, self.timetable_precision)

    @property
    def timetable_display(self) -> str:
        """The timetable as the paper states it, then its date on a line of its own."""
        return "\n".join(
            part for part in (self.timetable.strip(), self.timetable_date_display) if part
        )


# How the papers with an "Agreed Yes/No" column print a decision.
DECISION_YES_NO = {
    Response.Decision.AGREED: "Yes",
    Response.Decision.NOT_AGREED: "No",
    Response.Decision.PARTLY_AGREED: "Partly",
}


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
        return f"{self.person} ({self.role_label})"

    @property
    def role_label(self) -> str:
        """An organisation leads as a body: "Lead organisation", not "Lead officer"."""
        if self.role == self.Role.LEAD_OFFICER and self.person.is_organisation:
            return "Lead organisation"
        return self.get_role_display()


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
        # The paper reports progress without saying how far it has got. Such an update
        # leaves the status as an earlier update stated it, and makes nothing overdue.
        NOT_STATED = "not_stated", "Status not stated"

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
    # As ``Response.decision_wording``: the paper's word ("Completed", "On track", "Amber").
    status_wording = models.CharField(
        "status as the paper words it",
        max_length=WORDING_MAX,
        blank=True,
        help_text="Optional: the authority's own word for the status, e.g. “Completed” or "
        "“On track”. The appendix prints it; the figures and overdue labels go by the status.",
    )
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


class Standing(models.Model):
    """Where a recommendation stands by all its updates, stored so that the table's status and
    overdue filters, and their counts, read an index rather than work it out for every
    recommendation: kept current by ``services.standing_refresh`` on every write of an update
    (and of a review's grace days), from ``monitoring.with_progress``, which stays the one
    definition. No row: the recommendation has no update."""

    recommendation = models.OneToOneField(
        Recommendation, on_delete=models.CASCADE, primary_key=True, related_name="standing"
    )
    # ``with_progress``'s ``latest_status``: the latest stated status, or "not_stated".
    latest_status = models.CharField(max_length=20, choices=ProgressUpdate.Status.choices)
    # ``monitoring.overdue_after``: the latest update's target date plus the review's grace
    # days, when its status could make it overdue (null when it cannot). Overdue by its dates
    # from the day after, so the filter compares this with today's date.
    overdue_after = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["latest_status"], name="standing_status"),
            models.Index(fields=["overdue_after"], name="standing_overdue_after"),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation_id}: {self.latest_status}"


class CommitteeVerdict(models.Model):
    """What the committee made of one progress update, at the meeting that considered it: its
    own view, kept apart from the status the executive reports."""

    class Verdict(models.TextChoices):
        SATISFIED = "satisfied", "Satisfied"
        ACCEPTABLE = "acceptable", "Acceptable progress"
        NOT_SATISFIED = "not_satisfied", "Not satisfied"

    # CASCADE so that deleting a whole review still works; deleting the update on its own is
    # refused by the service (the committee's view stays on the record).
    update = models.OneToOneField(ProgressUpdate, on_delete=models.CASCADE, related_name="verdict")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="verdicts")
    verdict = models.CharField("Committee's view", max_length=20, choices=Verdict.choices)
    asks = models.TextField(
        "What the committee asks for",
        blank=True,
        max_length=LONG_TEXT_MAX,
        help_text='Required when not satisfied, e.g. "The lead officer to attend the next '
        'meeting". Markdown.',
    )
    comment = models.TextField(blank=True, max_length=LONG_TEXT_MAX, help_text="Markdown.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "update"]
        verbose_name = "committee verdict"

    def __str__(self) -> str:
        return f"{self.get_verdict_display()}: {self.update}"

    @property
    def action(self) -> str:
        """What the verdict means for monitoring, as the papers put it."""
        return VERDICT_ACTIONS.get(self.verdict, "")


VERDICT_ACTIONS = {
    CommitteeVerdict.Verdict.SATISFIED: "close or stop monitoring",
    CommitteeVerdict.Verdict.ACCEPTABLE: "keep monitoring",
    CommitteeVerdict.Verdict.NOT_SATISFIED: "the committee asks for more",
}


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


def _exactly_one_of(*names: str) -> Q:
    condition = Q()
    for name in names:
        condition |= Q(**{f"{other}__isnull": other != name for other in names})
    return condition


ONE_RECORD = (
    "A document belongs to one record: a review, an update report, a progress update or a meeting."
)


def _is_stored(upload) -> bool:
    # A file already in storage was checked when it was uploaded; reading it back (from an
    # object store, perhaps) to check again would only cost a request.
    return getattr(upload, "_committed", False)


def validate_document_size(upload) -> None:
    if _is_stored(upload):
        return
    limit = settings.SUPPORTING_DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"The file is {filesizeformat(upload.size)}; the limit is {filesizeformat(limit)}. "
            "Attach a smaller file, or split it.",
            code="too_large",
        )


def validate_document_content(upload) -> None:
    """The type is read from the bytes (``filetypes``); the name proves nothing."""
    if _is_stored(upload):
        return
    filetypes.identify(upload, upload.name or "")


def supporting_document_path(instance: SupportingDocument, filename: str) -> str:
    """An unguessable name, and nothing of the uploader's own: that is kept in ``filename``
    and given back only as the download's name, to those who may read the document."""
    extension = filetypes.extension_for(instance.content_type)
    return f"documents/{dt.date.today():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class SupportingDocument(models.Model):
    """A file attached to one record: a review (its policy), an update report (the paper as
    sent), a progress update (its evidence) or a meeting (the agenda, the minutes)."""

    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    update_report = models.ForeignKey(
        UpdateReport, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    progress_update = models.ForeignKey(
        ProgressUpdate, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    # Evidence a lead attaches to the update they are writing; it moves to the progress update
    # when an officer accepts it.
    requested_update = models.ForeignKey(
        "RequestedUpdate",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="documents",
    )
    title = models.CharField(max_length=SHORT_TEXT_MAX)
    description = models.TextField(blank=True, max_length=LONG_TEXT_MAX)
    file = models.FileField(
        upload_to=supporting_document_path,
        validators=[validate_document_size, validate_document_content],
    )
    filename = models.CharField(
        max_length=SHORT_TEXT_MAX, blank=True, help_text="The file's name as it was uploaded."
    )
    content_type = models.CharField(
        max_length=100, blank=True, help_text="Read from the file's content when it was uploaded."
    )
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    PARENTS = ("review", "update_report", "progress_update", "meeting", "requested_update")

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            # Exactly one: the record it is listed on, and whose readers may have it.
            models.CheckConstraint(
                condition=_exactly_one_of(
                    "review", "update_report", "progress_update", "meeting", "requested_update"
                ),
                name="document_belongs_to_exactly_one_record",
                violation_error_message=ONE_RECORD,
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("recommendations:document_download", kwargs={"pk": self.pk})

    @property
    def parent_field(self) -> str | None:
        """The one record it belongs to, by field name (None while none is set)."""
        set_ = [name for name in self.PARENTS if getattr(self, f"{name}_id") is not None]
        return set_[0] if len(set_) == 1 else None

    @property
    def kind(self) -> str:
        """What it is, as a person says it ("PDF", "Word document")."""
        return filetypes.name_for(self.content_type)


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


class ImportedUpload(models.Model):
    """One uploaded table, saved by the import (``recommendations.imported_uploads``).

    The unique upload is what stops a second save of the same upload (a double click, the
    browser sending the form again, two tabs) from importing the table twice: it is claimed
    in the import's own transaction, so the second save waits for the first and then finds
    it done, or finds it undone (refused, failed) and saves."""

    # The token the upload page gave the file (views/importing.py), or the stored file's name.
    upload = models.CharField(max_length=100, unique=True)
    file_name = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    # What the save made: the review (the first, when the table held several; blank until
    # the rows are in, within the same transaction) and how many reviews it went into.
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reviews = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.file_name or self.upload} imported {self.imported_at:%Y-%m-%d %H:%M}"


class UpdateRequest(models.Model):
    """An officer's request to one lead for their updates in one round (update report): one
    email listing the recommendations they lead, the due date and a link to the request page."""

    report = models.ForeignKey(UpdateReport, on_delete=models.CASCADE, related_name="requests")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="update_requests")
    due_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The reminders sent (send_update_reminders): once as the due date nears, once after it.
    reminded_before_due_on = models.DateField(null=True, blank=True)
    reminded_overdue_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "person__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "person"], name="update_request_per_lead"),
        ]

    def __str__(self) -> str:
        return f"{self.report}: update request to {self.person}"

    def get_absolute_url(self) -> str:
        return reverse("recommendations:update_request", kwargs={"pk": self.pk})


class RequestedUpdate(models.Model):
    """What a lead writes for one recommendation in answer to an update request. It reaches the
    update report only when an officer accepts it: then it becomes a ProgressUpdate whose
    author is the lead. Its history records who wrote, submitted, accepted or returned it."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Returned"

    request = models.ForeignKey(UpdateRequest, on_delete=models.CASCADE, related_name="answers")
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="requested_updates"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    text = models.TextField(blank=True, max_length=LONG_TEXT_MAX, help_text="Markdown.")
    status = models.CharField(
        max_length=20,
        choices=ProgressUpdate.Status.choices,
        default=ProgressUpdate.Status.IN_PROGRESS,
    )
    rag = models.CharField("RAG rating", max_length=5, choices=RagRating.choices, blank=True)
    timescale = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    target_date = models.DateField(null=True, blank=True)
    target_date_change_reason = models.TextField(blank=True, max_length=LONG_TEXT_MAX)
    return_comment = models.TextField(
        blank=True, max_length=LONG_TEXT_MAX, help_text="Why the officer returned it."
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The progress update it became, once accepted.
    update = models.OneToOneField(
        ProgressUpdate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requested_as",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["request", "recommendation__order", "recommendation__id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "recommendation"], name="requested_update_once_per_request"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_state_display()} update on {self.recommendation} from {self.request.person}"
        )

    @property
    def is_editable(self) -> bool:
        """The lead edits a draft or a returned update; a submitted one waits for the officer."""
        return self.state in {self.State.DRAFT, self.State.RETURNED}


class ApiToken(models.Model):
    """A key to the read-only API for one user, which sees what that user sees in the app.
    Only the key's SHA-256 is stored: the key itself is shown once, when it is made, and a
    copy of the database gives nobody a working key. Revoked keys stay listed, with who
    revoked them and when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text='What it is for, e.g. "Power BI dashboard".')
    # The key's first characters, to tell keys apart on the list (not enough to use one).
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["user__username", "-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_key(key: str) -> str:
        # A plain SHA-256 is enough: the key is 256 random bits, not a password to guess.
        return hashlib.sha256(key.encode()).hexdigest()
