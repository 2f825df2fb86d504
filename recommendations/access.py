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
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from recommendations.models import (
    Authority,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Review,
    SupportingDocument,
    UpdateReport,
    label_lookup,
)

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
}


def document_for(
    request: HttpRequest, pk: int, *, permission: str = "view_supportingdocument"
) -> SupportingDocument:
    """A document with the record it belongs to (and that record's review, for the pages
    that link back), if this user may both ``permission`` and see that record."""
    _require(request, permission)
    document = get_object_or_404(
        SupportingDocument.objects.select_related(
            "review",
            "update_report__review",
            "progress_update__recommendation__review",
            "meeting",
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
