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
    Lead,
    Meeting,
    ProgressUpdate,
    Recommendation,
    Review,
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
