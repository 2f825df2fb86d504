"""Update requests: each lead's share of a round, and the rows a request covers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from recommendations.models import Lead, Person, Recommendation, UpdateRequest
from recommendations.selectors.rounds import RoundRow, round_rows


@dataclass
class LeadRows:
    """One lead's share of a round: the rows (recommendations that carry their own decision)
    they lead, each with the update before it."""

    person: Person
    rows: list[RoundRow] = field(default_factory=list)


def leads_of_round(report) -> list[LeadRows]:
    """Every person leading a row of the round (a part's leads are its parent's unless it has
    its own, as the pages show), by name. A recommendation the committee closed needs no more
    updates, so is left out. Queries: the rows (2), the closed ones, the leads with their
    people."""
    closed = set(
        Recommendation.objects.filter(
            review_id=report.review_id, closed_at_meeting__isnull=False
        ).values_list("pk", flat=True)
    )
    rows = [
        row
        for row in round_rows(report)
        if row.recommendation.pk not in closed and row.recommendation.parent_id not in closed
    ]
    by_rec: dict[int, list[Person]] = defaultdict(list)
    leads = Lead.objects.filter(recommendation__review_id=report.review_id).select_related(
        "person__user"
    )
    for lead in leads.order_by("order", "id"):
        if lead.person not in by_rec[lead.recommendation_id]:
            by_rec[lead.recommendation_id].append(lead.person)
    shares: dict[int, LeadRows] = {}
    for row in rows:
        rec = row.recommendation
        people = by_rec.get(rec.pk) or (by_rec.get(rec.parent_id, []) if rec.parent_id else [])
        for person in people:
            shares.setdefault(person.pk, LeadRows(person)).rows.append(row)
    return sorted(shares.values(), key=lambda share: (share.person.name, share.person.pk))


def rows_for_request(update_request: UpdateRequest) -> list[RoundRow]:
    """The rows a request covers: those its lead leads in the round now (a lead added to a
    recommendation after the request was sent sees it too)."""
    for share in leads_of_round(update_request.report):
        if share.person.pk == update_request.person_id:
            return share.rows
    return []
