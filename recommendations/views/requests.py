"""Update requests: the lead's pages (their recommendations, a request to answer) and the
officer's (a round's requests, and accepting or returning what a lead submitted). The writes
are ``update_requests``'; access is ``access``' (a lead reaches only their own requests)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.forms import Form
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy

from recommendations import access, forms, selectors, services, update_requests
from recommendations.models import Recommendation, RequestedUpdate, UpdateRequest
from recommendations.monitoring import with_progress
from recommendations.views.common import owner, save_or_show_errors, typed_back
from recommendations.views.documents import _attach

OFFICER = ("change_requestedupdate", "add_progressupdate")


# --- The lead's pages -----------------------------------------------------------------------


def my_updates(request: HttpRequest) -> HttpResponse:
    """A lead's home: their requests, newest first, and every recommendation they lead, across
    reviews and authorities, with where it stands."""
    person = access.lead_person(request)
    requests = (
        UpdateRequest.objects.filter(person=person)
        .select_related("report__review")
        .order_by("report__is_final", "-due_on", "-pk")
    )
    recommendations = (
        with_progress(Recommendation.objects.filter(leads__person=person).distinct())
        .select_related("review")
        .order_by("review__title", "order", "id")
    )
    return render(
        request,
        "recommendations/my_updates.html",
        {"person": person, "requests": requests, "recommendations": recommendations},
    )


def _answer_form(data, row: update_requests.RequestRow, update_request: UpdateRequest):
    rec = row.row.recommendation
    instance = row.answer or RequestedUpdate(request=update_request, recommendation=rec)
    form = forms.RequestedUpdateForm(
        data, prefix=f"rec-{rec.pk}", instance=instance,
        recommendation=rec, previous=row.row.previous,
    )  # fmt: skip
    form.row = row
    return form


def update_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Each recommendation of the request with the update before it and the lead's own: a form
    per recommendation, saved as a draft or submitted on its own."""
    the_request = access.update_request_for_lead(request, pk)
    report = the_request.report
    rows = update_requests.request_rows(the_request)
    typed = typed_back(request)  # one update as typed before the session expired, unsaved
    data = request.POST if request.method == "POST" else typed
    chosen = data.get("recommendation") if data is not None else None
    row_forms = []
    for row in rows:
        is_chosen = chosen == str(row.row.recommendation.pk)
        form = _answer_form(data if is_chosen else None, row, the_request)
        row_forms.append(form)
        if not is_chosen or typed is not None:
            if typed is not None and is_chosen:
                form._errors = ErrorDict()  # checked when they save it again
            continue
        if report.is_final or (row.answer and not row.answer.is_editable):
            raise services.RecordLocked(update_requests.NOT_EDITABLE)
        submit = request.POST.get("action") == "submit"
        if form.is_valid():
            saved = save_or_show_errors(
                form,
                lambda form=form, submit=submit: services.requested_update_save(
                    answer=form.instance,
                    expected_version=form.cleaned_data.get("version"),
                    submit=submit,
                    user=request.user,
                ),
            )
            if saved is not None:
                label = saved.recommendation.label
                if submit:
                    messages.success(
                        request,
                        f"Your update on recommendation {label} is submitted. The scrutiny "
                        "officer will accept it or return it to you.",
                    )
                else:
                    messages.success(request, f"Draft saved for recommendation {label}.")
                return redirect(f"{the_request.get_absolute_url()}#rec-{saved.recommendation_id}")
    return render(
        request,
        "recommendations/update_request.html",
        {"update_request": the_request, "report": report, "review": report.review,
         "rows": row_forms, **owner(request)},
    )  # fmt: skip


def requested_update_document(request: HttpRequest, pk: int, rec_pk: int) -> HttpResponse:
    """A lead attaches evidence to their draft (it moves to the progress update on acceptance)."""
    answer = access.answer_for_lead(request, pk, rec_pk)
    if not answer.is_editable or answer.request.report.is_final:
        raise services.RecordLocked(update_requests.NOT_EDITABLE)
    return _attach(
        request, "requested_update", answer,
        update_request=answer.request,
    )  # fmt: skip


class LeadInvitationView(auth_views.PasswordResetConfirmView):
    """Django's own password-reset confirmation, reached only from a lead's invitation: the
    token is Django's, so the link works once and expires (PASSWORD_RESET_TIMEOUT)."""

    template_name = "registration/lead_invitation.html"
    success_url = reverse_lazy("lead_invitation_done")


class LeadInvitationDoneView(auth_views.PasswordResetCompleteView):
    template_name = "registration/lead_invitation_done.html"


# --- The officer's pages --------------------------------------------------------------------


