"""Monitoring rounds: the rows of a round (a recommendation that carries its own decision,
with its update in the round and the one before), the rows without an update, the open round."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from recommendations.models import ProgressUpdate, Recommendation, UpdateReport


@dataclass
class RoundRow:
    """One row of a monitoring round: a recommendation that carries its own decision, the
    update it already has in the round (if any) and the update before that one."""

    recommendation: Recommendation
    current: ProgressUpdate | None
    previous: ProgressUpdate | None


def round_rows(report) -> list[RoundRow]:
    """Every recommendation of the report's review that carries its own decision (one without
    parts, or each lettered part), in the appendix's order, with its update in this report and
    the latest one before it.

    Queries: the review's recommendations; their updates (all of them, oldest rounds included:
    a review has a few dozen recommendations and a few rounds, and one query beats one per row).
    """
    recommendations = list(
        Recommendation.objects.filter(review_id=report.review_id)
        .only("id", "review_id", "parent_id", "label", "order", "text", "version")
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.select_related("report").order_by("-as_at", "-id"),
                to_attr="round_updates",
            )
        )
        .order_by("order", "id")
    )
    parts: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        rec.review = report.review  # the forms' rules read it: no query per row
        if rec.parent_id:
            parts.setdefault(rec.parent_id, []).append(rec)
    rows = []
    for rec in recommendations:
        if rec.parent_id:
            continue
        for item in parts.get(rec.pk) or [rec]:
            updates = item.round_updates  # newest first
            current = next((u for u in updates if u.report_id == report.pk), None)
            if current is not None:
                earlier = updates[updates.index(current) + 1 :]
            elif report.as_at:
                earlier = [u for u in updates if u.as_at <= report.as_at]
            else:
                earlier = updates
            rows.append(RoundRow(item, current, earlier[0] if earlier else None))
    return rows


def round_gaps(report) -> list[RoundRow]:
    """The rows of the round without an update in the report, each with its latest earlier
    update (``previous``): what finalising asks a reason for. ``round_rows``' queries."""
    return [row for row in round_rows(report) if row.current is None]


def round_gaps_by_report(reports) -> dict[int, list[Recommendation]]:
    """``round_gaps`` for many reports at once, without the previous updates: each report's
    rows (``round_rows``' rule: a recommendation without parts, or each of its parts) that
    have no update in it. Two queries, however many reports."""
    review_ids = {report.review_id for report in reports}
    recommendations = list(
        Recommendation.objects.filter(review_id__in=review_ids)
        .only("id", "review_id", "parent_id", "label", "order")
        .order_by("order", "id")
    )
    with_update = set(
        ProgressUpdate.objects.filter(report__in=[report.pk for report in reports]).values_list(
            "report_id", "recommendation_id"
        )
    )
    parts: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        if rec.parent_id:
            parts.setdefault(rec.parent_id, []).append(rec)
    rows: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        if not rec.parent_id:
            rows.setdefault(rec.review_id, []).extend(parts.get(rec.pk) or [rec])
    return {
        report.pk: [
            rec for rec in rows.get(report.review_id, []) if (report.pk, rec.pk) not in with_update
        ]
        for report in reports
    }


def open_round(review_id: int):
    """The review's open draft round: its newest update report that is not final (the one
    started last), or None."""
    return UpdateReport.objects.filter(review_id=review_id, is_final=False).order_by("-pk").first()
