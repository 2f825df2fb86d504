"""A meeting's verdict page: the updates it considered, with the committee's views."""

from __future__ import annotations

from dataclasses import dataclass

from recommendations.models import CommitteeVerdict, Meeting, ProgressUpdate, Review, UpdateReport


@dataclass
class VerdictRow:
    """One update the meeting considered, with the committee's view of it if recorded."""

    update: ProgressUpdate
    verdict: CommitteeVerdict | None
    meeting: Meeting

    @property
    def recorded_elsewhere(self) -> bool:
        """The committee gave its view of this update at another meeting (an update has one)."""
        return self.verdict is not None and self.verdict.meeting_id != self.meeting.pk


@dataclass
class VerdictGroup:
    """A review's updates at the meeting: those of the report presented there, or, for a
    review on the agenda without one, each recommendation's latest update by the meeting."""

    review: Review
    report: UpdateReport | None
    rows: list[VerdictRow]


def _document_order(update: ProgressUpdate) -> tuple:
    rec = update.recommendation
    parent = rec.parent
    return (parent.order if parent else rec.order, parent.pk if parent else rec.pk,
            rec.parent_id is not None, rec.order, rec.pk, update.as_at, update.pk)  # fmt: skip


def meeting_verdict_groups(meeting: Meeting) -> list[VerdictGroup]:
    """What a meeting considered, update by update, with the committee's views: the updates of
    each report presented at it; for each review on its agenda without such a report, the
    latest update (dated by the meeting) of each recommendation that carries its own decision.

    Queries: the reports presented at the meeting (with reviews); the reviews on its agenda;
    the reports' updates; the other reviews' updates. Each update comes with its
    recommendation (and parent) and its verdict (and that verdict's meeting)."""
    reports = list(
        meeting.update_reports.select_related("review").order_by("review__title", "as_at", "pk")
    )
    reviews = {report.review_id: report.review for report in reports}
    agenda_only = [
        review for review in meeting.reviews.order_by("title", "pk") if review.pk not in reviews
    ]
    joined = (
        "recommendation__review",
        "recommendation__parent",
        "verdict__meeting",
        "verdict__recorded_by",
    )
    by_report: dict[int, list[ProgressUpdate]] = {}
    if reports:
        for update in ProgressUpdate.objects.filter(report__in=reports).select_related(*joined):
            by_report.setdefault(update.report_id, []).append(update)
    latest: dict[int, dict[int, ProgressUpdate]] = {}
    if agenda_only:
        updates = (
            ProgressUpdate.objects.filter(
                recommendation__review__in=agenda_only,
                recommendation__parts=None,
                as_at__lte=meeting.date,
            )
            .select_related(*joined)
            .order_by("-as_at", "-id")
        )
        for update in updates:  # newest first: the first seen is the latest
            latest.setdefault(update.recommendation.review_id, {}).setdefault(
                update.recommendation_id, update
            )

    def rows(updates) -> list[VerdictRow]:
        return [
            VerdictRow(update, getattr(update, "verdict", None), meeting)
            for update in sorted(updates, key=_document_order)
        ]

    groups = [VerdictGroup(r.review, r, rows(by_report.get(r.pk, []))) for r in reports]
    groups += [
        VerdictGroup(review, None, rows(latest.get(review.pk, {}).values()))
        for review in agenda_only
    ]
    return groups
