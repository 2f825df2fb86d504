"""The Django admin: reference data is edited here; the scrutiny record is not.

Authorities, committees, people, the glossary and supporting documents are edited here as
usual. Reviews and meetings are too, but their saves go through ``services`` (and the review
form checks ``rules``), as the app's own pages do. Recommendations, responses, leads, progress
updates and update reports are read-only here: the app's pages edit them, and their services
check the domain's rules (a changed target date needs a reason, a final report's updates cannot
change, closing is a committee decision...), which a plain admin save would skip.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from recommendations import rules, services
from recommendations.models import (
    Authority,
    Committee,
    CommitteeVerdict,
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


ADMIN_CONFLICT_MESSAGE = (
    "Someone else changed this {noun} since you opened it, so nothing was saved. What you "
    "typed is kept below: compare it with their change (History, top right, in a new tab) and "
    "save again to replace it."
)
OUT_OF_DATE_MESSAGE = "This form is out of date. Reload the page and make your change again."


class VersionedAdminForm(forms.ModelForm):
    """Carries the version the page loaded, as the app's forms do, so that a save from a page
    opened before someone else's save is refused instead of silently undoing it.

    The stored version is read afresh rather than taken from the instance: on simple-history's
    revert page the instance is the old record, carrying the version it had then."""

    # Not "version": the admin lists a form's declared fields in its fieldsets, and a
    # non-editable model field of that name would be refused there.
    loaded_version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        error_messages={"invalid": OUT_OF_DATE_MESSAGE, "min_value": OUT_OF_DATE_MESSAGE},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stored_version = None
        if self.instance.pk:
            self.stored_version = (
                type(self.instance)
                ._default_manager.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            field = self.fields["loaded_version"]
            field.initial = self.stored_version
            field.required = True
            field.error_messages["required"] = OUT_OF_DATE_MESSAGE

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        loaded = data.get("loaded_version")
        if self.instance.pk and loaded is not None and loaded != self.stored_version:
            self.add_error(
                None, ADMIN_CONFLICT_MESSAGE.format(noun=self._meta.model._meta.verbose_name)
            )
            # Everything typed stays; saving again (having looked) is a deliberate overwrite.
            self.data = self.data.copy()
            self.data[self.add_prefix("loaded_version")] = str(self.stored_version or "")
        return data


class VersionedAdminMixin:
    """For admins of versioned models: the form carries the loaded version (``form`` must be
    a ``VersionedAdminForm``) and ``save_model`` passes it to the service, which refuses a stale
    one and moves the version on. If another save lands between the form's check and ours, the
    service's refusal reruns the view, whose form then shows the conflict (not a 500)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.EditConflict:
            return super().changeform_view(request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except services.EditConflict:
            return super().history_form_view(request, object_id, version_id, extra_context)


READ_ONLY_NOTE = (
    "Read-only here: recommendations, responses, leads, progress updates, update reports and "
    "the committee's verdicts are edited on the tracker's own pages (use “View on site” from a "
    "review or recommendation), where every rule of the record is checked."
)


class ReadOnlyInlineMixin:
    """Shown for reference; edited on the app's pages, where the services check the rules."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdminMixin:
    """Read-only, with a note pointing to the app's pages. django-simple-history's "revert"
    form saves with view permission alone, so posting to it is refused here too, and any save
    or delete that still reaches this admin is refused rather than skipping the services."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        self.message_user(request, READ_ONLY_NOTE, messages.INFO)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            self.message_user(request, READ_ONLY_NOTE, messages.INFO)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(READ_ONLY_NOTE)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        raise PermissionDenied(READ_ONLY_NOTE)

    def delete_model(self, request, obj) -> None:
        raise PermissionDenied(READ_ONLY_NOTE)

    def save_formset(self, request, form, formset, change) -> None:
        raise PermissionDenied(READ_ONLY_NOTE)


class ReviewAdminForm(VersionedAdminForm):
    """The rules the review service checks, checked on the form too, so that a broken one is
    shown beside its field instead of failing the save."""

    def _post_clean(self) -> None:
        super()._post_clean()
        for field, errors in rules.review_errors(self.instance).items():
            self.add_error(field if field in self.fields else None, errors)


class CommitteeInline(admin.TabularInline):
    model = Committee
    prepopulated_fields = {"slug": ["name"]}
    extra = 0


class GlossaryTermInline(admin.TabularInline):
    model = GlossaryTerm
    extra = 0


class AuthorityAdminForm(VersionedAdminForm):
    def _post_clean(self) -> None:
        super()._post_clean()
        for field, errors in rules.authority_errors(self.instance).items():
            self.add_error(field if field in self.fields else None, errors)


class PersonAdminForm(VersionedAdminForm):
    def _post_clean(self) -> None:
        super()._post_clean()
        for field, errors in rules.person_errors(self.instance).items():
            self.add_error(field if field in self.fields else None, errors)


@admin.register(Authority)
class AuthorityAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "slug", "response_due_amount", "response_due_unit"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CommitteeInline, GlossaryTermInline]
    form = AuthorityAdminForm

    def save_model(self, request, obj, form, change) -> None:
        if change:
            services.authority_update(
                authority=obj,
                expected_version=form.cleaned_data["loaded_version"],
                user=request.user,
            )
        else:
            services.authority_create(authority=obj, user=request.user)


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "authority"]
    list_filter = ["authority"]
    search_fields = ["name", "authority__name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Person)
class PersonAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "job_title", "organisation", "authority", "email"]
    list_filter = ["authority", "kind", "organisation"]
    # Merging is done on the app's page, which moves every link: never by editing this field.
    readonly_fields = ["merged_into"]
    search_fields = ["name", "job_title", "organisation", "email"]
    form = PersonAdminForm

    def save_model(self, request, obj, form, change) -> None:
        if change:
            services.person_update(
                person=obj, expected_version=form.cleaned_data["loaded_version"], user=request.user
            )
        else:
            services.person_create(person=obj, user=request.user)


