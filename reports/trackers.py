"""A tracker across reviews from its query: the filters of ``/recommendations/``, grouping
and layout. The page, its exports and the worker that makes a large tracker's PDF
(``reports.prerender``) build it here, from the query alone (it shows the same to everyone
who may export it), so they cannot drift apart."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import QueryDict
from django.utils import timezone

from reports import rows, selectors
from reports.filters import TrackerFilter, tracker_query
from reports.layouts import DEFAULT_LAYOUT, LAYOUTS


def filterset(query: QueryDict, request=None) -> TrackerFilter:
    return TrackerFilter(
        tracker_query(query), queryset=selectors.recommendation_list(), request=request
    )


def canonical_query(query: QueryDict) -> str:
    """The query as far as it decides the tracker (its filters, grouping and layout, in a
    fixed order; anything else dropped): the same tracker, asked for in any order, is one
    document."""
    query = tracker_query(query)
    return urlencode(
        [
            (name, value)
            for name in sorted(TrackerFilter.base_filters)
            for value in query.getlist(name)
        ]
    )


def title(found: TrackerFilter) -> str:
    data = found.form.cleaned_data if found.is_valid() else {}
    whose = (
        data.get("committee") or data.get("authority") or data.get("review") or "All authorities"
    )
    closed = data.get("closed")
    which = {"hide": "open", "only": "closed"}.get(closed, "all")
    return f"Tracker: {whose}, {which} recommendations"


def build(found: TrackerFilter) -> rows.Tracker:
    data = found.form.cleaned_data if found.is_valid() else {}
    queryset = found.qs if found.is_valid() else found.queryset.none()
    return rows.build_tracker(
        # Filtered by priority, open priorities come first; otherwise the papers' order.
        selectors.tracker_data(queryset, priority_first=bool(data.get("priority"))),
        title=title(found),
        layout=LAYOUTS[data.get("layout") or DEFAULT_LAYOUT],
        group_by=data.get("group") or "review",
    )


def description(tracker: rows.Tracker) -> str:
    count = len(tracker.rows)
    grouped = rows.GROUPINGS[tracker.group_by].lower()
    today = timezone.localdate()
    return (
        f"{count} recommendation{'' if count == 1 else 's'}, grouped by {grouped}, "
        f"each with its latest update, as at {today.day} {today:%B %Y}."
    )


def row_count(found: TrackerFilter) -> int:
    """How many rows the tracker has (one query), to choose how its PDF is made."""
    return found.qs.count() if found.is_valid() else 0
