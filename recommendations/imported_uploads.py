"""Each uploaded table is saved at most once (``models.ImportedUpload``).

``services.import_table_at_meeting`` claims the upload first, inside the import's own
transaction, and records what the import made last. A second save of the same upload (a
double click without JavaScript, the browser sending the form again, a second tab, any
request that read the session before the first save cleared it) inserts the same unique
row: the database makes it wait until the first save's transaction ends (PostgreSQL on the
unique index; SQLite's IMMEDIATE transactions before it begins), then it fails and raises
``AlreadyImported`` having written nothing. A first save refused or failed takes its claim
with it when it rolls back, so the corrected save goes ahead.

The session cannot do this: both requests read the same session entry, and its file, before
either clears it."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, transaction

from recommendations.models import SHORT_TEXT_MAX, ImportedUpload, Review


class AlreadyImported(Exception):
    """The upload was saved by an earlier request; ``imported`` says when and what it made
    (None only if that was deleted since)."""

    def __init__(self, imported: ImportedUpload | None) -> None:
        super().__init__("This table was already imported.")
        self.imported = imported


def claim(*, upload: str, user: AbstractBaseUser | AnonymousUser | None) -> ImportedUpload:
    """The upload, claimed for this save: the first write of the import's transaction, so
    that a second save waits here rather than after doing the work again."""
    # Claimed outside a transaction, the claim would outlive a refused import and refuse
    # the corrected one.
    if not connection.in_atomic_block:
        raise RuntimeError("An upload is claimed inside the import's transaction.")
    try:
        with transaction.atomic():  # a savepoint: PostgreSQL's transaction goes on after it
            return ImportedUpload.objects.create(
                upload=upload,
                imported_by=user if user is not None and user.is_authenticated else None,
            )
    except IntegrityError:
        raise AlreadyImported(find(upload)) from None


def record(
    imported: ImportedUpload, *, file_name: str, review: Review, reviews: int
) -> ImportedUpload:
    """What the claimed upload's import made, in the same transaction."""
    imported.file_name = PurePath(file_name).name[:SHORT_TEXT_MAX]
    imported.review, imported.reviews = review, reviews
    imported.save(update_fields=["file_name", "review", "reviews"])
    return imported


def find(upload: str) -> ImportedUpload | None:
    """The saved import of this upload, if it was saved."""
    return ImportedUpload.objects.select_related("review").filter(upload=upload).first()
