"""The domain's rules, in one place. The services check them before every write, whichever route
the write came by (a page, the admin, a command, later the importer and the API); forms may check
the same things earlier for quicker feedback, but the services are the authority.

Each ``*_errors`` function returns the broken rules as ``{field: [message, ...]}`` (the model's
field names, so a view can put each message beside its field) and ``check`` raises them as one
``ValidationError``. The messages are the forms' own, so a page reads the same whichever check
caught the mistake first.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalChanges

from recommendations import markdown
from recommendations.models import (
    ONE_RECORD,
    TRACKER_REFERENCE_FIELDS,
    UNNUMBERED_PREFIX,
    Authority,
    CommitteeVerdict,
    DatePrecision,
    Lead,
    Meeting,
    OverdueOverride,
    Person,
    ProgressUpdate,
    Recommendation,
    ReminderSent,
    RequestedUpdate,
    Review,
    SupportingDocument,
    UpdateReport,
    UpdateRequest,
)

Errors = dict[str, list[str]]

RESERVED_SLUGS = {"new"}  # "reviews/new/" is the page that creates a review


def check(errors: Errors) -> None:
    if errors := {field: messages for field, messages in errors.items() if messages}:
        raise ValidationError(errors)


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def review_errors(review: Review) -> Errors:
    errors: Errors = {}
    if review.slug in RESERVED_SLUGS:
        _add(errors, "slug", f'"{review.slug}" is reserved. Choose another short name.')
    if review.committee_id:
        authority_id = review.committee.authority_id
        for field in ["lead_cabinet_member", "lead_director"]:
            if message := person_choice_error(getattr(review, field), authority_id):
                _add(errors, field, message)
    reported, agreed = review.reported_on, review.response_agreed_on
    if reported and agreed and agreed < reported:
        _add(
            errors,
            "response_agreed_on",
            "The response must be agreed on or after the date the review reported.",
        )
    return errors


def recommendation_errors(recommendation: Recommendation) -> Errors:
    """Labels name it in web addresses and papers; a part is one level below a top-level
    recommendation of the same review."""
    errors = recommendation_shape_errors(recommendation)
    label = recommendation.label
    # Any number of recommendations may be unnumbered (a blank label).
    others = Recommendation.objects.filter(review_id=recommendation.review_id, label=label)
    if recommendation.pk:
        others = others.exclude(pk=recommendation.pk)
    if label and others.exists():
        _add(
            errors,
            "label",
            f"This review already has a recommendation {label}. Use a different label.",
        )
    return errors


def recommendation_shape_errors(recommendation: Recommendation) -> Errors:
    """The rules of ``recommendation_errors`` that need no other recommendation's label (the
    bulk route checks labels for the whole batch at once)."""
    errors: Errors = {}
    if "/" in recommendation.label:
        _add(errors, "label", "The label cannot contain a slash.")
    if recommendation.label.startswith(UNNUMBERED_PREFIX):
        _add(errors, "label", f"The label cannot start with “{UNNUMBERED_PREFIX}”.")
    parent = recommendation.parent if recommendation.parent_id else None
    if parent is not None:
        if recommendation.pk and parent.pk == recommendation.pk:
            _add(errors, "parent", "A recommendation cannot be a part of itself.")
        elif parent.review_id != recommendation.review_id:
            _add(errors, "parent", "A part must belong to the same review as its parent.")
        elif parent.parent_id:
            _add(errors, "parent", "Parts cannot have parts of their own.")
        elif recommendation.pk and recommendation.parts.exists():
            _add(
                errors,
                "parent",
                "This recommendation has parts of its own, so it cannot become a part.",
            )
    return errors


def previous_target(update: ProgressUpdate, as_at: dt.date | None = None) -> dt.date | None:
    """The target date of the update before this one (by "as at" date, then entry order)."""
    as_at = as_at or update.as_at or timezone.localdate()
    others = ProgressUpdate.objects.filter(recommendation_id=update.recommendation_id)
    if update.pk:
        others = others.exclude(pk=update.pk).filter(
            Q(as_at__lt=as_at) | Q(as_at=as_at, pk__lt=update.pk)
        )
    else:
        others = others.filter(as_at__lte=as_at)
    return others.order_by("-as_at", "-id").values_list("target_date", flat=True).first()


def target_date_reason_error(
    previous: dt.date | None, target: dt.date | None, reason: str
) -> str | None:
    """A target date that slips (or goes) needs a reason: the history shows each one."""
    if previous and target != previous and not reason.strip():
        was = f"{previous.day} {previous:%B %Y}"
        if target:
            return f"The target date was {was}. Say why it has changed."
        return f"The target date was {was}. Say why it has been removed."
    return None


def future_as_at_error(as_at: dt.date | None) -> str | None:
    if as_at and as_at > timezone.localdate():
        return "The “as at” date must be today or in the past."
    return None


def early_target_error(target: dt.date | None, review: Review) -> str | None:
    reported = review.reported_on
    if target and reported and target < reported:
        return (
            f"The target date must be on or after the date the review reported "
            f"({reported:%d/%m/%Y})."
        )
    return None


@dataclass(frozen=True)
class PublishedDeparture:
    """A rule of today's process that a paper published before the tracker may break. The
    papers are recorded as they were published (``services.record_published_*``), so the
    published route records the departure, with ``marker`` in the field, instead of refusing
    it; every other route still refuses it."""

    rule: str
    reason: str
    marker: str


# Every rule the published route relaxes, keyed by the field it is refused on: nothing else is
# relaxed (the structural rules, own committee, labels, text bounds, full_clean and a final
# report's lock hold on every route). tests/recommendations/test_published_route.py shows for
# each that the normal route refuses it and the published route records it.
PUBLISHED_DEPARTURES: dict[str, PublishedDeparture] = {
    "target_date_change_reason": PublishedDeparture(
        rule="A target date that changes, or is removed, needs a reason.",
        reason="Papers written before the rule revise or drop a target date without saying "
        "why; the record keeps what they printed, marked so that no reader takes the gap for "
        "a lost reason.",
        marker="As published, no reason stated.",
    ),
    "finalised_with_gaps_reason": PublishedDeparture(
        rule="A report made final without an update for every recommendation needs a reason.",
        reason="Published reports leave some recommendations without an update and do not say "
        "why; the record keeps the report as it was presented, marked so that no reader takes "
        "the gap for a lost reason.",
        marker="As published, no reason stated.",
    ),
}

_LOOK_UP = object()  # progress_update_errors: find the previous target in the database


def progress_update_errors(
    update: ProgressUpdate, *, as_published: bool = False, previous: object = _LOOK_UP
) -> Errors:
    """Also blanks a target-date reason when the target did not change: kept, it would mislead
    the target-date history.

    ``as_published`` records the departures in ``PUBLISHED_DEPARTURES`` instead of refusing
    them. ``previous`` is the previous update's target date when the caller already knows it
    (the bulk route works it out for a whole batch at once)."""
    errors: Errors = {}
    review = update.recommendation.review
    if message := future_as_at_error(update.as_at):
        _add(errors, "as_at", message)
    if message := early_target_error(update.target_date, review):
        _add(errors, "target_date", message)
    if update.report_id and update.report.review_id != review.pk:
        _add(errors, "report", "Select an update report of this review that is not final.")
    if "as_at" not in errors:
        if previous is _LOOK_UP:
            previous = previous_target(update)
        reason = update.target_date_change_reason or ""
        if message := target_date_reason_error(previous, update.target_date, reason):
            if as_published:
                departure = PUBLISHED_DEPARTURES["target_date_change_reason"]
                update.target_date_change_reason = departure.marker
            else:
                _add(errors, "target_date_change_reason", message)
        if not previous or update.target_date == previous:
            update.target_date_change_reason = ""
    return errors


# The fields a lead writes in answer to an update request; they become the progress update's.
REQUESTED_UPDATE_FIELDS = [
    "text", "status", "rag", "timescale", "target_date", "target_date_change_reason",
]  # fmt: skip


def requested_as_update(answer: RequestedUpdate) -> ProgressUpdate:
    """The progress update a lead's answer becomes in its report: as at the report's date (or
    today), given by the lead."""
    report = answer.request.report
    update = ProgressUpdate(
        recommendation=answer.recommendation,
        report=report,
        as_at=report.as_at or timezone.localdate(),
        as_at_precision=report.as_at_precision if report.as_at else DatePrecision.DAY,
        author=answer.request.person,
    )
    for name in REQUESTED_UPDATE_FIELDS:
        setattr(update, name, getattr(answer, name))
    return update


def requested_update_errors(answer: RequestedUpdate) -> Errors:
    """Submitting: some text, and every rule the progress update it would become meets (a moved
    target date needs a reason, no target before the review reported). Also blanks a reason
    given for a target date that did not move, as progress_update_errors does."""
    errors: Errors = {}
    if not answer.text.strip():
        _add(errors, "text", "Enter the progress update.")
    update = requested_as_update(answer)
    for name, messages in progress_update_errors(update).items():
        for message in messages:
            _add(errors, name if name in REQUESTED_UPDATE_FIELDS else NON_FIELD_ERRORS, message)
    answer.target_date_change_reason = update.target_date_change_reason
    return errors


def update_request_due_errors(due_on: dt.date | None) -> Errors:
    errors: Errors = {}
    if due_on is None:
        _add(errors, "due_on", "Enter the date the updates are due.")
    elif due_on < timezone.localdate():
        _add(errors, "due_on", "The due date must be today or later.")
    return errors


def overdue_override_errors(override: str, reason: str) -> Errors:
    errors: Errors = {}
    if override not in {"", *OverdueOverride.values}:
        _add(errors, "overdue_override", "Select an overdue label, or follow the rule.")
    if not reason.strip():
        _add(errors, "overdue_override_reason", "Enter the reason for the overdue label.")
    elif problem := markdown_text_error(reason):
        _add(errors, "overdue_override_reason", problem)
    return errors


def priority_errors(is_priority: bool, reason: str) -> Errors:
    """Marking a priority needs its reason; unmarking keeps none."""
    errors: Errors = {}
    if is_priority and not reason.strip():
        _add(errors, "priority_reason", "Enter why it is a priority.")
    elif problem := markdown_text_error(reason):
        _add(errors, "priority_reason", problem)
    return errors


def committee_decision_errors(
    recommendation: Recommendation,
    meeting: Meeting | None,
    *,
    meeting_field: str,
    action: str,
    required: dict[str, tuple[str, str]],
) -> Errors:
    """Closing and reopening are decisions of the review's own committee, at its meeting, with
    the reasons (and evidence) it gave. ``required`` maps a field to (its value, the message
    when it is empty)."""
    errors: Errors = {}
    if meeting is None:
        _add(errors, meeting_field, f"Select the meeting that decided to {action}.")
    elif meeting.committee_id != recommendation.review.committee_id:
        _add(errors, meeting_field, f"Only a meeting of the review's own committee can {action}.")
    for field, (value, message) in required.items():
        if not (value or "").strip():
            _add(errors, field, message)
        elif problem := markdown_text_error(value):
            _add(errors, field, problem)
    return errors


def is_closed(recommendation: Recommendation) -> bool:
    # Ask the row, not the instance: a form has been writing to the instance.
    return Recommendation.objects.filter(
        pk=recommendation.pk, closed_at_meeting__isnull=False
    ).exists()


def lead_errors(lead: Lead, *, field: str = "person") -> Errors:
    """One person leads on a recommendation once per role, and is of its review's authority."""
    errors = lead_person_errors(lead, field=field)
    duplicate = Lead.objects.filter(
        recommendation_id=lead.recommendation_id, person_id=lead.person_id, role=lead.role
    ).exclude(pk=lead.pk)
    if lead.person_id and duplicate.exists():
        _add(errors, field, "This person already leads on it in that role.")
    return errors


