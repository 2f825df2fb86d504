"""Authorities and their people: an authority's settings, a person, merging duplicates."""

from __future__ import annotations

import datetime as dt

from django import forms

from recommendations import rules
from recommendations.forms.common import VersionedForm, _offer_people, _people_of
from recommendations.models import Authority, Person

MONTH_CHOICES = [(month, dt.date(2000, month, 1).strftime("%B")) for month in range(1, 13)]


class AuthorityForm(VersionedForm):
    class Meta:
        model = Authority
        fields = [
            "name", "response_due_amount", "response_due_unit", "tracker_reference",
            "reference_pattern", "municipal_year_starts", "report_year_starts",
        ]  # fmt: skip
        widgets = {
            "response_due_unit": forms.RadioSelect,
            "municipal_year_starts": forms.Select(choices=MONTH_CHOICES),
            "report_year_starts": forms.Select(choices=MONTH_CHOICES),
        }
        labels = {
            "name": "Name of the authority",
            "response_due_amount": "Responses are due after",
            "response_due_unit": "Days or months?",
            "tracker_reference": "Reference of each row in a tracker",
            "reference_pattern": "Reading references in imported trackers",
            "municipal_year_starts": "The municipal year starts in",
            "report_year_starts": "The annual report's year starts in",
        }
        help_texts = {
            "name": 'e.g. "London Borough of Hackney".',
            "response_due_amount": "How long after a review reports the executive's "
            "responses are due: e.g. 2 months, or 28 days.",
            "reference_pattern": "Left blank, references such as “SR (25/26) 01”, "
            "“CSC/2024/3”, “HOSC 12.3” and “Rec 4 (Housing 2023)” are read as a review and a "
            "recommendation's number. For other forms, a regular expression naming the "
            "review's part (?P<review>…) and the label (?P<label>…), e.g. "
            "“(?P<review>[A-Z]+ \\d{4})-(?P<label>\\d+)” for “HSC 2024-07”.",
        }
        error_messages = {
            "name": {
                "required": "Enter the name of the authority.",
                "unique": "This authority is already recorded.",
            },
            "response_due_amount": {
                "required": "Enter how many days or months after a review reports its "
                "responses are due.",
                "invalid": "Enter a whole number, e.g. 2 or 28.",
            },
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Left out (a form from before trackers, a script), they keep what is saved.
        for name in (
            "tracker_reference", "reference_pattern", "municipal_year_starts",
            "report_year_starts",
        ):  # fmt: skip
            self.fields[name].required = False

    def clean_tracker_reference(self) -> str:
        return self.cleaned_data.get("tracker_reference") or self.instance.tracker_reference

    def clean_reference_pattern(self) -> str:
        # Blank is a choice (the common forms); only a form without the field keeps it.
        if self.add_prefix("reference_pattern") not in self.data:
            return self.instance.reference_pattern
        return self.cleaned_data.get("reference_pattern", "").strip()

    def clean_municipal_year_starts(self) -> int:
        return self.cleaned_data.get("municipal_year_starts") or self.instance.municipal_year_starts

    def clean_report_year_starts(self) -> int:
        return self.cleaned_data.get("report_year_starts") or self.instance.report_year_starts

    def clean(self) -> dict:
        data = super().clean()
        amount, unit = data.get("response_due_amount"), data.get("response_due_unit")
        if amount is not None and unit:
            limit = rules.RESPONSE_DUE_LIMITS[unit]
            if not 1 <= amount <= limit:
                self.add_error(
                    "response_due_amount", f"Enter a number of {unit} from 1 to {limit}."
                )
        return data


class PersonForm(VersionedForm):
    class Meta:
        model = Person
        fields = ["kind", "name", "job_title", "organisation", "email", "authority"]
        widgets = {"kind": forms.RadioSelect}
        labels = {"kind": "A person or an organisation?", "authority": "Authority"}
        help_texts = {
            "name": "A person's name, or an organisation's, e.g. \"Children and Education "
            'directorate".',
            "job_title": "For a person, as the papers give it.",
            "organisation": 'Where they work, e.g. "Hackney Education". Optional.',
            "authority": "People belong to the authority whose reviews name them.",
        }
        error_messages = {"name": {"required": "Enter the name of the person or organisation."}}

    def __init__(self, *args, authority: Authority, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.instance.authority = authority
            del self.fields["authority"]
        else:
            # Only assigning someone not yet assigned, or keeping them where they are.
            field = self.fields["authority"]
            field.queryset = Authority.objects.filter(pk=authority.pk)
            field.empty_label = "Not assigned to an authority"


class MergeForm(forms.Form):
    """Merging one person into another: who is kept, and (on the confirmation step) the
    versions of both records as the officer saw them."""

    keep = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        label="Merge into",
        empty_label="Select the record to keep",
        error_messages={
            "required": "Select the record to keep.",
            "invalid_choice": "Select someone of this authority who has not been merged.",
        },
    )
    keep_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    duplicate_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, duplicate: Person, authority: Authority, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.duplicate = duplicate
        _offer_people(self.fields["keep"], _people_of(authority.pk).exclude(pk=duplicate.pk))
