"""An update report's page: its entries, and when it was made final or reopened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from recommendations.models import ProgressUpdate, Recommendation, UpdateReport
from recommendations.selectors.common import _history
from recommendations.selectors.rounds import round_rows


@dataclass
class ReportEntry:
    """One recommendation on an update report's page: its updates in the report (newest
    first) or, with none, ``earlier``, its latest earlier update, shown marked "No new update
    this round". ``counted``: it carries its own decision, so it is expected in every round."""

    recommendation: Recommendation
    updates: list[ProgressUpdate]
    earlier: ProgressUpdate | None
    counted: bool


def report_entries(report) -> list[ReportEntry]:
    """Every recommendation of the round (``round_rows``), in the appendix's order, with the
    report's updates; a parent whose parts carry the decisions is listed before its parts when
    the report has an update of its own for it.

    Queries: ``round_rows``' two; the report's updates."""
    rows = round_rows(report)
    in_report: dict[int, list[ProgressUpdate]] = {}
    for update in report.updates.select_related(
        "recommendation", "corrects", "verdict__meeting", "author"
    ).order_by("-as_at", "-id"):
        in_report.setdefault(update.recommendation_id, []).append(update)
    entries = []
    for row in rows:
        rec = row.recommendation
        parent_updates = in_report.pop(rec.parent_id, None) if rec.parent_id else None
        if parent_updates:
            entries.append(
                ReportEntry(parent_updates[0].recommendation, parent_updates, None, False)
            )
        updates = in_report.pop(rec.pk, [])
        entries.append(ReportEntry(rec, updates, None if updates else row.previous, True))
    # Anything else in the report (a recommendation the round does not count) stays listed.
    for updates in in_report.values():
        entries.append(ReportEntry(updates[0].recommendation, updates, None, False))
    return entries


@dataclass
class ReportEvent:
    when: dt.datetime
    who: str
    kind: str  # "finalised" or "reopened"
    reason: str = ""  # why it was final without every update, or why it was reopened


def _user_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def report_events(report) -> list[ReportEvent]:
    """Each time the report was made final or reopened, oldest first, from its history (the
    report itself keeps only the latest). One query."""
    events = []
    was_final = False
    for record in _history(UpdateReport, id=report.pk):
        if record.is_final and not was_final:
            events.append(
                ReportEvent(
                    record.history_date,
                    _user_name(record.history_user),
                    "finalised",
                    record.finalised_with_gaps_reason,
                )
            )
        elif was_final and not record.is_final and record.history_type != "-":
            events.append(
                ReportEvent(
                    record.history_date,
                    _user_name(record.history_user),
                    "reopened",
                    record.reopened_reason,
                )
            )
        was_final = record.is_final
    return events