def lead_person_errors(lead: Lead, *, field: str = "person") -> Errors:
    """The rule of ``lead_errors`` that needs no other lead (the bulk route checks "once per
    role" for the whole batch, as the model's unique constraint)."""
    errors: Errors = {}
    if lead.person_id and (
        message := person_choice_error(
            lead.person, lead.recommendation.review.committee.authority_id
        )
    ):
        _add(errors, field, message)
    return errors


def new_lead_errors(person: Person | None, new_person_name: str) -> Errors:
    errors: Errors = {}
    if person is not None and new_person_name.strip():
        _add(errors, "new_person_name", "Either select an existing person or add a new one.")
    elif person is None and not new_person_name.strip():
        _add(errors, "person", "Select a person, or enter the name of a new person.")
    return errors


def update_report_errors(report: UpdateReport) -> Errors:
    errors: Errors = {}
    if report.meeting_id and report.meeting.committee_id != report.review.committee_id:
        _add(errors, "meeting", "Select a meeting of this review's committee.")
    authority_id = report.review.committee.authority_id
    for field in ["author", "authorised_by"]:
        if message := person_choice_error(getattr(report, field), authority_id):
            _add(errors, field, message)
    return errors


def contributors_errors(report: UpdateReport, contributors: list[Person]) -> Errors:
    authority_id = report.review.committee.authority_id
    messages = [person_choice_error(person, authority_id) for person in contributors]
    return {"contributors": [message for message in messages if message]}


