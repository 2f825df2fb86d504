"""The default file storage: a full or read-only disk gives one clear error and no stray files.

Django's FileSystemStorage leaves whatever it managed to write (often 0 bytes) when a write
fails, and raises a bare OSError that ends in the generic 500. Here a failed save removes the
file it was writing and raises StorageUnavailable, whose message a person can act on.
"""

from __future__ import annotations

import errno
import logging
import os
from contextvars import ContextVar
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

logger = logging.getLogger(__name__)

FULL = "the server's storage is full"
NOT_WRITABLE = "the server's storage is not writable"
FAILED = "the server's storage reported an error"

_REASONS = {
    errno.ENOSPC: FULL,
    errno.EDQUOT: FULL,
    errno.EFBIG: FULL,
    errno.EACCES: NOT_WRITABLE,
    errno.EPERM: NOT_WRITABLE,
    errno.EROFS: NOT_WRITABLE,
}

# The name FileSystemStorage._save is writing to. It picks another name by itself when a
# concurrent upload took the first one, and only that last name can hold our partial file.
_name_being_saved: ContextVar[str | None] = ContextVar("_name_being_saved", default=None)


class StorageUnavailable(OSError):
    """A file could not be stored; nothing was kept. ``str()`` is fit to show to the user."""

    def __init__(self, reason: str, *, cause_errno: int | None = None) -> None:
        super().__init__(
            f"The file could not be stored: {reason}. Nothing was saved; please try again later."
        )
        self.reason = reason
        self.errno = cause_errno

    @classmethod
    def from_os_error(cls, error: OSError) -> StorageUnavailable:
        if isinstance(error, PermissionError):
            return cls(NOT_WRITABLE, cause_errno=error.errno)
        return cls(_REASONS.get(error.errno, FAILED), cause_errno=error.errno)


class StorageUnreachable(StorageUnavailable):
    """A stored file could not be read or looked up (an object store that is down): nothing
    is lost, but the page cannot be given now."""

    def __init__(self, reason: str) -> None:
        OSError.__init__(
            self, f"The file storage could not be reached: {reason}. Please try again later."
        )
        self.reason = reason
        self.errno = None


@deconstructible(path="recommendations.storage.CleanFileSystemStorage")
class CleanFileSystemStorage(FileSystemStorage):
    """FileSystemStorage whose failed saves leave nothing behind (see the module docstring).

    Overwriting is refused: with it, a failed save would already have truncated the file it
    replaced, and removing that would lose a file the user had before.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("allow_overwrite"):
            raise ValueError("CleanFileSystemStorage does not support allow_overwrite")
        super().__init__(*args, **kwargs)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        name = super().get_available_name(name, max_length=max_length)
        if _name_being_saved.get() is not None:
            _name_being_saved.set(name)
        return name

    def _save(self, name: str, content: Any) -> str:
        token = _name_being_saved.set(name)
        try:
            return super()._save(name, content)
        except OSError as error:
            # Both of Django's paths (a temporary upload moved into place, or chunks written to
            # a file it opened with O_EXCL) only ever write to a name nobody else had, so
            # whatever is there now is our own partial file. A failed makedirs leaves no file.
            partial = _name_being_saved.get() or name
            self._remove_partial(partial)
            logger.error("Could not store %s: %s", partial, error)
            raise StorageUnavailable.from_os_error(error) from error
        finally:
            _name_being_saved.reset(token)

    def _remove_partial(self, name: str) -> None:
        path = self.path(name)
        try:
            if not os.path.isdir(path):
                os.remove(path)
        except FileNotFoundError:
            pass
        except OSError as error:
            # Read-only storage cannot be tidied either; say so for whoever frees it.
            logger.error("Could not remove the partial file %s: %s", path, error)
