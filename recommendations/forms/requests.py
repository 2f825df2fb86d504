"""Update requests: the lead's own update, sending a round of requests, accepting or
returning an update."""

from __future__ import annotations

from django import forms

from recommendations.forms.common import (
    DateInput,
    VersionedForm,
    _too_long,
    validate_markdown_text,
    validate_sensible_date,
)
from recommendations.models import LONG_TEXT_MAX, ProgressUpdate, Recommendation, RequestedUpdate


class RequestedUpdateForm(VersionedForm):
    """A lead's update on one recommendation of their request: the fields a progress update
    has, the previous update's status, target date and RAG rating carried forward. Saving a
    draft checks little; submitting checks every rule a progress update meets (the service)."""

    class Meta:
        model = RequestedUpdate
        fields = ["text", "status", "rag", "timescale", "target_date", "target_date_change_reason"]
        widgets = {"target_date": DateInput(), "text": forms.Textarea(attrs={"rows": 6})}
        labels = {
            "text": "Progress update",
            "target_date": "Target date",
            "timescale": "Timescale",
            "target_date_change_reason": "Why has the target date changed?",
        }
        help_texts = {
            "text": "What has been done, and what is still to do. Markdown.",
            "timescale": 'As you would write it, e.g. "July 2025", "Ongoing (termly)". Optional.',
            "target_date": "When the recommendation should be implemented. Optional.",
            "target_date_change_reason": "Required when the target date differs from the "
            "previous update's.",
        }
        error_messages = {
            "text": {"max_length": _too_long("The progress update")},
            "target_date": {"invalid": "Enter a real date, for example 31/07/2025."},
            "target_date_change_reason": {"max_length": _too_long("The reason")},
        }

    def __init__(
        self, *args, recommendation: Recommendation, previous: ProgressUpdate | None, **kwargs
    ) -> None:
        instance = kwargs.get("instance")
        if (instance is None or instance.pk is None) and previous is not None:
            kwargs["initial"] = {
                "status": previous.status,
                "target_date": previous.target_date,
                "rag": previous.rag,
                "timescale": previous.timescale,
            }
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        self.instance.recommendation = recommendation
        self.fields["text"].required = True
        self.fields["text"].error_messages["required"] = "Enter the progress update."
        self.fields["target_date_change_reason"].widget.attrs["rows"] = 2
        if not recommendation.review.uses_rag:
            del self.fields["rag"]


class UpdateRequestSendForm(forms.Form):
    due_on = forms.DateField(
        label="Updates due by",
        widget=DateInput(),
        validators=[validate_sensible_date],
        error_messages={
            "required": "Enter the date the updates are due.",
            "invalid": "Enter a real date, for example 31/07/2025.",
        },
    )


class ReturnUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    return_comment = forms.CharField(
        label="What should the lead change?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=LONG_TEXT_MAX,
        validators=[validate_markdown_text],
        error_messages={
            "required": "Say what the lead should change.",
            "max_length": _too_long("The comment"),
        },
        help_text="Emailed to the lead with a link to edit and submit it again.",
    )


class AcceptUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
