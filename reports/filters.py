from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from recommendations.models import (
    Authority,
    Committee,
    Lead,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
)

OVERDUE_CHOICES = [("", "Any"), ("true", "Overdue only"), ("false", "Not overdue")]


def _authorities(request) -> QuerySet[Authority]:
    return Authority.objects.all()


def _committees(request) -> QuerySet[Committee]:
    return Committee.objects.all()


def _reviews(request) -> QuerySet[Review]:
    return Review.objects.order_by("title")


def _leads(request) -> QuerySet[Person]:
    return Person.objects.filter(Exists(Lead.objects.filter(person=OuterRef("pk"))))


class RecommendationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Search the text")
    authority = django_filters.ModelChoiceFilter(
        field_name="review__committee__authority", queryset=_authorities, label="Authority"
    )
    committee = django_filters.ModelChoiceFilter(
        field_name="review__committee", queryset=_committees, label="Committee"
    )
    review = django_filters.ModelChoiceFilter(queryset=_reviews, label="Review")
    decision = django_filters.ChoiceFilter(
        field_name="response__decision", choices=Response.Decision.choices, label="Decision"
    )
    status = django_filters.ChoiceFilter(
        field_name="latest_status", choices=ProgressUpdate.Status.choices, label="Latest status"
    )
    lead = django_filters.ModelChoiceFilter(queryset=_leads, method="filter_lead", label="Lead")
    overdue = django_filters.ChoiceFilter(
        method="filter_overdue",
        choices=OVERDUE_CHOICES[1:],
        empty_label="Any",
        label="Overdue",
        widget=forms.Select(choices=OVERDUE_CHOICES),
    )

    class Meta:
        model = Recommendation
        fields: list[str] = []

    def filter_lead(self, queryset: QuerySet, name: str, value: Person) -> QuerySet:
        # Exists, not a join, so that a recommendation with two roles for one person is one row.
        return queryset.filter(
            Exists(Lead.objects.filter(recommendation=OuterRef("pk"), person=value))
        )

    def filter_overdue(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        overdue = Q(latest_target_date__lt=dt.date.today()) & ~Q(
            latest_status=ProgressUpdate.Status.IMPLEMENTED
        )
        if value == "true":
            return queryset.filter(overdue)
        if value == "false":
            return queryset.exclude(overdue)
        return queryset

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if connection.vendor == "postgresql":
            query = SearchQuery(value, search_type="websearch", config="english")
            in_updates = ProgressUpdate.objects.annotate(
                search=SearchVector("text", config="english")
            ).filter(recommendation=OuterRef("pk"), search=query)
            return queryset.annotate(
                search=SearchVector("label", "text", "response__text", config="english")
            ).filter(Q(search=query) | Exists(in_updates))
        # SQLite (development): a plain substring match over the same fields.
        in_updates = ProgressUpdate.objects.filter(
            recommendation=OuterRef("pk"), text__icontains=value
        )
        return queryset.filter(
            Q(label__iexact=value)
            | Q(text__icontains=value)
            | Q(response__text__icontains=value)
            | Exists(in_updates)
        )
