"""The annual report: what became of recommendations in a year, overall, per committee and per
review, with the cohort rates audit bodies report (of the recommendations agreed in a year,
the share implemented within 1, 2 and 4 years), as at any date. Which recommendations each
figure counts is ``recommendations.impact``'s rule; this module groups, counts, links and
draws them. Every figure links to ``/recommendations/`` filtered to exactly the
recommendations it counts (``reports.filters``' ``figure`` filter applies the same rule).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import statistics
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Min
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from recommendations import impact
from recommendations.models import Authority, Committee, ProgressUpdate, Recommendation, Review
from recommendations.monitoring import DONE_STATUSES, STATUS_LABELS, add_months
from reports.charts import Segment, cohort_chart, committee_bars
from reports.dashboard import data_version, long_date

DEFAULT_YEAR_STARTS = 4  # April, when the authorities chosen do not agree on another month
COHORT_YEARS_SHOWN = 6
CHART_YEARS = (1, 2, 3, 4)
LIST_LIMIT = 50

# The table's columns, in order: (figure key, heading).
MADE_FIGURES = [key for key in impact.FIGURE_KEYS if impact.FIGURE_BASIS[key] == impact.MADE]
TABLE_FIGURES = [*MADE_FIGURES, "implemented_in_period"]
STATUS_FIGURES = [
    "implemented", "in_progress", "not_started", "not_implemented", "superseded",
    "status_not_stated", "no_update",
]  # fmt: skip
STATUS_KEYS = {"status_not_stated": "not_stated", "no_update": "none"}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # included

    @property
    def label(self) -> str:
        if (self.start.month, self.start.day) == (1, 1):
            return str(self.start.year)
        return f"{self.start.year}/{(self.end.year) % 100:02}"

    @property
    def long_label(self) -> str:
        return f"{long_date(self.start)} to {long_date(self.end)}"


def period_of(year: int, starts: int) -> Period:
    """The year starting in month ``starts`` of ``year``."""
    start = dt.date(year, starts, 1)
    return Period(start, add_months(start, 12) - dt.timedelta(days=1))


def year_of(date: dt.date, starts: int) -> int:
    return date.year if date.month >= starts else date.year - 1


def year_starts(authority: Authority | None) -> int:
    """The authority's month, or for all authorities the month they share (April if not)."""
    if authority is not None:
        return authority.report_year_starts
    months = set(Authority.objects.values_list("report_year_starts", flat=True).distinct()[:2])
    return months.pop() if len(months) == 1 else DEFAULT_YEAR_STARTS


@dataclass
class Cell:
    key: str
    count: int
    href: str


@dataclass
class Row:
    kind: str  # overall | committee | review
    name: str
    cells: list[Cell]
    median_slip_days: float | None
    href: str = ""  # the review's or committee's own page, when it has one
    caption: str = ""

    def count(self, key: str) -> int:
        return next(cell.count for cell in self.cells if cell.key == key)


@dataclass
class Cohort:
    period: Period
    agreed: Cell
    within: dict[int, Cell | None]  # years -> cell, None when the cohort has not had them
    shares: dict[int, float | None]
    implemented: Cell
    median_days: float | None

    def share(self, years: int) -> float | None:
        return self.shares.get(years)


@dataclass
class ListedRecommendation:
    recommendation: Recommendation
    update: ProgressUpdate | None = None
    implemented_on: dt.date | None = None


@dataclass
class AnnualReport:
    authority: Authority | None
    period: Period
    as_at: dt.date
    starts: int
    overall: Row
    committees: list[Row]
    reviews: list[Row]
    cohorts: list[Cohort]
    implemented: list[ListedRecommendation]
    implemented_total: int
    priorities: list[ListedRecommendation]
    priorities_total: int
    link_params: dict = field(default_factory=dict)
    standings: list[impact.Standing] = field(default_factory=list, repr=False)

    @property
    def title(self) -> str:
        whose = self.authority.name if self.authority else "All authorities"
        return f"{whose}: annual report {self.period.label}"

    @property
    def headings(self) -> list[tuple[str, str]]:
        return [(key, impact.FIGURE_LABELS[key]) for key in TABLE_FIGURES]

    @property
    def definitions(self) -> list[tuple[str, str]]:
        return [(label, definition) for _, _, label, definition in impact.FIGURES]

    @property
    def cohort_chart(self):
        lines = [
            (cohort.period.label, [(years, cohort.shares.get(years)) for years in CHART_YEARS])
            for cohort in self.cohorts
        ]
        return cohort_chart(
            chart_id="cohort-chart",
            title="Share of agreed recommendations implemented, by years since the decision",
            lines=lines,
            years=CHART_YEARS,
        )

    @property
    def committee_chart(self):
        bars = [
            (
                row.name,
                [
                    Segment(STATUS_KEYS.get(key, key), impact.FIGURE_LABELS[key], cell.count,
                            cell.href)
                    for key in STATUS_FIGURES
                    for cell in row.cells
                    if cell.key == key and cell.count
                ],
            )
            for row in self.committees
        ]  # fmt: skip
        return committee_bars(
            chart_id="committee-chart",
            title=f"Recommendations made in {self.period.label} by latest status, per committee",
            bars=bars,
        )

    @property
    def status_legend(self) -> list[Segment]:
        return [
            Segment(STATUS_KEYS.get(key, key), STATUS_LABELS[STATUS_KEYS.get(key, key)], 0)
            for key in STATUS_FIGURES
        ]


