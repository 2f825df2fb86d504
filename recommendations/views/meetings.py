"""Committee meetings, recorded from a review's page (clerks too)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from recommendations import forms, services
from recommendations.models import Meeting
from recommendations.views.common import _form_page, _get_review, _needs


@_needs("add_meeting")
def meeting_create(request: HttpRequest, slug: str) -> HttpResponse:
    review = _get_review(slug)
    form = forms.MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.meeting_create(meeting=form.instance, review=review, user=request.user)
        messages.success(request, "Meeting added.")
        return redirect(review)
    return _form_page(request, "recommendations/meeting_form.html", form, review=review)


@_needs("change_meeting")
def meeting_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    review = _get_review(slug)
    meeting = get_object_or_404(Meeting, pk=pk, reviews=review)
    form = forms.MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        services.meeting_update(meeting=form.instance, user=request.user)
        messages.success(request, "Meeting saved.")
        return redirect(review)
    return _form_page(
        request, "recommendations/meeting_form.html", form, review=review, meeting=meeting
    )
