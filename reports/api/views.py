"""Read-only viewsets. Every queryset is built per request from what the client may read:
``publication``'s querysets for anyone who reads published data only (signed out, leads,
users in no role), the whole record for members, clerks and officers (``access``). Each list
is a fixed number of queries whatever the page size (written beside each ``get_queryset``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import OperationalError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from recommendations import access, publication
from recommendations.models import (
    Authority,
    Committee,
    Meeting,
    ProgressUpdate,
    Recommendation,
    Review,
    UpdateReport,
)
from recommendations.monitoring import with_progress
from recommendations.selectors import leads_prefetch
from reports.api import filters, serializers
from reports.api.pagination import FirstMatches, IdsFirst, SearchPagination
from reports.filters import SEARCH_COUNT_LIMIT, SEARCH_TOO_COMPLEX, is_too_complex

ID = "[0-9]{1,18}"
# A slug as Django's slug converter reads it: anything else (a NUL byte, which PostgreSQL
# refuses in a query) is a 404 from URL resolution, never a database error.
SLUG = "[-a-zA-Z0-9_]+"


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        # Open to anyone: the published data needs no account (what else a client reads is
        # decided per request, by its token or session).
        return login_not_required(super().as_view(actions, **initkwargs))

    @property
    def reads_unpublished(self) -> bool:
        return access.reads_unpublished(self.request.user)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "reads_unpublished": self.reads_unpublished}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # The same address answers differently by who asks: a shared cache must not give a
        # member's answer to the public, nor keep it at all.
        patch_vary_headers(response, ["Authorization", "Cookie"])
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


@extend_schema_view(
    list=extend_schema(summary="Authorities"), retrieve=extend_schema(summary="An authority")
)
class AuthorityViewSet(ReadOnlyViewSet):
    serializer_class = serializers.AuthoritySerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG

    def get_queryset(self) -> QuerySet[Authority]:
        # Queries: [the count]; the page.
        authorities = Authority.objects.order_by("name", "pk")
        return (
            authorities if self.reads_unpublished else publication.public_authorities(authorities)
        )


@extend_schema_view(
    list=extend_schema(summary="Committees"), retrieve=extend_schema(summary="A committee")
)
class CommitteeViewSet(ReadOnlyViewSet):
    serializer_class = serializers.CommitteeSerializer
    filterset_class = filters.CommitteeFilter
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Committee]:
        # Queries: [the count]; the page with authorities.
        committees = Committee.objects.select_related("authority").order_by(
            "authority__name", "name", "pk"
        )
        return committees if self.reads_unpublished else publication.public_committees(committees)


@extend_schema_view(
    list=extend_schema(summary="Reviews"),
    retrieve=extend_schema(summary="A review (by its slug)"),
)
class ReviewViewSet(ReadOnlyViewSet):
    serializer_class = serializers.ReviewSerializer
    filterset_class = filters.ReviewFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG

    def get_queryset(self) -> QuerySet[Review]:
        # Queries: [the count]; the page with committees, authorities and lead people.
        reviews = Review.objects.all()
        if not self.reads_unpublished:
            reviews = publication.published_reviews(reviews)
        return (
            reviews.select_related("committee__authority", "lead_cabinet_member", "lead_director")
            .annotate(
                recommendation_count=Count(
                    "recommendations", filter=Q(recommendations__parent=None)
                )
            )
            .order_by("-reported_on", "title", "pk")
        )


@extend_schema_view(
    list=extend_schema(
        summary="Recommendations, with their decision and latest status",
        description="Filtered as the app's /recommendations/ table is (the same parameters). "
        f"A search (`q`) lists at most {SEARCH_COUNT_LIMIT:,} matches, as the table does: "
        "`more_matches` says when more match.",
    ),
    retrieve=extend_schema(summary="A recommendation"),
)
class RecommendationViewSet(ReadOnlyViewSet):
    serializer_class = serializers.RecommendationSerializer
    filterset_class = filters.ApiRecommendationFilter
    filter_backends = [filters.FilterBackend]
    lookup_value_regex = ID
    pagination_class = SearchPagination

    def get_queryset(self) -> QuerySet[Recommendation]:
        # Queries: [the count]; [the page's ids]; the page with reviews, responses and closing
        # meetings (where each stands is annotated, ``with_progress``); their leads with people.
        # A search: its first matches (counted); the page's ids in order; the page; its leads.
        if self.reads_unpublished:
            recommendations = with_progress(Recommendation.objects.all())
        else:
            recommendations = publication.public_progress(publication.public_recommendations())
        return (
            recommendations.select_related("review", "response", "closed_at_meeting")
            .prefetch_related(leads_prefetch())
            .order_by("review__title", "order", "id")
        )

    def paginate_queryset(self, queryset):
        chosen = {name for name, value in self.filterset.form.cleaned_data.items() if value}
        if "q" in chosen:
            # As the app's search: its first matches, those added last for a search alone.
            queryset = FirstMatches(
                queryset,
                rows=self.get_queryset(),
                limit=SEARCH_COUNT_LIMIT,
                newest=chosen == {"q"},
            )
        elif not chosen and not self.reads_unpublished:
            queryset = IdsFirst(queryset, count=publication.count_public_recommendations)
        return super().paginate_queryset(queryset)

    def list(self, request, *args, **kwargs):
        try:
            return super().list(request, *args, **kwargs)
        except OperationalError as error:
            # SQLite finds some searches too complex: the client's to simplify, not a 500.
            if not is_too_complex(error):
                raise
            raise ValidationError({"q": [SEARCH_TOO_COMPLEX]}) from None


@extend_schema_view(
    list=extend_schema(
        summary="Progress updates",
        description="Without a token, only the updates of final update reports.",
    ),
    retrieve=extend_schema(summary="A progress update"),
)
class UpdateViewSet(ReadOnlyViewSet):
    serializer_class = serializers.UpdateSerializer
    filterset_class = filters.UpdateFilter
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[ProgressUpdate]:
        # Queries: [the count]; the page with recommendations' reviews, authors and the
        # committee's view with its meeting.
        updates = ProgressUpdate.objects.all()
        if not self.reads_unpublished:
            updates = publication.public_updates(updates)
        return updates.select_related(
            "recommendation__review", "author", "verdict__meeting"
        ).order_by("recommendation__review__title", "recommendation__order", "-as_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="Update reports", description="Without a token, only final update reports."
    ),
    retrieve=extend_schema(summary="An update report"),
)
class ReportViewSet(ReadOnlyViewSet):
    serializer_class = serializers.ReportSerializer
    filterset_class = filters.ReportFilter
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[UpdateReport]:
        # Queries: [the count]; the page with reviews, authors and authorisers.
        reports = UpdateReport.objects.all()
        if not self.reads_unpublished:
            reports = publication.public_reports(reports)
        return reports.select_related("review", "author", "authorised_by").order_by(
            "review__title", "-as_at", "title", "pk"
        )


@extend_schema_view(
    list=extend_schema(
        summary="Meetings",
        description="Without a token, the meetings that considered a final update report.",
    ),
    retrieve=extend_schema(summary="A meeting"),
)
class MeetingViewSet(ReadOnlyViewSet):
    serializer_class = serializers.MeetingSerializer
    filterset_class = filters.MeetingFilter
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Meeting]:
        # Queries: [the count]; the page with committees and authorities; the reviews they
        # considered; the update reports presented at them (both only those this client reads).
        meetings = Meeting.objects.all()
        reviews, reports = Review.objects.all(), UpdateReport.objects.all()
        if not self.reads_unpublished:
            meetings = publication.public_meetings(meetings)
            reviews = publication.published_reviews(reviews)
            reports = publication.public_reports(reports)
        return (
            meetings.select_related("committee__authority")
            .prefetch_related(
                Prefetch("reviews", queryset=reviews.order_by("title"), to_attr="visible_reviews"),
                Prefetch(
                    "update_reports", queryset=reports.order_by("title"), to_attr="visible_reports"
                ),
            )
            .order_by("-date", "-id")
        )
