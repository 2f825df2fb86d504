"""What people read about where things stand: follow-ups due, the per-review summaries that the
dashboard, the review page and the appendix share, and the dashboard itself. The rules they
count by (overdue, latest update, schedules) are ``recommendations.monitoring``'s.

The counting unit everywhere is the recommendation that carries a decision: a recommendation
without parts, or a lettered part (see ``recommendations.monitoring``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from recommendations.models import (
    Authority,
    CommitteeVerdict,
    Meeting,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)
from recommendations.monitoring import (
    DECISION_LABELS,
    DECISION_ORDER,
    OPEN_REVIEW_STATUSES,
    STATUS_LABELS,
    STATUS_ORDER,
    disputed_condition,
    next_scheduled_update,
    response_deadline,
    with_progress,
    with_verdict,
)
from reports.charts import Segment, StatusAndDecisionCharts, stacked_bar

# Follow-ups due within this many days count as "due soon" on the dashboard.
DUE_SOON_DAYS = 60


def long_date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def table_url(**params: object) -> str:
    """The cross-review table filtered to exactly the recommendations a figure counts."""
    query = {"parents": "hide", **{k: v for k, v in params.items() if v not in (None, "")}}
    return f"{reverse('reports:recommendation_list')}?{urlencode(query)}"


# --- Follow-ups and deadlines -------------------------------------------------------------

_FOLLOW_UP_LEAD = re.compile(
    r"^\s*(?:an?\s+|the\s+)?(?:further|next|another)?\s*(?:progress\s+)?"
    r"(?:update|report|follow-up|review)s?\s+(?=(?:in|at|by|during|for|to)\b)",
    re.IGNORECASE,
)


def follow_up_wording(text: str) -> str:
    """ "Further update in the 2024/25 work programme" -> "in the 2024/25 work programme":
    when the decision gives no date, say when as it words it, and invent none."""
    return _FOLLOW_UP_LEAD.sub("", text).strip() or text.strip()


@dataclass
class FollowUp:
    review: Review
    source: str  # "meeting" (a committee decision) or "schedule" (the review's update interval)
    due: dt.date | None
    wording: str = ""  # when there is no date: "in the 2024/25 work programme"
    meeting: Meeting | None = None
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def state(self) -> str:
        if self.due is None:
            return "undated"
        if self.due < self.today:
            return "overdue"
        if self.due <= self.today + dt.timedelta(days=DUE_SOON_DAYS):
            return "soon"
        return "later"

    @property
    def state_label(self) -> str:
        return {
            "undated": "No date set",
            "overdue": "Overdue",
            "soon": "Due soon",
            "later": "Due",
        }[self.state]

    @property
    def due_text(self) -> str:
        if self.due:
            return f"due: {long_date(self.due)}"
        return f"due: {self.wording}" if self.wording else "due: no date set"

    @property
    def source_text(self) -> str:
        if self.source == "meeting" and self.meeting:
            return f"Committee decision of {long_date(self.meeting.date)}"
        interval = self.review.update_interval_months
        return f"Update schedule: every {interval} month{'s' if interval != 1 else ''}"


def follow_ups(
    review: Review,
    meetings: Iterable[Meeting],
    reports: Iterable[UpdateReport],
    today: dt.date,
) -> list[FollowUp]:
    """What the latest committee decision asked for, and the next scheduled update."""
    items = []
    latest = max(meetings, key=lambda meeting: (meeting.date, meeting.pk), default=None)
    if latest and (latest.next_follow_up or latest.next_follow_up_due):
        items.append(
            FollowUp(
                review,
                "meeting",
                latest.next_follow_up_due,
                "" if latest.next_follow_up_due else follow_up_wording(latest.next_follow_up),
                latest,
                today,
            )
        )
    scheduled = next_scheduled_update(review, reports)
    if scheduled:
        items.append(FollowUp(review, "schedule", scheduled, today=today))
    return sorted(items, key=lambda item: (item.due is None, item.due or today))


# --- Summaries ----------------------------------------------------------------------------


@dataclass
class ReviewSummary(StatusAndDecisionCharts):
    review: Review
    total: int
    status_counts: Counter
    decision_counts: Counter
    overdue: int
    closed: int
    follow_ups: list[FollowUp]
    last_meeting: Meeting | None
    response_due: dt.date | None
    today: dt.date
    link_params: dict = field(default_factory=dict)
    # Counted for all reviews under monitoring only (the dashboard's headline figures).
    disputed: int | None = None

    def _url(self, **params: object) -> str:
        return table_url(**self.link_params, **params)

    @property
    def status_segments(self) -> list[Segment]:
        return [
            Segment(key, STATUS_LABELS[key], self.status_counts[key], self._url(status=key))
            for key in STATUS_ORDER
            if self.status_counts[key]
        ]

    @property
    def decision_segments(self) -> list[Segment]:
        return [
            Segment(key, DECISION_LABELS[key], self.decision_counts[key], self._url(decision=key))
            for key in DECISION_ORDER
            if self.decision_counts[key]
        ]

    def _describe(self, segments: list[Segment]) -> str:
        parts = [f"{segment.count} {segment.label.lower()}" for segment in segments]
        return f"{self.total} recommendations: " + (", ".join(parts) if parts else "none")

    def _chart(self, kind: str, segments: list[Segment]) -> SafeString:
        return stacked_bar(
            chart_id=f"chart-{kind}-{self.review.pk if self.review else 'all'}",
            title=f"{self.title}: recommendations by {kind}",
            description=self._describe(segments),
            segments=segments,
            width=420,  # about the width it is drawn at, so the numbers keep their shape
        )

    @property
    def title(self) -> str:
        return self.review.title if self.review else "All reviews under monitoring"

    @property
    def awaiting(self) -> int:
        return self.decision_counts[Response.Decision.AWAITING]

    @property
    def awaiting_href(self) -> str:
        return self._url(decision=Response.Decision.AWAITING)

    @property
    def responses_overdue(self) -> bool:
        return bool(self.awaiting and self.response_due and self.response_due < self.today)

    @property
    def next_follow_up(self) -> FollowUp | None:
        return self.follow_ups[0] if self.follow_ups else None

    def figure(self, key: str) -> tuple[int, str]:
        """(count, table link) for one of the headline figures."""
        if key == "overdue":
            return self.overdue, self._url(overdue="true")
        if key == "closed":
            return self.closed, self._url(closed="only")
        if key == "awaiting":
            return self.awaiting, self._url(decision=Response.Decision.AWAITING)
        if key == "disputed":
            return self.disputed or 0, self._url(disputed="yes")
        return self.status_counts[key], self._url(status=key)

    @property
    def figures(self) -> list[dict]:
        names = [
            ("implemented", "Implemented"),
            ("in_progress", "In progress"),
            ("not_started", "Not started"),
            ("overdue", "Overdue"),
            ("awaiting", "Awaiting response"),
            ("closed", "Closed"),
        ]
        if self.disputed is not None:
            names.append(("disputed", "Executive says implemented, committee not satisfied"))
        items = []
        for key, label in names:
            count, href = self.figure(key)
            items.append({"key": key, "label": label, "count": count, "href": href})
        return items


def summarise(
    review: Review | None,
    recommendations: Iterable[Recommendation],
    *,
    meetings: Iterable[Meeting] = (),
    reports: Iterable[UpdateReport] = (),
    today: dt.date | None = None,
    link_params: dict | None = None,
) -> ReviewSummary:
    """Count ``recommendations`` (annotated by ``with_progress``) in the counting unit."""
    today = today or timezone.localdate()
    counted = [rec for rec in recommendations if not rec.has_parts]
    meetings = list(meetings)
    past = [meeting for meeting in meetings if meeting.date <= today]
    return ReviewSummary(
        review=review,
        total=len(counted),
        status_counts=Counter(rec.status_key for rec in counted),
        decision_counts=Counter(rec.decision_key for rec in counted),
        overdue=sum(1 for rec in counted if rec.is_overdue),
        closed=sum(1 for rec in counted if rec.closed_at_meeting_id),
        follow_ups=follow_ups(review, meetings, reports, today) if review else [],
        last_meeting=max(past, key=lambda m: (m.date, m.pk), default=None),
        response_due=response_deadline(review) if review else None,
        today=today,
        link_params=link_params if link_params is not None else {"review": review.pk},
    )


@dataclass
class Dashboard:
    overall: ReviewSummary
    reviews: list[ReviewSummary]  # this page's reviews
    page: Page
    follow_ups: list[FollowUp]  # the most urgent, across every review under monitoring
    follow_ups_total: int
    responses_overdue: list[ReviewSummary]  # the longest overdue
    responses_overdue_total: int
    recent: list[Recommendation]
    # Open priorities (``monitoring.open_priority_condition``) of reviews under monitoring.
    priorities: list[Recommendation] = field(default_factory=list)
    priorities_total: int = 0
    # The page's reviews and page links as HTML (``cached_dashboard``), the same for everyone.
    reviews_html: SafeString = SafeString("")

    @property
    def more_priorities(self) -> int:
        return self.priorities_total - len(self.priorities)

    @property
    def priorities_href(self) -> str:
        """The table of exactly these: a parent marked as a priority is listed too."""
        query = urlencode({"review_status": "open", "priority": "open"})
        return f"{reverse('reports:recommendation_list')}?{query}"

    @property
    def more_follow_ups(self) -> int:
        return self.follow_ups_total - len(self.follow_ups)

    @property
    def more_responses_overdue(self) -> int:
        return self.responses_overdue_total - len(self.responses_overdue)

    @property
    def all_awaiting_href(self) -> str:
        return table_url(review_status="open", decision=Response.Decision.AWAITING)


RECENT_COUNT = 8
DASHBOARD_REVIEWS_PER_PAGE = 20
# Lists on the dashboard show the most urgent few; a national service has hundreds.
DASHBOARD_LIST_LIMIT = 12
# Every save or delete of these adds a row to its history table. Authorities: their rule for
# when responses are due.
DASHBOARD_SOURCES = [
    Authority, Review, Recommendation, Response, ProgressUpdate, Meeting, UpdateReport,
    CommitteeVerdict,
]  # fmt: skip


def data_version() -> str:
    """Changes whenever anything the dashboard counts changes: the newest history row of each
    model it reads (django-simple-history records every save and delete). Eight index
    lookups."""
    return "-".join(
        str(model.history.aggregate(newest=Max("history_id"))["newest"] or 0)
        for model in DASHBOARD_SOURCES
    )


# Far beyond any real dashboard (20 reviews a page); the paginator shows the last page.
DASHBOARD_MAX_PAGE = 10_000


def dashboard_page_number(page_number: object) -> int:
    """``?page=`` as a small integer, so that what a visitor types never becomes part of a
    cache key (no over-long or unprintable keys, no unbounded number of entries); junk means
    page 1, as the paginator's ``get_page`` treats it."""
    text = str(page_number or "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    return min(max(int(text), 1), DASHBOARD_MAX_PAGE)


def cached_dashboard(page_number: object = None) -> Dashboard:
    """The dashboard, computed once per state of the data (and per day, since "overdue"
    depends on the date), its reviews drawn as HTML then too (``reviews_html``); an edit
    anywhere makes the next view compute it afresh."""
    today = timezone.localdate()
    page_number = dashboard_page_number(page_number)
    key = f"dashboard:{today.isoformat()}:{page_number}:{data_version()}"
    dashboard_ = cache.get(key)
    if dashboard_ is None:
        dashboard_ = dashboard(today=today, page_number=page_number)
        # Drawn here, once, rather than on every view: 20 reviews' figures and links, and a
        # link per page of them (500 pages at 10,000 reviews), were most of the page's time.
        dashboard_.reviews_html = render_to_string(
            "recommendations/dashboard_reviews.html", {"dashboard": dashboard_}
        )
        cache.set(key, dashboard_, DASHBOARD_CACHE_SECONDS)
    return dashboard_


DASHBOARD_CACHE_SECONDS = 300


def _overall(recommendations: QuerySet[Recommendation], today: dt.date) -> ReviewSummary:
    """The headline figures across every review under monitoring, counted by the database:
    a national shared service has tens of thousands of recommendations, too many to load."""
    counted = with_progress(recommendations, today=today).filter(has_parts=False).order_by()
    totals = with_verdict(counted).aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(is_overdue=True)),
        closed=Count("pk", filter=Q(closed_at_meeting__isnull=False)),
        disputed=Count("pk", filter=disputed_condition()),
    )
    return ReviewSummary(
        review=None,
        total=totals["total"],
        status_counts=Counter(dict(counted.values_list("status_key").annotate(n=Count("pk")))),
        decision_counts=Counter(dict(counted.values_list("decision_key").annotate(n=Count("pk")))),
        overdue=totals["overdue"],
        closed=totals["closed"],
        follow_ups=[],
        last_meeting=None,
        response_due=None,
        today=today,
        link_params={"review_status": "open"},
        disputed=totals["disputed"],
    )


