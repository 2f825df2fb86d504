"""Where each recommendation stands, stored (``models.Standing``) for the table's status
and overdue filters: ``standing_refresh`` rewrites it on every write of an update (the signal
receivers here) and when a review's grace days change."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from recommendations import monitoring
from recommendations.models import ProgressUpdate, Recommendation, Review, Standing
from recommendations.services._common import _chunks


@transaction.atomic
def standing_refresh(*, recommendations: Iterable[int] | models.QuerySet[Recommendation]) -> None:
    """THE upkeep of the stored standings (``models.Standing``): where these recommendations
    (ids, or a queryset of them) stand by ``monitoring.with_progress`` over every update,
    written over what was stored; a recommendation without any update keeps none. Called
    on every write of an update: saved or deleted one at a time (``_update_written``: the
    one-update services, the round entry, corrections, accepted requested updates, a whole
    review deleted), and by the bulk route for its new updates; and when a review is saved,
    since its grace days are part of the stored overdue date (``_review_saved``). Two
    queries per 500 recommendations, three when one has lost its last update."""
    if isinstance(recommendations, models.QuerySet):
        scopes: Iterable[models.QuerySet] = [recommendations]
    else:
        chunks = _chunks(set(recommendations))
        scopes = (Recommendation.objects.filter(pk__in=chunk) for chunk in chunks)
    for scope in scopes:
        # The recommendations are held until this transaction ends: another write of their
        # updates waits here, then works out where they stand with this one's committed.
        # Unheld, the later of two to commit stored what it saw without the other's update.
        list(scope.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
        rows = list(monitoring.standings(scope))
        stored = [
            Standing(recommendation_id=pk, latest_status=status, overdue_after=after)
            for pk, status, after in rows
            if status is not None
        ]
        if stored:
            Standing.objects.bulk_create(
                stored,
                update_conflicts=True,
                unique_fields=["recommendation"],
                update_fields=["latest_status", "overdue_after"],
            )
        if gone := [pk for pk, status, _ in rows if status is None]:
            Standing.objects.filter(recommendation_id__in=gone).delete()


@receiver(post_save, sender=ProgressUpdate)
@receiver(post_delete, sender=ProgressUpdate)
def _update_written(sender, instance: ProgressUpdate, raw: bool = False, **kwargs) -> None:
    # Every update saved or deleted, by a service or by a cascade; not one loaded from a
    # backup (``loaddata``), which carries the standings stored beside it.
    if not raw:
        standing_refresh(recommendations=[instance.recommendation_id])


@receiver(post_save, sender=Review)
def _review_saved(sender, instance: Review, created: bool, raw: bool = False, **kwargs) -> None:
    # Its grace days are part of its recommendations' stored overdue dates; a new review
    # has no updates yet.
    fields = kwargs.get("update_fields")
    if not created and not raw and (fields is None or "overdue_grace_days" in fields):
        standing_refresh(
            recommendations=Recommendation.objects.filter(review=instance, standing__isnull=False)
        )
