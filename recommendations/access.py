"""Who may do what, and fetching an object for this user: one module for every app's views.

In healthchecks' manner (``_get_check_for_user``): each helper checks the permission first, so a
user without it gets 403 whether or not the object exists (nothing is learnt from a 404), then
fetches the object with the joins its caller needs, or 404. Login itself is enforced for every
page by ``LoginRequiredMiddleware``; these helpers are about roles.

A permission is named by its codename in this app (``"change_review"``) or in full
(``"recommendations.export_review"``), so reports' views can use the same helpers.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from recommendations.models import (
    ApiToken,
    Authority,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    RequestedUpdate,
    Review,
    SupportingDocument,
    UpdateReport,
    UpdateRequest,
    label_lookup,
)
from recommendations.roles import LEADS

Permission = str | Sequence[str] | None


def _full_names(permission: Permission) -> list[str]:
    if permission is None:
        return []
    names = [permission] if isinstance(permission, str) else list(permission)
    return [name if "." in name else f"recommendations.{name}" for name in names]


def require(request: HttpRequest, *permissions: str) -> None:
    """PermissionDenied (403, not a login loop) unless the user has every named permission."""
    names = _full_names(permissions)
    if names and not request.user.has_perms(names):
        raise PermissionDenied


def _require(request: HttpRequest, permission: Permission) -> None:
    require(request, *_full_names(permission))


def review_for(
    request: HttpRequest,
    slug: str,
    *,
    permission: Permission,
    select: Sequence[str] = ("committee",),
) -> Review:
    _require(request, permission)
    return get_object_or_404(Review.objects.select_related(*select), slug=slug)


def recommendation_for(
    request: HttpRequest,
    slug: str,
    label: str,
    *,
    permission: Permission,
    select: Sequence[str] = ("review", "parent"),
) -> Recommendation:
    _require(request, permission)
    return get_object_or_404(
        Recommendation.objects.select_related(*select),
        review__slug=slug,
        **label_lookup(label),
    )


def lead_for(
    request: HttpRequest, slug: str, label: str, pk: int, *, permission: Permission
) -> Lead:
    _require(request, permission)
    return get_object_or_404(
        Lead.objects.select_related("recommendation__review", "person"),
        pk=pk, recommendation__review__slug=slug, **label_lookup(label, "recommendation__"),
    )  # fmt: skip


def update_for(
    request: HttpRequest, slug: str, label: str, pk: int, *, permission: Permission
) -> ProgressUpdate:
    _require(request, permission)
    return get_object_or_404(
        ProgressUpdate.objects.select_related("recommendation__review", "report"),
        pk=pk, recommendation__review__slug=slug, **label_lookup(label, "recommendation__"),
    )  # fmt: skip


def report_for(request: HttpRequest, slug: str, pk: int, *, permission: Permission) -> UpdateReport:
    _require(request, permission)
    return get_object_or_404(
        UpdateReport.objects.select_related("review", "meeting"), pk=pk, review__slug=slug
    )


def meeting_for(
    request: HttpRequest, slug: str, pk: int, *, permission: Permission
) -> tuple[Review, Meeting]:
    """The review and one of its meetings (a meeting of another review is a 404)."""
    review = review_for(request, slug, permission=permission)
    return review, get_object_or_404(Meeting, pk=pk, reviews=review)


def meeting_by_id(request: HttpRequest, pk: int, *, permission: Permission) -> Meeting:
    """A meeting by itself (its page, its documents), whichever reviews it considered."""
    _require(request, permission)
    return get_object_or_404(Meeting.objects.select_related("committee__authority"), pk=pk)


# Reading a document needs the permission to see the record it is attached to as well.
DOCUMENT_PARENT_PERMISSIONS = {
    "review": "view_review",
    "update_report": "view_updatereport",
    "progress_update": "view_progressupdate",
    "meeting": "view_meeting",
    "requested_update": "change_requestedupdate",
}


def document_for(
    request: HttpRequest, pk: int, *, permission: str = "view_supportingdocument"
) -> SupportingDocument:
    """A document with the record it belongs to (and that record's review, for the pages
    that link back), if this user may both ``permission`` and see that record. A lead may
    read the documents of their own requested updates, and nothing else."""
    if is_lead(request):
        document = get_object_or_404(
            SupportingDocument.objects.select_related("requested_update__request"),
            pk=pk, requested_update__request__person__user=request.user,
        )  # fmt: skip
        if permission != "view_supportingdocument":
            raise PermissionDenied
        return document
    _require(request, permission)
    document = get_object_or_404(
        SupportingDocument.objects.select_related(
            "review",
            "update_report__review",
            "progress_update__recommendation__review",
            "meeting",
            "requested_update__request__report__review",
        ),
        pk=pk,
    )
    require(request, DOCUMENT_PARENT_PERMISSIONS[document.parent_field or "review"])
    return document


def authority_for(request: HttpRequest, slug: str, *, permission: Permission) -> Authority:
    _require(request, permission)
    return get_object_or_404(Authority, slug=slug)


def person_for(
    request: HttpRequest, slug: str, pk: int, *, permission: Permission
) -> tuple[Authority, Person]:
    """An authority and one of its current people, or someone not yet assigned to any (a
    person of another authority, or one merged away, is a 404)."""
    authority = authority_for(request, slug, permission=permission)
    person = get_object_or_404(
        Person.objects.for_authority(authority.pk).select_related("authority"), pk=pk
    )
    return authority, person


# --- The read-only API and its tokens -------------------------------------------------------


def reads_unpublished(user) -> bool:
    """Whether this user reads the whole record, as in the app (members, clerks, officers),
    or only what ``publication`` makes public (anyone signed out, leads, users in no role)."""
    return bool(user.is_authenticated and user.has_perm("recommendations.view_review"))


def manages_api_tokens(request: HttpRequest) -> bool:
    """Officers make tokens for anyone and see and revoke everyone's; others their own."""
    return request.user.has_perms(
        ["recommendations.add_apitoken", "recommendations.change_apitoken"]
    )


