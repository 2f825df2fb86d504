"""A speed fix for pydyf (WeasyPrint's PDF writer), applied when the renderer is imported.

pydyf rebuilds the tuple of every page's reference on each access to ``PDF.page_references``,
and WeasyPrint's PDF/UA tagging reads it once per structure element: quadratic in pages (0.4 s
of a 91-page render). ``tests/reports/test_pdf_package.py`` fails once pydyf no longer needs it.
"""

from __future__ import annotations

import pydyf

# What pydyf itself provides, kept so the test can tell whether the fix is still needed.
UPSTREAM_PAGE_REFERENCES = pydyf.PDF.page_references


def _memoised_page_references(self: pydyf.PDF) -> tuple[bytes, ...]:
    # pydyf rebuilds this tuple of every page's reference on each access, and WeasyPrint's
    # PDF/UA tagging reads it once per structure element: quadratic in pages (0.4 s of a
    # 91-page render). Pages are only ever appended, so the length identifies the content.
    kids = self.pages["Kids"]
    cached = self.__dict__.get("_page_references")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        self.__dict__["_page_references"] = cached
    return cached[1]


def apply() -> None:
    pydyf.PDF.page_references = property(_memoised_page_references)
