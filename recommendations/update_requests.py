"""Update requests: leads write their own updates, officers accept or return them.

An officer opens a round (an update report) and sends each lead one request (``send``): one
email listing the recommendations they lead, the due date and a link to the request page. A
lead without an account gets one, in the Leads group, and the same email carries a one-time
link to set its password (Django's password-reset token: it stops working once the password
is set, or after ``PASSWORD_RESET_TIMEOUT``). On the request page the lead drafts and submits
an update per recommendation (``services.requested_update_save``); an officer accepts it, and
only then does it become a progress update in the report, given by that lead
(``services.requested_update_accept``), or returns it with a comment (``return_answer``),
which emails the lead.

This module reads and sends emails; every write is ``services``'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from recommendations import selectors, services
from recommendations.models import Person, RequestedUpdate, UpdateReport, UpdateRequest

User = services.User

State = RequestedUpdate.State
NOT_STARTED = "not_started"
NOT_EDITABLE = services.REQUESTED_UPDATE_SUBMITTED
STATE_LABELS = {NOT_STARTED: "Not started", **dict(State.choices)}


def _date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


# --- Accounts and emails -------------------------------------------------------------------


def invitation_link(user: AbstractBaseUser) -> str:
    """Django's password-reset token as a one-time link to set a first password: it stops
    working once a password is set (the token hashes the password) or when it times out."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("lead_invitation", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL + path


def _send(subject: str, lines: list[str], to: str) -> None:
    EmailMessage(subject, "\n".join(lines), to=[to]).send()


def request_email(update_request: UpdateRequest, rows: list[selectors.RoundRow]) -> None:
    """The one email a lead gets for a round: their recommendations, the due date, the link;
    and, while they have not set a password, the link to set one."""
    person, report = update_request.person, update_request.report
    lines = [
        f"Dear {person.name},",
        "",
        f"Please send your progress updates for “{report.title}” ({report.review.title}) "
        f"by {_date(update_request.due_on)}.",
        "",
        "The recommendations you lead:",
        "",
    ]
    for row in rows:
        first_line = (
            row.recommendation.text.strip().splitlines()[0] if row.recommendation.text else ""
        )
        lines.append(f"- Recommendation {row.recommendation.label}: {first_line[:120]}")
    lines += [
        "",
        "Write, save and submit your updates here:",
        settings.SITE_URL + update_request.get_absolute_url(),
    ]
    account = person.user
    if account is not None and not account.has_usable_password():
        lines += [
            "",
            f"You have an account to sign in with. Your username is {account.username}. "
            "First set your password with this link (it works once, for "
            f"{settings.PASSWORD_RESET_TIMEOUT // 86400} days):",
            invitation_link(account),
            "If it has expired, ask the scrutiny officer to send the request again.",
        ]
    lines += ["", "Scrutiny Tracker"]
    _send(
        f"Update request: {report.review.title}, due {_date(update_request.due_on)}",
        lines,
        person.email,
    )


def _returned_email(answer: RequestedUpdate) -> None:
    update_request = answer.request
    person = update_request.person
    lines = [
        f"Dear {person.name},",
        "",
        f"Your update on recommendation {answer.recommendation.label} of "
        f"{update_request.report.review.title} has been returned to you by the scrutiny "
        "officer, who says:",
        "",
        *[f"  {line}" for line in answer.return_comment.splitlines()],
        "",
        "Please edit it and submit it again:",
        settings.SITE_URL + update_request.get_absolute_url(),
        "",
        "Scrutiny Tracker",
    ]
    _send(
        f"Update returned: {update_request.report.review.title}, "
        f"recommendation {answer.recommendation.label}",
        lines,
        person.email,
    )


# --- Sending requests -----------------------------------------------------------------------


@dataclass
class Sent:
    requests: list[UpdateRequest]
    without_email: list[Person]


def send(*, report: UpdateReport, due_on: dt.date | None, user: User) -> Sent:
    """A request to every lead of the round with an email address who has none yet; one email
    each, sent once the requests are recorded."""
    made, without_email = services.update_requests_record(report=report, due_on=due_on, user=user)
    for update_request, rows in made:
        request_email(update_request, rows)
    return Sent([update_request for update_request, _ in made], without_email)


