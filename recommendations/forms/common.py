"""What every form of the app builds on: the date and Markdown validators, ``VersionedForm``
(the version an editor loaded, and what to show after a conflicting edit), the people a
review's forms offer, and a delete's confirmation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import date as format_date

from recommendations import rules
from recommendations.models import LONG_TEXT_MAX, Person


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


OUT_OF_DATE = "This form is out of date. Reload the page and make your change again."


class ConfirmDeleteForm(forms.Form):
    """A delete's confirmation page. Only this form deletes: a POST without ``confirm`` (an old
    page's button, a script) shows the page instead. ``version`` is the record's as the page
    showed it, so that what goes is what the person saw."""

    confirm = forms.ChoiceField(choices=[("yes", "Yes")], widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, data=None, *, instance: models.Model) -> None:
        super().__init__(data, initial={"confirm": "yes", "version": instance.version})
