from __future__ import annotations

from django.db import transaction

from recommendations.models import Review
from reports.layouts import LAYOUTS
from reports.models import AppendixSettings


@transaction.atomic
def appendix_settings_set(
    *, review: Review, layout: str, headings: dict[str, str] | None = None
) -> AppendixSettings:
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown appendix layout {layout!r}; choose from {sorted(LAYOUTS)}")
    settings, _ = AppendixSettings.objects.update_or_create(
        review=review, defaults={"layout": layout, "headings": headings or {}}
    )
    return settings
