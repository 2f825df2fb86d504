"""What the API shows of each record: fields listed one by one, never ``__all__``, so nothing
internal (edit versions, who created a row, the history, people's email addresses) is ever
added by a new model field. Each serialiser reads only what its viewset's queryset has
joined or prefetched."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recommendations.models import (
    Authority,
    Committee,
    CommitteeVerdict,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)
from recommendations.monitoring import DECISION_LABELS, STATUS_LABELS, STATUS_ORDER


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["name", "job_title", "organisation", "kind"]


class AuthorityRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:authority-detail", lookup_field="slug"
    )

    class Meta:
        model = Authority
        fields = ["slug", "name", "url"]


class AuthoritySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:authority-detail", lookup_field="slug"
    )

    class Meta:
        model = Authority
        fields = ["id", "url", "slug", "name", "response_due_amount", "response_due_unit"]


class CommitteeRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:committee-detail")

    class Meta:
        model = Committee
        fields = ["id", "name", "url"]


class CommitteeSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:committee-detail")
    authority = AuthorityRefSerializer(read_only=True)

    class Meta:
        model = Committee
        fields = ["id", "url", "slug", "name", "authority"]


class ReviewSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:review-detail", lookup_field="slug")
    authority = AuthorityRefSerializer(source="committee.authority", read_only=True)
    committee = CommitteeRefSerializer(read_only=True)
    lead_cabinet_member = PersonSerializer(read_only=True, allow_null=True)
    lead_director = PersonSerializer(read_only=True, allow_null=True)
    recommendation_count = serializers.IntegerField(
        read_only=True, help_text="Recommendations, not counting lettered parts."
    )

    class Meta:
        model = Review
        fields = [
            "id", "url", "slug", "title", "authority", "committee", "owner", "summary",
            "reported_on", "reported_precision", "response_agreed_on",
            "response_agreed_precision", "status", "lead_cabinet_member", "lead_director",
            "uses_rag", "update_interval_months", "published_at", "recommendation_count",
        ]  # fmt: skip


class ResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Response
        fields = [
            "decision", "text", "given_by", "agreed_on", "agreed_precision", "timetable",
            "timetable_date", "timetable_precision",
        ]  # fmt: skip


class LeadSerializer(serializers.ModelSerializer):
    person = PersonSerializer(read_only=True)
    role_label = serializers.CharField(read_only=True)

    class Meta:
        model = Lead
        fields = ["person", "role", "role_label"]


class RecommendationSerializer(serializers.ModelSerializer):
    """Where it stands by the app's own rules (``monitoring.with_progress``); for a client that
    reads published data only, counted from the updates of final reports alone."""

    url = serializers.HyperlinkedIdentityField(view_name="api:recommendation-detail")
    review = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    decision = serializers.ChoiceField(
        source="decision_key",
        choices=Response.Decision.choices,
        read_only=True,
        help_text='The response\'s decision; "awaiting" when none is recorded.',
    )
    decision_label = serializers.SerializerMethodField()
    response = ResponseSerializer(read_only=True, allow_null=True)
    leads = LeadSerializer(many=True, read_only=True)
    latest_status = serializers.ChoiceField(
        source="status_key",
        choices=[(key, STATUS_LABELS[key]) for key in STATUS_ORDER],
        read_only=True,
        help_text='The latest stated status; "not_stated" when updates state none, "none" '
        "without any update.",
    )
    latest_status_label = serializers.SerializerMethodField()
    latest_as_at = serializers.DateField(read_only=True, allow_null=True)
    latest_as_at_precision = serializers.CharField(read_only=True, allow_null=True)
    latest_target_date = serializers.DateField(read_only=True, allow_null=True)
    latest_timescale = serializers.CharField(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    has_parts = serializers.BooleanField(
        read_only=True, help_text="Its lettered parts carry the decisions; it is not counted."
    )
    is_closed = serializers.SerializerMethodField()
    closed_on = serializers.SerializerMethodField()
    is_priority = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text="An officer's priority flag; null for a client that reads published data only.",
    )
    priority_reason = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Why it is a priority; null for a client that reads published data only.",
    )

    class Meta:
        model = Recommendation
        fields = [
            "id", "url", "review", "parent", "label", "order", "text", "decision",
            "decision_label", "response", "leads", "latest_status", "latest_status_label",
            "latest_as_at", "latest_as_at_precision", "latest_target_date", "latest_timescale",
            "is_overdue", "has_parts", "is_closed", "closed_on", "closed_reason",
            "is_priority", "priority_reason",
        ]  # fmt: skip

    def to_representation(self, instance: Recommendation) -> dict:
        data = super().to_representation(instance)
        if not self.context.get("reads_unpublished", False):
            # An officer's flag and reason, not the committee's papers: never public
            # (recommendations.publication; the public pages do not show them either).
            data["is_priority"] = data["priority_reason"] = None
        return data

    def get_decision_label(self, obj: Recommendation) -> str:
        return DECISION_LABELS.get(obj.decision_key, obj.decision_key)

    def get_latest_status_label(self, obj: Recommendation) -> str:
        return STATUS_LABELS.get(obj.status_key, obj.status_key)

    def get_is_closed(self, obj: Recommendation) -> bool:
        return obj.closed_at_meeting_id is not None

    @extend_schema_field(OpenApiTypes.DATE)
    def get_closed_on(self, obj: Recommendation):
        """The date of the meeting that closed it, if closed."""
        return obj.closed_at_meeting.date if obj.closed_at_meeting_id else None


class VerdictSerializer(serializers.ModelSerializer):
    verdict_label = serializers.CharField(source="get_verdict_display", read_only=True)
    meeting = serializers.PrimaryKeyRelatedField(read_only=True)
    meeting_date = serializers.DateField(source="meeting.date", read_only=True)

    class Meta:
        model = CommitteeVerdict
        fields = ["verdict", "verdict_label", "asks", "comment", "meeting", "meeting_date"]


class UpdateSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:update-detail")
    review = serializers.SlugRelatedField(
        source="recommendation.review", slug_field="slug", read_only=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    author = PersonSerializer(read_only=True, allow_null=True)
    verdict = VerdictSerializer(
        read_only=True, allow_null=True, help_text="The committee's view of this update."
    )

    class Meta:
        model = ProgressUpdate
        fields = [
            "id", "url", "review", "recommendation", "report", "as_at", "as_at_precision",
            "text", "status", "status_label", "rag", "timescale", "target_date",
            "target_date_change_reason", "author", "verdict",
        ]  # fmt: skip


class ReportSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:report-detail")
    review = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = PersonSerializer(read_only=True, allow_null=True)
    authorised_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = UpdateReport
        fields = [
            "id", "url", "review", "title", "as_at", "as_at_precision", "meeting", "author",
            "authorised_by", "summary", "is_final", "finalised_at", "finalised_with_gaps_reason",
        ]  # fmt: skip


class MeetingSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:meeting-detail")
    committee = CommitteeRefSerializer(read_only=True)
    authority = AuthorityRefSerializer(source="committee.authority", read_only=True)
    reviews = serializers.SerializerMethodField()
    update_reports = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id", "url", "committee", "authority", "date", "agenda_item", "minutes", "decision",
            "next_follow_up", "next_follow_up_due", "reviews", "update_reports",
        ]  # fmt: skip

    def get_reviews(self, obj: Meeting) -> list[str]:
        """The slugs of the reviews it considered (that this client may read)."""
        return [review.slug for review in obj.visible_reviews]

    def get_update_reports(self, obj: Meeting) -> list[int]:
        """The ids of the update reports presented at it (that this client may read)."""
        return [report.pk for report in obj.visible_reports]
