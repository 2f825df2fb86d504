"""Writes. Each service is one transaction, and every save goes through ``Model.save()`` so that
django-simple-history records who changed what (it does not see queryset updates or bulk writes).

Every write route (the pages, the admin, commands) goes through here, so the domain's rules
(``rules``) are checked here: a broken rule is a ``ValidationError`` keyed by the model's field,
raised before anything is written. Views put those messages back on their forms.

Papers published before the tracker (the demo data, generated scale data, later an importer)
are recorded through the ``record_published_*`` services at the end: the same rules, except the
few departures from today's process that ``rules.PUBLISHED_DEPARTURES`` names, which are
recorded with a marker instead of refused.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Literal, TypeVar

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.contrib.auth.models import User as UserModel
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Max, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone
from django.utils.text import slugify
from simple_history.signals import pre_create_historical_record
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from recommendations import filetypes, imported_uploads, monitoring, rules, search, selectors
from recommendations.models import (
    SHORT_TEXT_MAX,
    ApiToken,
    Authority,
    Committee,
    CommitteeVerdict,
    DatePrecision,
    DocumentVersion,
    GlossaryTerm,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    RagRating,
    Recommendation,
    ReminderSent,
    RequestedUpdate,
    Response,
    Review,
    Standing,
    SupportingDocument,
    UpdateReport,
    UpdateRequest,
)
from recommendations.roles import LEADS

logger = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser | None
M = TypeVar("M", bound=models.Model)

CONFLICT_MESSAGE = (
    "Someone else changed this {noun} since you opened it. Your text is kept below; "
    "review their change and save again."
)
LOCKED_MESSAGE = (
    "This update is part of a final report, so it can no longer be changed. "
    "Add a correction instead: the original stays on the record."
)


class EditConflict(Exception):
    """The record was saved by someone else after this editor loaded it."""

    def __init__(self, *, noun: str, current_version: int | None) -> None:
        super().__init__(CONFLICT_MESSAGE.format(noun=noun))
        self.current_version = current_version


REPORT_FINAL_MESSAGE = (
    "This update report is final, so updates can no longer be entered or changed in it. "
    "To change what it says, add a correction from the recommendation's page: the original "
    "stays on the record."
)


REPORT_DETAILS_FINAL_MESSAGE = (
    "This update report is final, so its details (title, dates, summary, meeting and people) "
    "can no longer be changed. An officer can reopen it, giving the reason."
)


class ReportIsFinal(ValidationError):
    """A final report's own details are part of the record, as its updates are."""

    def __init__(self, message: str = REPORT_DETAILS_FINAL_MESSAGE) -> None:
        super().__init__(message, code="report_final")


class ReportNotFinal(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            "This update report is not final, so there is nothing to reopen. "
            "Someone may have reopened it already.",
            code="report_not_final",
        )


class GapsChanged(ValidationError):
    """The recommendations without an update in the round are not the ones the person
    finalising was shown (an update was added or removed meanwhile)."""

    def __init__(self) -> None:
        super().__init__(
            "The recommendations without an update in this round have changed since you "
            "opened this page: the list below is the current one. Check it and confirm again.",
            code="gaps_changed",
        )


class RecordLocked(PermissionDenied):
    """The record belongs to a final report."""

    def __init__(self, message: str = LOCKED_MESSAGE) -> None:
        super().__init__(message)


class NotClosed(ValidationError):
    """Only a closed recommendation can be reopened."""

    def __init__(self) -> None:
        super().__init__(
            "This recommendation is not closed, so there is nothing to reopen. "
            "Someone may have reopened it already.",
            code="not_closed",
        )


class AlreadyClosed(ValidationError):
    """Closing again would overwrite the committee's recorded decision: reopen it first."""

    def __init__(self) -> None:
        super().__init__(
            "This recommendation is already closed. Reopen it first: closing it again would "
            "overwrite the committee's recorded decision.",
            code="already_closed",
        )


def _validate(instance: M, rule: Callable[[M], rules.Errors] | None = None) -> None:
    """The model's field checks first (they also turn typed-in values such as "2024-03-01" into
    dates), then the domain's rules (their messages are the clearer, so they come before the
    model's unique checks), then the rest of the model's own: ``clean()``, unique, constraints."""
    instance.clean_fields()
    rules.check(rules.markdown_errors(instance))
    if rule is not None:
        rules.check(rule(instance))
    instance.full_clean()


def _attribute_to(instance: models.Model, user: User) -> None:
    # The history middleware covers requests; this covers services called from elsewhere too.
    if user is not None and user.is_authenticated:
        instance._history_user = user


def _save_versioned(instance: models.Model, *, expected_version: int, user: User) -> None:
    """Optimistic locking that still records history.

    ``select_for_update`` holds the row on PostgreSQL until the transaction ends; on SQLite it
    is a no-op, but the IMMEDIATE transaction mode already serialises writers, so the version
    read here cannot change before our save.
    """
    model = type(instance)
    current = (
        model._default_manager.select_for_update()
        .filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current != expected_version:
        raise EditConflict(noun=model._meta.verbose_name, current_version=current)
    instance.version = current + 1
    _attribute_to(instance, user)
    instance.save()


def _next_order(queryset: models.QuerySet) -> int:
    return (queryset.aggregate(top=Max("order"))["top"] or 0) + 1


SLUG_MAX = 100


def unique_slug(text: str, *, taken: models.QuerySet, fallback: str) -> str:
    """A short name for web addresses made from ``text`` (``fallback`` if nothing of it is
    left, e.g. a title in another script), with "-2", "-3"... until ``taken`` (a queryset of
    the other records' slugs) does not have it, and never a reserved one."""
    base = slugify(text)[:SLUG_MAX].strip("-_") or fallback
    prefix = base[: SLUG_MAX - 10]  # what every candidate below starts with
    existing = set(taken.filter(slug__startswith=prefix).values_list("slug", flat=True))
    existing |= rules.RESERVED_SLUGS
    candidate, n = base, 1
    while candidate in existing:
        n += 1
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-_") + suffix
    return candidate


@contextmanager
def _errors_on(fields: Mapping[str, str], *, default: str) -> Iterator[None]:
    """Something added on the spot from another record's form: its refusal, keyed by that
    form's fields (``fields`` maps the model's field to the form's; the rest go to
    ``default``)."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise ValidationError({default: error.messages}) from error
        rekeyed: dict[str, list[str]] = {}
        for name, messages in error.message_dict.items():
            rekeyed.setdefault(fields.get(name, default), []).extend(messages)
        raise ValidationError(rekeyed) from error


@dataclass
class AddedOnTheSpot:
    """What an officer added from a review's form rather than chose from a list, all unsaved:
    a committee (in a chosen authority, or in ``authority``, also new) and people for the
    review's person fields (``people``: field name -> person)."""

    authority: Authority | None = None
    committee: Committee | None = None
    people: dict[str, Person] = field(default_factory=dict)

    @staticmethod
    def person_fields(review_field: str) -> dict[str, str]:
        prefix = f"new_{review_field}_"
        return {name: prefix + name for name in ["name", "job_title", "kind"]}


def _add_on_the_spot(review: Review, added: AddedOnTheSpot | None, user: User) -> None:
    """Save what was added (the form's field names key any refusal) and put it on the review.
    Called inside the review's transaction, so a refusal anywhere keeps none of it."""
    if added is None:
        return
    if added.committee is not None:
        if added.authority is not None:
            with _errors_on({"name": "new_authority_name"}, default="new_authority_name"):
                added.committee.authority = authority_find_or_create(
                    authority=added.authority, user=user
                )
        with _errors_on({"name": "new_committee_name"}, default="new_committee_name"):
            review.committee = committee_find_or_create(committee=added.committee, user=user)
    if not review.committee_id:
        return  # the review's own check says to choose one
    for review_field, person in added.people.items():
        fields = AddedOnTheSpot.person_fields(review_field)
        person.authority = review.committee.authority
        with _errors_on(fields, default=fields["name"]):
            setattr(review, review_field, person_find_or_create(person=person, user=user))


@transaction.atomic
def review_create(*, review: Review, user: User, added: AddedOnTheSpot | None = None) -> Review:
    """A review left without a short name gets one made from its title."""
    _add_on_the_spot(review, added, user)
    if not review.slug and review.title:
        review.slug = unique_slug(review.title, taken=Review.objects.all(), fallback="review")
    _validate(review, rules.review_errors)
    _attribute_to(review, user)
    review.save()
    return review


@transaction.atomic
def review_update(
    *, review: Review, expected_version: int, user: User, added: AddedOnTheSpot | None = None
) -> Review:
    _add_on_the_spot(review, added, user)
    _validate(review, rules.review_errors)
    _save_versioned(review, expected_version=expected_version, user=user)
    return review


@transaction.atomic
def review_publish(*, review: Review, expected_version: int, user: User) -> Review:
    """Put the review on the public pages, the open API and the feeds. Only what final update
    reports carry is shown there (``recommendations.publication``)."""
    review.published_at = timezone.now()
    review.published_by = user if getattr(user, "pk", None) else None
    _save_versioned(review, expected_version=expected_version, user=user)
    return review


@transaction.atomic
def review_unpublish(*, review: Review, expected_version: int, user: User) -> Review:
    """Take the review's public pages down; the history keeps when it was published."""
    review.published_at = None
    review.published_by = None
    _save_versioned(review, expected_version=expected_version, user=user)
    return review


API_TOKEN_PREFIX = "st_"


@transaction.atomic
def api_token_create(*, owner: UserModel, name: str, user: User) -> tuple[ApiToken, str]:
    """A new API key for ``owner``, which reads what ``owner`` may read in the app. Returns
    the token and the key itself, which is stored only as its hash: show it once."""
    if not owner.is_active:
        raise ValidationError({"user": "This account is inactive; its tokens would not work."})
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=owner,
        name=name.strip(),
        prefix=key[:10],
        key_hash=ApiToken.hash_key(key),
        created_by=user if getattr(user, "pk", None) else None,
    )
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: User) -> ApiToken:
    """The key stops working at once (the next request with it is a 401); the token stays
    listed as revoked, with who revoked it and when. Revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = user if getattr(user, "pk", None) else None
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


@transaction.atomic
def recommendation_create(*, recommendation: Recommendation, user: User) -> Recommendation:
    """A new recommendation goes last among its siblings and starts awaiting a response."""
    recommendation.order = _next_order(
        Recommendation.objects.filter(review=recommendation.review, parent=recommendation.parent)
    )
    _validate(recommendation, rules.recommendation_errors)
    _attribute_to(recommendation, user)
    recommendation.save()
    response = Response(recommendation=recommendation)
    _attribute_to(response, user)
    response.save()
    return recommendation


@transaction.atomic
def recommendation_update(
    *, recommendation: Recommendation, expected_version: int, user: User
) -> Recommendation:
    _validate(recommendation, rules.recommendation_errors)
    _save_versioned(recommendation, expected_version=expected_version, user=user)
    return recommendation


@transaction.atomic
def recommendation_move(
    *, recommendation: Recommendation, direction: Literal["up", "down"], user: User
) -> None:
    """Swap with the neighbouring sibling, renumbering the siblings 1..n so gaps and ties go."""
    siblings = list(
        Recommendation.objects.select_for_update()
        .filter(review_id=recommendation.review_id, parent_id=recommendation.parent_id)
        .order_by("order", "id")
    )
    index = next(i for i, rec in enumerate(siblings) if rec.pk == recommendation.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, rec in enumerate(siblings, start=1):
        if rec.order != position:
            rec.order = position
            rec.version += 1
            _attribute_to(rec, user)
            rec.save()


def _drop_stale_wording(instance: models.Model, value: str, wording: str) -> None:
    """The paper's word belongs to the value it was recorded with: a value changed without a
    new word (the round entry's form has none) drops the old word, which would misname it."""
    stored = type(instance)._default_manager.filter(pk=instance.pk).values(value, wording).first()
    if (
        stored
        and getattr(instance, value) != stored[value]
        and getattr(instance, wording) == stored[wording]
    ):
        setattr(instance, wording, "")


@transaction.atomic
def response_save(*, response: Response, expected_version: int | None, user: User) -> Response:
    if response.pk is not None:
        _drop_stale_wording(response, "decision", "decision_wording")
    _validate(response)
    if response.pk is None:
        _attribute_to(response, user)
        response.save()
    else:
        _save_versioned(response, expected_version=expected_version or 0, user=user)
    return response


@transaction.atomic
def lead_add(
    *,
    recommendation: Recommendation,
    role: str,
    person: Person | None = None,
    new_person_name: str = "",
    new_person_job_title: str = "",
    new_person_organisation: str = "",
    new_person_kind: str = Person.Kind.PERSON,
    user: User,
) -> Lead:
    """Assign a lead, creating the person (or organisation) first if they are new to the
    tracker: new people belong to the review's authority."""
    rules.check(rules.new_lead_errors(person, new_person_name))
    picked = person is not None
    if person is None:
        fields = {"name": "new_person_name", "job_title": "new_person_job_title"}
        fields |= {"organisation": "new_person_organisation", "kind": "new_person_kind"}
        with _errors_on(fields, default="new_person_name"):
            person = person_find_or_create(
                person=Person(
                    name=new_person_name,
                    job_title=new_person_job_title,
                    organisation=new_person_organisation,
                    kind=new_person_kind,
                    authority_id=recommendation.review.committee.authority_id,
                ),
                user=user,
            )
    lead = Lead(
        recommendation=recommendation,
        person=person,
        role=role,
        order=_next_order(recommendation.leads.all()),
    )
    field = "person" if picked else "new_person_name"
    _validate(lead, lambda lead: rules.lead_errors(lead, field=field))
    _attribute_to(lead, user)
    lead.save()
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, expected_version: int, user: User) -> Lead:
    _validate(lead, rules.lead_errors)
    _save_versioned(lead, expected_version=expected_version, user=user)
    return lead


