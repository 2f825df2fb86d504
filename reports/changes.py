"""What changed between two points in a review's monitoring: two update reports, or the last
meeting and now. Per recommendation: the status before and after, the update text with the
words removed and added marked, and the committee's view if a new one was recorded."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from recommendations.models import CommitteeVerdict, ProgressUpdate, Recommendation, Review
from recommendations.monitoring import update_in_round

LATEST = "latest"

_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """The old text with removed words in <del>, and the new with added words in <ins>.

    Every piece of user text is escaped before it is wrapped in our own tags, so the result
    is safe to mark as such."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    before, after = [], []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            before.append(removed)
            after.append(added)
            continue
        if removed:
            before.append(f"<del>{removed}</del>")
        if added:
            after.append(f"<ins>{added}</ins>")
    return mark_safe("".join(before)), mark_safe("".join(after))  # noqa: S308 -- escaped


@dataclass
class Point:
    key: str  # "report-<id>", "meeting-<id>" or "latest"
    label: str


@dataclass
class Change:
    recommendation: Recommendation
    before: ProgressUpdate | None
    after: ProgressUpdate | None
    before_html: SafeString
    after_html: SafeString
    # The committee's view known at each point (of the update shown there).
    before_verdict: CommitteeVerdict | None = None
    after_verdict: CommitteeVerdict | None = None
    # Compared at a report without an update for it: the side shows its latest earlier update.
    before_carried: bool = False
    after_carried: bool = False

    @property
    def status_not_stated(self) -> bool:
        """The later update states no status: the status is as it was, not changed."""
        return _status(self.after) == ProgressUpdate.Status.NOT_STATED

    @property
    def status_changed(self) -> bool:
        return not self.status_not_stated and _status(self.before) != _status(self.after)

    @property
    def new_verdict(self) -> CommitteeVerdict | None:
        """The committee's view recorded between the two points, if any."""
        after, before = self.after_verdict, self.before_verdict
        if after is not None and (before is None or before.pk != after.pk):
            return after
        return None

    @property
    def text_changed(self) -> bool:
        return _text(self.before) != _text(self.after)

    @property
    def changed(self) -> bool:
        return (
            self.status_changed
            or self.text_changed
            or (_target(self.before) != _target(self.after))
            or self.new_verdict is not None
        )

    @property
    def carried_sides(self) -> list[tuple[str, ProgressUpdate, bool]]:
        """The sides compared at a report that had no new update for it: ("From"/"To", the
        latest earlier update shown instead)."""
        sides = [("From", self.before, self.before_carried), ("To", self.after, self.after_carried)]
        return [side for side in sides if side[2] and side[1] is not None]

    @property
    def before_status(self) -> str:
        return self.before.get_status_display() if self.before else "No update"

    @property
    def after_status(self) -> str:
        return self.after.get_status_display() if self.after else "No update"


def _status(update: ProgressUpdate | None) -> str:
    return update.status if update else ""


def _text(update: ProgressUpdate | None) -> str:
    return update.text if update else ""


def _target(update: ProgressUpdate | None) -> dt.date | None:
    return update.target_date if update else None


@dataclass
class Comparison:
    review: Review
    points_from: list[Point]
    points_to: list[Point]
    start: Point
    end: Point
    changes: list[Change]

    @property
    def changed_count(self) -> int:
        return sum(1 for change in self.changes if change.changed)

    @property
    def new_verdicts(self) -> list[Change]:
        return [change for change in self.changes if change.new_verdict is not None]


def _points(meetings: list, reports: list) -> list[Point]:
    points = []
    for meeting in meetings:
        when = f"{meeting.date.day} {meeting.date:%B %Y}"
        points.append(Point(f"meeting-{meeting.pk}", f"At the meeting of {when}"))
    for report in reports:
        as_at = f" (as at {report.as_at_display})" if report.as_at else ""
        points.append(Point(f"report-{report.pk}", f"{report.title}{as_at}"))
    return points


