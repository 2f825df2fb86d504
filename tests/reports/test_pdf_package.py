"""The pydyf speed fix: right, and still needed."""

import pydyf

from reports.pdf import pydyf_patch, sandbox  # noqa: F401 -- importing the sandbox applies it


def _document(pages: int) -> pydyf.PDF:
    document = pydyf.PDF()
    for _ in range(pages):
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    return document


def test_pydyf_still_rebuilds_page_references_on_every_access():
    """When this fails, pydyf caches the references itself: delete reports/pdf/pydyf_patch.py
    and its ``apply()`` in sandbox.py."""
    document = _document(3)
    upstream = pydyf_patch.UPSTREAM_PAGE_REFERENCES.fget
    assert upstream(document) == upstream(document)
    assert upstream(document) is not upstream(document)


def test_the_patched_references_are_upstreams_and_follow_new_pages():
    document = _document(3)
    upstream = pydyf_patch.UPSTREAM_PAGE_REFERENCES.fget
    assert document.page_references == upstream(document)
    assert document.page_references is document.page_references  # built once
    document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert document.page_references == upstream(document)
    assert len(document.page_references) == 4
