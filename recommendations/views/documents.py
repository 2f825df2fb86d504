"""Supporting documents: attached by officers and clerks to a review, an update report, a
progress update or a meeting; removed by officers; downloaded by whoever may read the record
they belong to, always as an attachment of the type read from the file's content."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from recommendations import access, filetypes, forms, services
from recommendations.models import SupportingDocument
from recommendations.storage import StorageUnavailable
from recommendations.views.common import save_or_show_errors

logger = logging.getLogger(__name__)

KEEP_TYPED = "Everything else you typed is kept below: choose the file again before attaching it."
UNAVAILABLE = (
    "The document “{title}” cannot be downloaded just now: {reason} Nothing has been lost from "
    "the record. Try again later; if it keeps happening, tell your administrator (stored as "
    "{name})."
)


def parent_page(document: SupportingDocument) -> str:
    """The page the document is listed on (its record's own page)."""
    if document.review_id:
        return document.review.get_absolute_url()
    if document.update_report_id:
        report = document.update_report
        return reverse(
            "recommendations:update_report_detail",
            kwargs={"slug": report.review.slug, "pk": report.pk},
        )
    if document.progress_update_id:
        update = document.progress_update
        return f"{update.recommendation.get_absolute_url()}#update-{update.pk}"
    if document.requested_update_id:
        answer = document.requested_update
        return f"{answer.request.get_absolute_url()}#rec-{answer.recommendation_id}"
    return reverse("recommendations:meeting_detail", kwargs={"pk": document.meeting_id})


def parent_name(document: SupportingDocument) -> str:
    if document.review_id:
        return f"the review “{document.review.title}”"
    if document.update_report_id:
        return f"the update report “{document.update_report.title}”"
    if document.progress_update_id:
        update = document.progress_update
        return (
            f"the update as at {update.as_at_display} on recommendation "
            f"{update.recommendation.label}"
        )
    if document.requested_update_id:
        return f"your update on recommendation {document.requested_update.recommendation.label}"
    meeting = document.meeting
    return f"the meeting of {meeting.date.day} {meeting.date:%B %Y}: {meeting.agenda_item}"


def _attach(request: HttpRequest, parent_field: str, parent: models.Model, **context):
    """The upload form: on its own page, and posted to from the record's page. A storage that
    cannot keep the file gives this page back as a 503 with what was typed."""
    form = forms.SupportingDocumentForm(
        request.POST or None,
        request.FILES or None,
        instance=SupportingDocument(**{parent_field: parent}),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            document = save_or_show_errors(
                form,
                lambda: services.attach_document(document=form.instance, user=request.user),
            )
        except StorageUnavailable as error:
            form.add_error(None, f"{error} {KEEP_TYPED}")
            status = 503
        else:
            if document is not None:
                messages.success(request, f"“{document.title}” attached.")
                return redirect(parent_page(document))
    context["back"] = parent_page(form.instance)
    context["parent_name"] = parent_name(form.instance)
    response = render(
        request, "recommendations/document_form.html", {"form": form, **context}, status=status
    )
    if status == 503:
        response["Retry-After"] = "30"
    return response


def document_attach_review(request: HttpRequest, slug: str) -> HttpResponse:
    review = access.review_for(request, slug, permission="add_supportingdocument")
    return _attach(request, "review", review, review=review)


def document_attach_report(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = access.report_for(request, slug, pk, permission="add_supportingdocument")
    return _attach(request, "update_report", report, review=report.review, report=report)


def document_attach_update(request: HttpRequest, slug: str, label: str, pk: int) -> HttpResponse:
    update = access.update_for(request, slug, label, pk, permission="add_supportingdocument")
    recommendation = update.recommendation
    return _attach(
        request, "progress_update", update,
        review=recommendation.review, recommendation=recommendation, update=update,
    )  # fmt: skip


def document_attach_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.meeting_by_id(request, pk, permission="add_supportingdocument")
    return _attach(request, "meeting", meeting, meeting=meeting)


def document_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page; the removal itself only by POST from it."""
    document = access.document_for(request, pk, permission="delete_supportingdocument")
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.remove_document(document=document, user=request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, f"“{document.title}” removed.")
            return redirect(parent_page(document))
    return render(
        request,
        "recommendations/document_remove.html",
        {
            "document": document,
            "errors": errors,
            "back": parent_page(document),
            "parent_name": parent_name(document),
        },
    )


def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Always an attachment (the browser saves it, never shows it in the tracker's origin),
    of the type found on upload, with the uploader's file name (RFC 6266, by FileResponse).
    The private, no-store cache policy is the middleware's, as for every signed-in page."""
    document = access.document_for(request, pk)
    try:
        stored = document.file.open("rb")
    except OSError as error:
        logger.error("Document %s cannot be read from %s: %s", pk, document.file.name, error)
        reason = (
            error.args[0]
            if isinstance(error, StorageUnavailable)
            else "its file is missing from storage."
        )
        response = render(
            request,
            "recommendations/document_unavailable.html",
            {
                "document": document,
                "back": parent_page(document),
                "message": UNAVAILABLE.format(
                    title=document.title, reason=reason, name=document.file.name
                ),
            },
            status=503,
        )
        response["Retry-After"] = "30"
        return response
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=document.filename or f"document.{filetypes.extension_for(document.content_type)}",
        content_type=filetypes.served_content_type(document.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
