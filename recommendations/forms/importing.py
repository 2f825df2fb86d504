"""Importing a table: the file, and where its rows go."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q
from django.template.defaultfilters import filesizeformat

from recommendations.models import SHORT_TEXT_MAX, Committee, Review
from recommendations.widgets import FastSelect


class ImportUploadForm(forms.Form):
    """The first step of importing a table: the file, and where its rows go."""

    NEW, EXISTING = "new", "existing"

    file = forms.FileField(
        label="Word, Excel or CSV file",
        error_messages={
            "required": "Choose the file that holds the table.",
            "empty": "The file is empty. Choose the file again.",
        },
    )
    into = forms.ChoiceField(
        label="Import as",
        choices=[(NEW, "A new review"), (EXISTING, "A new update report of an existing review")],
        widget=forms.RadioSelect,
        initial=NEW,
    )
    # FastSelect: every committee is an option (a few per authority); the reviews offered are
    # the open ones added last, or those a search finds (10,000 reviews at national scale).
    REVIEWS_SHOWN = 25
    committee = forms.ModelChoiceField(
        queryset=Committee.objects.none(),
        required=False,
        label="Committee (new review)",
        help_text="Left blank: the committee the file names above the table, if any "
        "(you confirm it on the next page).",
        widget=FastSelect,
    )
    title = forms.CharField(
        max_length=SHORT_TEXT_MAX,
        required=False,
        label="Title (new review)",
        help_text="Left blank: the title the file gives above the table, if any.",
    )
    review = forms.ModelChoiceField(
        queryset=Review.objects.none(),
        required=False,
        label="Review (update report)",
        widget=FastSelect,
        error_messages={
            "invalid_choice": "That review is no longer recorded. Find it again above."
        },
    )
    report_title = forms.CharField(
        max_length=SHORT_TEXT_MAX,
        required=False,
        label="Update report's title",
        help_text="Left blank: the heading of the table's progress update column.",
    )
    as_at = forms.CharField(
        max_length=40,
        required=False,
        label="The updates are as at",
        help_text='A day, a month or a year, as the paper gives it ("March 2025"). '
        "Left blank: today.",
    )

    def __init__(self, *args, search: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.select_related("authority").order_by(
            "authority__name", "name"
        )
        # Any review may be chosen; only some are offered (``search`` finds others).
        self.fields["review"].queryset = Review.objects.all()
        self.search = " ".join(search.split())[:100]
        self.fields["review"].help_text = (
            f"Reviews whose title or short name has “{self.search}”."
            if self.search
            else f"The {self.REVIEWS_SHOWN} open reviews added last. Not listed? Find it above."
        )
        self.reviews_shown, self.more_reviews = self._reviews_offered()
        if self.search and not self.is_bound:  # found: it is an update report of one of them
            self.initial["into"] = self.EXISTING
            if len(self.reviews_shown) == 1:
                self.initial["review"] = self.reviews_shown[0].pk
        self.fields["review"].widget.choices = [
            ("", "Choose…"),
            *(
                (review.pk, f"{review.title} ({review.committee.authority.name})")
                for review in self.reviews_shown
            ),
        ]
        limit = filesizeformat(settings.IMPORT_MAX_BYTES)
        self.fields[
            "file"
        ].help_text = f"A .docx, .xlsx or .csv file holding a table; up to {limit}."
        self.fields["file"].widget.attrs["accept"] = ".docx,.xlsx,.csv"

    def _reviews_offered(self) -> tuple[list[Review], bool]:
        """The reviews the choice lists (at most ``REVIEWS_SHOWN``, and whether more match):
        those whose title or short name has the search's words, else the open ones added
        last; the one already chosen stays offered."""
        reviews = Review.objects.select_related("committee__authority")
        if self.search:
            found = reviews.filter(
                Q(title__icontains=self.search) | Q(slug__icontains=self.search)
            ).order_by("title", "pk")
        else:
            found = reviews.exclude(status=Review.Status.CLOSED).order_by("-pk")
        shown = list(found[: self.REVIEWS_SHOWN + 1])
        more = len(shown) > self.REVIEWS_SHOWN
        shown = shown[: self.REVIEWS_SHOWN]
        # Read from the data, not the bound field, which would keep the initial of now.
        chosen = str(
            (self.data.get(self.add_prefix("review")) if self.is_bound else None)
            or self.initial.get("review")
            or ""
        )
        if (
            chosen.isdigit()
            and len(chosen) < 19
            and all(str(review.pk) != chosen for review in shown)
        ):
            shown += list(reviews.filter(pk=chosen))
        return shown, more

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A new review's committee and title may come from the file, confirmed on the preview.
        if data.get("into") == self.EXISTING and not data.get("review"):
            self.add_error("review", "Choose the review the update report belongs to.")
        return data