def _refuse_if_changed(instance: models.Model, expected_version: int | None) -> None:
    """A delete confirmed on a page that showed an older version is refused like a save over
    it: what goes is what the person saw. ``None``: no page was involved (the shell, tests)."""
    if expected_version is None:
        return
    model = type(instance)
    current = (
        model._default_manager.select_for_update()
        .filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current != expected_version:
        raise EditConflict(noun=model._meta.verbose_name, current_version=current)


@transaction.atomic
def lead_remove(*, lead: Lead, user: User, expected_version: int | None = None) -> None:
    _refuse_if_changed(lead, expected_version)
    # Model.delete(), not a queryset delete, so the history keeps a "removed" record.
    _attribute_to(lead, user)
    lead.delete()


@transaction.atomic
def lead_move(*, lead: Lead, direction: Literal["up", "down"], user: User) -> None:
    leads = list(
        Lead.objects.select_for_update()
        .filter(recommendation_id=lead.recommendation_id)
        .order_by("order", "id")
    )
    index = next(i for i, item in enumerate(leads) if item.pk == lead.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(leads):
        return
    leads[index], leads[target] = leads[target], leads[index]
    for position, item in enumerate(leads, start=1):
        if item.order != position:
            item.order = position
            item.version += 1
            _attribute_to(item, user)
            item.save()


def _refuse_if_final(report_id: int | None) -> None:
    # The report's row is held until the write commits, so finalising (which holds it too)
    # sees every update that went in before it, and none goes in after.
    if report_id and (
        UpdateReport.objects.select_for_update()
        .filter(pk=report_id)
        .values_list("is_final", flat=True)
        .first()
    ):
        raise RecordLocked()


@transaction.atomic
def standing_refresh(*, recommendations: Iterable[int] | models.QuerySet[Recommendation]) -> None:
    """THE upkeep of the stored standings (``models.Standing``): where these recommendations
    (ids, or a queryset of them) stand by ``monitoring.with_progress`` over every update,
    written over what was stored; a recommendation without any update keeps none. Called
    on every write of an update: saved or deleted one at a time (``_update_written``: the
    one-update services, the round entry, corrections, accepted requested updates, a whole
    review deleted), and by the bulk route for its new updates; and when a review is saved,
    since its grace days are part of the stored overdue date (``_review_saved``). Two
    queries per 500 recommendations, three when one has lost its last update."""
    if isinstance(recommendations, models.QuerySet):
        scopes: Iterable[models.QuerySet] = [recommendations]
    else:
        chunks = _chunks(set(recommendations))
        scopes = (Recommendation.objects.filter(pk__in=chunk) for chunk in chunks)
    for scope in scopes:
        # The recommendations are held until this transaction ends: another write of their
        # updates waits here, then works out where they stand with this one's committed.
        # Unheld, the later of two to commit stored what it saw without the other's update.
        list(scope.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
        rows = list(monitoring.standings(scope))
        stored = [
            Standing(recommendation_id=pk, latest_status=status, overdue_after=after)
            for pk, status, after in rows
            if status is not None
        ]
        if stored:
            Standing.objects.bulk_create(
                stored,
                update_conflicts=True,
                unique_fields=["recommendation"],
                update_fields=["latest_status", "overdue_after"],
            )
        if gone := [pk for pk, status, _ in rows if status is None]:
            Standing.objects.filter(recommendation_id__in=gone).delete()


@receiver(post_save, sender=ProgressUpdate)
@receiver(post_delete, sender=ProgressUpdate)
def _update_written(sender, instance: ProgressUpdate, raw: bool = False, **kwargs) -> None:
    # Every update saved or deleted, by a service or by a cascade; not one loaded from a
    # backup (``loaddata``), which carries the standings stored beside it.
    if not raw:
        standing_refresh(recommendations=[instance.recommendation_id])


@receiver(post_save, sender=Review)
def _review_saved(sender, instance: Review, created: bool, raw: bool = False, **kwargs) -> None:
    # Its grace days are part of its recommendations' stored overdue dates; a new review
    # has no updates yet.
    fields = kwargs.get("update_fields")
    if not created and not raw and (fields is None or "overdue_grace_days" in fields):
        standing_refresh(
            recommendations=Recommendation.objects.filter(review=instance, standing__isnull=False)
        )


@transaction.atomic
def progress_update_create(*, update: ProgressUpdate, user: User) -> ProgressUpdate:
    """A new update never replaces an earlier one: updates accumulate."""
    return _progress_update_add(update=update, user=user, as_published=False)


def _progress_update_add(
    *, update: ProgressUpdate, user: User, as_published: bool
) -> ProgressUpdate:
    if update.report_id:
        _refuse_if_final(update.report_id)
    _validate(
        update, lambda update: rules.progress_update_errors(update, as_published=as_published)
    )
    if user is not None and user.is_authenticated:
        update.created_by = user
    _attribute_to(update, user)
    update.save()
    return update


@transaction.atomic
def progress_update_edit(
    *, update: ProgressUpdate, expected_version: int, user: User
) -> ProgressUpdate:
    # Check the report the update is in now (in the database), and the one it is moving to.
    stored_report_id = (
        ProgressUpdate.objects.filter(pk=update.pk).values_list("report_id", flat=True).first()
    )
    _refuse_if_final(stored_report_id)
    _refuse_if_final(update.report_id)
    _drop_stale_wording(update, "status", "status_wording")
    _validate(update, rules.progress_update_errors)
    _save_versioned(update, expected_version=expected_version, user=user)
    return update


@transaction.atomic
def progress_update_delete(
    *, update: ProgressUpdate, user: User, expected_version: int | None = None
) -> None:
    _refuse_if_final(
        ProgressUpdate.objects.filter(pk=update.pk).values_list("report_id", flat=True).first()
    )
    if update.corrections.exists():
        raise RecordLocked("This update has been corrected, so it stays on the record.")
    if CommitteeVerdict.objects.filter(update_id=update.pk).exists():
        raise RecordLocked(
            "The committee has recorded its view of this update, so it stays on the record."
        )
    _refuse_if_changed(update, expected_version)
    _attribute_to(update, user)
    update.delete()


@transaction.atomic
def progress_update_correct(
    *, original: ProgressUpdate, correction: ProgressUpdate, user: User
) -> ProgressUpdate:
    """A correction is a new update pointing at the original, which stays as it was."""
    correction.recommendation = original.recommendation
    correction.corrects = original
    return progress_update_create(update=correction, user=user)


@dataclass
class RoundEntry:
    """One row of a monitoring round: a new update (``expected_version`` None) or an edit of
    the update already in the round, at the version the editor loaded."""

    update: ProgressUpdate
    expected_version: int | None = None


class RoundRefused(Exception):
    """At least one row was refused, so nothing was saved. ``errors`` maps each refused row's
    recommendation id to its ``ValidationError`` or ``EditConflict``."""

    def __init__(self, errors: dict[int, Exception]) -> None:
        super().__init__(f"{len(errors)} row(s) refused; nothing was saved.")
        self.errors = errors


@transaction.atomic
def update_report_save_updates(
    *, report: UpdateReport, entries: Sequence[RoundEntry], user: User
) -> list[ProgressUpdate]:
    """Save a round's rows together, all or nothing, each through ``progress_update_create`` or
    ``progress_update_edit`` (so each row meets every rule a single update meets). Every row is
    checked, so the editor sees all the refusals at once; any refusal undoes the rows saved
    before it. A new row for a recommendation that already has an update in this round (someone
    else entered it meanwhile, or the same form was posted twice) is an edit conflict, not a
    second update."""
    is_final = (
        UpdateReport.objects.select_for_update()
        .filter(pk=report.pk)
        .values_list("is_final", flat=True)
        .first()
    )
    if is_final:
        raise RecordLocked(REPORT_FINAL_MESSAGE)
    errors: dict[int, Exception] = {}
    saved: list[tuple[ProgressUpdate, bool, int]] = []
    for entry in entries:
        update = entry.update
        update.report = report
        was_new, version = update.pk is None, update.version
        try:
            if entry.expected_version is None:
                theirs = (
                    ProgressUpdate.objects.filter(
                        report=report, recommendation_id=update.recommendation_id
                    )
                    .order_by("-as_at", "-id")
                    .values_list("version", flat=True)
                    .first()
                )
                if theirs is not None:
                    raise EditConflict(noun="progress update", current_version=theirs)
                progress_update_create(update=update, user=user)
            else:
                progress_update_edit(
                    update=update, expected_version=entry.expected_version, user=user
                )
        except (ValidationError, EditConflict) as error:
            errors[update.recommendation_id] = error
        else:
            saved.append((update, was_new, version))
    if errors:
        # The transaction is rolled back; make the instances say so too.
        for update, was_new, version in saved:
            if was_new:
                update.pk = None
            update.version = version
        raise RoundRefused(errors)
    return [update for update, _, _ in saved]


# Recorded only by finalising and reopening, never by the details form.
FINALISE_FIELDS = [
    "is_final", "finalised_at", "finalised_by", "finalised_with_gaps_reason",
    "reopened_at", "reopened_by", "reopened_reason",
]  # fmt: skip


@transaction.atomic
def update_report_create(
    *, report: UpdateReport, user: User, contributors: Iterable[Person] | None = None
) -> UpdateReport:
    """``contributors``, when given, become the report's (the history records them)."""
    for name in FINALISE_FIELDS:  # a new report starts as a draft, never finalised
        setattr(report, name, UpdateReport._meta.get_field(name).get_default())
    if contributors is not None:
        contributors = list(contributors)
        rules.check(rules.contributors_errors(report, contributors))
    _validate(report, rules.update_report_errors)
    _attribute_to(report, user)
    report.save()
    if contributors is not None:
        report.contributors.set(contributors)
    return report


@transaction.atomic
def update_report_update(
    *,
    report: UpdateReport,
    expected_version: int,
    user: User,
    contributors: Iterable[Person] | None = None,
) -> UpdateReport:
    """The details of a draft report. A final report's details are part of the record: an
    officer reopens it first (``update_report_reopen``)."""
    stored = UpdateReport.objects.select_for_update().filter(pk=report.pk).first()
    if stored is None:
        raise EditConflict(noun=UpdateReport._meta.verbose_name, current_version=None)
    if stored.is_final:
        raise ReportIsFinal()
    # The form cannot finalise or reopen a report; keep what the database says.
    for name in FINALISE_FIELDS:
        setattr(report, name, getattr(stored, name))
    if contributors is not None:
        contributors = list(contributors)
        rules.check(rules.contributors_errors(report, contributors))
    _validate(report, rules.update_report_errors)
    _save_versioned(report, expected_version=expected_version, user=user)
    if contributors is not None:
        report.contributors.set(contributors)
    return report


@transaction.atomic
def update_report_finalise(
    *,
    report: UpdateReport,
    expected_version: int,
    user: User,
    gaps_reason: str = "",
    confirmed_gaps: Collection[int] | None = None,
) -> UpdateReport:
    """Make the report final: its details and updates can no longer change. Recommendations
    without an update in its round (``selectors.round_gaps``) need ``gaps_reason``, which is
    kept with the report; ``confirmed_gaps``, when given, are the ids of the recommendations
    the person finalising was shown without one, and must still be the gaps."""
    stored = (
        UpdateReport.objects.select_for_update(of=("self",))
        .select_related("review")
        .get(pk=report.pk)
    )
    if stored.is_final:
        raise ReportIsFinal("This update report is already final. Someone may have finalised it.")
    gaps = [row.recommendation for row in selectors.round_gaps(stored)]
    if confirmed_gaps is not None and set(confirmed_gaps) != {rec.pk for rec in gaps}:
        raise GapsChanged()
    # A reason given when there is no gap would explain nothing.
    stored.finalised_with_gaps_reason = gaps_reason.strip() if gaps else ""
    stored.is_final = True
    stored.finalised_at = timezone.now()
    stored.finalised_by = user if user is not None and user.is_authenticated else None
    _validate(stored, lambda item: rules.finalise_errors(item, gaps))
    _save_versioned(stored, expected_version=expected_version, user=user)
    return stored


@transaction.atomic
def update_report_reopen(
    *, report: UpdateReport, reason: str, expected_version: int, user: User
) -> UpdateReport:
    """Make a final report a draft again, with the reason. The finalisation it undoes (who,
    when, any reason for gaps) stays in the history, and so does this reopening."""
    stored = (
        UpdateReport.objects.select_for_update(of=("self",))
        .select_related("review")
        .get(pk=report.pk)
    )
    if not stored.is_final:
        raise ReportNotFinal()
    rules.check(rules.reopen_report_errors(reason))
    stored.is_final = False
    stored.reopened_reason = reason
    stored.reopened_at = timezone.now()
    stored.reopened_by = user if user is not None and user.is_authenticated else None
    stored.finalised_at = None
    stored.finalised_by = None
    stored.finalised_with_gaps_reason = ""
    _validate(stored)
    _save_versioned(stored, expected_version=expected_version, user=user)
    return stored


@transaction.atomic
def meeting_create(*, meeting: Meeting, review: Review | None, user: User) -> Meeting:
    """From a review's page the meeting is its committee's and considers it; from the admin
    (``review=None``) the committee is chosen and the reviews are set afterwards."""
    if review is not None:
        meeting.committee = review.committee
    _validate(meeting)
    _attribute_to(meeting, user)
    meeting.save()
    if review is not None:
        meeting.reviews.add(review)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    expected_version: int,
    user: User,
    reviews: Iterable[Review] | None = None,
) -> Meeting:
    """Save the meeting's fields and, when given, the reviews it considered (the history
    records which were added or removed)."""
    _validate(meeting)
    _save_versioned(meeting, expected_version=expected_version, user=user)
    if reviews is not None:
        meeting_set_reviews(meeting=meeting, reviews=reviews, user=user)
    return meeting


@transaction.atomic
def meeting_set_reviews(*, meeting: Meeting, reviews: Iterable[Review], user: User) -> None:
    """``set()`` removes and adds through the relation, so each is a history row of the
    meeting naming the reviews it then considered."""
    _attribute_to(meeting, user)
    meeting.reviews.set(reviews)


@transaction.atomic
def authority_create(*, authority: Authority, user: User) -> Authority:
    """An authority left without a short name gets one made from its name."""
    if not authority.slug and authority.name:
        authority.slug = unique_slug(
            authority.name, taken=Authority.objects.all(), fallback="authority"
        )
    _validate(authority, rules.authority_errors)
    _attribute_to(authority, user)
    authority.save()
    return authority


@transaction.atomic
def authority_update(*, authority: Authority, expected_version: int, user: User) -> Authority:
    _validate(authority, rules.authority_errors)
    _save_versioned(authority, expected_version=expected_version, user=user)
    return authority


def authority_find_or_create(*, authority: Authority, user: User) -> Authority:
    """The authority of that name if there is one (in any case), else a new one."""
    name = authority.name.strip()
    existing = Authority.objects.filter(name__iexact=name).first() if name else None
    return existing or authority_create(authority=authority, user=user)


@transaction.atomic
def committee_create(*, committee: Committee, user: User) -> Committee:
    if not committee.slug and committee.name and committee.authority_id:
        committee.slug = unique_slug(
            committee.name,
            taken=Committee.objects.filter(authority_id=committee.authority_id),
            fallback="committee",
        )
    _validate(committee)
    committee.save()
    return committee


def committee_find_or_create(*, committee: Committee, user: User) -> Committee:
    """The authority's committee of that name if it has one (in any case), else a new one."""
    name = committee.name.strip()
    existing = (
        Committee.objects.filter(authority_id=committee.authority_id, name__iexact=name).first()
        if name and committee.authority_id
        else None
    )
    return existing or committee_create(committee=committee, user=user)


@transaction.atomic
def person_create(*, person: Person, user: User) -> Person:
    _validate(person, rules.person_errors)
    _attribute_to(person, user)
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, expected_version: int, user: User) -> Person:
    _validate(person, rules.person_errors)
    _save_versioned(person, expected_version=expected_version, user=user)
    return person


def person_find_or_create(*, person: Person, user: User) -> Person:
    """Someone typed in as new who is already recorded (same name, job title and
    organisation, at the person's authority or at none) is that person; else they are added.
    A duplicate merged away is never found: the person kept is."""
    existing = (
        Person.objects.recorded_as(
            authority_id=person.authority_id,
            name=person.name,
            job_title=person.job_title,
            organisation=person.organisation,
        )
        if person.name
        else None
    )
    return existing or person_create(person=person, user=user)


def people_find_or_create_in_bulk(
    *, people: Sequence[Person], authority_id: int, user: User
) -> list[Person]:
    """``person_find_or_create`` for many people of one authority (an imported table's
    leads): each distinct name, job title and organisation looked up once, the new ones
    added through the bulk route, checked as ``person_create`` checks them. The person for
    each given, in order; a refusal (``RowRefused``) names the first given it is about."""
    identities = [(person.name, person.job_title, person.organisation) for person in people]
    found = Person.objects.recorded_as_many(authority_id=authority_id, identities=identities)
    new: dict[tuple[str, str, str], int] = {}  # identity: the first given with it
    for index, (person, identity) in enumerate(zip(people, identities, strict=True)):
        person.authority_id = authority_id
        if identity not in found and identity not in new:
            new[identity] = index
    try:
        record_published_in_bulk(instances=[people[index] for index in new.values()], user=user)
    except RowRefused as refused:
        raise RowRefused(list(new.values())[refused.row - 1] + 1, refused.reason) from None
    found |= {identity: people[index] for identity, index in new.items()}
    return [found[identity] for identity in identities]


@dataclass
class MergeResult:
    """What a merge moved: per relation (``PersonLink.label``), how many rows now name the
    person kept, and how many were dropped because the person kept already had that link."""

    moved: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)