def _link(**params: object) -> str:
    """``dashboard.table_url``, with the list's address looked up once."""
    query = {"parents": "hide", **{k: v for k, v in params.items() if v not in (None, "")}}
    return f"{_list_url()}?{urlencode(query)}"


@functools.cache
def _list_url() -> str:
    return reverse("reports:recommendation_list")


def _median(values: list[int]) -> float | None:
    return statistics.median(values) if values else None


def _row(kind, name, standings, period, as_at, params, href="", caption="") -> Row:
    link = {**params, "period_from": period.start, "period_to": period.end, "as_at": as_at}
    cells = []
    for key in TABLE_FIGURES:
        counted = impact.members(standings, key, period.start, period.end)
        cells.append(Cell(key, len(counted), _link(figure=key, **link)))
    moved = impact.members(standings, "target_moved", period.start, period.end)
    return Row(
        kind=kind,
        name=name,
        cells=cells,
        median_slip_days=_median([s.progress.target_slip_days for s in moved]),
        href=href,
        caption=caption,
    )


def _cohort(standings, period: Period, as_at: dt.date, params: dict) -> Cohort:
    link = {**params, "period_from": period.start, "period_to": period.end, "as_at": as_at}

    def cell(key: str) -> Cell:
        counted = impact.members(standings, key, period.start, period.end)
        return Cell(key, len(counted), _link(figure=key, **link))

    agreed = cell("cohort")
    within: dict[int, Cell | None] = {}
    shares: dict[int, float | None] = {}
    for years in CHART_YEARS:
        # Shown once every decision of the cohort has had that many years.
        if add_months(period.end, 12 * years) > as_at or not agreed.count:
            within[years], shares[years] = None, None
            continue
        counted = [
            s
            for s in impact.members(standings, "cohort", period.start, period.end)
            if impact.implemented_within(s, years)
        ]
        key = f"cohort_{years}"
        within[years] = cell(key) if key in impact.COHORT_YEARS else Cell(key, len(counted), "")
        shares[years] = len(counted) / agreed.count
    implemented = impact.members(standings, "cohort_implemented", period.start, period.end)
    return Cohort(
        period=period,
        agreed=agreed,
        within=within,
        shares=shares,
        implemented=cell("cohort_implemented"),
        median_days=_median([max((s.implemented_on - s.decided_on).days, 0) for s in implemented]),
    )


