"""A monitoring round entered on one page: its "as at" date and a row per recommendation."""

from __future__ import annotations

import datetime as dt

from django import forms

from recommendations import rules
from recommendations.forms.common import DateInput, VersionedForm, validate_sensible_date
from recommendations.forms.updates import ProgressUpdateForm
from recommendations.models import DatePrecision, ProgressUpdate, Recommendation
from recommendations.widgets import FastWidgets


class RoundForm(forms.Form):
    """The top of the round page: the "as at" date every new update in the round carries."""

    as_at = forms.DateField(
        label="Progress as at",
        widget=DateInput(),
        help_text="Every new update on this page is dated this. Updates already in the round "
        "keep their own date.",
        validators=[validate_sensible_date],
        error_messages={
            "required": "Enter the date the updates are as at.",
            "invalid": "Enter a real date, for example 31/03/2024.",
        },
    )
    as_at_precision = forms.ChoiceField(
        label="How precise is the “as at” date?", choices=DatePrecision.choices
    )

    def clean_as_at(self) -> dt.date:
        as_at = self.cleaned_data["as_at"]
        if message := rules.future_as_at_error(as_at):
            raise forms.ValidationError(message)
        return as_at


class RoundRowForm(VersionedForm):
    """One recommendation's row on the round page. A new row left as it was loaded is skipped
    (``empty_permitted``); the previous update's status, target date and RAG rating are carried
    forward, so a row needs only its text unless something changed."""

    default_renderer = FastWidgets()  # 30 rows of six fields: see FastWidgets

    class Meta:
        model = ProgressUpdate
        fields = [
            "text", "status", "rag", "timescale", "target_date", "target_date_change_reason",
        ]  # fmt: skip
        widgets = {
            "target_date": DateInput(),
            "text": forms.Textarea(attrs={"rows": 5}),
            "timescale": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "text": "Progress update",
            "target_date": "Target date",
            "target_date_change_reason": "Why has the target date changed?",
        }
        error_messages = ProgressUpdateForm.Meta.error_messages

    def __init__(
        self,
        *args,
        recommendation: Recommendation,
        previous: ProgressUpdate | None,
        **kwargs,
    ) -> None:
        instance = kwargs.get("instance")
        is_new = instance is None or instance.pk is None
        if is_new:
            kwargs["instance"] = instance or ProgressUpdate(recommendation=recommendation)
            kwargs["empty_permitted"] = True
            kwargs["use_required_attribute"] = False
            if previous is not None:
                kwargs["initial"] = {
                    "status": previous.status,
                    "target_date": previous.target_date,
                    "rag": previous.rag,
                    "timescale": previous.timescale,
                    **(kwargs.get("initial") or {}),
                }
        super().__init__(*args, **kwargs)
        self.recommendation = recommendation
        self.previous = previous
        self.instance.recommendation = recommendation
        self.fields["target_date_change_reason"].widget.attrs["rows"] = 2
        self.fields[
            "target_date_change_reason"
        ].help_text = "Required when the target date differs from the previous update's."
        if not recommendation.review.uses_rag:
            del self.fields["rag"]

    def clean(self) -> dict:
        data = super().clean()
        if "target_date" not in data:
            return data
        previous = self.previous.target_date if self.previous else None
        target = data.get("target_date")
        if message := rules.target_date_reason_error(
            previous, target, data.get("target_date_change_reason") or ""
        ):
            self.add_error("target_date_change_reason", message)
        return data

    def clean_target_date(self) -> dt.date | None:
        target = self.cleaned_data.get("target_date")
        if message := rules.early_target_error(target, self.recommendation.review):
            raise forms.ValidationError(message)
        return target