def _clashes(row: models.Model) -> bool:
    """Whether the row, now naming the person kept, repeats one that already does (the same
    lead in the same role, the same reminder)."""
    try:
        row.validate_unique()
        row.validate_constraints()
    except ValidationError:
        return True
    return False


def _bump_and_save(row: models.Model, user: User) -> None:
    if hasattr(row, "version"):
        # An editor with this row's form open saw the duplicate: their save is now a conflict.
        row.version += 1
    _attribute_to(row, user)
    row.save()


@transaction.atomic
def merge_people(
    *,
    keep: Person,
    duplicate: Person,
    expected_keep_version: int,
    expected_duplicate_version: int,
    user: User,
) -> MergeResult:
    """Merge a duplicate record of someone into the record kept.

    Every link that named the duplicate (every relation to Person, found by
    ``rules.person_links``, so a link added to the models later moves too) names the person
    kept, each row saved so its history records the change; a link the person kept already
    had (the same lead role on the same recommendation) is removed, through ``delete()`` so
    its history records that too. The duplicate is not deleted: it is marked as merged into
    the person kept (a history row of its own, saying when and by whom), drops out of choice
    lists, and its history, and every earlier history row that names it, still read as they
    were. Both records must be as the officer saw them (their versions)."""
    locked = {
        person.pk: person
        for person in Person.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])
    }
    expected_versions = {keep.pk: expected_keep_version, duplicate.pk: expected_duplicate_version}
    for pk, expected in expected_versions.items():
        current = locked.get(pk)
        if current is None or current.version != expected:
            raise EditConflict(noun="person", current_version=current.version if current else None)
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    rules.check(rules.merge_errors(keep, duplicate))
    result = MergeResult()
    for link in rules.person_links():
        # Locked, so that a version read here is still the row's when it is saved.
        rows = link.model._default_manager.select_for_update().filter(**{link.field: duplicate})
        for row in rows.order_by("pk"):
            if link.many_to_many:
                related = getattr(row, link.field)
                _attribute_to(row, user)
                related.remove(duplicate)
                if related.filter(pk=keep.pk).exists():
                    result.dropped[link.label] += 1
                else:
                    related.add(keep)
                    result.moved[link.label] += 1
                _bump_and_save(row, user)
                continue
            setattr(row, link.field, keep)
            if _clashes(row):
                _attribute_to(row, user)
                row.delete()
                result.dropped[link.label] += 1
            else:
                _bump_and_save(row, user)
                result.moved[link.label] += 1
    duplicate.merged_into = keep
    duplicate.version += 1
    duplicate._change_reason = f"Merged into {keep}"[:100]
    _attribute_to(duplicate, user)
    duplicate.save()
    return result


