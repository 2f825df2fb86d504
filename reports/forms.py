from __future__ import annotations

from django import forms

from recommendations.forms import VersionedForm
from reports.layouts import COLUMN_DESCRIPTIONS, COLUMN_KEYS, LAYOUT_CHOICES, LAYOUTS
from reports.models import AppendixSettings


class AppendixSettingsForm(VersionedForm):
    """The layout, and a heading per column; a blank heading keeps the layout's own. Carries
    the version loaded (empty while the review has no settings), as the domain's forms do."""

    class Meta:
        model = AppendixSettings
        fields = ["layout"]
        widgets = {"layout": forms.Select(choices=LAYOUT_CHOICES)}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Empty means the editor saw no settings; the service refuses it once some exist.
        self.fields["version"].required = False
        headings = self.instance.headings or {}
        for key in COLUMN_KEYS:
            self.fields[f"heading_{key}"] = forms.CharField(
                label=COLUMN_DESCRIPTIONS[key],
                required=False,
                max_length=120,
                initial=headings.get(key, ""),
                help_text=_defaults_help(key),
            )

    def heading_fields(self) -> list[forms.BoundField]:
        return [self[f"heading_{key}"] for key in COLUMN_KEYS]

    def headings(self) -> dict[str, str]:
        return {
            key: self.cleaned_data[f"heading_{key}"].strip()
            for key in COLUMN_KEYS
            if self.cleaned_data.get(f"heading_{key}", "").strip()
        }


def _defaults_help(key: str) -> str:
    used = [
        f"{layout.name}: “{heading}”"
        for layout in LAYOUTS.values()
        for column, heading in layout.columns
        if column == key
    ]
    return "Leave blank for the layout's heading. " + ("; ".join(used) if used else "")
