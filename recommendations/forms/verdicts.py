"""The committee's view of each update it considered, a row of a meeting's verdict page."""

from __future__ import annotations

from django import forms

from recommendations.forms.common import VersionedForm, _too_long
from recommendations.models import CommitteeVerdict, Meeting, ProgressUpdate

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