def api_tokens_for(request: HttpRequest):
    tokens = ApiToken.objects.select_related("user", "created_by", "revoked_by")
    return tokens if manages_api_tokens(request) else tokens.filter(user=request.user)


def api_token_for(request: HttpRequest, pk: int) -> ApiToken:
    """A token this user may revoke: their own, or any for an officer (else a 404)."""
    return get_object_or_404(api_tokens_for(request), pk=pk)


# --- Leads: accounts linked to a Person, kept to their own pages ------------------------------

# Set at sign-in (``mark_lead_session``), so that keeping a lead to their pages costs no query
# per request. Lead accounts are made in the Leads group (``update_requests.lead_account``) and
# never moved out of it by the app, so the mark holds for the session.
LEAD_SESSION_KEY = "is_lead"

# The only pages a lead may open; every other page is a 403 (the dashboard sends them on to
# their own page). Pages that need no sign-in (sign-in, their invitation) are not affected.
LEAD_PAGES = {
    "recommendations:my_updates",
    "recommendations:update_request",
    "recommendations:requested_update_document",
    "recommendations:document_download",
    "logout",
    "password_change",
    "password_change_done",
}


def mark_lead_session(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: remember in the session whether this is a lead's account."""
    if request is not None and hasattr(request, "session"):
        request.session[LEAD_SESSION_KEY] = user.groups.filter(name=LEADS).exists()


def is_lead(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(LEAD_SESSION_KEY))


def lead_may_open(request: HttpRequest, view_name: str | None) -> bool:
    return not is_lead(request) or view_name in LEAD_PAGES


def lead_person(request: HttpRequest) -> Person:
    """The person whose account this is (403 for anyone else: officers have none)."""
    person = Person.objects.filter(user_id=request.user.pk).first()
    if person is None or not request.user.is_authenticated:
        raise PermissionDenied
    return person


def update_request_for_lead(request: HttpRequest, pk: int) -> UpdateRequest:
    """A request sent to this lead; any other (another lead's) is a 404, so nobody sees a
    draft but its own lead's."""
    person = lead_person(request)
    return get_object_or_404(
        UpdateRequest.objects.select_related("report__review__committee", "person"),
        pk=pk, person=person,
    )  # fmt: skip


def answer_for_lead(request: HttpRequest, pk: int, rec_pk: int) -> RequestedUpdate:
    update_request = update_request_for_lead(request, pk)
    answer = (
        RequestedUpdate.objects.select_related("recommendation__review", "request")
        .filter(request=update_request, recommendation_id=rec_pk)
        .first()
    )
    if answer is None:
        raise Http404
    answer.request = update_request
    return answer


def requested_update_for(
    request: HttpRequest, slug: str, report_pk: int, pk: int, *, permission: Permission
) -> RequestedUpdate:
    """For officers: a lead's answer in one of the review's rounds."""
    _require(request, permission)
    return get_object_or_404(
        RequestedUpdate.objects.select_related(
            "request__report__review__committee", "request__person", "recommendation__review",
            "written_by", "submitted_by", "decided_by",
        ),
        pk=pk, request__report_id=report_pk, request__report__review__slug=slug,
    )  # fmt: skip