def annual_report(
    *, authority: Authority | None, year: int | None, as_at: dt.date | None
) -> AnnualReport:
    """Queries: the authorities' start month (when none is chosen), the five of
    ``impact.standings``, the reviews and committees named, the two lists. The same number
    however many reviews there are."""
    today = timezone.localdate()
    starts = year_starts(authority)
    if year is None:  # the last year that has ended
        year = year_of(today, starts) - 1
    period = period_of(year, starts)
    as_at = as_at or min(period.end, today)
    recommendations = Recommendation.objects.all()
    params: dict = {}
    if authority is not None:
        recommendations = recommendations.filter(review__committee__authority=authority)
        params["authority"] = authority.pk
    standings = impact.standings(recommendations, as_at)

    made = [s for s in standings if s.made_on and period.start <= s.made_on <= period.end]
    review_ids = {s.review_id for s in made}
    reviews = {
        review.pk: review
        for review in Review.objects.filter(pk__in=review_ids)
        .select_related("committee__authority")
        .only("pk", "title", "slug", "committee__name", "committee__authority__name")
    }
    # One pass keeps what the year's rows can count (made or implemented in it) and each
    # year's agreed cohort, so that each figure then looks at a few rows, not every one.
    in_year: list[impact.Standing] = []
    agreed_by_year: dict[int, list[impact.Standing]] = {}
    by_committee: dict[int, list] = {}
    by_review: dict[int, list] = {}
    for s in standings:
        made_in = s.made_on is not None and period.start <= s.made_on <= period.end
        done_in = s.implemented_on is not None and period.start <= s.implemented_on <= period.end
        if made_in or done_in:
            in_year.append(s)
            by_committee.setdefault(s.committee_id, []).append(s)
            by_review.setdefault(s.review_id, []).append(s)
        if s.decision in impact.AGREED_DECISIONS and s.decided_on:
            agreed_by_year.setdefault(year_of(s.decided_on, starts), []).append(s)
    committees_named = {review.committee_id: review.committee for review in reviews.values()}
    # A committee is listed when it made recommendations in the period or implemented some.
    implemented_all = impact.members(in_year, "implemented_in_period", period.start, period.end)
    committees_named_ids = set(committees_named) | {s.committee_id for s in implemented_all}
    missing = committees_named_ids - set(committees_named)
    if missing:
        for committee in Committee.objects.filter(pk__in=missing).select_related("authority"):
            committees_named[committee.pk] = committee
    committee_rows = sorted(
        (
            _row(
                "committee",
                committee.name,
                by_committee.get(committee.pk, []),
                period,
                as_at,
                {**params, "committee": committee.pk},
                caption="" if authority else committee.authority.name,
            )
            for committee in committees_named.values()
        ),
        key=lambda row: (row.caption, row.name),
    )
    review_rows = sorted(
        (
            _row(
                "review",
                review.title,
                by_review.get(review.pk, []),
                period,
                as_at,
                {**params, "review": review.pk},
                href=review.get_absolute_url(),
                caption=review.committee.name,
            )
            for review in reviews.values()
        ),
        key=lambda row: (row.caption, row.name),
    )

    cohort_years = sorted(y for y in agreed_by_year if y <= year)[-COHORT_YEARS_SHOWN:]
    cohorts = [
        _cohort(agreed_by_year[y], period_of(y, starts), as_at, params) for y in cohort_years
    ]

    implemented_all.sort(key=lambda s: (s.implemented_on, s.id))
    update_ids = [s.progress.latest_update_id for s in implemented_all[:LIST_LIMIT]]
    updates = {
        update.recommendation_id: update
        for update in ProgressUpdate.objects.filter(pk__in=update_ids).select_related(
            "recommendation__review__committee"
        )
    }
    implemented = [
        ListedRecommendation(updates[s.id].recommendation, updates[s.id], s.implemented_on)
        for s in implemented_all[:LIST_LIMIT]
        if s.id in updates
    ]
    open_priorities = [
        s for s in standings
        if s.is_priority and not s.closed and s.status not in DONE_STATUSES
    ]  # fmt: skip
    priority_recs = {
        rec.pk: rec
        for rec in Recommendation.objects.filter(
            pk__in=[s.id for s in open_priorities[:LIST_LIMIT]]
        ).select_related("review__committee")
    }
    priorities = [
        ListedRecommendation(priority_recs[s.id])
        for s in open_priorities[:LIST_LIMIT]
        if s.id in priority_recs
    ]
    return AnnualReport(
        authority=authority,
        period=period,
        as_at=as_at,
        starts=starts,
        overall=_row(
            "overall",
            authority.name if authority else "All authorities",
            in_year,
            period,
            as_at,
            params,
        ),
        committees=committee_rows,
        reviews=review_rows,
        cohorts=cohorts,
        implemented=implemented,
        implemented_total=len(implemented_all),
        priorities=priorities,
        priorities_total=len(open_priorities),
        link_params=params,
        standings=standings,
    )


ANNUAL_CACHE_SECONDS = 300


def _cache_key(authority: Authority | None, year: int | None, as_at: dt.date | None) -> str:
    return ":".join(
        str(part)
        for part in (
            "annual-page", timezone.localdate().isoformat(), authority.pk if authority else 0,
            year, as_at, data_version(),
        )
    )  # fmt: skip


def cached_annual_page(
    *, authority: Authority | None, year: int | None, as_at: dt.date | None
) -> tuple[AnnualReport, str]:
    """The page's report, without its rows, and its figures and lists drawn as HTML
    (``annual_tables.html``), computed once per state of the data (the dashboard's
    ``data_version``: any save or delete anywhere makes the next view compute it afresh) and
    per day (the default year and "as at" follow the date). Between edits a view reads the
    heading and one string instead of unpickling and drawing every table (some 200 reviews'
    rows of 21 linked figures at 1,000 reviews, ten times that at 10,000)."""
    key = _cache_key(authority, year, as_at)
    page = cache.get(key)
    if page is None:
        report = annual_report(authority=authority, year=year, as_at=as_at)
        tables = render_to_string("reports/annual_tables.html", {"report": report, "print": False})
        heading = dataclasses.replace(
            report, committees=[], reviews=[], cohorts=[], implemented=[], priorities=[],
            standings=[],
        )  # fmt: skip
        page = (heading, tables)
        cache.set(key, page, ANNUAL_CACHE_SECONDS)
    return page


def years_available(authority: Authority | None, starts: int) -> list[int]:
    """The years the report can be asked for, newest first: from the earliest review's to
    this one."""
    reviews = Review.objects.filter(reported_on__isnull=False)
    if authority is not None:
        reviews = reviews.filter(committee__authority=authority)
    earliest = reviews.aggregate(first=Min("reported_on"))["first"]
    this_year = year_of(timezone.localdate(), starts)
    first = min(year_of(earliest, starts), this_year) if earliest else this_year
    return list(range(this_year, first - 1, -1))


def status_counts(row: Row) -> Counter:
    return Counter({key: row.count(key) for key in STATUS_FIGURES})