def _snapshot(
    key: str, updates: list[ProgressUpdate], meetings: dict, reports: dict
) -> tuple[dict[int, ProgressUpdate], set[int]]:
    """Each recommendation's update at a point: its newest update in the report (or, with none
    there, its latest earlier one: ``update_in_round``), its newest update dated on or before
    the meeting, or its newest update of all. And, for a report, the recommendations that had
    no new update in it: their status did not change there, whatever the other point says."""
    kind, _, raw_id = key.partition("-")
    if kind == "report":
        report = reports[int(raw_id)]
        by_rec: dict[int, list[ProgressUpdate]] = {}
        for update in updates:  # newest first
            by_rec.setdefault(update.recommendation_id, []).append(update)
        chosen, carried = {}, set()
        for rec_id, rec_updates in by_rec.items():
            update, no_new_update = update_in_round(rec_updates, report)
            if update is not None:
                chosen[rec_id] = update
                if no_new_update:
                    carried.add(rec_id)
        return chosen, carried
    chosen = {}
    for update in updates:  # newest first
        if update.recommendation_id in chosen:
            continue
        if kind == "meeting" and update.as_at > meetings[int(raw_id)].date:
            continue
        chosen[update.recommendation_id] = update
    return chosen, set()


def _verdict_at(key: str, update: ProgressUpdate | None, meetings: dict) -> CommitteeVerdict | None:
    """The committee's view of the update shown at a point: at a meeting, only a view recorded
    at that meeting or an earlier one."""
    verdict = getattr(update, "verdict", None) if update else None
    kind, _, raw_id = key.partition("-")
    if (
        verdict is not None
        and kind == "meeting"
        and verdict.meeting.date > meetings[int(raw_id)].date
    ):
        return None
    return verdict


def compare(slug: str, start_key: str | None, end_key: str | None) -> Comparison:
    """Queries: the review; its meetings; its update reports; its recommendations; their
    updates. Five, however many recommendations and updates."""
    review = get_object_or_404(Review.objects.select_related("committee__authority"), slug=slug)
    meetings = list(review.meetings.order_by("-date", "-pk"))
    reports = list(review.update_reports.order_by("-as_at", "-pk"))
    points = _points(meetings, reports)
    latest = Point(LATEST, "Now (the latest update for each recommendation)")
    valid = {point.key: point for point in [*points, latest]}
    today = timezone.localdate()
    if start_key is None:
        # "Since the last meeting" by default, else since the oldest report.
        past = [meeting for meeting in meetings if meeting.date <= today]
        start_key = (
            f"meeting-{past[0].pk}" if past else (f"report-{reports[-1].pk}" if reports else LATEST)
        )
    end_key = end_key or LATEST
    if start_key not in valid or end_key not in valid:
        raise Http404("No such point to compare.")

    recommendations = _in_document_order(list(review.recommendations.order_by("order", "id")))
    updates = list(
        ProgressUpdate.objects.filter(recommendation__review=review)
        .select_related("verdict__meeting")
        .order_by("-as_at", "-id")
    )
    by_meeting = {meeting.pk: meeting for meeting in meetings}
    by_report = {report.pk: report for report in reports}
    before, before_carried = _snapshot(start_key, updates, by_meeting, by_report)
    after, after_carried = _snapshot(end_key, updates, by_meeting, by_report)
    changes = []
    for rec in recommendations:
        old, new = before.get(rec.pk), after.get(rec.pk)
        old_html, new_html = word_diff(_text(old), _text(new))
        changes.append(
            Change(
                rec, old, new, old_html, new_html,
                _verdict_at(start_key, old, by_meeting), _verdict_at(end_key, new, by_meeting),
                before_carried=rec.pk in before_carried, after_carried=rec.pk in after_carried,
            )
        )  # fmt: skip
    return Comparison(review, points, [*points, latest], valid[start_key], valid[end_key], changes)


def _in_document_order(recs: list[Recommendation]) -> list[Recommendation]:
    """Parts straight after their parent."""
    parts: dict[int, list[Recommendation]] = {}
    for rec in recs:
        if rec.parent_id:
            parts.setdefault(rec.parent_id, []).append(rec)
    return [item for rec in recs if not rec.parent_id for item in [rec, *parts.get(rec.pk, [])]]
