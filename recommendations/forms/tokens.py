"""API tokens."""

from __future__ import annotations

from django import forms


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
