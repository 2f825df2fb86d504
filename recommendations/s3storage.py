"""Supporting documents and issued packs in S3-compatible object storage (django-storages),
for several app servers and workers behind the load balancer: none of them keeps a file of
its own, so any server can serve what another stored.

Chosen by settings (``STORAGE_BACKEND=s3``, README "Deployment"), and imported only then, so a
server on local disk never loads boto3. Failures speak as the local storage's do: a save the
store refuses, or a store that cannot be reached, is ``StorageUnavailable`` with a message for
the user (the forms keep what was typed; the 503 page says so), never a bare boto error that
would end in the generic 500.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.utils.deconstruct import deconstructible
from storages.backends.s3 import S3Storage

from recommendations.storage import StorageUnavailable, StorageUnreachable

logger = logging.getLogger(__name__)

UNREACHABLE = "the object store did not answer"
REFUSED = "the object store refused it"


def _reason(error: Exception) -> str:
    return REFUSED if isinstance(error, ClientError) else UNREACHABLE


@deconstructible(path="recommendations.s3storage.CleanS3Storage")
class CleanS3Storage(S3Storage):
    """S3Storage that never overwrites (two packs issued at once keep their own objects, as on
    disk) and turns the store's failures into ``StorageUnavailable``. An object is written in
    one request (or a multipart upload that is aborted on failure), so there is no partial
    object to remove."""

    def __init__(self, **settings: Any) -> None:
        settings.setdefault("file_overwrite", False)
        super().__init__(**settings)

    def _save(self, name: str, content: Any) -> str:
        try:
            return super()._save(name, content)
        except (BotoCoreError, ClientError) as error:
            logger.error("Could not store %s: %s", name, error)
            raise StorageUnavailable(_reason(error)) from error

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        try:
            return super().get_available_name(name, max_length=max_length)
        except (BotoCoreError, ClientError) as error:
            logger.error("Could not look up %s: %s", name, error)
            raise StorageUnavailable(_reason(error)) from error

    def _open(self, name: str, mode: str = "rb") -> Any:
        try:
            return super()._open(name, mode)
        except (BotoCoreError, ClientError) as error:
            logger.error("Could not open %s: %s", name, error)
            raise StorageUnreachable(_reason(error)) from error

    def exists(self, name: str) -> bool:
        try:
            return super().exists(name)
        except (BotoCoreError, ClientError) as error:
            logger.error("Could not look up %s: %s", name, error)
            raise StorageUnreachable(_reason(error)) from error
