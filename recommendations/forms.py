"""Forms validate; services write. Messages follow the GOV.UK style: say what to do."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from recommendations.models import (
    LONG_TEXT_MAX,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)

RESERVED_SLUGS = {"new"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _too_long(noun: str, limit: int = LONG_TEXT_MAX) -> str:
    return f"{noun} must be {limit:,} characters or fewer."


class VersionedForm(forms.ModelForm):
    """Carries the version the editor loaded, so a later save can spot a conflicting edit."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "This form is out of date. Reload the page and make your change again.",
            "invalid": "This form is out of date. Reload the page and make your change again.",
            "min_value": "This form is out of date. Reload the page and make your change again.",
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            self.fields["version"].required = False

    def keep_typed_text_for_retry(self, current_version: int | None) -> None:
        """After a conflict, keep everything typed but take the new version, so that saving
        again (after reading the other change) is a deliberate overwrite."""
        data = self.data.copy()
        data[self.add_prefix("version")] = "" if current_version is None else str(current_version)
        self.data = data


def _date_widgets(*names: str) -> dict[str, forms.Widget]:
    return {name: DateInput() for name in names}


class ReviewForm(VersionedForm):
    class Meta:
        model = Review
        fields = [
            "committee", "title", "slug", "owner", "status", "summary",
            "reported_on", "reported_precision", "response_agreed_on", "response_agreed_precision",
            "lead_cabinet_member", "lead_director",
        ]  # fmt: skip
        widgets = _date_widgets("reported_on", "response_agreed_on")
        labels = {
            "slug": "Short name for web addresses",
            "reported_on": "Date reported",
            "reported_precision": "How precise is the date reported?",
            "response_agreed_on": "Date the executive agreed its response",
            "response_agreed_precision": "How precise is the date the response was agreed?",
        }
        help_texts = {
            "slug": "Lower-case letters, numbers and hyphens, e.g. hackney-school-exclusions.",
            "summary": "Markdown.",
        }
        error_messages = {
            "title": {"required": "Enter the title of the review."},
            "slug": {
                "required": "Enter a short name for web addresses.",
                "unique": "Another review already uses this short name. Choose another.",
            },
            "summary": {"max_length": _too_long("The summary")},
            "committee": {"required": "Select the committee that made the review."},
        }

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(f'"{slug}" is reserved. Choose another short name.')
        return slug

    def clean(self) -> dict:
        data = super().clean()
        reported, agreed = data.get("reported_on"), data.get("response_agreed_on")
        if reported and agreed and agreed < reported:
            self.add_error(
                "response_agreed_on",
                "The response must be agreed on or after the date the review reported.",
            )
        return data


class RecommendationForm(VersionedForm):
    class Meta:
        model = Recommendation
        fields = ["label", "parent", "text"]
        labels = {"parent": "Part of recommendation", "text": "Recommendation text"}
        help_texts = {
            "label": 'As the document prints it, e.g. "1", "R3" or "3a".',
            "parent": "Leave empty for a top-level recommendation.",
            "text": "Markdown.",
        }
        error_messages = {
            "label": {
                "required": "Enter the recommendation's label.",
                "max_length": "The label must be 20 characters or fewer.",
            },
            "text": {
                "required": "Enter the text of the recommendation.",
                "max_length": _too_long("The recommendation text"),
            },
        }

    def __init__(self, *args, review: Review, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.review = review
        self.instance.review = review
        parents = Recommendation.objects.filter(review=review, parent=None)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = "None: a top-level recommendation"
        self.fields["parent"].label_from_instance = lambda rec: f"Recommendation {rec.label}"
        self.fields["parent"].error_messages["invalid_choice"] = (
            "Select a top-level recommendation of this review."
        )

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if "/" in label:
            raise forms.ValidationError("The label cannot contain a slash.")
        others = Recommendation.objects.filter(review=self.review, label=label)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                f"This review already has a recommendation {label}. Use a different label."
            )
        return label

    def clean_parent(self) -> Recommendation | None:
        parent = self.cleaned_data.get("parent")
        if parent and self.instance.pk and self.instance.parts.exists():
            raise forms.ValidationError(
                "This recommendation has parts of its own, so it cannot become a part."
            )
        return parent


class ResponseForm(VersionedForm):
    class Meta:
        model = Response
        fields = ["decision", "text", "given_by", "agreed_on", "agreed_precision"]
        widgets = _date_widgets("agreed_on")
        labels = {
            "text": "Response and proposed action",
            "agreed_on": "Date agreed",
            "agreed_precision": "How precise is the date agreed?",
        }
        help_texts = {"text": "Markdown."}
        error_messages = {"text": {"max_length": _too_long("The response")}}


