"""What the families share: the prefetches of a recommendation's latest update, leads and
documents, a record's history, and a record's values as an editor loaded them."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Subquery

from recommendations.models import Lead, ProgressUpdate, SupportingDocument


def latest_update_ids() -> Subquery:
    """The id of each recommendation's newest update (by "as at" date, then entry order)."""
    newest = ProgressUpdate.objects.filter(recommendation=OuterRef("recommendation")).order_by(
        "-as_at", "-id"
    )
    return Subquery(newest.values("pk")[:1])


def latest_update_prefetch() -> Prefetch:
    return Prefetch(
        "updates",
        queryset=ProgressUpdate.objects.filter(pk=latest_update_ids()).select_related(
            "report", "author"
        ),
        to_attr="latest_updates",
    )


def leads_prefetch() -> Prefetch:
    return Prefetch("leads", queryset=Lead.objects.select_related("person"))


def documents_prefetch(through: str = "documents") -> Prefetch:
    """A record's supporting documents, as their lists show them (by title)."""
    return Prefetch(through, queryset=SupportingDocument.objects.order_by("title", "id"))


def _history(model, **filters) -> list:
    return list(
        model.history.filter(**filters)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )


def version_as_loaded(instance, version: int | None) -> dict | None:
    """The record's values (by attribute name) as they were at ``version``, from its history;
    None when the history does not hold that version."""
    history = getattr(type(instance), "history", None)
    if history is None or version is None or instance.pk is None:
        return None
    record = (
        history.filter(**{type(instance)._meta.pk.attname: instance.pk, "version": version})
        .order_by("-history_date", "-history_id")
        .first()
    )
    if record is None:
        return None
    return {
        field.attname: getattr(record, field.attname)
        for field in type(instance)._meta.concrete_fields
    }
