"""Who leads on a recommendation: someone of the review's authority, or someone new."""

from __future__ import annotations

from django import forms

from recommendations.forms.common import VersionedForm, _offer_people, _people_of
from recommendations.models import Lead, Person, Recommendation


class LeadForm(VersionedForm):
    """Pick someone of the review's authority, or name a new person or organisation."""

    new_person_kind = forms.ChoiceField(
        choices=Person.Kind.choices,
        initial=Person.Kind.PERSON,
        widget=forms.RadioSelect,
        required=False,
        label="Or add someone new: a person or an organisation?",
    )
    new_person_name = forms.CharField(
        required=False,
        max_length=255,
        label="Name",
        help_text="A person's name, or an organisation's, e.g. \"Children and Education "
        'directorate".',
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
        authority_id = recommendation.review.committee.authority_id
        _offer_people(self.fields["person"], _people_of(authority_id, self.instance.person_id))
        if self.instance.pk:
            for name in [
                "new_person_kind", "new_person_name", "new_person_job_title",
                "new_person_organisation",
            ]:  # fmt: skip
                del self.fields[name]

    def clean(self) -> dict:
        data = super().clean()
        person, new_name = data.get("person"), (data.get("new_person_name") or "").strip()
        if person and new_name:
            self.add_error("new_person_name", "Either select an existing person or add a new one.")
        elif not person and not new_name:
            self.add_error("person", "Select a person, or enter the name of a new person.")
        if not person and new_name:
            # A "new" person who is already in the tracker is that person (lead_add reuses
            # them), so the duplicate check below must see them too: else an IntegrityError.
            person = Person.objects.recorded_as(
                authority_id=self.recommendation.review.committee.authority_id,
                name=new_name,
                job_title=(data.get("new_person_job_title") or "").strip(),
                organisation=(data.get("new_person_organisation") or "").strip(),
            )
        if person and data.get("role"):
            duplicate = Lead.objects.filter(
                recommendation=self.recommendation, person=person, role=data["role"]
            ).exclude(pk=self.instance.pk)
            if duplicate.exists():
                field = "person" if data.get("person") else "new_person_name"
                self.add_error(field, "This person already leads on it in that role.")
        return data
