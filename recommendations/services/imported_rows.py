"""An imported table's rows, as ``recommendations.importing`` builds them (``ImportedRow``,
``ImportedLead``), and what an import returns (``ImportResult``) or refuses (``ImportRefused``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from recommendations.models import (
    DatePrecision,
    ProgressUpdate,
    RagRating,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)


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
