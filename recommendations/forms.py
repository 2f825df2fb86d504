"""Forms validate; services write. Messages follow the GOV.UK style: say what to do.

Forms check the domain's rules early, for feedback beside each field, through the same functions
the services call (``rules``); the services check them again and are the authority."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import date as format_date
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from recommendations import filetypes, rules, services
from recommendations.models import (
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    UNNUMBERED_PREFIX,
    Authority,
    Committee,
    CommitteeVerdict,
    DatePrecision,
    Lead,
    Meeting,
    OverdueOverride,
    Person,
    ProgressUpdate,
    Recommendation,
    RequestedUpdate,
    Response,
    Review,
    SupportingDocument,
    UpdateReport,
)
from recommendations.widgets import FastSelect, FastWidgets

RESERVED_SLUGS = rules.RESERVED_SLUGS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _too_long(noun: str, limit: int = LONG_TEXT_MAX) -> str:
    return f"{noun} must be {limit:,} characters or fewer."


# Dates a committee paper can carry. Without a range, 9999-12-31 was accepted and pages that
# add months or days to a date (deadlines, schedules) failed with "year is out of range".
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def validate_sensible_date(value: dt.date) -> None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise forms.ValidationError(
            f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.", code="range"
        )


def validate_markdown_text(value: str) -> None:
    """Early feedback for the service's rule: nesting and runs it would refuse."""
    if message := rules.markdown_text_error(value):
        raise forms.ValidationError(message, code="markdown")


class SensibleDatesForm(forms.ModelForm):
    """Every date field of the form keeps to EARLIEST_DATE..LATEST_DATE, and every long text
    (a text area: all are shown as Markdown) to the Markdown rule."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.validators.append(validate_sensible_date)
            elif isinstance(field, forms.CharField) and isinstance(field.widget, forms.Textarea):
                field.validators.append(validate_markdown_text)


class VersionedForm(SensibleDatesForm):
    """Carries the version the editor loaded, so a later save can spot a conflicting edit."""

    had_conflict = False

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

    def keep_typed_text_for_retry(
        self, current_version: int | None, changes: list[FieldChange] | None = None
    ) -> None:
        """After a conflict, keep everything typed but take the new version, so that saving
        again (after reading the other change) is a deliberate overwrite.

        ``changes`` (from ``conflict_changes``) are the fields the other person changed: where
        this editor left such a field as they loaded it, the form now shows the other person's
        value, so saving again does not quietly put the old value back."""
        self.had_conflict = True
        self.conflict_changes = changes or []
        data = self.data.copy()
        for change in self.conflict_changes:
            if change.kept_theirs:
                data[self.add_prefix(change.name)] = change.their_data
        data[self.add_prefix("version")] = "" if current_version is None else str(current_version)
        self.data = data


@dataclass
class FieldChange:
    """A field the other editor changed: their value, this editor's, and which the form keeps."""

    name: str
    label: str
    theirs: str
    yours: str
    kept_theirs: bool  # this editor had left it as loaded, so the form now shows theirs
    their_data: str  # their value as the form posts it


def _shown(model_field: models.Field, value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, dt.date):
        return format_date(value, "j F Y")
    if model_field.is_relation:
        related = model_field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else str(value)
    return str(value)


