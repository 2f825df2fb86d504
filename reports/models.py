from __future__ import annotations

from django.db import models

from recommendations.models import Review
from reports.layouts import COLUMN_KEYS, DEFAULT_LAYOUT, LAYOUT_CHOICES, LAYOUTS, Layout


class AppendixSettings(models.Model):
    """How one review's appendix is printed: its layout, and any renamed column headings."""

    review = models.OneToOneField(
        Review, on_delete=models.CASCADE, related_name="appendix_settings"
    )
    layout = models.CharField(max_length=30, choices=LAYOUT_CHOICES, default=DEFAULT_LAYOUT)
    # Column key -> heading; a missing or blank entry keeps the layout's own heading.
    headings = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "appendix settings"

    def __str__(self) -> str:
        return f"Appendix settings for {self.review}"

    def get_layout(self) -> Layout:
        return LAYOUTS.get(self.layout, LAYOUTS[DEFAULT_LAYOUT])

    def columns(self) -> list[tuple[str, str]]:
        renamed = {k: v for k, v in (self.headings or {}).items() if k in COLUMN_KEYS and v}
        return [(key, renamed.get(key, heading)) for key, heading in self.get_layout().columns]
