"""Update reports (monitoring rounds): their details, making one final, reopening it."""

from __future__ import annotations

from django import forms

from recommendations import rules
from recommendations.forms.common import (
    OUT_OF_DATE,
    VersionedForm,
    _date_widgets,
    _offer_people,
    _people_of,
    _too_long,
)
from recommendations.models import LONG_TEXT_MAX, Meeting, Recommendation, Review, UpdateReport


class UpdateReportForm(VersionedForm):
    class Meta:
        model = UpdateReport
        fields = [
            "title",
            "as_at",
            "as_at_precision",
            "meeting",
            "author",
            "authorised_by",
            "contributors",
            "summary",
        ]
        widgets = _date_widgets("as_at")
        labels = {
            "as_at": "Progress as at",
            "as_at_precision": "How precise is the date?",
            "author": "Report author",
            "authorised_by": "Authorised by",
        }
        help_texts = {
            "title": 'e.g. "Six month update".',
            "summary": "Markdown. Printed on the committee pack's cover.",
            "author": "Printed on the committee pack's cover.",
            "authorised_by": "The director or lead member who signed the report off.",
            "contributors": "Everyone who contributed updates to this report.",
        }
        error_messages = {
            "title": {"required": "Enter a title for the update report."},
            "summary": {"max_length": _too_long("The summary", LONG_TEXT_MAX * 3)},
        }

    def __init__(self, *args, review: Review, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.review = review
        self.fields["meeting"].queryset = Meeting.objects.filter(committee_id=review.committee_id)
        self.fields["meeting"].empty_label = "Not yet presented"
        authority_id = review.committee.authority_id
        for name in ["author", "authorised_by"]:
            current = getattr(self.instance, f"{name}_id")
            _offer_people(self.fields[name], _people_of(authority_id, current))
            self.fields[name].empty_label = "Not recorded"
        contributors = (
            list(self.instance.contributors.values_list("pk", flat=True))
            if self.instance.pk
            else []
        )
        _offer_people(self.fields["contributors"], _people_of(authority_id, *contributors))


class FinaliseReportForm(VersionedForm):
    """Confirms making a report final. ``gaps`` are the round's recommendations without an
    update in it: with any, the reason is asked for (the service requires it), and their ids
    travel with the form so that finalising refuses if they change meanwhile."""

    gaps = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = UpdateReport
        fields = ["finalised_with_gaps_reason"]
        labels = {
            "finalised_with_gaps_reason": "Why is the report final without these updates?",
        }
        help_texts = {
            "finalised_with_gaps_reason": "Markdown. Shown on the report, its appendix and "
            "the committee pack.",
        }
        error_messages = {"finalised_with_gaps_reason": {"max_length": _too_long("The reason")}}

    def __init__(self, *args, gaps: list[Recommendation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gaps"].initial = ",".join(str(rec.pk) for rec in gaps)
        if not gaps:
            del self.fields["finalised_with_gaps_reason"]
        else:
            reason = self.fields["finalised_with_gaps_reason"]
            reason.required = True
            reason.error_messages["required"] = rules.gaps_reason_missing(gaps)
            reason.widget.attrs["rows"] = 4

    def clean_gaps(self) -> list[int]:
        raw = self.cleaned_data["gaps"].strip()
        if not raw:
            return []
        parts = raw.split(",")
        if not all(part.isascii() and part.isdecimal() and len(part) <= 18 for part in parts):
            raise forms.ValidationError(OUT_OF_DATE)
        return [int(part) for part in parts]

    def show_gaps(self, gap_ids: list[int]) -> None:
        """After a refusal: the page now lists the current gaps, and confirming again
        confirms those."""
        data = self.data.copy()
        data[self.add_prefix("gaps")] = ",".join(str(pk) for pk in gap_ids)
        self.data = data


class ReopenReportForm(VersionedForm):
    """Reopening a final report is an officer's decision, with the reason recorded."""

    class Meta:
        model = UpdateReport
        fields = ["reopened_reason"]
        labels = {"reopened_reason": "Why are you reopening it?"}
        help_texts = {
            "reopened_reason": "Markdown. Recorded with your name and the date, and listed on "
            "the report's page.",
        }
        error_messages = {
            "reopened_reason": {
                "required": "Enter the reason for reopening the report.",
                "max_length": _too_long("The reason"),
            }
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reopened_reason"].required = True
        self.fields["reopened_reason"].widget.attrs["rows"] = 4
