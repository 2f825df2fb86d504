"""Who leads on a recommendation."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from recommendations import access, forms, selectors, services
from recommendations.models import Person
from recommendations.views.common import (
    confirm_delete,
    form_page,
    move_direction,
    save_or_show_errors,
    saved_copy,
)


def lead_list(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    recommendation = access.recommendation_for(
        request, slug, label, permission=("add_lead", "change_lead", "delete_lead")
    )
    form = forms.LeadForm(request.POST or None, recommendation=recommendation)
    if request.method == "POST" and form.is_valid():
        lead = save_or_show_errors(
            form,
            lambda: services.lead_add(
                recommendation=recommendation,
                role=form.cleaned_data["role"],
                person=form.cleaned_data["person"],
                new_person_name=form.cleaned_data["new_person_name"].strip(),
                new_person_job_title=form.cleaned_data["new_person_job_title"].strip(),
                new_person_organisation=form.cleaned_data["new_person_organisation"].strip(),
                new_person_kind=form.cleaned_data["new_person_kind"] or Person.Kind.PERSON,
                user=request.user,
            ),
        )
        if lead is not None:
            messages.success(request, f"{lead.person.name} added as {lead.role_label}.")
            return redirect("recommendations:lead_list", slug=slug, label=label)
    leads = recommendation.leads.select_related("person")
    return form_page(
        request, "recommendations/lead_form.html", form,
        review=recommendation.review, recommendation=recommendation, leads=leads,
    )  # fmt: skip


def lead_edit(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    lead = access.lead_for(request, slug, label, pk, permission="change_lead")
    recommendation = lead.recommendation
    form = forms.LeadForm(request.POST or None, instance=lead, recommendation=recommendation)
    context = {"review": recommendation.review, "recommendation": recommendation, "lead": lead}
    if request.method == "POST" and form.is_valid():
        if save_or_show_errors(
            form,
            lambda: services.lead_update(
                lead=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        ):
            messages.success(request, "Lead saved.")
            return redirect("recommendations:lead_list", slug=slug, label=label)
        if form.had_conflict:
            context["saved"] = saved_copy(lead)
    return form_page(request, "recommendations/lead_edit_form.html", form, **context)


def lead_remove(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    lead = access.lead_for(request, slug, label, pk, permission="delete_lead")
    recommendation = lead.recommendation
    page = confirm_delete(
        request, "recommendations/lead_remove.html", lead,
        lambda version: services.lead_remove(
            lead=lead, expected_version=version, user=request.user
        ),
        review=recommendation.review, recommendation=recommendation, lead=lead,
        other_leads=selectors.other_leads(lead),
    )  # fmt: skip
    if page is not None:
        return page
    messages.success(request, f"{lead.person.name} removed as {lead.role_label}.")
    return redirect("recommendations:lead_list", slug=slug, label=label)


@require_POST
def lead_move(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    lead = access.lead_for(request, slug, label, pk, permission="change_lead")
    direction = move_direction(request)
    if direction is None:
        return HttpResponseBadRequest("Move up or down.")
    services.lead_move(lead=lead, direction=direction, user=request.user)
    return redirect("recommendations:lead_list", slug=slug, label=label)