def update_report_requests(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A round's requests: per lead and per recommendation, not started, draft, submitted,
    accepted or returned; the form that sends them, and sending one again."""
    report = access.report_for(request, slug, pk, permission=OFFICER)
    form = forms.UpdateRequestSendForm(request.POST if "send" in request.POST else None)
    here = reverse("recommendations:update_report_requests", kwargs={"slug": slug, "pk": pk})
    if request.method == "POST":
        if report.is_final:
            raise services.RecordLocked(services.REPORT_FINAL_MESSAGE)
        if "send_again" in request.POST:
            the_request = get_object_or_404(
                UpdateRequest, report=report, pk=_int(request.POST.get("send_again"))
            )
            update_requests.send_again(update_request=the_request)
            messages.success(request, f"The request was emailed again to {the_request.person}.")
            return redirect(here)
        if form.is_valid():
            sent = save_or_show_errors(
                form,
                lambda: update_requests.send(
                    report=report, due_on=form.cleaned_data["due_on"], user=request.user
                ),
            )
            if sent is not None:
                count = len(sent.requests)
                text = f"{count} update request{'s' if count != 1 else ''} sent."
                if sent.without_email:
                    names = ", ".join(person.name for person in sent.without_email)
                    text += f" Not sent (no email address): {names}."
                messages.success(request, text)
                return redirect(here)
    summaries = update_requests.round_overview(report)
    by_rec: dict[int, list] = {}
    for summary in summaries:
        for row in summary.rows:
            by_rec.setdefault(row.row.recommendation.pk, []).append((summary, row))
    rows = [
        (row.recommendation, by_rec.get(row.recommendation.pk, []))
        for row in selectors.round_rows(report)
    ]
    return render(
        request,
        "recommendations/update_report_requests.html",
        {
            "review": report.review,
            "report": report,
            "form": form,
            "summaries": summaries,
            "rows": rows,
            "unsent": [s for s in summaries if s.update_request is None],
            "states": update_requests.STATE_LABELS,
            **owner(request),
        },
    )


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise Http404 from None


def requested_update_review(request: HttpRequest, slug: str, pk: int, answer_pk: int):
    """One lead's answer beside the update before it: accept it into the report, or return it
    with a comment. Drafts are the lead's own: an officer sees only that one is under way."""
    answer = access.requested_update_for(request, slug, pk, answer_pk, permission=OFFICER)
    report = answer.request.report
    accept_form = forms.AcceptUpdateForm(initial={"version": answer.version}, auto_id="accept_%s")
    return_form = forms.ReturnUpdateForm(initial={"version": answer.version})
    if request.method == "POST":
        if "accept" in request.POST:
            accept_form = forms.AcceptUpdateForm(request.POST, auto_id="accept_%s")
            if accept_form.is_valid():
                update = _decide(
                    accept_form,
                    lambda: services.requested_update_accept(
                        answer=answer,
                        expected_version=accept_form.cleaned_data["version"],
                        user=request.user,
                    ),
                )
                if update is not None:
                    messages.success(
                        request,
                        f"Recommendation {answer.recommendation.label}: the update from "
                        f"{answer.request.person.name} is in the report.",
                    )
                    return redirect(
                        "recommendations:update_report_requests", slug=slug, pk=report.pk
                    )
        else:
            return_form = forms.ReturnUpdateForm(request.POST)
            if return_form.is_valid():
                returned = _decide(
                    return_form,
                    lambda: update_requests.return_answer(
                        answer=answer,
                        comment=return_form.cleaned_data["return_comment"],
                        expected_version=return_form.cleaned_data["version"],
                        user=request.user,
                    ),
                )
                if returned is not None:
                    messages.success(
                        request,
                        f"Recommendation {answer.recommendation.label}: returned to "
                        f"{answer.request.person.name}, who has been emailed your comment.",
                    )
                    return redirect(
                        "recommendations:update_report_requests", slug=slug, pk=report.pk
                    )
        answer.refresh_from_db()
    previous = next(
        (
            row.previous
            for row in selectors.round_rows(report)
            if row.recommendation.pk == answer.recommendation_id
        ),
        None,
    )
    return render(
        request,
        "recommendations/requested_update_review.html",
        {
            "review": report.review,
            "report": report,
            "answer": answer,
            "previous": previous,
            "shown": answer.state != RequestedUpdate.State.DRAFT,
            "documents": answer.documents.order_by("title", "id"),
            "accept_form": accept_form,
            "return_form": return_form,
            "history": answer.history.select_related("history_user").order_by("history_date"),
            **owner(request),
        },
    )


def _decide(form: Form, decide):
    """Accepting or returning: a refusal goes on the form (the page shows it above the buttons)."""
    try:
        return decide()
    except services.EditConflict:
        form.add_error(
            None,
            "Someone else accepted, returned or changed this update since you opened the page. "
            "Check it as it is now.",
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, error)
    return None
