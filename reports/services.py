from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from recommendations.models import Review
from recommendations.services import EditConflict, User
from reports.layouts import LAYOUTS
from reports.models import AppendixSettings


@transaction.atomic
def appendix_settings_set(
    *,
    review: Review,
    layout: str,
    headings: dict[str, str] | None = None,
    expected_version: int | None,
    user: User = None,
) -> AppendixSettings:
    """Choose the layout and headings. ``expected_version`` is the version the editor loaded,
    ``None`` when the review had no settings yet (the layout's defaults): anything else now
    stored is someone else's save, refused as an ``EditConflict``.

    ``select_for_update`` holds the row on PostgreSQL; SQLite's IMMEDIATE transactions already
    serialise writers. Two first saves at once meet the one-to-one constraint instead."""
    if layout not in LAYOUTS:
        raise ValidationError(
            {"layout": f"Choose one of the layouts: {', '.join(sorted(LAYOUTS))}."}
        )
    settings = AppendixSettings.objects.select_for_update().filter(review=review).first()
    stored_version = settings.version if settings else None
    if stored_version != expected_version:
        raise EditConflict(noun="appendix layout", current_version=stored_version)
    if settings is None:
        settings = AppendixSettings(review=review)
    else:
        settings.version += 1
    settings.layout = layout
    settings.headings = headings or {}
    if user is not None and user.is_authenticated:
        settings._history_user = user
    try:
        with transaction.atomic():
            settings.save()
    except IntegrityError:
        stored = AppendixSettings.objects.filter(review=review).values_list("version", flat=True)
        raise EditConflict(noun="appendix layout", current_version=stored.first()) from None
    return settings
