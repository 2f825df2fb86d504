"""The published meaning of every label the tracker shows, in words.

Shown beside the charts and on the "What the labels mean" page, so that no label is a
silent derived judgement.
"""

from __future__ import annotations

from dataclasses import dataclass

from recommendations.models import (
    CommitteeVerdict,
    OverdueOverride,
    ProgressUpdate,
    RagRating,
    Response,
)


@dataclass(frozen=True)
class Meaning:
    key: str
    label: str
    meaning: str


STATUSES = [
    Meaning(
        ProgressUpdate.Status.IMPLEMENTED,
        "Implemented",
        "The action the response promised has been done, as the latest update reports.",
    ),
    Meaning(
        ProgressUpdate.Status.IN_PROGRESS,
        "In progress",
        "Work has started but is not finished; the latest update says what is still to do.",
    ),
    Meaning(
        ProgressUpdate.Status.NOT_STARTED,
        "Not started",
        "The recommendation was accepted but no work on it has begun yet.",
    ),
    Meaning(
        ProgressUpdate.Status.NOT_IMPLEMENTED,
        "Not implemented",
        "The executive has decided not to carry it out, or it can no longer be carried out.",
    ),
    Meaning(
        ProgressUpdate.Status.SUPERSEDED,
        "Superseded",
        "Overtaken by later events, policy or another recommendation; no further action here.",
    ),
    Meaning(
        ProgressUpdate.Status.NOT_STATED,
        "Status not stated",
        "The progress updates describe the work without saying how far it has got. An update "
        "that states no status leaves the status an earlier update gave; it never makes a "
        "recommendation overdue.",
    ),
    Meaning(
        "none",
        "No update yet",
        "No progress update has been recorded since the response.",
    ),
]

DECISIONS = [
    Meaning(
        Response.Decision.AGREED,
        "Agreed",
        "The executive accepted the recommendation in full and said what it would do.",
    ),
    Meaning(
        Response.Decision.PARTLY_AGREED,
        "Partly agreed",
        "The executive accepted some of the recommendation; the response says which part.",
    ),
    Meaning(
        Response.Decision.NOT_AGREED,
        "Not agreed",
        "The executive rejected the recommendation; the response gives its reasons.",
    ),
    Meaning(
        Response.Decision.NOTED,
        "Noted",
        "The executive acknowledged the recommendation without accepting or rejecting it.",
    ),
    Meaning(
        Response.Decision.NOT_STATED,
        "Not stated",
        "The response document does not record a decision for this recommendation.",
    ),
    Meaning(
        Response.Decision.AWAITING,
        "Awaiting response",
        "The executive has not yet responded. Responses are due a set number of months "
        "(usually two) after the review reports; after that they are named as overdue.",
    ),
]

RAG = [
    Meaning(RagRating.RED, "Red", "Off track: the target will be missed without intervention."),
    Meaning(RagRating.AMBER, "Amber", "At risk: some slippage, with a plan to recover."),
    Meaning(RagRating.GREEN, "Green", "On track to be delivered by its target date."),
]

VERDICTS = [
    Meaning(
        CommitteeVerdict.Verdict.SATISFIED,
        "Satisfied",
        "The committee, considering the update at a meeting, is satisfied: the recommendation "
        "can be closed or its monitoring stopped (closing is recorded as its own decision).",
    ),
    Meaning(
        CommitteeVerdict.Verdict.ACCEPTABLE,
        "Acceptable progress",
        "The committee accepts the progress reported and keeps monitoring.",
    ),
    Meaning(
        CommitteeVerdict.Verdict.NOT_SATISFIED,
        "Not satisfied",
        "The committee is not satisfied with the update, whatever status the executive "
        "reports, and says what it asks for (a fuller update, the lead officer to attend).",
    ),
]

DISPUTED = Meaning(
    "disputed",
    "Executive says implemented, committee not satisfied",
    "The latest progress update reports the recommendation implemented, and the committee, "
    "considering that update, was not satisfied.",
)

OVERDUE = Meaning(
    "overdue",
    "Overdue",
    "The target date in the latest progress update, plus the review's grace period (shown on "
    "the review), has passed and the latest stated status is neither implemented nor "
    "superseded; a recommendation no update gives a status is never overdue, and neither is "
    "a response's own timetable a target. A "
    "scrutiny officer can override the label, with a reason that is shown wherever the label "
    "is; a recommendation the committee has closed is never overdue.",
)

OVERRIDES = dict(OverdueOverride.choices)

CLOSED = Meaning(
    "closed",
    "Closed",
    "The committee decided, at a recorded meeting, that it needs no further monitoring. Closed "
    "recommendations stay on the record with the reason and the evidence.",
)

COUNTING = (
    "Figures count each recommendation that carries its own decision: a recommendation "
    "without parts, or each lettered part (2a, 2b) of one that has them. The parent of parts "
    "is not counted itself."
)
