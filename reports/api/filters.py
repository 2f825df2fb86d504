"""The API's filters. Recommendations are filtered by the app's own ``RecommendationFilter``
(the same parameters as /recommendations/), with its choices and its text search limited to
published data for a client that reads only that: a filter naming an unpublished review is
refused as an unknown choice, exactly as one that does not exist, and the search never
matches the text of an update the public cannot read."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from recommendations import access, publication
from recommendations.models import (
    Committee,
    Meeting,
    ProgressUpdate,
    Review,
    UpdateReport,
)
from reports.filters import RecommendationFilter

ID_MAX = 10**18 - 1  # ids in addresses have at most 18 digits (exclusions_tracker.converters)


class FilterBackend(DjangoFilterBackend):
    """django-filter's, leaving the filterset on the view (``view.filterset``): which filters
    were chosen decides how the recommendations are counted and paged."""

    def get_filterset(self, request, queryset, view):
        view.filterset = super().get_filterset(request, queryset, view)
        return view.filterset


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number, so "1.5", "abc" and 10**30 are a 400, never a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=ID_MAX, **kwargs)


PRIORITY_NOT_PUBLIC = "Priority flags are not published: filtering by them needs a key."


class ApiRecommendationFilter(RecommendationFilter):
    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.public = request is None or not access.reads_unpublished(request.user)
        if self.public:
            self.filters["authority"].queryset = publication.public_authorities()
            self.filters["committee"].queryset = publication.public_committees()
            self.filters["review"].queryset = publication.published_reviews()
            self.filters["lead"].queryset = publication.public_leads()

    def _offer_reviews(self, form) -> None:
        pass  # no form is drawn: any review the client reads may be named, by its id

    @property
    def searches_public_only(self) -> bool:
        return self.public

    def filter_priority(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if self.public and value:
            # An officer's flag, not published: filtering by it would say which carry it.
            raise ValidationError({name: [PRIORITY_NOT_PUBLIC]})
        return super().filter_priority(queryset, name, value)


class CommitteeFilter(django_filters.FilterSet):
    authority = django_filters.CharFilter(field_name="authority__slug", max_length=100)

    class Meta:
        model = Committee
        fields: list[str] = []


class ReviewFilter(django_filters.FilterSet):
    authority = django_filters.CharFilter(
        field_name="committee__authority__slug", max_length=100, label="Authority (its slug)"
    )
    committee = IdFilter(field_name="committee_id", label="Committee (its id)")
    status = django_filters.ChoiceFilter(choices=Review.Status.choices)

    class Meta:
        model = Review
        fields: list[str] = []


class UpdateFilter(django_filters.FilterSet):
    review = django_filters.CharFilter(
        field_name="recommendation__review__slug", max_length=100, label="Review (its slug)"
    )
    recommendation = IdFilter(field_name="recommendation_id")
    report = IdFilter(field_name="report_id", label="Update report (its id)")
    status = django_filters.ChoiceFilter(choices=ProgressUpdate.Status.choices)

    class Meta:
        model = ProgressUpdate
        fields: list[str] = []


class ReportFilter(django_filters.FilterSet):
    review = django_filters.CharFilter(
        field_name="review__slug", max_length=100, label="Review (its slug)"
    )
    is_final = django_filters.BooleanFilter()

    class Meta:
        model = UpdateReport
        fields: list[str] = []


class MeetingFilter(django_filters.FilterSet):
    committee = IdFilter(field_name="committee_id", label="Committee (its id)")
    authority = django_filters.CharFilter(
        field_name="committee__authority__slug", max_length=100, label="Authority (its slug)"
    )
    review = django_filters.CharFilter(
        method="filter_review", max_length=100, label="Review it considered (its slug)"
    )

    class Meta:
        model = Meeting
        fields: list[str] = []

    def filter_review(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        # A meeting's unpublished reviews are not named to those who read published data only.
        reviews = Review.objects.filter(slug=value)
        if self.request is None or not access.reads_unpublished(self.request.user):
            reviews = publication.published_reviews(reviews)
        return queryset.filter(reviews__in=reviews).distinct()
