from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from recommendations.models import Meeting, Review
from recommendations.services import EditConflict, User
from reports.layouts import LAYOUTS
from reports.models import AppendixSettings, IssuedPack, PackRender


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


def _issuer_name(user: User) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username())[:300]


@transaction.atomic
def issued_pack_store(
    *, meeting: Meeting, content: bytes, pages: int, issued_by: User = None
) -> tuple[IssuedPack, bool]:
    """Keep ``content`` as the meeting's pack as presented: issued by ``issued_by``, or frozen
    when the meeting passed when ``None``. Returns the issued pack and whether this call
    stored it: a pack already issued is returned unchanged (whoever asked second, even at the
    same moment, gets the first one's pack, and their file is removed).

    The file goes through the default storage, which raises ``StorageUnavailable`` (and
    removes its partial file) when it cannot be written: then nothing is recorded."""
    existing = IssuedPack.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing, False
    name = default_storage.save(
        f"packs/issued/pack-{meeting.pk}-{meeting.date:%Y-%m-%d}.pdf", ContentFile(content)
    )
    issuer = issued_by if issued_by is not None and issued_by.is_authenticated else None
    issued = IssuedPack(
        meeting=meeting,
        file=name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        pages=pages,
        how=IssuedPack.How.ISSUED if issuer else IssuedPack.How.FROZEN,
        issued_at=timezone.now(),
        issued_by=issuer,
        issued_by_name=_issuer_name(issuer),
    )
    try:
        with transaction.atomic():
            issued.full_clean(exclude=["meeting"])
            issued.save()
    except IntegrityError:
        # Another request issued it between our look and our insert: theirs stands.
        default_storage.delete(name)
        return IssuedPack.objects.get(meeting=meeting), False
    except BaseException:
        default_storage.delete(name)
        raise
    return issued, True


@transaction.atomic
def meeting_packs_discard(*, meetings: Iterable[Meeting]) -> None:
    """Remove every pack kept for these meetings, issued ones included, and their files once the
    transaction commits (a rollback keeps them). Only for meetings about to be deleted with
    disposable data, the demo reloaded by ``load_demo_data --replace``: otherwise an issued
    pack stays for good, and protects its meeting from deletion."""
    meetings = list(meetings)
    issued = IssuedPack.objects.filter(meeting__in=meetings)
    renders = PackRender.objects.filter(meeting__in=meetings)
    names = [name for name in issued.values_list("file", flat=True) if name]
    render_names = [name for name in renders.values_list("file", flat=True) if name]
    issued.delete()
    renders.delete()
    render_storage = PackRender._meta.get_field("file").storage

    def delete_files() -> None:
        for name in names:
            default_storage.delete(name)
        for name in render_names:
            render_storage.delete(name)

    transaction.on_commit(delete_files)
