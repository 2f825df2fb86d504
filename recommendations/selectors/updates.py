"""Progress updates: what deleting one changes."""

from __future__ import annotations

from dataclasses import dataclass

from recommendations.models import ProgressUpdate


@dataclass
class UpdateDeletion:
    """What deleting a progress update changes beyond the update itself."""

    is_latest: bool
    # The update that becomes the recommendation's latest (None: then it has none).
    next_latest: ProgressUpdate | None


def update_deletion(update: ProgressUpdate) -> UpdateDeletion:
    """The recommendation's two newest updates, by the order its status is read in."""
    newest = list(
        ProgressUpdate.objects.filter(recommendation_id=update.recommendation_id)
        .select_related("report")
        .order_by("-as_at", "-id")[:2]
    )
    if not newest or newest[0].pk != update.pk:
        return UpdateDeletion(is_latest=False, next_latest=None)
    return UpdateDeletion(is_latest=True, next_latest=newest[1] if len(newest) > 1 else None)
