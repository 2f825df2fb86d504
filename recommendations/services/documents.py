"""Supporting documents: attach one (its type read from its bytes; nothing kept if anything
fails) and remove one."""

from __future__ import annotations

import logging
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction

from recommendations import filetypes, rules
from recommendations.models import SupportingDocument
from recommendations.services._common import User, _attribute_to, _validate

logger = logging.getLogger(__name__)


def _download_name(uploaded: str, kind: filetypes.DocumentType) -> str:
    """The uploader's file name, as the download's name: its last part only, without control
    characters, and ending in the extension of what the file really is (a PNG sent as
    "photo.jpg" downloads as "photo.png")."""
    name = PurePath(uploaded.replace("\\", "/")).name
    name = "".join(char for char in name if char.isprintable()).strip(" .") or "document"
    stem, dot, extension = name.rpartition(".")
    if not (dot and stem and extension.isalnum() and len(extension) <= 5):
        stem, extension = name, ""
    if extension.lower() not in filetypes.extensions_of(kind):
        extension = kind.extension
    return f"{stem[:200]}.{extension}"


def attach_document(*, document: SupportingDocument, user: User) -> SupportingDocument:
    """Store ``document.file`` (an upload not yet saved) for the one record the document names.

    The type is read from the file's content, never its name; the file is stored under an
    unguessable name. If the storage refuses the file (``StorageUnavailable``: full disk, object
    store down) or the row cannot be written, nothing is kept: no row, and no stored file."""
    try:
        return _attach_document(document=document, user=user)
    except BaseException:
        _discard_stored_file(document)
        raise


@transaction.atomic
def _attach_document(*, document: SupportingDocument, user: User) -> SupportingDocument:
    rules.check(rules.document_errors(document))
    upload = document.file
    if not upload:
        raise ValidationError({"file": ["Choose a file to attach."]})
    try:
        kind = filetypes.identify(upload, upload.name or "")
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    document.content_type = kind.content_type
    document.size = upload.size
    document.filename = _download_name(upload.name or "", kind)
    if user is not None and user.is_authenticated:
        document.uploaded_by = user
    _validate(document, rules.document_errors)
    _attribute_to(document, user)
    document.save()
    return document


def _discard_stored_file(document: SupportingDocument) -> None:
    """After a failed attach: the file, if it reached the storage, has no row to name it."""
    stored = document.file
    if stored and getattr(stored, "_committed", False) and document.file.name:
        try:
            stored.storage.delete(stored.name)
        except Exception:  # noqa: BLE001 - the original error is the one to report
            logger.exception("Could not remove %s after a failed attach", stored.name)
    document.pk = None


@transaction.atomic
def remove_document(*, document: SupportingDocument, user: User) -> None:
    """The row goes (its history records who removed it) and, once that is committed, the
    file: a document attached by mistake must really be gone (``apps`` removes the file of
    every deleted document, cascades included)."""
    rules.check(rules.document_removal_errors(document))
    _attribute_to(document, user)
    document.delete()