def send_again(*, update_request: UpdateRequest) -> None:
    """The same request emailed again, with a fresh password link if none is set yet."""
    if update_request.report.is_final:
        raise services.RecordLocked(services.REPORT_FINAL_MESSAGE)
    request_email(update_request, selectors.rows_for_request(update_request))


def return_answer(
    *, answer: RequestedUpdate, comment: str, expected_version: int, user: User
) -> RequestedUpdate:
    """Back to the lead with the officer's comment, emailed to them once recorded."""
    answer = services.requested_update_return(
        answer=answer, comment=comment, expected_version=expected_version, user=user
    )
    _returned_email(answer)
    return answer


# --- Reading a round's requests -------------------------------------------------------------


@dataclass
class RequestRow:
    """One recommendation of a lead's request, with where the lead's answer stands."""

    row: selectors.RoundRow
    answer: RequestedUpdate | None

    @property
    def state(self) -> str:
        return self.answer.state if self.answer else NOT_STARTED

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def request_rows(update_request: UpdateRequest) -> list[RequestRow]:
    answers = {
        answer.recommendation_id: answer
        for answer in update_request.answers.prefetch_related("documents")
    }
    return [
        RequestRow(row, answers.get(row.recommendation.pk))
        for row in selectors.rows_for_request(update_request)
    ]


@dataclass
class LeadSummary:
    person: Person
    update_request: UpdateRequest | None
    rows: list[RequestRow]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATE_LABELS, 0)
        for row in self.rows:
            counts[row.state] += 1
        return counts


def round_overview(report: UpdateReport) -> list[LeadSummary]:
    """Per lead, their request (if sent) and the state of each recommendation they lead."""
    requests = {r.person_id: r for r in report.requests.select_related("person")}
    answers: dict[tuple[int, int], RequestedUpdate] = {
        (answer.request_id, answer.recommendation_id): answer
        for answer in RequestedUpdate.objects.filter(request__report=report)
    }
    summaries = []
    for share in selectors.leads_of_round(report):
        update_request = requests.get(share.person.pk)
        rows = [
            RequestRow(
                row,
                answers.get((update_request.pk, row.recommendation.pk)) if update_request else None,
            )
            for row in share.rows
        ]
        summaries.append(LeadSummary(share.person, update_request, rows))
    return summaries


# --- Reminders (send_update_reminders) ------------------------------------------------------


@dataclass
class Chase:
    update_request: UpdateRequest
    outstanding: list[RequestRow]
    overdue: bool


def chases_due(days: int, today: dt.date) -> list[Chase]:
    """Requests of rounds not yet final with recommendations not yet submitted or accepted:
    once when the due date is within ``days``, once after it has passed."""
    chases = []
    open_requests = UpdateRequest.objects.filter(report__is_final=False).select_related(
        "person", "report__review"
    )
    for update_request in open_requests.order_by("due_on", "pk"):
        overdue = today > update_request.due_on
        if overdue and update_request.reminded_overdue_on:
            continue
        if not overdue and (
            update_request.reminded_before_due_on
            or update_request.due_on > today + dt.timedelta(days=days)
        ):
            continue
        outstanding = [
            row
            for row in request_rows(update_request)
            if row.state not in {State.SUBMITTED, State.ACCEPTED}
        ]
        if outstanding and update_request.person.email:
            chases.append(Chase(update_request, outstanding, overdue))
    return chases


def open_request_pairs() -> set[tuple[int, int]]:
    """(person, recommendation) pairs an open request covers: its reminders are the request's,
    so the general reminder leaves them out."""
    pairs = set()
    for update_request in UpdateRequest.objects.filter(report__is_final=False).select_related(
        "report__review", "person"
    ):
        for row in selectors.rows_for_request(update_request):
            pairs.add((update_request.person_id, row.recommendation.pk))
    return pairs


def record_chase(*, chase: Chase, today: dt.date) -> None:
    services.update_request_record_reminder(
        update_request=chase.update_request, overdue=chase.overdue, today=today
    )
