"""The reports app's part of a demo review document: its appendix layout and headings."""

from __future__ import annotations

from typing import Any

from recommendations.models import Review
from reports.services import appendix_settings_set


def apply_appendix_layout(*, review: Review, document: dict[str, Any], **kwargs) -> None:
    if layout := document.get("layout"):
        appendix_settings_set(
            review=review,
            layout=layout,
            headings=document.get("appendix_headings") or {},
            expected_version=None,  # a new review: nothing stored yet
        )