@transaction.atomic
def recommendation_set_overdue_override(
    *,
    recommendation: Recommendation,
    override: str,
    reason: str,
    expected_version: int,
    user: User,
) -> Recommendation:
    """Set ("overdue" / "not_overdue") or clear ("") the label; the history keeps each reason."""
    rules.check(rules.overdue_override_errors(override, reason))
    recommendation.overdue_override = override
    recommendation.overdue_override_reason = reason
    _save_versioned(recommendation, expected_version=expected_version, user=user)
    return recommendation


@transaction.atomic
def recommendation_set_priority(
    *,
    recommendation: Recommendation,
    is_priority: bool,
    reason: str,
    expected_version: int,
    user: User,
) -> Recommendation:
    """Mark it a priority, with the reason, or unmark it; the history keeps each change."""
    rules.check(rules.priority_errors(is_priority, reason))
    recommendation.is_priority = is_priority
    recommendation.priority_reason = reason if is_priority else ""
    _save_versioned(recommendation, expected_version=expected_version, user=user)
    return recommendation


@transaction.atomic
def recommendation_close(
    *,
    recommendation: Recommendation,
    meeting: Meeting | None,
    reason: str,
    evidence: str,
    expected_version: int,
    user: User,
) -> Recommendation:
    """Record the committee's decision to close it. Nothing is deleted: it stays on record."""
    if rules.is_closed(recommendation):
        raise AlreadyClosed()
    rules.check(
        rules.committee_decision_errors(
            recommendation, meeting, meeting_field="closed_at_meeting", action="close it",
            required={
                "closed_reason": (reason, "Enter the reason for closing it."),
                "closed_evidence": (evidence, "Enter the evidence the committee relied on."),
            },
        )
    )  # fmt: skip
    recommendation.closed_at_meeting = meeting
    recommendation.closed_reason = reason
    recommendation.closed_evidence = evidence
    # A reopening belongs to the closure before this one: the history keeps it.
    recommendation.reopened_at_meeting = None
    recommendation.reopened_reason = ""
    _save_versioned(recommendation, expected_version=expected_version, user=user)
    return recommendation


@transaction.atomic
def recommendation_reopen(
    *,
    recommendation: Recommendation,
    meeting: Meeting | None,
    reason: str,
    expected_version: int,
    user: User,
) -> Recommendation:
    """Record the committee's decision to reopen it. The closure stays in the history."""
    if not rules.is_closed(recommendation):
        raise NotClosed()
    rules.check(
        rules.committee_decision_errors(
            recommendation, meeting, meeting_field="reopened_at_meeting", action="reopen it",
            required={"reopened_reason": (reason, "Enter the reason for reopening it.")},
        )
    )  # fmt: skip
    recommendation.reopened_at_meeting = meeting
    recommendation.reopened_reason = reason
    recommendation.closed_at_meeting = None
    recommendation.closed_reason = ""
    recommendation.closed_evidence = ""
    _save_versioned(recommendation, expected_version=expected_version, user=user)
    return recommendation


def _download_name(uploaded: str, kind: filetypes.DocumentType) -> str:
    """The uploader's file name, as the download's name: its last part only, without control
    characters, and ending in the extension of what the file really is (a PNG sent as
    "photo.jpg" downloads as "photo.png")."""
    name = PurePath(uploaded.replace("\\", "/")).name
    name = "".join(char for char in name if char.isprintable()).strip(" .") or "document"
    stem, dot, extension = name.rpartition(".")
    if not (dot and stem and extension.isalnum() and len(extension) <= 5):
        stem, extension = name, ""
    if extension.lower() not in filetypes.extensions_of(kind):
        extension = kind.extension
    return f"{stem[:200]}.{extension}"


def attach_document(*, document: SupportingDocument, user: User) -> SupportingDocument:
    """Store ``document.file`` (an upload not yet saved) for the one record the document names.

    The type is read from the file's content, never its name; the file is stored under an
    unguessable name. If the storage refuses the file (``StorageUnavailable``: full disk, object
    store down) or the row cannot be written, nothing is kept: no row, and no stored file."""
    try:
        return _attach_document(document=document, user=user)
    except BaseException:
        _discard_stored_file(document)
        raise


@transaction.atomic
def _attach_document(*, document: SupportingDocument, user: User) -> SupportingDocument:
    rules.check(rules.document_errors(document))
    upload = document.file
    if not upload:
        raise ValidationError({"file": ["Choose a file to attach."]})
    try:
        kind = filetypes.identify(upload, upload.name or "")
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    document.content_type = kind.content_type
    document.size = upload.size
    document.filename = _download_name(upload.name or "", kind)
    if user is not None and user.is_authenticated:
        document.uploaded_by = user
    _validate(document, rules.document_errors)
    _attribute_to(document, user)
    document.save()
    return document


def _discard_stored_file(document: SupportingDocument) -> None:
    """After a failed attach: the file, if it reached the storage, has no row to name it."""
    stored = document.file
    if stored and getattr(stored, "_committed", False) and document.file.name:
        try:
            stored.storage.delete(stored.name)
        except Exception:  # noqa: BLE001 - the original error is the one to report
            logger.exception("Could not remove %s after a failed attach", stored.name)
    document.pk = None


@transaction.atomic
def remove_document(*, document: SupportingDocument, user: User) -> None:
    """The row goes (its history records who removed it) and, once that is committed, the
    file: a document attached by mistake must really be gone (``apps`` removes the file of
    every deleted document, cascades included)."""
    rules.check(rules.document_removal_errors(document))
    _attribute_to(document, user)
    document.delete()


@transaction.atomic
def person_get_or_create(
    *,
    name: str,
    job_title: str = "",
    organisation: str = "",
    authority: Authority | None = None,
    kind: str = Person.Kind.PERSON,
    user: User = None,
) -> Person:
    """The person (or organisation) of that name, job title and organisation within the
    authority, created (checked) if new."""
    existing = Person.objects.filter(
        authority=authority, name=name, job_title=job_title, organisation=organisation
    ).first()
    if existing is not None:
        return existing
    return person_create(
        person=Person(
            authority=authority,
            kind=kind,
            name=name,
            job_title=job_title,
            organisation=organisation,
        ),
        user=user,
    )


@transaction.atomic
def review_delete(*, review: Review, meetings: Iterable[Meeting] = (), user: User) -> None:
    """Delete a review with everything recorded under it, final reports included, and the given
    meetings. No page offers this: it is for records that are themselves disposable (the demo
    data, reloaded by ``load_demo_data --replace``). ``Model.delete()`` collects every row, so
    the history keeps a "deleted" record of each."""
    meetings = list(meetings)
    _attribute_to(review, user)
    review.delete()
    for meeting in meetings:
        _attribute_to(meeting, user)
        meeting.delete()


# Reference data: the authorities, their committees and glossaries, and a response document's
# version table. No versions and no history; the admin edits them as plain records.


@transaction.atomic
def authority_get_or_create(*, slug: str, name: str) -> Authority:
    authority = Authority.objects.filter(slug=slug).first()
    if authority is None:
        authority = Authority(slug=slug, name=name)
        _validate(authority)
        authority.save()
    return authority


@transaction.atomic
def committee_get_or_create(*, authority: Authority, slug: str, name: str) -> Committee:
    committee = Committee.objects.filter(authority=authority, slug=slug).first()
    if committee is None:
        committee = Committee(authority=authority, slug=slug, name=name)
        _validate(committee)
        committee.save()
    return committee


@transaction.atomic
def glossary_term_set(*, authority: Authority, term: str, meaning: str) -> GlossaryTerm:
    """The authority's meaning of ``term``: added, or replaced if it had another."""
    glossary_term = GlossaryTerm.objects.filter(authority=authority, term=term).first()
    if glossary_term is None:
        glossary_term = GlossaryTerm(authority=authority, term=term)
    elif glossary_term.meaning == meaning:
        return glossary_term
    glossary_term.meaning = meaning
    _validate(glossary_term)
    glossary_term.save()
    return glossary_term


@transaction.atomic
def document_version_create(*, document_version: DocumentVersion) -> DocumentVersion:
    _validate(document_version)
    document_version.save()
    return document_version


def reminder_sent_record(
    *, person: Person, recommendation: Recommendation, due_on: dt.date
) -> bool:
    """Record that a reminder went. False if a concurrent run recorded the same one first: the
    unique constraint, not a look beforehand, is what stops a second run sending it again."""
    reminder = ReminderSent(person=person, recommendation=recommendation, due_on=due_on)
    reminder.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            reminder.save()
    except IntegrityError:
        return False
    return True


# Papers as published. The papers came before the tracker and are recorded as they were
# printed: every rule holds (own committee, labels, parts, text bounds, full_clean, a final
# report's lock) except the departures ``rules.PUBLISHED_DEPARTURES`` names, which are recorded
# with their marker. Load a monitoring round as it happened: ``update_report_create``, its
# updates, then ``update_report_finalise`` if the paper is final.


@transaction.atomic
def record_published_recommendation(
    *, recommendation: Recommendation, user: User = None
) -> Recommendation:
    """``recommendation_create`` for a paper: the paper's order is kept (its numbering runs on
    through lettered parts), and no response is started, since the paper prints the one it
    has (record it with ``response_save``); a recommendation split into parts has none of its
    own."""
    _validate(recommendation, rules.recommendation_errors)
    _attribute_to(recommendation, user)
    recommendation.save()
    return recommendation


@transaction.atomic
def record_published_update(*, update: ProgressUpdate, user: User = None) -> ProgressUpdate:
    """``progress_update_create`` for a paper: a departure in ``rules.PUBLISHED_DEPARTURES``
    (a target date changed without a stated reason) is recorded with its marker."""
    return _progress_update_add(update=update, user=user, as_published=True)


