"""A progress update, one at a time."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from recommendations import rules
from recommendations.forms.common import VersionedForm, _date_widgets, _too_long
from recommendations.models import ProgressUpdate, Recommendation, UpdateReport


class ProgressUpdateForm(VersionedForm):
    class Meta:
        model = ProgressUpdate
        fields = [
            "as_at", "as_at_precision", "status", "status_wording", "rag", "text", "timescale",
            "target_date", "target_date_change_reason", "report",
        ]  # fmt: skip
        widgets = {
            **_date_widgets("as_at", "target_date"),
            "timescale": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "as_at": "Progress as at",
            "as_at_precision": "How precise is the “as at” date?",
            "text": "Progress update",
            "report": "Update report (monitoring round)",
        }
        help_texts = {
            "as_at": "The date the update describes. Defaults to today.",
            "text": "What has been done, and what is still to do. Markdown.",
            "status": "“Status not stated” when the paper gives none: the status stays as an "
            "earlier update stated it, and it makes nothing overdue.",
            "status_wording": "Optional: the authority's own word for the status, e.g. "
            "“Completed” or “On track”. The appendix prints it; the figures and overdue labels "
            "go by the status. A status changed without a new word drops the old one.",
            "timescale": "As the paper writes it, one per line if it gives several.",
            "target_date": "When the recommendation should be implemented. Optional.",
            "target_date_change_reason": "Required when the target date differs from the "
            "previous update's. The original and every revised date stay on the record.",
            "report": "Optional. Only reports that are not yet final are listed.",
        }
        error_messages = {
            "as_at": {
                "required": "Enter the date the update is as at.",
                "invalid": "Enter a real date, for example 31/03/2024.",
            },
            "target_date": {"invalid": "Enter a real date, for example 31/07/2025."},
            "text": {
                "required": "Enter the progress update.",
                "max_length": _too_long("The progress update"),
            },
            "report": {
                "invalid_choice": "Select an update report of this review that is not final."
            },
            "target_date_change_reason": {"max_length": _too_long("The reason")},
        }

    def __init__(self, *args, recommendation: Recommendation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recommendation = recommendation
        self.instance.recommendation = recommendation
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("as_at", timezone.localdate())
            # Carry the current target forward, so a new update cannot drop it unnoticed.
            previous = self.previous_target(timezone.localdate())
            if previous:
                self.initial.setdefault("target_date", previous)
        reports = UpdateReport.objects.filter(review_id=recommendation.review_id, is_final=False)
        self.fields["report"].queryset = reports
        self.fields["report"].empty_label = "Not part of a report"
        self.fields["target_date_change_reason"].label = "Why has the target date changed?"
        self.fields["target_date_change_reason"].widget.attrs["rows"] = 3
        if not recommendation.review.uses_rag:
            del self.fields["rag"]

    def previous_target(self, as_at: dt.date | None) -> dt.date | None:
        return rules.previous_target(self.instance, as_at)

    def clean(self) -> dict:
        data = super().clean()
        if "target_date" not in data or self.errors.get("as_at"):
            return data
        previous = self.previous_target(data.get("as_at"))
        target = data.get("target_date")
        reason = data.get("target_date_change_reason") or ""
        if message := rules.target_date_reason_error(previous, target, reason):
            self.add_error("target_date_change_reason", message)
        if not previous or target == previous:
            # Nothing changed, so a reason would mislead the target-date history.
            data["target_date_change_reason"] = ""
        return data

    def clean_as_at(self) -> dt.date:
        as_at = self.cleaned_data["as_at"]
        if message := rules.future_as_at_error(as_at):
            raise forms.ValidationError(message)
        return as_at

    def clean_target_date(self) -> dt.date | None:
        target = self.cleaned_data.get("target_date")
        if message := rules.early_target_error(target, self.recommendation.review):
            raise forms.ValidationError(message)
        return target
