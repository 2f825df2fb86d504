"""The only way a PDF reaches anything outside its own HTML: our static files, nothing else."""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

logger = logging.getLogger(__name__)

# Relative URLs in our templates ("/static/...") resolve against this; it names no real file.
BASE_URL = "file:///pdf-base/"


class StaticFilesURLFetcher(URLFetcher):
    """Serves ``data:`` URLs and files the staticfiles finders resolve; refuses the rest.

    Everything a document can point at goes through ``fetch``: images, stylesheets and their
    ``@import``/``url()``, SVG references and ``<link rel="attachment">``. A refusal is an
    exception, which WeasyPrint logs and treats as a missing resource.
    """

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)
        # The URL path, not ``static("")``: the manifest storage has no entry for "".
        self._static_prefix = urlsplit(settings.STATIC_URL).path  # "/static/"

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self._static_path(url)
            if path is not None:
                return URLFetcherResponse(url, body=path.read_bytes(), headers=_type_for(path))
        logger.warning("PDF render refused to fetch %.200s", url)
        raise URLFetchingError(f"Not fetched: {url[:200]}")

    def _static_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        path = unquote(parts.path)
        if not path.startswith(self._static_prefix):
            return None
        relative = PurePosixPath(path.removeprefix(self._static_prefix))
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            return None
        found = finders.find(str(relative)) or finders.find(_unhashed(str(relative)))
        if not found:
            return None
        return Path(found if isinstance(found, str) else found[0])


def _unhashed(name: str) -> str:
    """In production ``{% static %}`` gives the manifest's hashed name ("pdf.3f2a1c.css"),
    which only exists in STATIC_ROOT: map it back to the source name the finders know."""
    hashed_files = getattr(staticfiles_storage, "hashed_files", None) or {}
    return next((source for source, hashed in hashed_files.items() if hashed == name), name)


def _type_for(path: Path) -> dict[str, str]:
    types = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}
    return {"Content-Type": types.get(path.suffix.lower(), "application/octet-stream")}
