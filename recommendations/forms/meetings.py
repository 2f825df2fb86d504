"""A committee meeting."""

from __future__ import annotations

from recommendations.forms.common import VersionedForm, _date_widgets
from recommendations.models import Meeting


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