def _posted(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def conflict_changes(
    form: forms.ModelForm, saved: models.Model, loaded: dict | None, yours: models.Model
) -> list[FieldChange]:
    """The form's fields whose saved value differs from the one this editor loaded (``loaded``,
    by attribute name; None when unknown: then every field that differs from what was typed).
    ``yours`` carries what this editor typed."""
    changes = []
    for name, field in form.fields.items():
        if name == "version":
            continue
        try:
            model_field = saved._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not model_field.concrete or model_field.many_to_many:
            continue
        attname = model_field.attname
        theirs, typed = getattr(saved, attname), getattr(yours, attname)
        if loaded is not None and theirs == loaded.get(attname):
            continue  # they did not change it
        if theirs == typed:
            continue  # you both made the same change
        kept_theirs = loaded is not None and typed == loaded.get(attname)
        changes.append(
            FieldChange(
                name=name,
                label=str(field.label or name),
                theirs=_shown(model_field, theirs),
                yours=_shown(model_field, typed),
                kept_theirs=kept_theirs,
                their_data=_posted(theirs),
            )
        )
    return changes


def _date_widgets(*names: str) -> dict[str, forms.Widget]:
    return {name: DateInput() for name in names}


def _people_of(authority_id: int | None, *current: int | None) -> models.QuerySet[Person]:
    """Who a review's forms offer: the current people of its authority and those not yet
    assigned to one, plus whoever the record names now (so an edit never fails on them)."""
    chosen = [pk for pk in current if pk]
    query = Q(authority_id=authority_id) | Q(authority__isnull=True)
    return (
        Person.objects.filter((query & Q(merged_into__isnull=True)) | Q(pk__in=chosen))
        .select_related("authority")
        .order_by("name", "job_title", "pk")
    )


def _offer_people(field: forms.ModelChoiceField, people: models.QuerySet[Person]) -> None:
    field.queryset = people
    field.label_from_instance = lambda person: person.choice_label


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


VERDICT_CHOICES = [
    ("", "Not recorded"),
    (CommitteeVerdict.Verdict.SATISFIED, "Satisfied: close or stop monitoring"),
    (CommitteeVerdict.Verdict.ACCEPTABLE, "Acceptable progress: keep monitoring"),
    (CommitteeVerdict.Verdict.NOT_SATISFIED, "Not satisfied"),
]


class VerdictForm(VersionedForm):
    """The committee's view of one update, a row of the meeting's verdict page. A new row left
    "Not recorded" is skipped (``empty_permitted``); an existing verdict set back to "Not
    recorded" is removed. The rules (what "not satisfied" needs, which meeting) are the
    service's, put back on the row by the view."""

    verdict = forms.ChoiceField(
        label="Committee's view", choices=VERDICT_CHOICES, required=False, widget=forms.RadioSelect
    )

    class Meta:
        model = CommitteeVerdict
        fields = ["verdict", "asks", "comment"]
        widgets = {
            "asks": forms.Textarea(attrs={"rows": 2}),
            "comment": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "asks": "Required when not satisfied, e.g. the lead officer to attend the next "
            "meeting, or a fuller update by a date.",
            "comment": "Markdown.",
        }
        error_messages = {
            "asks": {"max_length": _too_long("What the committee asks for")},
            "comment": {"max_length": _too_long("The comment")},
        }

    def __init__(self, *args, update: ProgressUpdate, meeting: Meeting, **kwargs) -> None:
        instance = kwargs.get("instance")
        if instance is None:
            kwargs["instance"] = CommitteeVerdict(update=update, meeting=meeting)
            kwargs["empty_permitted"] = True
            kwargs["use_required_attribute"] = False
        super().__init__(*args, **kwargs)
        self.instance.update = update
        self.instance.meeting = meeting

    def clean(self) -> dict:
        data = super().clean()
        typed = (data.get("asks") or "").strip() or (data.get("comment") or "").strip()
        if not self.instance.pk and not data.get("verdict") and typed:
            self.add_error("verdict", "Select the committee's view of this update.")
        return data

    @property
    def removes(self) -> bool:
        """An existing verdict set back to "Not recorded"."""
        return bool(self.instance.pk) and not self.cleaned_data.get("verdict")


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


OUT_OF_DATE = "This form is out of date. Reload the page and make your change again."


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


class MeetingForm(VersionedForm):
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


class SupportingDocumentForm(SensibleDatesForm):
    """Attach a file to the record the view set on the instance. The file's type and size are
    checked by the model's validators (its content, not its name), and again by the service."""

    class Meta:
        model = SupportingDocument
        fields = ["title", "description", "file"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"file": "File"}
        error_messages = {
            "title": {"required": "Enter a title for the document."},
            "file": {
                "required": "Choose a file to attach.",
                "empty": "The file is empty. Choose the file again.",
                "invalid": "The file could not be read. Choose the file again.",
                "max_length": "The file's name is too long. Rename it and choose it again.",
            },
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit = filesizeformat(settings.SUPPORTING_DOCUMENT_MAX_BYTES)
        self.fields["file"].help_text = (
            f"{filetypes.ALLOWED_DESCRIPTION[0].upper()}{filetypes.ALLOWED_DESCRIPTION[1:]}; "
            f"up to {limit}."
        )
        # A hint for the browser's file chooser only: the content is what is checked.
        self.fields["file"].widget.attrs["accept"] = ",".join(
            f".{extension}" for extension in filetypes.ACCEPTED_EXTENSIONS
        )
        self.fields["title"].help_text = "As members should see it in lists and the pack."


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


class AuthorityChoiceForm(forms.Form):
    """The first step of starting a review (sent by GET): which authority it is for."""

    authority = forms.ModelChoiceField(
        queryset=Authority.objects.all(),
        to_field_name="slug",
        label="Which authority's review is it?",
        empty_label="Select an authority",
    )


class ConfirmDeleteForm(forms.Form):
    """A delete's confirmation page. Only this form deletes: a POST without ``confirm`` (an old
    page's button, a script) shows the page instead. ``version`` is the record's as the page
    showed it, so that what goes is what the person saw."""

    confirm = forms.ChoiceField(choices=[("yes", "Yes")], widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, data=None, *, instance: models.Model) -> None:
        super().__init__(data, initial={"confirm": "yes", "version": instance.version})


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


class ImportUploadForm(forms.Form):
    """The first step of importing a table: the file, and where its rows go."""

    NEW, EXISTING = "new", "existing"

    file = forms.FileField(
        label="Word, Excel or CSV file",
        error_messages={
            "required": "Choose the file that holds the table.",
            "empty": "The file is empty. Choose the file again.",
        },
    )
    into = forms.ChoiceField(
        label="Import as",
        choices=[(NEW, "A new review"), (EXISTING, "A new update report of an existing review")],
        widget=forms.RadioSelect,
        initial=NEW,
    )
    # FastSelect: every committee is an option (a few per authority); the reviews offered are
    # the open ones added last, or those a search finds (10,000 reviews at national scale).
    REVIEWS_SHOWN = 25
    committee = forms.ModelChoiceField(
        queryset=Committee.objects.none(),
        required=False,
        label="Committee (new review)",
        help_text="Left blank: the committee the file names above the table, if any "
        "(you confirm it on the next page).",
        widget=FastSelect,
    )
    title = forms.CharField(
        max_length=SHORT_TEXT_MAX,
        required=False,
        label="Title (new review)",
        help_text="Left blank: the title the file gives above the table, if any.",
    )
    review = forms.ModelChoiceField(
        queryset=Review.objects.none(),
        required=False,
        label="Review (update report)",
        widget=FastSelect,
        error_messages={
            "invalid_choice": "That review is no longer recorded. Find it again above."
        },
    )
    report_title = forms.CharField(
        max_length=SHORT_TEXT_MAX,
        required=False,
        label="Update report's title",
        help_text="Left blank: the heading of the table's progress update column.",
    )
    as_at = forms.CharField(
        max_length=40,
        required=False,
        label="The updates are as at",
        help_text='A day, a month or a year, as the paper gives it ("March 2025"). '
        "Left blank: today.",
    )

    def __init__(self, *args, search: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.select_related("authority").order_by(
            "authority__name", "name"
        )
        # Any review may be chosen; only some are offered (``search`` finds others).
        self.fields["review"].queryset = Review.objects.all()
        self.search = " ".join(search.split())[:100]
        self.fields["review"].help_text = (
            f"Reviews whose title or short name has “{self.search}”."
            if self.search
            else f"The {self.REVIEWS_SHOWN} open reviews added last. Not listed? Find it above."
        )
        self.reviews_shown, self.more_reviews = self._reviews_offered()
        if self.search and not self.is_bound:  # found: it is an update report of one of them
            self.initial["into"] = self.EXISTING
            if len(self.reviews_shown) == 1:
                self.initial["review"] = self.reviews_shown[0].pk
        self.fields["review"].widget.choices = [
            ("", "Choose…"),
            *(
                (review.pk, f"{review.title} ({review.committee.authority.name})")
                for review in self.reviews_shown
            ),
        ]
        limit = filesizeformat(settings.IMPORT_MAX_BYTES)
        self.fields[
            "file"
        ].help_text = f"A .docx, .xlsx or .csv file holding a table; up to {limit}."
        self.fields["file"].widget.attrs["accept"] = ".docx,.xlsx,.csv"

    def _reviews_offered(self) -> tuple[list[Review], bool]:
        """The reviews the choice lists (at most ``REVIEWS_SHOWN``, and whether more match):
        those whose title or short name has the search's words, else the open ones added
        last; the one already chosen stays offered."""
        reviews = Review.objects.select_related("committee__authority")
        if self.search:
            found = reviews.filter(
                Q(title__icontains=self.search) | Q(slug__icontains=self.search)
            ).order_by("title", "pk")
        else:
            found = reviews.exclude(status=Review.Status.CLOSED).order_by("-pk")
        shown = list(found[: self.REVIEWS_SHOWN + 1])
        more = len(shown) > self.REVIEWS_SHOWN
        shown = shown[: self.REVIEWS_SHOWN]
        # Read from the data, not the bound field, which would keep the initial of now.
        chosen = str(
            (self.data.get(self.add_prefix("review")) if self.is_bound else None)
            or self.initial.get("review")
            or ""
        )
        if (
            chosen.isdigit()
            and len(chosen) < 19
            and all(str(review.pk) != chosen for review in shown)
        ):
            shown += list(reviews.filter(pk=chosen))
        return shown, more

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A new review's committee and title may come from the file, confirmed on the preview.
        if data.get("into") == self.EXISTING and not data.get("review"):
            self.add_error("review", "Choose the review the update report belongs to.")
        return data


class ApiTokenForm(forms.Form):
    """An officer makes an API token for someone (themselves included)."""

    user = forms.ModelChoiceField(
        queryset=None,
        label="For whom",
        help_text="The token reads what this person may read in the tracker.",
        error_messages={"required": "Choose whose token it is."},
    )
    name = forms.CharField(
        max_length=100,
        label="What it is for",
        help_text='e.g. "Power BI dashboard", so it can be told apart and revoked later.',
        error_messages={"required": "Say what the token is for."},
    )

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )
