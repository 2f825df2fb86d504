from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from recommendations.admin import VersionedAdminForm, VersionedAdminMixin
from reports.models import AppendixSettings, ReportAppendixSettings
from reports.services import appendix_settings_set, report_appendix_settings_set


@admin.register(AppendixSettings)
class AppendixSettingsAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["review", "layout", "updated_at"]
    list_select_related = ["review"]
    form = VersionedAdminForm

    def save_model(self, request, obj, form, change) -> None:
        # Through the service, as the appendix settings page saves: the version is checked
        # and moved on, and the history says who changed what.
        appendix_settings_set(
            review=obj.review,
            layout=obj.layout,
            columns=obj.columns or None,
            header=obj.header or [],
            note=obj.note,
            title=obj.title,
            expected_version=form.cleaned_data["loaded_version"] if change else None,
            user=request.user,
        )


@admin.register(ReportAppendixSettings)
class ReportAppendixSettingsAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["report", "layout", "updated_at"]
    list_select_related = ["report"]
    form = VersionedAdminForm

    def save_model(self, request, obj, form, change) -> None:
        report_appendix_settings_set(
            report=obj.report,
            layout=obj.layout,
            columns=obj.columns or None,
            header=obj.header or [],
            note=obj.note,
            title=obj.title,
            expected_version=form.cleaned_data["loaded_version"] if change else None,
            user=request.user,
        )