def _recently_updated(recommendations: QuerySet[Recommendation], today: dt.date) -> list:
    """The recommendations whose latest updates are newest. Reading updates newest first, the
    first update seen of each recommendation is its latest."""
    newest = (
        ProgressUpdate.objects.filter(recommendation__in=recommendations.filter(parts=None))
        .order_by("-as_at", "-id")
        .values_list("recommendation_id", flat=True)[: RECENT_COUNT * 8]
    )
    ids = list(dict.fromkeys(newest))[:RECENT_COUNT]
    rows = with_progress(Recommendation.objects.filter(pk__in=ids), today=today).select_related(
        "review"
    )
    by_id = {rec.pk: rec for rec in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def _open_priorities(
    recommendations: QuerySet[Recommendation], today: dt.date
) -> tuple[list[Recommendation], int]:
    """The open priorities, the overdue ones first, then in their reviews' order (the first
    few), and how many there are: two queries."""
    open_ones = with_progress(recommendations, today=today).filter(is_open_priority=True)
    shown = list(
        open_ones.select_related("review")
        .defer("text", "closed_reason", "closed_evidence", "reopened_reason")
        .order_by("-is_overdue", "review__title", "review_id", "order", "id")[:DASHBOARD_LIST_LIMIT]
    )
    total = len(shown) if len(shown) < DASHBOARD_LIST_LIMIT else open_ones.order_by().count()
    return shown, total


def dashboard(today: dt.date | None = None, page_number: object = None) -> Dashboard:
    """Queries: the reviews under monitoring (with committee and authority), their meetings and
    update reports; the headline counts (three aggregates); the awaited responses per review;
    this page's recommendations with where each stands; the recently updated ones (two); the
    open priorities (one, and a count when there are more than the dashboard lists).
    The same number however many reviews there are."""
    today = today or timezone.localdate()
    reviews = list(
        Review.objects.filter(status__in=OPEN_REVIEW_STATUSES)
        .select_related("committee__authority")
        .prefetch_related("meetings", "update_reports")
        .order_by("title", "pk")
    )
    open_recommendations = Recommendation.objects.filter(review__status__in=OPEN_REVIEW_STATUSES)
    # Paginate positions, not the reviews themselves, so the cached dashboard stays small.
    page = Paginator(range(len(reviews)), DASHBOARD_REVIEWS_PER_PAGE).get_page(page_number)
    page_reviews = reviews[page.start_index() - 1 : page.end_index()] if reviews else []
    recommendations = list(
        with_progress(Recommendation.objects.filter(review__in=page_reviews), today=today)
        .select_related("review")
        .defer(
            "text",
            "overdue_override_reason",
            "closed_reason",
            "closed_evidence",
            "reopened_reason",
            "priority_reason",
        )  # fmt: skip
        .order_by("review_id", "order", "id")
    )
    by_review: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        by_review.setdefault(rec.review_id, []).append(rec)
    summaries = [
        summarise(
            review,
            by_review.get(review.pk, []),
            meetings=review.meetings.all(),
            reports=review.update_reports.all(),
            today=today,
        )
        for review in page_reviews
    ]

    follow_up_items = [
        item
        for review in reviews
        for item in follow_ups(review, review.meetings.all(), review.update_reports.all(), today)
        if item.state in {"overdue", "soon", "undated"}
    ]
    follow_up_items.sort(key=lambda item: (item.due is None, item.due or dt.date.max))

    awaiting = dict(
        open_recommendations.filter(parts=None)
        .filter(Q(response__isnull=True) | Q(response__decision=Response.Decision.AWAITING))
        .order_by()
        .values_list("review_id")
        .annotate(n=Count("pk"))
    )
    responses_overdue = []
    for review in sorted(reviews, key=lambda r: response_deadline(r) or dt.date.max):
        due = response_deadline(review)
        if awaiting.get(review.pk) and due and due < today:
            responses_overdue.append(
                ReviewSummary(
                    review=review,
                    total=awaiting[review.pk],
                    status_counts=Counter(),
                    decision_counts=Counter({Response.Decision.AWAITING: awaiting[review.pk]}),
                    overdue=0,
                    closed=0,
                    follow_ups=[],
                    last_meeting=None,
                    response_due=due,
                    today=today,
                )
            )
    priorities, priorities_total = _open_priorities(open_recommendations, today)
    return Dashboard(
        follow_ups_total=len(follow_up_items),
        responses_overdue_total=len(responses_overdue),
        overall=_overall(open_recommendations, today),
        reviews=summaries,
        page=page,
        follow_ups=follow_up_items[:DASHBOARD_LIST_LIMIT],
        responses_overdue=responses_overdue[:DASHBOARD_LIST_LIMIT],
        recent=_recently_updated(open_recommendations, today),
        priorities=priorities,
        priorities_total=priorities_total,
    )