# --- Authorities and people -----------------------------------------------------------------

RESPONSE_DUE_LIMITS = {Authority.DueUnit.DAYS: 366, Authority.DueUnit.MONTHS: 24}


def tracker_reference_error(pattern: str) -> str | None:
    """A reference pattern must fill in with {year}, {number} and {label} only, and name the
    number or the label (or every row would have the same reference)."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
        pattern.format(year="25/26", number=1, label="1")
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        fields = None
    allowed = set(TRACKER_REFERENCE_FIELDS)
    if fields is None or not set(fields) <= allowed:
        return (
            "Use {year}, {number} (or {number:02} for 01) and {label} only, each in braces, "
            'e.g. "SR ({year}) {number:02}".'
        )
    if not {"number", "label"} & set(fields):
        return "Include {number} or {label}, so that each row has its own reference."
    return None


REFERENCE_PATTERN_MAX = 200
# A reference is short; what is longer is not matched (it cannot be one), which also bounds
# the time an officer's pattern may take on a cell.
REFERENCE_MAX = 100


def _nested_repeat(items, inside: bool = False) -> bool:
    """Whether a parsed pattern repeats something that itself repeats or branches
    ("(a+)+", "(a|ab)*"): such patterns can take exponential time on a cell that almost
    matches."""
    from re import _constants as const  # noqa: PLC0415

    repeats = {const.MAX_REPEAT, const.MIN_REPEAT, getattr(const, "POSSESSIVE_REPEAT", None)}
    for op, arg in items:
        if op in repeats:
            low, high, sub = arg
            many = high > 1
            if many and inside:
                return True
            if _nested_repeat(sub, inside or many):
                return True
        elif op is const.BRANCH:
            if inside:
                return True
            if any(_nested_repeat(sub, inside) for sub in arg[1]):
                return True
        elif op is const.SUBPATTERN:
            if _nested_repeat(arg[-1], inside):
                return True
        elif op in (const.ASSERT, const.ASSERT_NOT):
            if _nested_repeat(arg[1], inside):
                return True
        elif op is const.GROUPREF or op is const.GROUPREF_EXISTS:
            return True
    return False


def reference_pattern_error(pattern: str) -> str | None:
    """An authority's pattern for its trackers' references: a regular expression naming the
    review's part (?P<review>…) and the recommendation's label (?P<label>…), short, and
    without repeats inside repeats (which can take for ever)."""
    if not pattern:
        return None
    if len(pattern) > REFERENCE_PATTERN_MAX:
        return f"Keep the pattern to {REFERENCE_PATTERN_MAX} characters or fewer."
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
        from re import _parser  # noqa: PLC0415

        parsed = _parser.parse(pattern, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError) as error:
        return (
            f"This is not a regular expression Python can read ({getattr(error, 'msg', error)}). "
            r'Write e.g. "(?P<review>.+?)\s*0*(?P<label>\d+[a-z]?)".'
        )
    missing = [name for name in ("review", "label") if name not in compiled.groupindex]
    if missing:
        return (
            "Name both parts: (?P<review>…) for the review's part of the reference and "
            "(?P<label>…) for the recommendation's label; "
            + " and ".join(f"(?P<{name}>…)" for name in missing)
            + " is missing."
        )
    if _nested_repeat(list(parsed)):
        return (
            "Do not repeat a group that repeats or has alternatives, such as (a+)+ or "
            "(a|b)*, nor refer back to a group: such patterns can take for ever. Use a "
            "character class, e.g. [ab]*."
        )
    return None


def reference_pattern(pattern: str) -> re.Pattern[str] | None:
    """An authority's reference pattern compiled (case ignored); None when it has none or it
    is not valid (the settings form refuses such a pattern)."""
    if not pattern or reference_pattern_error(pattern):
        return None
    return re.compile(pattern, re.IGNORECASE)


def authority_errors(authority: Authority) -> Errors:
    errors: Errors = {}
    if error := tracker_reference_error(authority.tracker_reference):
        _add(errors, "tracker_reference", error)
    if error := reference_pattern_error(authority.reference_pattern):
        _add(errors, "reference_pattern", error)
    if not 1 <= (authority.municipal_year_starts or 0) <= 12:
        _add(errors, "municipal_year_starts", "Enter a month from 1 (January) to 12 (December).")
    if not 1 <= (authority.report_year_starts or 0) <= 12:
        _add(errors, "report_year_starts", "Enter a month from 1 (January) to 12 (December).")
    limit = RESPONSE_DUE_LIMITS.get(authority.response_due_unit)
    amount = authority.response_due_amount
    if limit and amount is not None and not 1 <= amount <= limit:
        unit = authority.get_response_due_unit_display().lower()
        _add(errors, "response_due_amount", f"Enter a number of {unit} from 1 to {limit}.")
    return errors


def person_choice_error(person: Person | None, authority_id: int | None) -> str | None:
    """Who can be named on a review: a current person of its authority, or one not yet
    assigned to any."""
    if person is None:
        return None
    if person.merged_into_id:
        return f"{person.name} was merged into {person.merged_into}. Select them instead."
    if person.authority_id is not None and person.authority_id != authority_id:
        return (
            f"{person.name} is recorded at {person.authority}. Select someone of this "
            "review's authority, or add them."
        )
    return None


@dataclass(frozen=True)
class PersonLink:
    """A relation that names a person: ``model.field`` (a foreign key, or a many-to-many)."""

    model: type[models.Model]
    field: str
    many_to_many: bool

    @property
    def label(self) -> str:
        field = self.model._meta.get_field(self.field)
        return f"{self.model._meta.verbose_name}: {field.verbose_name}"


def person_links() -> list[PersonLink]:
    """Every relation to Person, from the models themselves, so one added later is found too.
    ``Person._meta.related_objects`` is not enough: it leaves out hidden relations
    (``related_name="+"``, such as a review's lead director). The history's copies are left
    alone (they record what was), and a many-to-many's table is reached through its field."""
    links = []
    for relation in Person._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        model = relation.related_model
        if issubclass(model, HistoricalChanges) or model._meta.auto_created:
            continue
        links.append(PersonLink(model, relation.field.name, relation.many_to_many))
    return links


# How each model that names a person reaches the authority of the review it belongs to.
AUTHORITY_PATHS: dict[type[models.Model], str] = {
    Review: "committee__authority",
    Lead: "recommendation__review__committee__authority",
    UpdateReport: "review__committee__authority",
    ProgressUpdate: "recommendation__review__committee__authority",
    ReminderSent: "recommendation__review__committee__authority",
    UpdateRequest: "report__review__committee__authority",
}


def linked_authority_ids(person: Person) -> set[int]:
    """The authorities of the reviews that name this person, by any link."""
    ids: set[int] = set()
    for link in person_links():
        if link.model is Person:
            continue  # people merged into this one: their links are this one's already
        path = AUTHORITY_PATHS[link.model]
        ids |= set(
            link.model._default_manager.filter(**{link.field: person})
            .values_list(path, flat=True)
            .distinct()
        )
    return ids


def person_errors(person: Person) -> Errors:
    errors: Errors = {}
    if person.pk is None:
        return errors
    if person.merged_into_id:
        _add(errors, NON_FIELD_ERRORS, f"{person.name} was merged into {person.merged_into}.")
        return errors
    stored = Person.objects.filter(pk=person.pk).values_list("authority_id", flat=True).first()
    if person.authority_id is not None and person.authority_id != stored:
        elsewhere = linked_authority_ids(person) - {person.authority_id}
        if elsewhere:
            names = ", ".join(
                sorted(Authority.objects.filter(pk__in=elsewhere).values_list("name", flat=True))
            )
            _add(
                errors,
                "authority",
                f"{person.name} is named in reviews of {names}, so they cannot move to "
                f"{person.authority}.",
            )
    return errors


def merge_errors(keep: Person, duplicate: Person) -> Errors:
    errors: Errors = {}
    if keep.pk == duplicate.pk:
        _add(errors, "keep", "Select someone else: a person cannot be merged into themselves.")
    elif duplicate.merged_into_id:
        _add(errors, NON_FIELD_ERRORS, f"{duplicate.name} has already been merged.")
    elif keep.merged_into_id:
        _add(errors, "keep", f"{keep.name} has been merged into someone else. Select them.")
    elif None not in (keep.authority_id, duplicate.authority_id) and (
        keep.authority_id != duplicate.authority_id
    ):
        _add(errors, "keep", "Select someone of the same authority.")
    elif keep.authority_id is not None and (linked_authority_ids(duplicate) - {keep.authority_id}):
        _add(
            errors,
            "keep",
            f"{duplicate.name} is named in reviews of other authorities than {keep.authority}, "
            "so they cannot be merged into someone recorded there. Select someone not yet "
            "assigned to an authority.",
        )
    elif duplicate.user_id:
        # The account would stay with the record merged away, and its requests move.
        _add(
            errors,
            "keep",
            f"{duplicate.name} has an account as a lead, so merge the other way round: keep "
            f"{duplicate.name}.",
        )
    elif UpdateRequest.objects.filter(
        person=duplicate,
        report__in=UpdateRequest.objects.filter(person=keep).values("report"),
    ).exists():
        # Merging would drop one of the two requests, and the updates written in answer to it.
        _add(
            errors,
            "keep",
            "Both were sent an update request in the same round, so they cannot be merged until "
            "that round's report is final.",
        )
    return errors


DOCUMENT_ON_RECORD = (
    "This document belongs to a final update report, so it stays on the record with the report."
)


def document_errors(document: SupportingDocument) -> Errors:
    """Exactly one record holds it: the page it is listed on, whose readers may download it.
    (The database's check constraint says the same.)"""
    errors: Errors = {}
    if document.parent_field is None:
        _add(errors, NON_FIELD_ERRORS, ONE_RECORD)
    elif document.requested_update_id and not document.requested_update.is_editable:
        _add(
            errors,
            NON_FIELD_ERRORS,
            "This update has been submitted, so documents can no longer be added to it.",
        )
    return errors


def document_removal_errors(document: SupportingDocument) -> Errors:
    """A final report is the published record: its papers, and its updates' evidence, stay.
    Adding to it is allowed (the record grows; nothing it showed changes)."""
    errors: Errors = {}
    final = UpdateReport.objects.filter(is_final=True)
    if (document.update_report_id and final.filter(pk=document.update_report_id).exists()) or (
        document.progress_update_id and final.filter(updates=document.progress_update_id).exists()
    ):
        _add(errors, NON_FIELD_ERRORS, DOCUMENT_ON_RECORD)
    return errors


def verdict_errors(verdict: CommitteeVerdict) -> Errors:
    """The committee's view of an update is recorded against the meeting that considered it: a
    meeting of the review's own committee, at which the update's report was presented or the
    review was on the agenda, and not before the update was written. "Not satisfied" says what
    the committee asks for."""
    errors: Errors = {}
    for name in ("asks", "comment"):
        limit = CommitteeVerdict._meta.get_field(name).max_length
        if len(getattr(verdict, name) or "") > limit:
            _add(errors, name, f"This text must be {limit:,} characters or fewer.")
    if (
        verdict.verdict == CommitteeVerdict.Verdict.NOT_SATISFIED
        and not (verdict.asks or "").strip()
    ):
        _add(
            errors,
            "asks",
            "Say what the committee asks for, e.g. the lead officer to attend the next meeting.",
        )
    if not verdict.meeting_id or not verdict.update_id:
        return errors
    meeting, update = verdict.meeting, verdict.update
    review = update.recommendation.review
    if meeting.committee_id != review.committee_id:
        _add(errors, "meeting", "Select a meeting of the review's own committee.")
    elif not (
        (update.report_id and update.report.meeting_id == meeting.pk)
        or meeting.reviews.filter(pk=review.pk).exists()
    ):
        _add(
            errors,
            "meeting",
            "This meeting did not consider the update: its report was presented at another "
            "meeting and the review is not on this meeting's agenda.",
        )
    elif update.as_at > meeting.date:
        _add(
            errors,
            "meeting",
            f"The update is as at {update.as_at_display}, after the meeting of "
            f"{meeting.date.day} {meeting.date:%B %Y}: select the meeting that considered it.",
        )
    return errors


def finalise_errors(report: UpdateReport, gaps: list[Recommendation]) -> Errors:
    """A report may be final with recommendations that have no update in its round (the
    officer responsible was away, the work has not started), but only with the reason stated:
    it is printed with the report, its appendix and the committee pack."""
    errors: Errors = {}
    if gaps and not report.finalised_with_gaps_reason.strip():
        _add(errors, "finalised_with_gaps_reason", gaps_reason_missing(gaps))
    return errors


def gaps_reason_missing(gaps: list[Recommendation]) -> str:
    if len(gaps) == 1:
        return (
            f"Recommendation {gaps[0].label} has no update in this round. "
            "Say why the report is final without it."
        )
    labels = ", ".join(rec.label for rec in gaps)
    return (
        f"{len(gaps)} recommendations have no update in this round ({labels}). "
        "Say why the report is final without them."
    )


def reopen_report_errors(reason: str) -> Errors:
    errors: Errors = {}
    if not reason.strip():
        _add(errors, "reopened_reason", "Enter the reason for reopening the report.")
    return errors


def refusal(message: str) -> ValidationError:
    """A rule about the record as a whole ("this action does not apply to it")."""
    return ValidationError({NON_FIELD_ERRORS: [message]})


def markdown_text_error(text: str) -> str | None:
    """Text is shown formatted everywhere (pages, appendix, PDF): refuse nesting and runs that
    would have to be shown as plain text instead, or cost every reader the time to lay out."""
    if not text:
        return None
    return markdown.markdown_problem(text) or markdown.punctuation_run_problem(text)


def markdown_errors(instance: models.Model) -> Errors:
    """Every long text of the instance (all are Markdown, or shown through it)."""
    errors: Errors = {}
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.TextField):
            continue
        if message := markdown_text_error(getattr(instance, field.attname) or ""):
            _add(errors, field.name, message)
    return errors