@transaction.atomic
def record_published_finalise(
    *, report: UpdateReport, gaps_reason: str = "", user: User = None
) -> UpdateReport:
    """``update_report_finalise`` for a paper that was final: recommendations it printed no
    update for are a departure in ``rules.PUBLISHED_DEPARTURES`` when the paper gives no
    reason (recorded with its marker)."""
    stored = UpdateReport.objects.get(pk=report.pk)
    if not gaps_reason.strip() and selectors.round_gaps(stored):
        gaps_reason = rules.PUBLISHED_DEPARTURES["finalised_with_gaps_reason"].marker
    return update_report_finalise(
        report=stored, expected_version=stored.version, user=user, gaps_reason=gaps_reason
    )


@transaction.atomic
def record_published_finalise_in_bulk(*, reports: Sequence[UpdateReport], user: User = None) -> int:
    """``record_published_finalise`` for many reports at once (the generated scale data):
    each made final, with the published route's marker as its reason when it has gaps
    (``selectors.round_gaps_by_report``, the same rule as ``round_gaps``), its version
    moved on and a change record in its history, in a few queries per 500 reports. Like the
    other bulk routes it sends no history signal: the search documents of the reports'
    updates are rebuilt here. Returns how many were made final."""
    ids = [report.pk for report in reports]
    marker = rules.PUBLISHED_DEPARTURES["finalised_with_gaps_reason"].marker
    now = timezone.now()
    finalised_by = user if user is not None and user.is_authenticated else None
    relations = [field.name for field in UpdateReport._meta.concrete_fields if field.is_relation]
    stored: list[UpdateReport] = []
    for chunk in _chunks(ids):
        batch = list(
            UpdateReport.objects.select_for_update(of=("self",))
            .select_related("review")
            .filter(pk__in=chunk)
            .order_by("pk")
        )
        if len(batch) != len(set(chunk)):
            raise EditConflict(noun=UpdateReport._meta.verbose_name, current_version=None)
        gaps = selectors.round_gaps_by_report(batch)
        for report in batch:
            if report.is_final:
                raise ReportIsFinal(
                    "This update report is already final. Someone may have finalised it."
                )
            report_gaps = gaps[report.pk]
            report.finalised_with_gaps_reason = marker if report_gaps else ""
            report.is_final = True
            report.finalised_at = now
            report.finalised_by = finalised_by
            report.version += 1
            _attribute_to(report, user)
            with _row(len(stored) + 1):
                # ``_validate``'s checks, those of the bulk route (``_check_rows``): the
                # related rows are the database's foreign keys to check, not a query each.
                report.clean_fields(exclude=relations)
                rules.check(rules.markdown_errors(report))
                rules.check(rules.finalise_errors(report, report_gaps))
                report.clean()
            stored.append(report)
    fields = ["finalised_with_gaps_reason", "is_final", "finalised_at", "finalised_by", "version"]
    bulk_update_with_history(stored, UpdateReport, fields, batch_size=500, default_user=user)
    # What is public changes with a final report (``search.note_change`` for one report).
    for chunk in _chunks(ids):
        search.refresh(
            ProgressUpdate.objects.filter(report_id__in=chunk).values_list(
                "recommendation_id", flat=True
            )
        )
    return len(stored)


# The bulk route's rule for each model it takes, besides the checks every row gets. A
# uniqueness rule (a recommendation's label in its review, a lead once per role, a review's
# slug) is the model's unique constraint, checked for the whole batch at once. Meetings are
# not here: which reviews a meeting considered has history of its own, which bulk writes skip;
# record them with ``meeting_create``.
_BULK_RULES: dict[type[models.Model], Callable[[models.Model], rules.Errors] | None] = {
    Person: None,
    Review: rules.review_errors,
    UpdateReport: rules.update_report_errors,
    Recommendation: rules.recommendation_shape_errors,
    Response: None,
    Lead: rules.lead_person_errors,
    ProgressUpdate: None,  # rules.progress_update_errors, given the batch's previous targets
}
_IN_CHUNK = 500  # values per IN (...) list, well within SQLite's limit on parameters


@transaction.atomic
def record_published_in_bulk(
    *, instances: Sequence[M], user: User = None, batch_size: int = 2000
) -> list[M]:
    """``record_published_*`` for thousands of new rows of one model at once (the generated
    scale data). Every row gets the checks the one-row services make (``_check_rows``); the
    rows then go in with ``bulk_create_with_history``, so the history holds a creation record
    for each.

    Update reports go in open, as ``update_report_create`` makes them: finalise each with
    ``update_report_finalise`` once its updates are in. Meetings have their own bulk route,
    ``record_published_meetings_in_bulk``."""
    if not instances:
        return []
    model = type(instances[0])
    if model not in _BULK_RULES or any(type(instance) is not model for instance in instances):
        raise TypeError(f"record_published_in_bulk takes rows of one of {list(_BULK_RULES)}.")
    if model is UpdateReport:
        for report in instances:
            report.is_final = False
    _check_rows(model, instances, _BULK_RULES[model])
    for instance in instances:
        if model is ProgressUpdate and user is not None and user.is_authenticated:
            instance.created_by = user
        _attribute_to(instance, user)
    created = _bulk_create_with_history(
        instances, model, batch_size=batch_size, user=user, reason=_history_reason.get()
    )
    # Bulk writes send no history signal: the search documents are rebuilt here.
    if model is Recommendation:
        search.refresh(instance.pk for instance in created)
    elif model in (Response, Lead, ProgressUpdate):
        search.refresh(instance.recommendation_id for instance in created)
    if model is ProgressUpdate:  # bulk writes send no signal: their standings are kept here
        standing_refresh(recommendations=(instance.recommendation_id for instance in created))
    return created


def _bulk_create_with_history(
    instances: Sequence[M], model: type[M], *, batch_size: int, user: User, reason: str | None
) -> list[M]:
    """django-simple-history's ``bulk_create_with_history``, the history written by the
    database: each new row's creation record (``+``, now, the user if any, ``reason``) is
    copied from the row just written by one ``INSERT ... SELECT`` per 500, instead of a
    historical instance built and sent back row by row (half the generated data's time)."""
    if not connection.features.can_return_rows_from_bulk_insert:  # no ids to copy by
        return bulk_create_with_history(
            instances, model, batch_size=batch_size, default_change_reason=reason
        )
    created = model._default_manager.bulk_create(instances, batch_size=batch_size)
    history = model.history.model
    source = {field.column for field in model._meta.concrete_fields}
    copied = [field.column for field in history._meta.concrete_fields if field.column in source]
    own = {field.column for field in history._meta.concrete_fields} - source
    if own != {"history_id", "history_date", "history_change_reason", "history_type",
               "history_user_id"}:  # fmt: skip
        raise TypeError(f"{history.__name__} has fields this copy does not fill: {own}")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in copied)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = user.pk if user is not None and user.is_authenticated else None
    with connection.cursor() as cursor:
        for chunk in _chunks(instance.pk for instance in created):
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date, "  # noqa: S608 -- names from the models
                f"history_change_reason, history_type, history_user_id) "
                f"SELECT {columns}, %s, %s, '+', %s FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(chunk))}) "
                f"ORDER BY {quote(model._meta.pk.column)}",
                [now, reason, user_id, *chunk],
            )
    return created


@transaction.atomic
def record_published_meetings_in_bulk(
    *, meetings: Sequence[Meeting], reviews: Sequence[Review], user: User = None
) -> list[Meeting]:
    """``meeting_create`` for many meetings, each considering one review (``reviews``, in the
    same order) and so of that review's committee. Each meeting's creation record in the
    history lists the review it considered, as ``meeting_create``'s history comes to, so the
    recommendation's change history shows the review added to the meeting."""
    if len(meetings) != len(reviews):
        raise ValueError("One review per meeting.")
    for meeting, review in zip(meetings, reviews, strict=True):
        meeting.committee = review.committee
        _attribute_to(meeting, user)
    _check_rows(Meeting, meetings, None)
    meetings = bulk_create_with_history(meetings, Meeting)
    # The links and their history are not tracked models themselves: they are the history.
    through = Meeting.reviews.through
    pairs = zip(meetings, reviews, strict=True)
    links = through.objects.bulk_create(
        [through(meeting=meeting, review=review) for meeting, review in pairs]
    )
    created: dict[int, int] = {}
    for chunk in _chunks(meeting.pk for meeting in meetings):
        records = Meeting.history.filter(id__in=chunk, history_type="+")
        created |= dict(records.values_list("id", "history_id"))
    listed = apps.get_model("recommendations", "HistoricalMeeting_reviews")
    listed.objects.bulk_create(
        [
            listed(
                history_id=created[link.meeting_id],
                id=link.pk,
                meeting_id=link.meeting_id,
                review_id=link.review_id,
            )
            for link in links
        ]
    )
    return meetings


def _check_rows(
    model: type[models.Model],
    instances: Sequence[models.Model],
    rule: Callable[[models.Model], rules.Errors] | None,
) -> None:
    """What the one-row services check, for a batch of new rows: each row's fields, Markdown
    bounds, ``rule`` and the model's ``clean()``; uniqueness; for progress updates the previous
    target date and a final report's lock. What needs other rows is looked up once for the
    batch instead of row by row. Related rows must be saved already, and the database's own
    foreign keys and check constraints refuse anything else: any refusal undoes the batch."""
    relations = [field for field in model._meta.concrete_fields if field.is_relation]
    for row, instance in enumerate(instances, start=1):
        with _row(row):
            # A related row's existence is the database's foreign key to check, once per row
            # written rather than one query per row here.
            instance.clean_fields(exclude=[field.name for field in relations])
            missing = [
                field.name
                for field in relations
                if not field.null and getattr(instance, field.attname) is None
            ]
            rules.check({name: ["Select a saved record."] for name in missing})
    if model is ProgressUpdate:
        _refuse_if_any_final([update.report_id for update in instances])
        previous = _previous_targets(instances)
    for index, instance in enumerate(instances):
        with _row(index + 1):
            rules.check(rules.markdown_errors(instance))
            if model is ProgressUpdate:
                rules.check(
                    rules.progress_update_errors(
                        instance, as_published=True, previous=previous[index]
                    )
                )
            elif rule is not None:
                rules.check(rule(instance))
            instance.clean()
    _check_unique_in_bulk(model, instances)


class RowRefused(ValidationError):
    """A row of a batch broke a rule: the messages say "Row N: …", keyed by field as the
    row's own were; ``row`` (from 1) and ``reason`` (the row's own error) let a caller name
    the row its way (an import: the row of the source table)."""

    def __init__(self, row: int, reason: ValidationError) -> None:
        if hasattr(reason, "error_dict"):
            super().__init__(
                {
                    field: [f"Row {row}: {message}" for message in messages]
                    for field, messages in reason.message_dict.items()
                }
            )
        else:
            super().__init__([f"Row {row}: {message}" for message in reason.messages])
        self.row, self.reason = row, reason


