from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from recommendations.models import (
    Authority,
    Committee,
    DocumentVersion,
    GlossaryTerm,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    SupportingDocument,
    UpdateReport,
)
from recommendations.storage import StorageUnavailable

# Set on the request when a save failed in storage; get_form then makes the form say so.
STORAGE_ERROR_ATTRIBUTE = "_storage_error_message"


class KeepsFormWhenStorageFailsMixin:
    """For every admin that can upload a file, itself or through an inline.

    When the storage cannot keep an uploaded file (full disk, read-only mount), the admin's own
    transaction has already rolled the row back. Instead of the generic 500, the view runs again
    with a form that refuses to validate, so the admin shows the same bound form (everything the
    user typed, inlines included) with the reason at the top. Browsers never refill a file
    input, hence "choose the file again".
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StorageUnavailable as error:
            setattr(
                request,
                STORAGE_ERROR_ATTRIBUTE,
                f"{error} Everything else you typed is kept below: choose the file again "
                "before saving.",
            )
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form_class = super().get_form(request, obj, change, **kwargs)
        message = getattr(request, STORAGE_ERROR_ATTRIBUTE, None)
        if message is None:
            return form_class

        class StorageFailedForm(form_class):
            def clean(self) -> dict[str, Any]:
                cleaned_data = super().clean()
                self.add_error(None, message)
                return cleaned_data

        return StorageFailedForm


class CommitteeInline(admin.TabularInline):
    model = Committee
    prepopulated_fields = {"slug": ["name"]}
    extra = 0


class GlossaryTermInline(admin.TabularInline):
    model = GlossaryTerm
    extra = 0


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CommitteeInline, GlossaryTermInline]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "authority"]
    list_filter = ["authority"]
    search_fields = ["name", "authority__name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "job_title", "organisation", "email"]
    list_filter = ["organisation"]
    search_fields = ["name", "job_title", "organisation", "email"]


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    fields = ["label", "order", "parent", "text"]
    extra = 0
    show_change_link = True

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "text":
            field.widget.attrs.update(rows=3, cols=70)
        return field


class DocumentVersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0


class UpdateReportInline(admin.TabularInline):
    model = UpdateReport
    fields = ["title", "as_at", "as_at_precision", "meeting", "is_final"]
    extra = 0
    show_change_link = True


class SupportingDocumentInline(admin.TabularInline):
    model = SupportingDocument
    fields = ["title", "file", "description"]
    extra = 0


@admin.register(Review)
class ReviewAdmin(KeepsFormWhenStorageFailsMixin, SimpleHistoryAdmin):
    list_display = ["title", "committee", "reported_on", "response_agreed_on", "status"]
    list_filter = ["status", "committee__authority", "committee"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["lead_cabinet_member", "lead_director"]
    date_hierarchy = "reported_on"
    inlines = [
        RecommendationInline,
        UpdateReportInline,
        DocumentVersionInline,
        SupportingDocumentInline,
    ]


class ResponseInline(admin.StackedInline):
    model = Response
    extra = 0


class LeadInline(admin.TabularInline):
    model = Lead
    autocomplete_fields = ["person"]
    extra = 0


class ProgressUpdateInline(admin.StackedInline):
    model = ProgressUpdate
    fields = [
        "as_at",
        "as_at_precision",
        "status",
        "timescale",
        "target_date",
        "report",
        "author",
        "text",
    ]
    autocomplete_fields = ["author"]
    extra = 0


@admin.register(Recommendation)
class RecommendationAdmin(SimpleHistoryAdmin):
    list_display = ["label", "review", "parent", "decision", "order"]
    list_filter = ["review__committee__authority", "review", "response__decision"]
    list_select_related = ["review", "parent", "response"]
    search_fields = ["label", "text", "review__title", "response__text", "updates__text"]
    ordering = ["review", "order"]
    inlines = [ResponseInline, LeadInline, ProgressUpdateInline]

    @admin.display(description="Decision", ordering="response__decision")
    def decision(self, obj: Recommendation) -> str:
        response = getattr(obj, "response", None)
        return response.get_decision_display() if response else "—"


@admin.register(Response)
class ResponseAdmin(SimpleHistoryAdmin):
    list_display = ["recommendation", "decision", "given_by", "agreed_on"]
    list_filter = ["decision"]
    list_select_related = ["recommendation__review"]
    search_fields = ["text", "recommendation__label", "recommendation__review__title"]


@admin.register(Lead)
class LeadAdmin(SimpleHistoryAdmin):
    list_display = ["person", "role", "recommendation"]
    list_filter = ["role"]
    list_select_related = ["person", "recommendation__review"]
    search_fields = ["person__name", "recommendation__review__title"]
    autocomplete_fields = ["person"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SimpleHistoryAdmin):
    list_display = ["recommendation", "as_at", "status", "timescale", "report"]
    list_filter = ["status", "recommendation__review"]
    list_select_related = ["recommendation__review", "report"]
    search_fields = ["text", "timescale", "recommendation__label"]
    date_hierarchy = "as_at"
    autocomplete_fields = ["author"]


@admin.register(UpdateReport)
class UpdateReportAdmin(SimpleHistoryAdmin):
    list_display = ["title", "review", "as_at", "meeting", "is_final"]
    list_filter = ["is_final", "review"]
    list_select_related = ["review", "meeting"]
    search_fields = ["title", "summary", "review__title"]
    autocomplete_fields = ["author", "authorised_by", "contributors"]


@admin.register(Meeting)
class MeetingAdmin(KeepsFormWhenStorageFailsMixin, SimpleHistoryAdmin):
    list_display = ["date", "committee", "agenda_item", "next_follow_up", "next_follow_up_due"]
    list_filter = ["committee"]
    list_select_related = ["committee"]
    search_fields = ["agenda_item", "decision", "minutes"]
    filter_horizontal = ["reviews"]
    date_hierarchy = "date"
    inlines = [SupportingDocumentInline]


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["term", "meaning", "authority"]
    list_filter = ["authority"]
    search_fields = ["term", "meaning"]


@admin.register(SupportingDocument)
class SupportingDocumentAdmin(KeepsFormWhenStorageFailsMixin, admin.ModelAdmin):
    list_display = ["title", "review", "meeting", "uploaded_at"]
    search_fields = ["title", "description"]
