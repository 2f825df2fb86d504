"""A recommendation and what is decided about it: its text, the executive's response, the
overdue label, priority, and the committee's closing or reopening."""

from __future__ import annotations

from django import forms

from recommendations.forms.common import VersionedForm, _date_widgets, _too_long
from recommendations.models import (
    UNNUMBERED_PREFIX,
    Meeting,
    OverdueOverride,
    Recommendation,
    Response,
    Review,
)


class RecommendationForm(VersionedForm):
    class Meta:
        model = Recommendation
        fields = ["label", "parent", "text"]
        labels = {"parent": "Part of recommendation", "text": "Recommendation text"}
        help_texts = {
            "label": 'As the document prints it, e.g. "1", "R3" or "3a". Leave it blank if '
            "the document does not number it: nothing is printed in its place.",
            "parent": "Leave empty for a top-level recommendation.",
            "text": "Markdown.",
        }
        error_messages = {
            "label": {"max_length": "The label must be 20 characters or fewer."},
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
        self.fields["parent"].label_from_instance = lambda rec: rec.name
        self.fields["parent"].error_messages["invalid_choice"] = (
            "Select a top-level recommendation of this review."
        )

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if "/" in label:
            raise forms.ValidationError("The label cannot contain a slash.")
        if label.startswith(UNNUMBERED_PREFIX):
            raise forms.ValidationError(f"The label cannot start with “{UNNUMBERED_PREFIX}”.")
        others = Recommendation.objects.filter(review=self.review, label=label)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if label and others.exists():
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
        fields = [
            "decision", "decision_wording", "text", "given_by", "agreed_on", "agreed_precision",
            "timetable", "timetable_date", "timetable_precision",
        ]  # fmt: skip
        widgets = _date_widgets("agreed_on", "timetable_date")
        labels = {
            "text": "Response and proposed action",
            "agreed_on": "Date agreed",
            "agreed_precision": "How precise is the date agreed?",
            "timetable": "The response's timetable",
            "timetable_date": "Its date",
            "timetable_precision": "How precise is its date?",
        }
        help_texts = {
            "decision_wording": "Optional: the authority's own word for the decision, e.g. "
            "“Accepted” or “Agreed in principle”. The appendix prints it; the figures count the "
            "decision. A decision changed without a new word drops the old one.",
            "text": "Markdown.",
            "timetable": "A deadline or a status as the response states it, e.g. “Meeting "
            "held by 28 February” or “Completed”. It never makes the recommendation overdue: "
            "progress and target dates belong in progress updates.",
            "timetable_date": "If the timetable gives one.",
        }
        error_messages = {
            "text": {"max_length": _too_long("The response")},
            "timetable": {"max_length": "The timetable must be 255 characters or fewer."},
            "timetable_date": {"invalid": "Enter a real date, for example 28/02/2025."},
        }


class OverdueOverrideForm(VersionedForm):
    """A scrutiny officer sets or clears the overdue label; either way they say why."""

    class Meta:
        model = Recommendation
        fields = ["overdue_override", "overdue_override_reason"]
        labels = {
            "overdue_override": "Overdue label",
            "overdue_override_reason": "Reason",
        }
        help_texts = {
            "overdue_override": "Leave it to the rule unless the derived label is wrong.",
            "overdue_override_reason": "Shown wherever the label is. Required, also when "
            "you hand the label back to the rule.",
        }
        error_messages = {
            "overdue_override_reason": {"max_length": _too_long("The reason")},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["overdue_override"]
        field.choices = [("", "Follow the rule (no override)"), *OverdueOverride.choices]
        field.required = False
        if not self.is_bound:
            self.initial["overdue_override_reason"] = ""

    def clean_overdue_override_reason(self) -> str:
        reason = self.cleaned_data["overdue_override_reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter the reason for the overdue label.")
        return reason


class PriorityForm(VersionedForm):
    """A scrutiny officer marks a recommendation as a priority (as the US GAO flags its
    priority recommendations), saying why; the same page changes the reason later."""

    class Meta:
        model = Recommendation
        fields = ["priority_reason"]
        labels = {"priority_reason": "Why it is a priority"}
        help_texts = {
            "priority_reason": "Shown with the Priority badge on the recommendation's page. "
            "Markdown."
        }
        widgets = {"priority_reason": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "priority_reason": {
                "required": "Enter why it is a priority.",
                "max_length": _too_long("The reason"),
            },
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority_reason"].required = True


class RemovePriorityForm(VersionedForm):
    """Removing the priority: only the version the page showed, so what is removed is what the
    officer saw. The reason it had stays in the history."""

    class Meta:
        model = Recommendation
        fields: list[str] = []


def _choose_a_committee_meeting(field: forms.ModelChoiceField, recommendation) -> None:
    """A committee decision is taken at a meeting of the review's own committee, newest first."""
    committee_id = recommendation.review.committee_id
    field.queryset = Meeting.objects.filter(committee_id=committee_id).order_by("-date")
    field.required = True
    field.empty_label = "Select a meeting"
    field.label_from_instance = lambda m: f"{m.date.day} {m.date:%B %Y}: {m.agenda_item}"


class CloseRecommendationForm(VersionedForm):
    """Closing is a committee decision: which meeting decided it, why, and on what evidence."""

    class Meta:
        model = Recommendation
        fields = ["closed_at_meeting", "closed_reason", "closed_evidence"]
        labels = {
            "closed_at_meeting": "Meeting that decided to close it",
            "closed_reason": "Reason",
            "closed_evidence": "Evidence",
        }
        help_texts = {
            "closed_reason": "As the committee's decision records it. Markdown.",
            "closed_evidence": "What shows it is done or no longer needed, e.g. a report or "
            "minute reference. Markdown.",
        }
        error_messages = {
            "closed_at_meeting": {
                "required": "Select the meeting that decided to close it.",
                "invalid_choice": "Select a meeting of this review's committee.",
            },
            "closed_reason": {"max_length": _too_long("The reason")},
            "closed_evidence": {"max_length": _too_long("The evidence")},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choose_a_committee_meeting(self.fields["closed_at_meeting"], self.instance)
        for name in ["closed_reason", "closed_evidence"]:
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = (
                "Enter the reason for closing it."
                if name == "closed_reason"
                else "Enter the evidence the committee relied on."
            )


class ReopenRecommendationForm(VersionedForm):
    """Reopening is a committee decision too: which meeting decided it, and why."""

    class Meta:
        model = Recommendation
        fields = ["reopened_at_meeting", "reopened_reason"]
        labels = {
            "reopened_at_meeting": "Meeting that decided to reopen it",
            "reopened_reason": "Reason",
        }
        help_texts = {"reopened_reason": "As the committee's decision records it. Markdown."}
        error_messages = {
            "reopened_at_meeting": {
                "required": "Select the meeting that decided to reopen it.",
                "invalid_choice": "Select a meeting of this review's committee.",
            },
            "reopened_reason": {
                "required": "Enter the reason for reopening it.",
                "max_length": _too_long("The reason"),
            },
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choose_a_committee_meeting(self.fields["reopened_at_meeting"], self.instance)
        self.fields["reopened_reason"].required = True