@contextmanager
def _row(row: int) -> Iterator[None]:
    """Says which row of a batch a refusal is about, keeping its messages keyed by field."""
    try:
        yield
    except ValidationError as error:
        raise RowRefused(row, error) from error


def _chunks(values: Iterable, size: int = _IN_CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _refuse_if_any_final(report_ids: Iterable[int | None]) -> None:
    for chunk in _chunks({pk for pk in report_ids if pk}):
        if UpdateReport.objects.filter(pk__in=chunk, is_final=True).exists():
            raise RecordLocked(REPORT_FINAL_MESSAGE)


def _previous_targets(updates: Sequence[ProgressUpdate]) -> list[dt.date | None]:
    """What ``rules.previous_target`` would find for each update had the batch been saved one
    at a time in its order: by "as at" date, stored updates before new ones on the same date,
    new ones in the batch's order."""
    timelines: dict[int, list[tuple[tuple, dt.date | None, int | None]]] = defaultdict(list)
    for chunk in _chunks({update.recommendation_id for update in updates}):
        stored = ProgressUpdate.objects.filter(recommendation_id__in=chunk).values_list(
            "recommendation_id", "as_at", "id", "target_date"
        )
        for recommendation_id, as_at, pk, target in stored:
            timelines[recommendation_id].append(((as_at, 0, pk), target, None))
    for index, update in enumerate(updates):
        timelines[update.recommendation_id].append(
            ((update.as_at, 1, index), update.target_date, index)
        )
    previous: list[dt.date | None] = [None] * len(updates)
    for timeline in timelines.values():
        timeline.sort(key=lambda entry: entry[0])
        before = None
        for _, target, index in timeline:
            if index is not None:
                previous[index] = before
            before = target
    return previous


def _check_unique_in_bulk(model: type[models.Model], instances: Sequence[models.Model]) -> None:
    """The model's unique fields and constraints, within the batch and against stored rows."""
    opts = model._meta
    field_sets: list[tuple[tuple[str, ...], Q | None]] = [
        ((field.name,), None) for field in opts.concrete_fields if field.unique
    ]
    field_sets += [(tuple(names), None) for names in opts.unique_together]
    field_sets += [
        (tuple(constraint.fields), constraint.condition)
        for constraint in opts.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields
    ]
    for names, condition in field_sets:
        if names == (opts.pk.name,):
            continue  # new rows: the database numbers them
        attnames = [opts.get_field(name).attname for name in names]
        seen: dict[tuple, int] = {}
        for row, instance in enumerate(instances, start=1):
            key = tuple(getattr(instance, attname) for attname in attnames)
            if None in key:
                continue  # nulls never collide
            if condition is not None and not _condition_holds(condition, instance):
                continue  # e.g. blank labels: the constraint leaves them out
            if key in seen:
                _refuse_duplicate(row, instance, names)
            seen[key] = row
        for chunk in _chunks({key[0] for key in seen}):
            stored = model._default_manager.filter(**{f"{attnames[0]}__in": chunk})
            if condition is not None:
                stored = stored.filter(condition)
            for key in stored.values_list(*attnames):
                if key in seen:
                    _refuse_duplicate(seen[key], instances[seen[key] - 1], names)


def _condition_holds(condition: Q, instance: models.Model) -> bool:
    """Whether a unique constraint's condition holds for an unsaved row, read in Python for
    the exact and isnull lookups conditions here use (anything else asks the database)."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(_condition_holds(child, instance))
            continue
        lookup, expected = child
        name, _, kind = lookup.partition("__")
        value = getattr(instance, instance._meta.get_field(name).attname)
        if kind in ("", "exact"):
            results.append(value == expected)
        elif kind == "isnull":
            results.append((value is None) == expected)
        else:
            fields = {f.name: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
            return condition.check(fields)
    holds = all(results) if condition.connector == Q.AND else any(results)
    return not holds if condition.negated else holds


def _refuse_duplicate(row: int, instance: models.Model, names: tuple[str, ...]) -> None:
    error = instance.unique_error_message(type(instance), names)
    field = names[0] if len(names) == 1 else NON_FIELD_ERRORS
    raise RowRefused(row, ValidationError({field: [error]}))


@transaction.atomic
def committee_verdict_save(
    *, verdict: CommitteeVerdict, expected_version: int | None, user: User
) -> CommitteeVerdict:
    """Record the committee's view of an update (``expected_version`` None: a new one), or
    change it. A new one for an update that has one already (someone else recorded it
    meanwhile, or the same form was posted twice) is an edit conflict, not a second verdict."""
    if user is not None and user.is_authenticated:
        verdict.recorded_by = user
    if expected_version is not None:
        _validate(verdict, rules.verdict_errors)
        _save_versioned(verdict, expected_version=expected_version, user=user)
        return verdict
    theirs = _verdict_version(verdict.update_id)
    if theirs is not None:
        raise EditConflict(noun="committee verdict", current_version=theirs)
    # Someone else's first verdict on the same update can still land after that check: the
    # model's unique check, or on PostgreSQL the unique constraint as the insert waits for
    # their transaction, refuses ours. Either is a conflict to read and resolve, not an error.
    try:
        _validate(verdict, rules.verdict_errors)
    except ValidationError as error:
        if "update" not in getattr(error, "error_dict", {}):
            raise
        raise _verdict_conflict(verdict) from None
    _attribute_to(verdict, user)
    try:
        with transaction.atomic():
            verdict.save()
    except IntegrityError:
        verdict.pk = None
        raise _verdict_conflict(verdict) from None
    return verdict


def _verdict_conflict(verdict: CommitteeVerdict) -> EditConflict:
    return EditConflict(
        noun="committee verdict", current_version=_verdict_version(verdict.update_id)
    )


def _verdict_version(update_id: int | None) -> int | None:
    return (
        CommitteeVerdict.objects.filter(update_id=update_id)
        .values_list("version", flat=True)
        .first()
    )


@transaction.atomic
def committee_verdict_remove(
    *, verdict: CommitteeVerdict, expected_version: int, user: User
) -> None:
    """Take back a verdict recorded by mistake; the history keeps it, and who removed it."""
    current = (
        CommitteeVerdict.objects.select_for_update()
        .filter(pk=verdict.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current != expected_version:
        raise EditConflict(noun="committee verdict", current_version=current)
    _attribute_to(verdict, user)
    verdict.delete()


@dataclass
class VerdictEntry:
    """One row of the meeting's verdict page: a verdict to record or change (at the version the
    editor loaded, None for a new one), or to remove."""

    verdict: CommitteeVerdict
    expected_version: int | None = None
    remove: bool = False


class VerdictsRefused(Exception):
    """At least one row was refused, so nothing was saved. ``errors`` maps each refused row's
    update id to its ``ValidationError`` or ``EditConflict``."""

    def __init__(self, errors: dict[int, Exception]) -> None:
        super().__init__(f"{len(errors)} row(s) refused; nothing was saved.")
        self.errors = errors


@transaction.atomic
def meeting_save_verdicts(
    *, meeting: Meeting, entries: Sequence[VerdictEntry], user: User
) -> list[CommitteeVerdict]:
    """Save the committee's views of a round's updates together, all or nothing, each through
    ``committee_verdict_save`` or ``committee_verdict_remove``. Every row is checked, so the
    editor sees every refusal at once; any refusal undoes the rows saved before it. Returns
    the verdicts recorded or changed (not the removed ones)."""
    errors: dict[int, Exception] = {}
    done: list[tuple[VerdictEntry, int | None, int]] = []
    for entry in entries:
        verdict = entry.verdict
        pk, version = verdict.pk, verdict.version
        try:
            with transaction.atomic():
                if entry.remove:
                    committee_verdict_remove(
                        verdict=verdict, expected_version=entry.expected_version or 0, user=user
                    )
                else:
                    verdict.meeting = meeting
                    committee_verdict_save(
                        verdict=verdict, expected_version=entry.expected_version, user=user
                    )
        except (ValidationError, EditConflict) as error:
            errors[verdict.update_id] = error
        else:
            done.append((entry, pk, version))
    if errors:
        # The transaction is rolled back; make the instances say so too.
        for entry, pk, version in done:
            entry.verdict.pk, entry.verdict.version = pk, version
        raise VerdictsRefused(errors)
    return [entry.verdict for entry, _, _ in done if not entry.remove]


# --- Update requests: leads write their own updates -----------------------------------------
# (recommendations.update_requests sends the emails around these writes.)


def _unique_username(email: str) -> str:
    base = email.strip().lower()[:140]
    name, n = base, 1
    while UserModel.objects.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


@transaction.atomic
def person_link_account(*, person: Person, account: AbstractBaseUser, user: User) -> Person:
    """The person's own account (a lead's): a change to the person, versioned, in its history."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.user_id == account.pk:
        return person
    person.user = account
    person.version += 1
    _attribute_to(person, user)
    person.save()
    return person


@transaction.atomic
def lead_account_create(*, person: Person, user: User) -> AbstractBaseUser:
    """The person's account, made now if they have none: in the Leads group, with no usable
    password until they set one from the link in their invitation."""
    if person.user_id:
        return person.user
    if not person.email:
        raise ValidationError(
            {"email": f"{person.name} has no email address, so cannot be sent a request."}
        )
    # Accounts are Django's auth models, not the scrutiny record (no rules, versions or history
    # of ours); the person's link to the account is in the person's history.
    account = UserModel(username=_unique_username(person.email), email=person.email)
    account.first_name = person.name[:150]
    account.set_unusable_password()
    account.save()
    account.groups.add(Group.objects.get(name=LEADS))
    linked = person_link_account(person=person, account=account, user=user)
    person.user, person.version = account, linked.version
    return account


def _refuse_if_round_final(report_id: int) -> None:
    if UpdateReport.objects.filter(pk=report_id, is_final=True).exists():
        raise RecordLocked("This update report is final, so it takes no more updates or requests.")


@transaction.atomic
def update_requests_record(
    *, report: UpdateReport, due_on: dt.date | None, user: User
) -> tuple[list[tuple[UpdateRequest, list]], list[Person]]:
    """A request to every lead of the round with an email address who has none yet (an account
    made for those without one). Returns the requests made, each with its rows, and the leads
    left out for want of an email address."""
    _refuse_if_round_final(report.pk)
    rules.check(rules.update_request_due_errors(due_on))
    made, without_email = [], []
    existing = set(report.requests.values_list("person_id", flat=True))
    for share in selectors.leads_of_round(report):
        person = share.person
        if person.pk in existing:
            continue
        if not person.email:
            without_email.append(person)
            continue
        lead_account_create(person=person, user=user)
        update_request = UpdateRequest(report=report, person=person, due_on=due_on)
        if user is not None and user.is_authenticated:
            update_request.sent_by = user
        _validate(update_request)
        _attribute_to(update_request, user)
        update_request.save()
        made.append((update_request, share.rows))
    return made, without_email


REQUESTED_UPDATE_SUBMITTED = (
    "This update has been submitted, so it waits for the scrutiny officer: it cannot be changed "
    "unless they return it."
)