class RecommendationInline(ReadOnlyInlineMixin, admin.TabularInline):
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


class UpdateReportInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = UpdateReport
    fields = ["title", "as_at", "as_at_precision", "meeting", "is_final"]
    extra = 0
    show_change_link = True


class SupportingDocumentInline(admin.TabularInline):
    """New documents can be added here; existing ones are shown, and removed, not changed.
    Both go through the services (``DocumentsThroughServicesMixin``)."""

    model = SupportingDocument
    fields = ["title", "file", "description"]
    extra = 0
    show_change_link = True

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DocumentsThroughServicesMixin:
    """For admins with a documents inline: each new document is attached, and each one ticked
    for deletion removed, by the services (type read from the content, unguessable name,
    history), not saved by the formset."""

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not SupportingDocument:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)
        for document in formset.deleted_objects:
            _remove_document(document, request)
        for document in formset.new_objects:
            services.attach_document(document=document, user=request.user)


def _remove_document(document: SupportingDocument, request: HttpRequest) -> None:
    try:
        services.remove_document(document=document, user=request.user)
    except ValidationError as error:
        raise PermissionDenied(" ".join(error.messages)) from error


@admin.register(Review)
class ReviewAdmin(
    VersionedAdminMixin,
    KeepsFormWhenStorageFailsMixin,
    DocumentsThroughServicesMixin,
    SimpleHistoryAdmin,
):
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
    form = ReviewAdminForm

    def save_model(self, request, obj, form, change) -> None:
        # Through the services, as the app's pages save: rules checked, version moved on (so an
        # officer with the page open sees the admin's change as a conflict), history attributed.
        if change:
            services.review_update(
                review=obj, expected_version=form.cleaned_data["loaded_version"], user=request.user
            )
        else:
            services.review_create(review=obj, user=request.user)


class ResponseInline(ReadOnlyInlineMixin, admin.StackedInline):
    model = Response
    extra = 0


class LeadInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Lead
    autocomplete_fields = ["person"]
    extra = 0


