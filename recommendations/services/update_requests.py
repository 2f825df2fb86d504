"""Update requests: leads write their own updates. The lead's account, a round's requests,
the lead's draft or submitted update, and the officer's decision: accepted (it becomes a progress
update) or returned. (``recommendations.update_requests`` sends the emails around these writes.)"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.models import User as UserModel
from django.core.exceptions import ValidationError
from django.db import transaction

from recommendations import rules, selectors
from recommendations.models import (
    Person,
    ProgressUpdate,
    RequestedUpdate,
    SupportingDocument,
    UpdateReport,
    UpdateRequest,
)
from recommendations.roles import LEADS
from recommendations.services._common import User, _attribute_to, _save_versioned, _validate
from recommendations.services.errors import EditConflict, RecordLocked
from recommendations.services.updates import progress_update_create


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
