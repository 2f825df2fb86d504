from django.contrib import admin

from reports.models import AppendixSettings


@admin.register(AppendixSettings)
class AppendixSettingsAdmin(admin.ModelAdmin):
    list_display = ["review", "layout", "updated_at"]
    list_select_related = ["review"]