class LeadForm(forms.ModelForm):
    """Pick someone already in the tracker, or name a new person."""

    new_person_name = forms.CharField(
        required=False, max_length=255, label="Or add a new person: name"
    )
    new_person_job_title = forms.CharField(required=False, max_length=255, label="Job title")
    new_person_organisation = forms.CharField(required=False, max_length=255, label="Organisation")

    class Meta:
        model = Lead
        fields = ["person", "role"]
        labels = {"person": "Existing person"}
        help_texts = {"person": "Leave empty if you are adding a new person below."}

    def __init__(self, *args, recommendation: Recommendation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recommendation = recommendation
        self.instance.recommendation = recommendation
        self.fields["person"].required = False
        self.fields["person"].queryset = Person.objects.all()
        if self.instance.pk:
            for name in ["new_person_name", "new_person_job_title", "new_person_organisation"]:
                del self.fields[name]

    def clean(self) -> dict:
        data = super().clean()
        person, new_name = data.get("person"), (data.get("new_person_name") or "").strip()
        if person and new_name:
            self.add_error("new_person_name", "Either select an existing person or add a new one.")
        elif not person and not new_name:
            self.add_error("person", "Select a person, or enter the name of a new person.")
        if person and data.get("role"):
            duplicate = Lead.objects.filter(
                recommendation=self.recommendation, person=person, role=data["role"]
            ).exclude(pk=self.instance.pk)
            if duplicate.exists():
                self.add_error("person", "This person already leads on it in that role.")
        return data


class ProgressUpdateForm(VersionedForm):
    class Meta:
        model = ProgressUpdate
        fields = [
            "as_at", "as_at_precision", "status", "text", "timescale", "target_date", "report",
        ]  # fmt: skip
        widgets = _date_widgets("as_at", "target_date")
        labels = {
            "as_at": "Progress as at",
            "as_at_precision": "How precise is the “as at” date?",
            "text": "Progress update",
            "report": "Update report (monitoring round)",
        }
        help_texts = {
            "as_at": "The date the update describes. Defaults to today.",
            "text": "What has been done, and what is still to do. Markdown.",
            "target_date": "When the recommendation should be implemented. Optional.",
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
        }

    def __init__(self, *args, recommendation: Recommendation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recommendation = recommendation
        self.instance.recommendation = recommendation
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("as_at", timezone.localdate())
        reports = UpdateReport.objects.filter(review_id=recommendation.review_id, is_final=False)
        self.fields["report"].queryset = reports
        self.fields["report"].empty_label = "Not part of a report"

    def clean_as_at(self) -> dt.date:
        as_at = self.cleaned_data["as_at"]
        if as_at > timezone.localdate():
            raise forms.ValidationError("The “as at” date must be today or in the past.")
        return as_at

    def clean_target_date(self) -> dt.date | None:
        target = self.cleaned_data.get("target_date")
        reported = self.recommendation.review.reported_on
        if target and reported and target < reported:
            raise forms.ValidationError(
                f"The target date must be on or after the date the review reported "
                f"({reported:%d/%m/%Y})."
            )
        return target


class UpdateReportForm(VersionedForm):
    class Meta:
        model = UpdateReport
        fields = ["title", "as_at", "as_at_precision", "meeting", "summary"]
        widgets = _date_widgets("as_at")
        labels = {"as_at": "Progress as at", "as_at_precision": "How precise is the date?"}
        help_texts = {"title": 'e.g. "Six month update".', "summary": "Markdown."}
        error_messages = {
            "title": {"required": "Enter a title for the update report."},
            "summary": {"max_length": _too_long("The summary", LONG_TEXT_MAX * 3)},
        }

    def __init__(self, *args, review: Review, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.review = review
        self.fields["meeting"].queryset = Meeting.objects.filter(committee_id=review.committee_id)
        self.fields["meeting"].empty_label = "Not yet presented"


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = [
            "date",
            "agenda_item",
            "decision",
            "minutes",
            "next_follow_up",
            "next_follow_up_due",
        ]
        widgets = _date_widgets("date", "next_follow_up_due")
        labels = {"next_follow_up_due": "Next follow-up due"}
        help_texts = {"decision": "Markdown.", "minutes": "Markdown."}
        error_messages = {
            "date": {
                "required": "Enter the date of the meeting.",
                "invalid": "Enter a real date, for example 14/03/2024.",
            },
            "agenda_item": {"required": "Enter the agenda item."},
        }
