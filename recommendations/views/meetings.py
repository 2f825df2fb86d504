"""Committee meetings, recorded from a review's page (clerks too)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from recommendations import access, forms, selectors, services
from recommendations.views.common import form_page, save_or_show_errors, saved_copy


def meeting_create(request: HttpRequest, slug: str) -> HttpResponse:
    review = access.review_for(request, slug, permission="add_meeting")
    form = forms.MeetingForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_show_errors(
            form,
            lambda: services.meeting_create(
                meeting=form.instance, review=review, user=request.user
            ),
        )
    ):
        messages.success(request, "Meeting added.")
        return redirect(review)
    return form_page(request, "recommendations/meeting_form.html", form, review=review)


def meeting_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    review, meeting = access.meeting_for(request, slug, pk, permission="change_meeting")
    form = forms.MeetingForm(request.POST or None, instance=meeting)
    context = {"review": review, "meeting": meeting}
    if request.method == "POST" and form.is_valid():
        if save_or_show_errors(
            form,
            lambda: services.meeting_update(
                meeting=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        ):
            messages.success(request, "Meeting saved.")
            return redirect(review)
        if form.had_conflict:
            context["saved"] = saved_copy(meeting)
    return form_page(request, "recommendations/meeting_form.html", form, **context)


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting's own page: what it considered and decided, the update reports presented at
    it, and its papers (supporting documents), which officers and clerks attach here."""
    meeting = selectors.meeting_detail(pk)
    return render(
        request,
        "recommendations/meeting_detail.html",
        {
            "meeting": meeting,
            "form": forms.SupportingDocumentForm(),
            "edit_review": next(iter(meeting.reviews.all()), None),
        },
    )
