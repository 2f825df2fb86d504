from __future__ import annotations

from django import forms
from django.http import QueryDict

from recommendations.forms import VersionedForm
from recommendations.models import Authority
from reports.layouts import (
    FIELDS,
    HEADER_FIELDS,
    HEADING_MAX,
    LAYOUT_CHOICES,
    LAYOUTS,
    VERSION_HEADINGS,
    preset_columns,
)
from reports.models import AppendixLayoutFields, AppendixSettings, ReportAppendixSettings

ORDER_MAX = 99


class AppendixLayoutForm(VersionedForm):
    """A layout built from fields, without JavaScript: per field, whether it is shown, its
    place (a number) and its heading; the header block's fields and their labels (and the
    version table's column headings), its note and the appendix's title. The preset sets
    how labels are written, and "Start from this preset" puts its columns in the form
    (``with_preset``). Carries the version loaded (empty while nothing
    is stored), as the domain's forms do."""

    class Meta:
        model = AppendixSettings
        fields = ["layout", "title", "note"]
        labels = {
            "layout": "Preset",
            "title": "The appendix's title",
            "note": "Note in the header",
        }
        help_texts = {
            "layout": "Sets how labels are written (“Recommendation 1”, “R1”, “1:”). "
            "“Start from this preset” puts its columns below.",
            "title": "As the paper titles it, e.g. “Appendix A”. Blank: “Appendix”.",
            "note": "Printed in the header when “A note” is ticked, e.g. “Recommendations 4 "
            "and 5 of nine”.",
        }
        widgets = {
            "layout": forms.Select(choices=LAYOUT_CHOICES),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Empty means the editor saw no settings; the service refuses it once some exist.
        self.fields["version"].required = False
        shown = self.instance.get_columns()
        position = {key: index for index, (key, _) in enumerate(shown, start=1)}
        heading = dict(shown)
        # Shown columns first, in their order, then the rest as the fields are listed.
        self.column_keys = [key for key, _ in shown] + [k for k in FIELDS if k not in heading]
        if self.is_bound:  # as posted: the shown ones by their place
            self.column_keys.sort(key=self._posted_place)
        for key in self.column_keys:
            field = FIELDS[key]
            self.fields[f"show_{key}"] = forms.BooleanField(
                label=f"Show {field.description}", required=False, initial=key in heading
            )
            self.fields[f"order_{key}"] = forms.IntegerField(
                label=f"Place of {field.description}",
                required=False,
                min_value=1,
                max_value=ORDER_MAX,
                initial=position.get(key),
            )
            self.fields[f"heading_{key}"] = forms.CharField(
                label=f"Heading of {field.description}",
                required=False,
                max_length=HEADING_MAX,
                initial=heading.get(key, field.heading),
            )
        labels = self.instance.get_header_labels()
        for key, field in HEADER_FIELDS.items():
            self.fields[f"header_{key}"] = forms.BooleanField(
                label=field.description, required=False, initial=key in labels
            )
            self.fields[f"header_label_{key}"] = forms.CharField(
                label=f"Label of {field.description[0].lower()}{field.description[1:]}",
                required=False,
                max_length=HEADING_MAX,
                initial=labels.get(key, field.label),
            )
        for index, heading in enumerate(self.instance.get_version_headings()):
            self.fields[f"version_heading_{index}"] = forms.CharField(
                label=f"Heading of the version table's {VERSION_HEADINGS[index].lower()} column",
                required=False,
                max_length=HEADING_MAX,
                initial=heading,
            )

    def _posted_place(self, key: str) -> tuple[int, int]:
        if not self.data.get(f"show_{key}"):
            return (1, 0)
        raw = str(self.data.get(f"order_{key}") or "")
        return (
            0,
            int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 4 else ORDER_MAX + 1,
        )

    def column_rows(self) -> list[dict]:
        return [
            {
                "key": key,
                "description": FIELDS[key].description,
                "default": FIELDS[key].heading,
                "show": self[f"show_{key}"],
                "order": self[f"order_{key}"],
                "heading": self[f"heading_{key}"],
            }
            for key in self.column_keys
        ]

    def header_rows(self) -> list[dict]:
        return [
            {
                "key": key,
                "description": field.description,
                "default": field.label,
                "show": self[f"header_{key}"],
                "label": self[f"header_label_{key}"],
            }
            for key, field in HEADER_FIELDS.items()
        ]

    def version_heading_fields(self) -> list[forms.BoundField]:
        return [self[f"version_heading_{index}"] for index in range(len(VERSION_HEADINGS))]

    def columns(self) -> list[tuple[str, str]]:
        """The shown columns as (field, heading), by their place; ties and blanks keep the
        order the form listed them in."""
        data = self.cleaned_data
        shown = [key for key in self.column_keys if data.get(f"show_{key}")]
        shown.sort(key=lambda key: data.get(f"order_{key}") or ORDER_MAX + 1)
        return [(key, (data.get(f"heading_{key}") or "").strip()) for key in shown]

    def header(self) -> list[dict]:
        """The shown header fields with their labels, as the service takes them."""
        data = self.cleaned_data
        header = []
        for key in HEADER_FIELDS:
            if not data.get(f"header_{key}"):
                continue
            entry = {"field": key, "label": (data.get(f"header_label_{key}") or "").strip()}
            if key == "versions":
                entry["headings"] = [
                    (data.get(f"version_heading_{index}") or "").strip()
                    for index in range(len(VERSION_HEADINGS))
                ]
            header.append(entry)
        return header

    def as_layout(self) -> AppendixLayoutFields:
        """What the form describes, unsaved, for the preview."""
        instance = self.instance
        instance.layout = self.cleaned_data.get("layout") or instance.layout
        instance.columns = [{"field": key, "heading": heading} for key, heading in self.columns()]
        instance.header = self.header()
        instance.note = self.cleaned_data.get("note") or ""
        instance.title = self.cleaned_data.get("title") or ""
        return instance


def with_preset(data: QueryDict, form: AppendixLayoutForm) -> QueryDict:
    """The posted form with the chosen preset's columns in place of the typed ones."""
    data = data.copy()
    preset = data.get("layout")
    if preset not in LAYOUTS:
        return data
    columns = {column["field"]: column["heading"] for column in preset_columns(preset)}
    places = {key: index for index, key in enumerate(columns, start=1)}
    for key in form.column_keys:
        if key in columns:
            data[f"show_{key}"] = "on"
            data[f"order_{key}"] = str(places[key])
            data[f"heading_{key}"] = columns[key]
        else:
            data.pop(f"show_{key}", None)
            data[f"order_{key}"] = ""
            data[f"heading_{key}"] = FIELDS[key].heading
    return data


AppendixSettingsForm = AppendixLayoutForm


class ReportAppendixSettingsForm(AppendixLayoutForm):
    class Meta(AppendixLayoutForm.Meta):
        model = ReportAppendixSettings


class AnnualReportForm(forms.Form):
    """Which annual report: whose, which year, as at which date. Every field may be left out
    (all authorities, the last year that has ended, as at its end or today)."""

    authority = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="slug",
        empty_label="All authorities",
        label="Authority",
    )
    year = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Year")
    as_at = forms.DateField(
        required=False,
        label="As at",
        help_text="The figures as they stood on this date (the end of the year by default).",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the date as YYYY-MM-DD, e.g. 2025-03-31."},
    )

    def __init__(self, *args, years: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = Authority.objects.order_by("name")
        self.fields["year"].choices = [("", "The last year that has ended"), *years]