@transaction.atomic
def requested_update_save(
    *, answer: RequestedUpdate, expected_version: int | None, submit: bool, user: User
) -> RequestedUpdate:
    """The lead's draft (``submit`` False), or their update submitted for the officer, meeting
    every rule a progress update meets. A returned update stays "returned" while the lead
    edits it, until they submit it again."""
    _refuse_if_round_final(answer.request.report_id)
    stored = RequestedUpdate.objects.filter(pk=answer.pk).values_list("state", flat=True).first()
    if stored is not None and stored not in {
        RequestedUpdate.State.DRAFT,
        RequestedUpdate.State.RETURNED,
    }:
        raise ValidationError(REQUESTED_UPDATE_SUBMITTED)
    if answer.pk is None:
        taken = RequestedUpdate.objects.filter(
            request=answer.request, recommendation=answer.recommendation
        ).values_list("version", flat=True)
        if taken:
            raise EditConflict(noun="update", current_version=taken[0])
    if not answer.recommendation.review.uses_rag:
        answer.rag = ""
    answer.clean_fields()
    rules.check(rules.markdown_errors(answer))
    if submit:
        rules.check(rules.requested_update_errors(answer))
        answer.state = RequestedUpdate.State.SUBMITTED
        answer.submitted_at = dt.datetime.now(dt.UTC)
        if user is not None and user.is_authenticated:
            answer.submitted_by = user
    else:
        answer.state = stored or RequestedUpdate.State.DRAFT
    if user is not None and user.is_authenticated:
        answer.written_by = user
    answer.full_clean()
    if answer.pk is None:
        _attribute_to(answer, user)
        answer.save()
    else:
        _save_versioned(answer, expected_version=expected_version, user=user)
    return answer


def _refuse_unless_submitted(answer: RequestedUpdate, expected_version: int) -> None:
    current = (
        RequestedUpdate.objects.select_for_update()
        .filter(pk=answer.pk)
        .values_list("state", "version")
        .first()
    )
    if current is None or current[1] != expected_version:
        raise EditConflict(noun="update", current_version=current[1] if current else None)
    if current[0] != RequestedUpdate.State.SUBMITTED:
        raise ValidationError("Only a submitted update can be accepted or returned.")


def _decided(answer: RequestedUpdate, state: str, expected_version: int, user: User) -> None:
    answer.state = state
    answer.decided_at = dt.datetime.now(dt.UTC)
    if user is not None and user.is_authenticated:
        answer.decided_by = user
    answer.version = expected_version + 1
    _attribute_to(answer, user)
    answer.save()


@transaction.atomic
def requested_update_accept(
    *, answer: RequestedUpdate, expected_version: int, user: User
) -> ProgressUpdate:
    """The submitted update enters the report as a progress update given by its lead (its
    author), with its documents, through ``progress_update_create`` (every rule applies)."""
    report = answer.request.report
    _refuse_if_round_final(report.pk)
    _refuse_unless_submitted(answer, expected_version)
    if ProgressUpdate.objects.filter(report=report, recommendation=answer.recommendation).exists():
        raise ValidationError(
            f"Recommendation {answer.recommendation.label} already has an update in this "
            "report. Return this one, or change that one from the round's page."
        )
    update = progress_update_create(update=rules.requested_as_update(answer), user=user)
    for document in SupportingDocument.objects.filter(requested_update=answer):
        document.requested_update = None
        document.progress_update = update
        _attribute_to(document, user)
        document.save()
    answer.update = update
    _decided(answer, RequestedUpdate.State.ACCEPTED, expected_version, user)
    return update


@transaction.atomic
def requested_update_return(
    *, answer: RequestedUpdate, comment: str, expected_version: int, user: User
) -> RequestedUpdate:
    """Back to the lead, with what the officer asks them to change."""
    _refuse_if_round_final(answer.request.report_id)
    _refuse_unless_submitted(answer, expected_version)
    if not comment.strip():
        raise ValidationError({"return_comment": "Say what the lead should change."})
    answer.return_comment = comment
    answer.clean_fields()
    rules.check(rules.markdown_errors(answer))
    _decided(answer, RequestedUpdate.State.RETURNED, expected_version, user)
    return answer


@transaction.atomic
def update_request_record_reminder(
    *, update_request: UpdateRequest, overdue: bool, today: dt.date
) -> None:
    """send_update_reminders chases a request once before its due date and once after."""
    update_request = UpdateRequest.objects.select_for_update().get(pk=update_request.pk)
    if overdue:
        update_request.reminded_overdue_on = today
    else:
        update_request.reminded_before_due_on = today
    update_request.version += 1
    update_request.save()


# --- Importing a table (recommendations.importing builds the rows) --------------------------

# Sent inside the import's transaction with ``review``, ``columns`` (the source's (field,
# heading) pairs, in its order), ``report`` (the new update report of a recorded review, else
# None) and ``replace_layout``, so the reports app can make the appendix print in the
# source's own columns; this app never imports it.
table_imported = Signal()

_history_reason: ContextVar[str | None] = ContextVar("history_reason", default=None)


@receiver(pre_create_historical_record)
def _give_history_its_reason(sender, history_instance, **kwargs) -> None:
    reason = _history_reason.get()
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason


@contextmanager
def _history_reason_is(reason: str) -> Iterator[None]:
    token = _history_reason.set(reason[:100])
    try:
        yield
    finally:
        _history_reason.reset(token)


@dataclass
class ImportedLead:
    name: str
    job_title: str
    role: str


@dataclass
class ImportedRow:
    """One row of an imported table, as it will be saved. ``decision``, ``response`` and
    ``status`` are None when the table has no such column (a blank status cell keeps the
    latest update's); the wordings are the paper's words when they differ from ours;
    ``errors`` say why the row cannot be saved."""

    number: int  # the row's number in the source table (the heading row is 1, or more)
    # A table of several reviews: the review the row is from, as the table names it, and
    # the committee that review is from (blank: the import's).
    review: str = ""
    committee: str = ""
    label: str = ""
    text: str = ""
    parent_label: str = ""
    decision: str | None = None
    decision_wording: str = ""
    response: str | None = None
    timetable: str = ""
    timetable_date: dt.date | None = None
    timetable_precision: str = DatePrecision.DAY
    leads: list[ImportedLead] = field(default_factory=list)
    update: str = ""
    status: str | None = None
    status_wording: str = ""
    rag: str = ""
    timescale: str = ""
    errors: list[str] = field(default_factory=list)
    # Filled in by an import into an existing review.
    matched: Recommendation | None = None

    @property
    def decision_label(self) -> str:
        return dict(Response.Decision.choices).get(self.decision or "", "")

    @property
    def status_label(self) -> str:
        """Ours for the status, and the RAG rating."""
        rag = dict(RagRating.choices).get(self.rag, "")
        rag = f"RAG: {rag}" if rag else ""
        if rag and self.status == ProgressUpdate.Status.NOT_STATED:
            return rag
        status = dict(ProgressUpdate.Status.choices).get(self.status or "", "")
        return ", ".join(part for part in (status, rag) if part)


@dataclass
class ImportResult:
    review: Review  # the first, when the table held several
    report: UpdateReport | None
    recommendations: int = 0
    updates: int = 0
    unmatched: list[ImportedRow] = field(default_factory=list)
    # A table of several reviews: each review imported into, in the table's order.
    reviews: list[Review] = field(default_factory=list)


class ImportRefused(Exception):
    """Rows with errors: nothing was saved. ``errors`` maps the row's number to its messages."""

    def __init__(self, errors: dict[int, list[str]]) -> None:
        super().__init__(
            "; ".join(f"row {number}: {' '.join(messages)}" for number, messages in errors.items())
        )
        self.errors = errors


def _row_refused(row: ImportedRow, error: ValidationError) -> ImportRefused:
    return ImportRefused({row.number: error.messages})


@transaction.atomic
def import_table(
    *,
    rows: Sequence[ImportedRow],
    review: Review,
    report: UpdateReport | None,
    columns: Sequence[tuple[str, str]],
    file_name: str,
    content: bytes,
    user: User,
    replace_layout: bool = False,
) -> ImportResult:
    """Save an imported table, all or nothing, each row through the services' rules, the
    history saying "imported from <file name>", the file kept as a supporting document.
    ``table_imported`` makes the appendix print in the source's columns (``replace_layout``:
    a recorded review's too, rather than only the new update report; see
    ``reports.importing.apply_imported_layout``).

    ``review`` unsaved: a new review holding every row (a response per row, its leads, and
    the update text as an update in ``report``). ``review`` saved: a new update report
    (``report``) of it, rows matched by label (or, unnumbered, by text); only rows whose
    update, status or timescale differ from the latest update become new updates, and the
    rows matching nothing are returned in ``unmatched``."""
    refused = {row.number: row.errors for row in rows if row.errors}
    if refused:
        raise ImportRefused(refused)
    if any(row.review for row in rows):
        return _import_several_reviews(
            rows=rows, review=review, report=report, columns=columns, file_name=file_name,
            content=content, user=user, replace_layout=replace_layout,
        )  # fmt: skip
    is_new = review.pk is None
    # Each search document built once, when every row is in.
    with _history_reason_is(f"imported from {PurePath(file_name).name}"), search.deferred():
        if is_new:
            result = _import_new_review(rows, review, report, user)
        else:
            result = _import_update_report(rows, review, report, user)
        if is_new or result.report is not None:
            table_imported.send(
                sender=Review,
                review=result.review,
                columns=list(columns),
                report=None if is_new else result.report,
                replace_layout=replace_layout,
            )
        if not result.recommendations and not result.updates:
            raise ImportRefused({0: ["Nothing to import: no row differs from what is recorded."]})
        attach_document(
            document=SupportingDocument(
                review=result.review if is_new else None,
                update_report=None if is_new else result.report,
                title=f"Imported table: {PurePath(file_name).name}"[:SHORT_TEXT_MAX],
                file=SimpleUploadedFile(PurePath(file_name).name or "table", content),
            ),
            user=user,
        )
    return result


@transaction.atomic
def import_table_at_meeting(
    *,
    meeting_date: dt.date | None,
    agenda_item: str,
    review: Review,
    meeting_precision: str = DatePrecision.DAY,
    report: UpdateReport | None,
    user: User,
    upload: str = "",
    **kwargs,
) -> ImportResult:
    """``import_table`` of a table whose header names the meeting it went to: a new review is
    reported on that date (a month or a year too); a new update report of a review is
    presented at its committee's meeting that day, recorded now (``agenda_item``: the minute,
    or the report's title) if the tracker has none. All or nothing, the meeting included.
    ``upload`` (the upload page's token) is saved once: a second save of it raises
    ``imported_uploads.AlreadyImported``, having written nothing."""
    claimed = imported_uploads.claim(upload=upload, user=user) if upload else None
    if meeting_date is not None and review.pk is None:
        review.reported_on, review.reported_precision = meeting_date, meeting_precision
    elif meeting_date is not None and report is not None and meeting_precision == "day":
        meeting = (
            Meeting.objects.filter(committee_id=review.committee_id, date=meeting_date)
            .order_by("pk")
            .first()
        )
        if meeting is None:
            try:
                meeting = meeting_create(
                    meeting=Meeting(
                        date=meeting_date,
                        agenda_item=(agenda_item.strip() or report.title)[:SHORT_TEXT_MAX],
                    ),
                    review=review,
                    user=user,
                )
            except ValidationError as error:
                raise ImportRefused({0: error.messages}) from None
        report.meeting = meeting
    result = import_table(review=review, report=report, user=user, **kwargs)
    if claimed is not None:
        imported_uploads.record(
            claimed, file_name=kwargs["file_name"], review=result.review,
            reviews=len(result.reviews) or 1,
        )  # fmt: skip
    return result