class ProgressUpdateInline(ReadOnlyInlineMixin, admin.StackedInline):
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
class RecommendationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
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
class ResponseAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["recommendation", "decision", "given_by", "agreed_on"]
    list_filter = ["decision"]
    list_select_related = ["recommendation__review"]
    search_fields = ["text", "recommendation__label", "recommendation__review__title"]


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["person", "role", "recommendation"]
    list_filter = ["role"]
    list_select_related = ["person", "recommendation__review"]
    search_fields = ["person__name", "recommendation__review__title"]
    autocomplete_fields = ["person"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["recommendation", "as_at", "status", "timescale", "report"]
    list_filter = ["status", "recommendation__review"]
    list_select_related = ["recommendation__review", "report"]
    search_fields = ["text", "timescale", "recommendation__label"]
    date_hierarchy = "as_at"
    autocomplete_fields = ["author"]


@admin.register(UpdateReport)
class UpdateReportAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "review", "as_at", "meeting", "is_final"]
    list_filter = ["is_final", "review"]
    list_select_related = ["review", "meeting"]
    search_fields = ["title", "summary", "review__title"]
    autocomplete_fields = ["author", "authorised_by", "contributors"]


@admin.register(CommitteeVerdict)
class CommitteeVerdictAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Recorded on the meeting's verdict page, where the services check that the meeting
    considered the update and that "not satisfied" says what the committee asks for."""

    list_display = ["update", "verdict", "meeting", "recorded_by", "recorded_at"]
    list_filter = ["verdict", "meeting__committee"]
    list_select_related = ["update__recommendation__review", "meeting__committee", "recorded_by"]
    search_fields = ["asks", "comment", "update__recommendation__label"]


@admin.register(Meeting)
class MeetingAdmin(
    VersionedAdminMixin,
    KeepsFormWhenStorageFailsMixin,
    DocumentsThroughServicesMixin,
    SimpleHistoryAdmin,
):
    list_display = ["date", "committee", "agenda_item", "next_follow_up", "next_follow_up_due"]
    list_filter = ["committee"]
    list_select_related = ["committee"]
    search_fields = ["agenda_item", "decision", "minutes"]
    filter_horizontal = ["reviews"]
    date_hierarchy = "date"
    inlines = [SupportingDocumentInline]
    form = VersionedAdminForm

    def save_model(self, request, obj, form, change) -> None:
        # The reviews it considered are saved with the form's other relations afterwards
        # (``save_related``); the history records which were added or removed.
        if change:
            services.meeting_update(
                meeting=obj, expected_version=form.cleaned_data["loaded_version"], user=request.user
            )
        else:
            services.meeting_create(meeting=obj, review=None, user=request.user)

    # A final report's meeting is part of the published record: deleting the meeting would
    # empty it (SET_NULL, a queryset update that the history does not see).
    def delete_model(self, request, obj) -> None:
        self._refuse_if_a_final_report_names(Meeting.objects.filter(pk=obj.pk))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        self._refuse_if_a_final_report_names(queryset)
        super().delete_queryset(request, queryset)

    def _refuse_if_a_final_report_names(self, meetings) -> None:
        if UpdateReport.objects.filter(meeting__in=meetings, is_final=True).exists():
            raise PermissionDenied(
                "A final update report was presented at this meeting, so it stays on the record."
            )


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["term", "meaning", "authority"]
    list_filter = ["authority"]
    search_fields = ["term", "meaning"]


@admin.register(SupportingDocument)
class SupportingDocumentAdmin(KeepsFormWhenStorageFailsMixin, SimpleHistoryAdmin):
    """Added and removed through the services, as on the app's pages; a stored document is not
    changed (remove it and attach the right one). Downloads go through the app's own checked
    view (``View on site``), never a storage URL."""

    list_display = ["title", "kind", "size", "attached_to", "uploaded_by", "uploaded_at"]
    list_select_related = [
        "review",
        "update_report",
        "progress_update__recommendation",
        "meeting__committee",
        "uploaded_by",
    ]
    search_fields = ["title", "description", "filename"]
    fields = [
        "title",
        "description",
        "review",
        "update_report",
        "progress_update",
        "meeting",
        "file",
    ]
    autocomplete_fields = ["review", "update_report", "progress_update", "meeting"]

    @admin.display(description="Attached to")
    def attached_to(self, obj: SupportingDocument) -> str:
        parent = getattr(obj, obj.parent_field) if obj.parent_field else None
        return str(parent) if parent is not None else "—"

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            raise PermissionDenied(
                "A stored document is not changed: remove it and attach another."
            )
        services.attach_document(document=obj, user=request.user)

    def delete_model(self, request, obj) -> None:
        _remove_document(obj, request)

    def delete_queryset(self, request, queryset) -> None:
        for document in queryset:
            _remove_document(document, request)
