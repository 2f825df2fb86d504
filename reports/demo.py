"""The reports app's part of a demo review document: its appendix layout, headings, header
block and title, and the packs kept for its meetings when the demo is replaced."""

from __future__ import annotations

from typing import Any

from recommendations.models import Meeting, Review
from reports.services import appendix_settings_set, meeting_packs_discard


def apply_appendix_layout(*, review: Review, document: dict[str, Any], **kwargs) -> None:
    if layout := document.get("layout"):
        appendix_settings_set(
            review=review,
            layout=layout,
            headings=document.get("appendix_headings") or {},
            # The header block as the paper sets it out, under its labels ("Inquiry Title").
            header=document.get("appendix_header") or [],
            title=document.get("appendix_title") or "",
            expected_version=None,  # a new review: nothing stored yet
        )


def discard_packs(*, review: Review, meetings: list[Meeting], **kwargs) -> None:
    # A demo meeting's pack, even an issued one, is demo data too: it goes with its meeting.
    meeting_packs_discard(meetings=meetings)