def _import_several_reviews(
    *,
    rows: Sequence[ImportedRow],
    review: Review,
    report: UpdateReport | None,
    columns: Sequence[tuple[str, str]],
    file_name: str,
    content: bytes,
    user: User,
    replace_layout: bool = False,
) -> ImportResult:
    """A table of several reviews (a council-wide tracker, a committee's progress annex):
    each review the table names, by title among the authority's reviews, gets a new update
    report of its rows; the others are new reviews of ``review``'s committee. Each group is
    imported as a table of its own would be, in the caller's transaction: all or nothing."""
    committee = review.committee
    groups: dict[str, list[ImportedRow]] = {}
    for row in rows:
        groups.setdefault(row.review, []).append(row)
    existing = {
        found.title.casefold(): found
        for found in Review.objects.filter(
            committee__authority_id=committee.authority_id, title__in=list(groups)
        ).order_by("-pk")
    }
    total: ImportResult | None = None
    for name, group in groups.items():
        target = existing.get(name.casefold())
        if target is None:
            # A new review is of the committee its rows name, the authority's of that name
            # (made if it has none), or else the import's.
            named = next((row.committee for row in group if row.committee), "")
            group_committee = committee
            if named:
                try:
                    group_committee = committee_find_or_create(
                        committee=Committee(authority_id=committee.authority_id, name=named),
                        user=user,
                    )
                except ValidationError as error:
                    raise ImportRefused({0: [f"{named}: {m}" for m in error.messages]}) from None
            target = Review(committee=group_committee, title=name, status=review.status)
        group_report = None
        if report is not None:
            group_report = UpdateReport(
                title=report.title, as_at=report.as_at, as_at_precision=report.as_at_precision
            )
        try:
            result = import_table(
                rows=[replace(row, review="") for row in group], review=target,
                report=group_report, columns=columns, file_name=file_name, content=content,
                user=user, replace_layout=replace_layout,
            )  # fmt: skip
        except ImportRefused as refused:
            if set(refused.errors) == {0}:  # about the review as a whole: say which
                raise ImportRefused(
                    {0: [f"{name}: {message}" for message in refused.errors[0]]}
                ) from None
            raise
        if total is None:
            total = result
        else:
            total.recommendations += result.recommendations
            total.updates += result.updates
            total.unmatched += result.unmatched
        total.reviews.append(result.review)
    if total is None:
        raise ImportRefused({0: ["Nothing to import: the table has no rows."]})
    return total


def _import_new_review(
    rows: Sequence[ImportedRow], review: Review, report: UpdateReport | None, user: User
) -> ImportResult:
    """A new review of every row: the review and its update report one at a time, then the
    rows model by model through the bulk route (``record_published_in_bulk``), each with the
    checks ``record_published_recommendation``, ``response_save``, ``lead_add`` and
    ``record_published_update`` make, so the queries do not grow with the rows."""
    try:
        review_create(review=review, user=user)
    except ValidationError as error:
        raise ImportRefused({0: error.messages}) from None
    result = ImportResult(review=review, report=None)
    if report is not None and any(row.update.strip() for row in rows):
        report.review = review
        try:
            result.report = update_report_create(report=report, user=user)
        except ValidationError as error:
            raise ImportRefused({0: error.messages}) from None
    recommendations = _import_recommendations(rows, review, user)
    parents = {row.parent_label for row in rows if row.parent_label}
    responses = [
        (row, response)
        for row, recommendation in zip(rows, recommendations, strict=True)
        if (response := _imported_response(recommendation, row, parents)) is not None
    ]
    _bulk_rows(responses, user)
    _import_leads(rows, recommendations, user)
    if result.report is not None:
        updates = [
            (row, _imported_update(rec, row, result.report))
            for row, rec in zip(rows, recommendations, strict=True)
            if row.update.strip()
        ]
        _bulk_rows(updates, user)
        result.updates = len(updates)
    result.recommendations = len(recommendations)
    return result


def _bulk_rows(pairs: Sequence[tuple[ImportedRow, M]], user: User) -> list[M]:
    """``record_published_in_bulk`` of one model's new rows, each from a row of the table: a
    refusal names the table's row."""
    try:
        return record_published_in_bulk(instances=[instance for _, instance in pairs], user=user)
    except RowRefused as refused:
        raise _row_refused(pairs[refused.row - 1][0], refused.reason) from None


def _import_recommendations(
    rows: Sequence[ImportedRow], review: Review, user: User
) -> list[Recommendation]:
    """The rows' recommendations in the table's order, a part in the recommendation an
    earlier row labels as its parent. Parents go in before their parts (a part needs its
    parent's id): a batch per level, and a part of a part is refused by the rules."""
    recommendations = [
        Recommendation(review=review, label=row.label, order=order, text=row.text)
        for order, row in enumerate(rows, start=1)
    ]
    labelled: dict[str, int] = {}
    parent_of: dict[int, int] = {}  # a part's index: its parent's
    for index, row in enumerate(rows):
        if row.parent_label and row.parent_label in labelled:
            parent_of[index] = labelled[row.parent_label]
        if row.label:
            labelled[row.label] = index
    saved: set[int] = set()
    while len(saved) < len(rows):
        batch = [
            index
            for index in range(len(rows))
            if index not in saved and (index not in parent_of or parent_of[index] in saved)
        ]
        for index in batch:
            if index in parent_of:
                recommendations[index].parent = recommendations[parent_of[index]]
        _bulk_rows([(rows[index], recommendations[index]) for index in batch], user)
        saved |= set(batch)
    return recommendations


def _import_leads(
    rows: Sequence[ImportedRow], recommendations: Sequence[Recommendation], user: User
) -> None:
    """Each row's leads, as ``lead_add`` adds them one by one (a person named twice in the
    same role once); each person looked up, or added, once for the whole table."""
    named = [
        (row, recommendation, lead)
        for row, recommendation in zip(rows, recommendations, strict=True)
        for lead in row.leads
    ]
    if not named:
        return
    authority_id = recommendations[0].review.committee.authority_id
    try:
        people = people_find_or_create_in_bulk(
            people=[
                Person(name=lead.name, job_title=lead.job_title, authority_id=authority_id)
                for _, _, lead in named
            ],
            authority_id=authority_id,
            user=user,
        )
    except RowRefused as refused:
        raise _row_refused(named[refused.row - 1][0], refused.reason) from None
    leads, seen = [], set()
    orders: Counter[int] = Counter()
    for (row, recommendation, lead), person in zip(named, people, strict=True):
        key = (recommendation.pk, person.pk, lead.role)
        if key in seen:
            continue
        seen.add(key)
        orders[recommendation.pk] += 1
        leads.append(
            (
                row,
                Lead(
                    recommendation=recommendation,
                    person=person,
                    role=lead.role,
                    order=orders[recommendation.pk],
                ),
            )
        )
    _bulk_rows(leads, user)


def _imported_response(
    recommendation: Recommendation, row: ImportedRow, parents: set[str]
) -> Response | None:
    """The response a row records: none for a recommendation in lettered parts whose own
    decision, response and timetable are blank (its parts carry them)."""
    has_response = row.decision is not None or row.response or row.timetable
    if not has_response and row.label in parents:
        return None
    default = Response.Decision.NOT_STATED if has_response else Response.Decision.AWAITING
    return Response(
        recommendation=recommendation,
        decision=row.decision or default,
        decision_wording=row.decision_wording,
        text=row.response or "",
        timetable=row.timetable,
        timetable_date=row.timetable_date,
        timetable_precision=row.timetable_precision,
    )


def _imported_update(
    recommendation: Recommendation, row: ImportedRow, report: UpdateReport
) -> ProgressUpdate:
    return ProgressUpdate(
        recommendation=recommendation,
        report=report,
        as_at=report.as_at or timezone.localdate(),
        as_at_precision=report.as_at_precision if report.as_at else DatePrecision.DAY,
        text=row.update.strip(),
        status=row.status or ProgressUpdate.Status.NOT_STATED,
        status_wording=row.status_wording,
        rag=row.rag,
        timescale=row.timescale,
    )


def _words(text: str) -> str:
    # A spreadsheet may wrap or split a long cell where the paper had none: the words decide.
    return " ".join(text.split())


def _changed_rows(
    rows: Sequence[ImportedRow], review: Review, result: ImportResult
) -> list[tuple[Recommendation, ImportedRow]]:
    """The rows of an update report that match a recommendation of ``review`` (by label, or by
    text when it has none) and say something new: their words, status or timescale differ
    from its latest update. Rows matching none go in ``result.unmatched``."""
    from recommendations.markdown import markdown_to_text  # noqa: PLC0415

    recommendations = list(review.recommendations.all())
    by_label = {rec.label: rec for rec in recommendations if rec.label}
    by_text = {markdown_to_text(rec.text): rec for rec in recommendations if not rec.label}
    latest: dict[int, ProgressUpdate] = {}
    for update in ProgressUpdate.objects.filter(recommendation__review=review).order_by(
        "as_at", "created_at", "pk"
    ):
        latest[update.recommendation_id] = update
    changed: list[tuple[Recommendation, ImportedRow]] = []
    for row in rows:
        rec = by_label.get(row.label) if row.label else by_text.get(markdown_to_text(row.text))
        if rec is None:
            result.unmatched.append(row)
            continue
        row.matched = rec
        before = latest.get(rec.pk) or ProgressUpdate(
            text="", status=ProgressUpdate.Status.NOT_STATED
        )
        old = (before.status, before.rag, before.status_wording)
        new = old if row.status is None else (row.status, row.rag, row.status_wording)
        if row.update.strip() and (
            (_words(markdown_to_text(row.update)), *new, row.timescale)
            != (_words(markdown_to_text(before.text)), *old, before.timescale)
        ):
            row.status, row.rag, row.status_wording = new
            changed.append((rec, row))
    return changed


def _import_update_report(
    rows: Sequence[ImportedRow], review: Review, report: UpdateReport | None, user: User
) -> ImportResult:
    result = ImportResult(review=review, report=None)
    changed = _changed_rows(rows, review, result)
    if not changed:
        return result
    if report is None:
        raise ImportRefused({0: ["Name the update report the rows go into."]})
    report.review = review
    try:
        result.report = update_report_create(report=report, user=user)
    except ValidationError as error:
        raise ImportRefused({0: error.messages}) from None
    _bulk_rows([(row, _imported_update(rec, row, result.report)) for rec, row in changed], user)
    result.updates = len(changed)
    return result
