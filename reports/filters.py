from __future__ import annotations

import datetime as dt
import functools

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator

from recommendations import impact, search
from recommendations.models import (
    Authority,
    Committee,
    CommitteeVerdict,
    Lead,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
)
from recommendations.monitoring import (
    NO_UPDATE,
    OPEN_REVIEW_STATUSES,
    STATUS_LABELS,
    decision_is,
    disputed_condition,
    open_priorities,
    stored_overdue,
    stored_status_is,
    with_verdict,
)
from reports.layouts import DEFAULT_LAYOUT, LAYOUT_CHOICES, LAYOUTS
from reports.widgets import FastSelect, FastWidgets

search_groups = search.search_groups  # the search box's syntax, parsed

# A search box, not a document: SQLite turns each term into a LIKE condition, and a few
# hundred of them pass its expression-depth limit ("Expression tree is too large").
SEARCH_MAX_TERMS = 32
SEARCH_MAX_CHARS = 500
# A search's matches are counted up to here; the page says "more than" beyond it.
SEARCH_COUNT_LIMIT = 1000
# Any other list of recommendations is counted up to here (200 pages of 25); beyond it the page
# says "more than", so that a page costs the same at 1,000 and 10,000 reviews.
LIST_COUNT_LIMIT = 5000
SEARCH_TOO_COMPLEX = "This search is too complex to run. Search for fewer words at a time."
# What SQLite says when a statement, rather than the database, is the problem.
_SQLITE_TOO_COMPLEX = (
    "expression tree is too large",
    "too many terms in compound select",
    "parser stack overflow",
    "like or glob pattern too complex",
    "too many sql variables",
    "string or blob too big",
)


def validate_search(value: str) -> None:
    terms = sum(len(wanted) + len(unwanted) for wanted, unwanted in search_groups(value))
    if terms > SEARCH_MAX_TERMS:
        raise forms.ValidationError(
            f"Search for at most {SEARCH_MAX_TERMS} words at a time (this search has {terms}).",
            code="too_many_terms",
        )


def is_too_complex(error: Exception) -> bool:
    """Whether a database error means this query was too complex (as opposed to the database
    being unavailable, which the 503 page is for)."""
    message = str(error).lower()
    return any(phrase in message for phrase in _SQLITE_TOO_COMPLEX)


OVERDUE_CHOICES = [("", "Any"), ("true", "Overdue only"), ("false", "Not overdue")]
STATUS_CHOICES = [*ProgressUpdate.Status.choices, (NO_UPDATE, STATUS_LABELS[NO_UPDATE])]
CLOSED_CHOICES = [("hide", "Hide closed ones"), ("only", "Closed ones only")]
PARENTS_CHOICES = [("hide", "Count parts, not their parent (as the dashboard does)")]
NO_VERDICT = "none"
VERDICT_CHOICES = [*CommitteeVerdict.Verdict.choices, (NO_VERDICT, "Not recorded")]
DISPUTED_CHOICES = [("yes", "Executive says implemented, committee not satisfied")]
PRIORITY_CHOICES = [
    ("yes", "Priority only"),
    ("open", "Open priorities only (not closed, implemented or superseded)"),
]
REVIEW_STATUS_CHOICES = [
    ("open", "Under monitoring (not closed)"),
    *Review.Status.choices,
]


# The review filter offers this many reviews at most: the ten thousand of a national tracker
# made the form alone cost a second and half a megabyte of every page. Any review may be
# chosen (by its id in the address); a committee or authority chosen narrows the list.
REVIEWS_OFFERED = 50


def _authorities(request) -> QuerySet[Authority]:
    return Authority.objects.all()


def _committees(request) -> QuerySet[Committee]:
    return Committee.objects.all()


def _reviews(request) -> QuerySet[Review]:
    return Review.objects.order_by("title")


def _leads(request) -> QuerySet[Person]:
    return Person.objects.filter(Exists(Lead.objects.filter(person=OuterRef("pk"))))


class FilterForm(forms.Form):
    default_renderer = FastWidgets()  # 18 fields on every page of the list: see FastWidgets


class RecommendationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label="Search the text",
        max_length=SEARCH_MAX_CHARS,
        validators=[validate_search],
        error_messages={
            "max_length": f"Search for at most {SEARCH_MAX_CHARS} characters at a time."
        },
    )
    authority = django_filters.ModelChoiceFilter(
        field_name="review__committee__authority",
        queryset=_authorities,
        label="Authority",
        widget=FastSelect,
    )
    committee = django_filters.ModelChoiceFilter(
        field_name="review__committee", queryset=_committees, label="Committee", widget=FastSelect
    )
    review = django_filters.ModelChoiceFilter(queryset=_reviews, label="Review", widget=FastSelect)
    # As decision_key: "awaiting" also covers a recommendation with no response recorded.
    decision = django_filters.ChoiceFilter(
        method="filter_decision", choices=Response.Decision.choices, label="Decision"
    )
    status = django_filters.ChoiceFilter(
        method="filter_status", choices=STATUS_CHOICES, label="Latest status"
    )
    lead = django_filters.ModelChoiceFilter(
        queryset=_leads, method="filter_lead", label="Lead", widget=FastSelect
    )
    overdue = django_filters.ChoiceFilter(
        method="filter_overdue",
        choices=OVERDUE_CHOICES[1:],
        empty_label="Any",
        label="Overdue",
        widget=forms.Select(choices=OVERDUE_CHOICES),
    )
    verdict = django_filters.ChoiceFilter(
        method="filter_verdict",
        choices=VERDICT_CHOICES,
        empty_label="Any",
        label="Committee's view of the latest update",
    )
    disputed = django_filters.ChoiceFilter(
        method="filter_disputed",
        choices=DISPUTED_CHOICES,
        empty_label="Any",
        label="Executive and committee",
    )
    priority = django_filters.ChoiceFilter(
        method="filter_priority", choices=PRIORITY_CHOICES, empty_label="Any", label="Priority"
    )
    closed = django_filters.ChoiceFilter(
        method="filter_closed",
        choices=CLOSED_CHOICES,
        empty_label="Show closed ones too",
        label="Closed by the committee",
    )
    parents = django_filters.ChoiceFilter(
        method="filter_parents",
        choices=PARENTS_CHOICES,
        empty_label="List parents of parts too",
        label="Parents of parts",
    )
    review_status = django_filters.ChoiceFilter(
        method="filter_review_status",
        choices=REVIEW_STATUS_CHOICES,
        empty_label="Any",
        label="Review status",
    )

    # The annual report's figures: the recommendations one figure counts for a period, as
    # at a date, by the figure's own rule (``recommendations.impact``).
    figure = django_filters.ChoiceFilter(
        method="filter_figure",
        choices=[(key, label) for key, _, label, _ in impact.FIGURES],
        empty_label="Any",
        label="Annual report figure",
    )
    period_from = django_filters.DateFilter(
        method="filter_by_figure", label="Period from (for the figure)"
    )
    period_to = django_filters.DateFilter(
        method="filter_by_figure", label="Period to (for the figure)"
    )
    as_at = django_filters.DateFilter(method="filter_by_figure", label="As at (for the figure)")

    class Meta:
        model = Recommendation
        fields: list[str] = []
        form = FilterForm

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            self._offer_reviews(form)
            self._offer_choices(form)
        return self._form

    # The other lists to choose from, as each record's ``__str__`` names it.
    CHOICE_LABELS = {
        "authority": (["name"], lambda name: name),
        "committee": (["name"], lambda name: name),
        "lead": (["name", "job_title"], Person.named),
    }

    def _offer_choices(self, form: forms.Form) -> None:
        """The authority, committee and lead choices read as plain rows, one query each, in
        their querysets' order: Django reads a choice field's records one by one (on
        PostgreSQL a server-side cursor, three round trips) and builds a model for each,
        which with every authority's committees and leads was a tenth of the page. What a
        choice accepts is still its queryset's."""
        for name, (fields, label) in self.CHOICE_LABELS.items():
            field = form.fields[name]

            def choices(field=field, fields=fields, label=label) -> list[tuple]:
                rows = field.queryset.values_list("pk", *fields)
                return [("", field.empty_label)] + [(pk, label(*row)) for pk, *row in rows]

            # Read when first drawn, once: the API filters with the same form and never draws it.
            field.widget.choices = CallableChoiceIterator(functools.cache(choices))

    def _offer_reviews(self, form: forms.Form) -> None:
        """The review choice lists the ``REVIEWS_OFFERED`` reviews reported last (of the
        committee or authority chosen, if one is), and the one chosen, by title. One query;
        two when the review chosen is not among them."""
        field = form.fields["review"]
        data = form.data if form.is_bound else {}

        def chosen(name: str) -> int | None:
            value = str(data.get(form.add_prefix(name)) or "")
            return int(value) if value.isascii() and value.isdecimal() and len(value) < 18 else None

        offered = field.queryset.all()
        scope = ""
        if (committee := chosen("committee")) is not None:
            offered, scope = offered.filter(committee_id=committee), " of the committee chosen"
        elif (authority := chosen("authority")) is not None:
            offered = offered.filter(committee__authority_id=authority)
            scope = " of the authority chosen"
        latest = offered.order_by(F("reported_on").desc(nulls_last=True), "-pk")
        options = dict(latest.values_list("pk", "title")[: REVIEWS_OFFERED + 1])
        if len(options) > REVIEWS_OFFERED:
            options.popitem()
            field.help_text = (
                f"The {REVIEWS_OFFERED} reviews reported last{scope}. Not listed? Choose its "
                "committee, then Filter; or search for its title."
            )
            field.widget.attrs["aria-describedby"] = f"{form['review'].auto_id}_hint"
        review = chosen("review")
        if review is not None and review not in options:
            options.update(field.queryset.filter(pk=review).values_list("pk", "title"))
        ordered = sorted(options.items(), key=lambda item: (item[1], item[0]))
        field.widget.choices = [("", field.empty_label), *ordered]

    def filter_by_figure(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset  # read by filter_figure

    def filter_figure(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        data = self.form.cleaned_data
        start = data.get("period_from") or dt.date.min
        end = data.get("period_to") or dt.date.max
        as_at = data.get("as_at") or timezone.localdate()
        counted = impact.members(impact.standings(queryset, as_at), value, start, end)
        return queryset.filter(pk__in=[standing.id for standing in counted])

    def filter_decision(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(decision_is(value)) if value else queryset

    def filter_lead(self, queryset: QuerySet, name: str, value: Person) -> QuerySet:
        # Exists, not a join, so that a recommendation with two roles for one person is one row.
        return queryset.filter(
            Exists(Lead.objects.filter(recommendation=OuterRef("pk"), person=value))
        )

    @property
    def reads_stored_standings(self) -> bool:
        """Whether the status and overdue filters read the stored standings
        (``models.Standing``), which count every update and the officers' overdue labels: an
        index, rather than every recommendation's latest update worked out to filter and
        count. Not for a reader of published data only (the open API), whose statuses count
        the public updates alone (``publication.public_progress``), worked out per request."""
        return not self.searches_public_only

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # status_key is the one definition (recommendations.monitoring.with_progress).
        if not value:
            return queryset
        if self.reads_stored_standings:
            return queryset.filter(stored_status_is(value))
        return queryset.filter(status_key=value)

    def filter_overdue(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # is_overdue is the one definition (recommendations.monitoring.overdue_filter).
        if value not in {"true", "false"}:
            return queryset
        if self.reads_stored_standings:
            overdue = stored_overdue(timezone.localdate())
            return queryset.filter(overdue if value == "true" else ~overdue)
        return queryset.filter(is_overdue=value == "true")

    def filter_verdict(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NO_VERDICT:
            return with_verdict(queryset).filter(latest_verdict__isnull=True)
        return with_verdict(queryset).filter(latest_verdict=value) if value else queryset

    def filter_disputed(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # One definition, the dashboard's figure too (recommendations.monitoring).
        return with_verdict(queryset).filter(disputed_condition()) if value == "yes" else queryset

    def filter_priority(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # "Open" is the one definition (recommendations.monitoring.open_priority_condition).
        if value == "open":
            return open_priorities(queryset)
        return queryset.filter(is_priority=True) if value == "yes" else queryset

    def filter_closed(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "hide":
            return queryset.filter(closed_at_meeting__isnull=True)
        if value == "only":
            return queryset.filter(closed_at_meeting__isnull=False)
        return queryset

    def filter_parents(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The dashboard's counting unit: recommendations that carry a decision.
        return queryset.filter(has_parts=False) if value == "hide" else queryset

    def filter_review_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(review__status__in=OPEN_REVIEW_STATUSES)
        return queryset.filter(review__status=value) if value else queryset

    # The open API's filter, for a reader of published data only, searches the public
    # documents: no text of an update outside a final report (recommendations.search).
    searches_public_only = False

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        # One stored document per recommendation (recommendations.search), ranked on
        # PostgreSQL; a reader of published data only searches public documents (no text
        # of an update outside a final report).
        return search.search(queryset, value, public=self.searches_public_only)


GROUP_CHOICES = [("committee", "By committee")]  # the empty choice groups by review
TRACKER_LAYOUTS = [(key, name) for key, name in LAYOUT_CHOICES if key != DEFAULT_LAYOUT]


class TrackerFilter(RecommendationFilter):
    """The cross-review table's filters, and how the tracker prints: grouped by review or by
    committee, in which layout. Without a choice about closed recommendations, a tracker
    shows the open ones (``tracker_query``)."""

    group = django_filters.ChoiceFilter(
        method="filter_nothing", choices=GROUP_CHOICES, empty_label="By review", label="Group"
    )
    layout = django_filters.ChoiceFilter(
        method="filter_nothing",
        choices=TRACKER_LAYOUTS,
        empty_label=LAYOUTS[DEFAULT_LAYOUT].name,
        label="Layout",
    )

    def filter_nothing(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # how the tracker prints, not which recommendations it has


def tracker_query(query):
    """The request's query with the tracker's default: open recommendations only."""
    query = query.copy()
    if "closed" not in query:
        query["closed"] = "hide"
    return query
