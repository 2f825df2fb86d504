"""A review: starting one (which authority), editing it, publishing or unpublishing it."""

from __future__ import annotations

from django import forms

from recommendations import rules, services
from recommendations.forms.common import (
    OUT_OF_DATE,
    VersionedForm,
    _date_widgets,
    _offer_people,
    _people_of,
    _too_long,
)
from recommendations.models import Authority, Committee, Person, Review

RESERVED_SLUGS = rules.RESERVED_SLUGS


NOT_LISTED = "Not listed? Add "


class ReviewForm(VersionedForm):
    """A review of one authority: its committees and people are offered, and a committee, a
    person or an organisation not yet recorded can be added here (``added()``), saved with
    the review or not at all."""

    new_committee_name = forms.CharField(
        required=False, max_length=255, label="Name of the committee",
        help_text='As the papers name it, e.g. "Children & Young People Scrutiny Commission".',
    )  # fmt: skip
    new_lead_cabinet_member_name = forms.CharField(
        required=False, max_length=255, label="Name of the Cabinet member"
    )
    new_lead_cabinet_member_job_title = forms.CharField(
        required=False, max_length=255, label="Their job title",
        help_text='e.g. "Cabinet Member for Education".',
    )  # fmt: skip
    new_lead_director_kind = forms.ChoiceField(
        choices=Person.Kind.choices,
        initial=Person.Kind.PERSON,
        widget=forms.RadioSelect,
        label="A person or an organisation?",
        required=False,
    )
    new_lead_director_name = forms.CharField(
        required=False, max_length=255, label="Name of the director or directorate",
        help_text='A person\'s name, or an organisation\'s, e.g. "Children and Education '
        'directorate".',
    )  # fmt: skip
    new_lead_director_job_title = forms.CharField(
        required=False, max_length=255, label="Their job title", help_text="For a person."
    )

    # The "not listed?" groups: (the field they belong to, what the group adds, its fields).
    ADD_GROUPS = [
        ("committee", "a committee", ["new_committee_name"]),
        ("lead_cabinet_member", "a Cabinet member",
         ["new_lead_cabinet_member_name", "new_lead_cabinet_member_job_title"]),
        ("lead_director", "a director or directorate",
         ["new_lead_director_kind", "new_lead_director_name", "new_lead_director_job_title"]),
    ]  # fmt: skip
    PERSON_FIELDS = ["lead_cabinet_member", "lead_director"]

    class Meta:
        model = Review
        fields = [
            "title", "slug", "committee", "owner", "status", "summary",
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
            "lead_cabinet_member": "Lead Cabinet member",
            "lead_director": "Lead director or directorate",
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
            "committee": {
                "required": "Select the committee that made the review.",
                "invalid_choice": "Select a committee of this authority, or add one.",
            },
        }

    def __init__(self, *args, authority: Authority, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.authority = authority
        committee = self.fields["committee"]
        committee.queryset = Committee.objects.filter(authority=authority).order_by("name")
        # Chosen here or added below (``clean`` asks for one or the other).
        committee.required = False
        committee.empty_label = "Select a committee"
        for name in ["committee", "new_committee_name", "new_lead_cabinet_member_name"]:
            self.fields[name].show_as_required = True
        for name in ["new_lead_director_kind", "new_lead_director_name"]:
            self.fields[name].show_as_required = True
        for name in self.PERSON_FIELDS:
            current = getattr(self.instance, f"{name}_id", None)
            _offer_people(self.fields[name], _people_of(authority.pk, current))
            self.fields[name].empty_label = "None recorded"
        self.add_group_fields = [name for _, _, names in self.ADD_GROUPS for name in names]
        if not self.instance.pk:
            # Made from the title when left empty (the page's script fills it in as you type).
            self.fields["slug"].required = False
            self.fields["slug"].widget.attrs["data-slug-from"] = self["title"].auto_id
            self.fields["slug"].help_text = (
                "Made from the title unless you change it. Lower-case letters, numbers and "
                "hyphens, e.g. hackney-school-exclusions."
            )

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
        new_committee = (data.get("new_committee_name") or "").strip()
        if data.get("committee") and new_committee:
            self.add_error(
                "new_committee_name", "Either select a committee or add a new one, not both."
            )
        elif not data.get("committee") and not new_committee and "committee" not in self.errors:
            self.add_error(
                "committee", "Select the committee that made the review, or add a new one."
            )
        for name in self.PERSON_FIELDS:
            typed = (data.get(f"new_{name}_name") or "").strip()
            if data.get(name) and typed:
                self.add_error(
                    f"new_{name}_name", "Either select someone from the list or add someone new."
                )
            elif not typed and (data.get(f"new_{name}_job_title") or "").strip():
                self.add_error(
                    f"new_{name}_name", "Enter their name, or leave the job title empty."
                )
        return data

    def added(self) -> services.AddedOnTheSpot:
        """What the officer added rather than chose (unsaved; the service saves it)."""
        data = self.cleaned_data
        added = services.AddedOnTheSpot()
        if name := data.get("new_committee_name", "").strip():
            added.committee = Committee(authority=self.authority, name=name)
        for field in self.PERSON_FIELDS:
            if name := data.get(f"new_{field}_name", "").strip():
                added.people[field] = Person(
                    name=name,
                    job_title=data.get(f"new_{field}_job_title", "").strip(),
                    kind=data.get(f"new_{field}_kind") or Person.Kind.PERSON,
                )
        return added

    def add_groups(self) -> list[dict]:
        """For the template: each "not listed?" group, open when it holds something."""
        groups = []
        for field, noun, names in self.ADD_GROUPS:
            fields = [self[name] for name in names]
            typed = any(
                (self.data.get(self.add_prefix(name)) or "").strip()
                for name in names
                if not name.endswith("_kind")
            )
            groups.append(
                {
                    "after": field,
                    "summary": NOT_LISTED + noun,
                    "fields": fields,
                    "open": typed or any(f.errors for f in fields),
                }
            )
        return groups


class PublishReviewForm(VersionedForm):
    """The confirmation page's form. ``action`` is what the page offered, so that a page opened
    before someone else published or unpublished the review cannot do the opposite of what it
    said (the version check refuses it too)."""

    action = forms.ChoiceField(
        choices=[("publish", "Publish"), ("unpublish", "Unpublish")],
        widget=forms.HiddenInput,
        error_messages={"required": OUT_OF_DATE, "invalid_choice": OUT_OF_DATE},
    )

    class Meta:
        model = Review
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].initial = "unpublish" if self.instance.is_published else "publish"

    def clean_action(self) -> str:
        action = self.cleaned_data["action"]
        if (action == "publish") == self.instance.is_published:
            raise forms.ValidationError(
                "Someone else has just "
                + ("published" if self.instance.is_published else "unpublished")
                + " this review. Check what the page says now."
            )
        return action


class AuthorityChoiceForm(forms.Form):
    """The first step of starting a review (sent by GET): which authority it is for."""

    authority = forms.ModelChoiceField(
        queryset=Authority.objects.all(),
        to_field_name="slug",
        label="Which authority's review is it?",
        empty_label="Select an authority",
    )
