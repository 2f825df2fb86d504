"""Importing a table: any file and any field values on the upload form, then any column and
word choices (and any query string) on the preview, and any post to save.

Properties: never a 5xx; the upload form answers 200 with an error or 302 to the preview;
the preview answers 200 (or saves and redirects) and shows the table's text escaped."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from recommendations.models import Committee, Review
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import assert_no_active_content, junk_text, rolled_back
from tests.fuzz.test_documents import NamedFile, contents, names
from tests.recommendations.importing.tables import as_csv, as_docx, as_xlsx

HOSTILE = [
    ["Recommendation <script>xss()</script>", "Agreed", "Status", "Lead Officer"],
    ["1. <img src=x onerror=xss()>", "Maybe <b>", "Red", "A / B; C, D"],
    ["R2 [x](javascript:xss())", "=1+1", "Completed", ""],
]
TABLES = st.sampled_from([as_csv(HOSTILE), as_xlsx(HOSTILE), as_docx(HOSTILE)])


@settings(FUZZ, max_examples=6)
@given(
    into=st.one_of(st.sampled_from(["new", "existing"]), junk_text),
    title=junk_text,
    as_at=junk_text,
    name=names,
    content=st.one_of(contents, TABLES),
)
def test_uploading_any_file_with_any_fields(
    officer_client, world, into, title, as_at, name, content
):
    committee = Committee.objects.first()
    with rolled_back():
        response = officer_client.post(
            "/reviews/import/",
            {
                "into": into, "title": title, "as_at": as_at, "committee": committee.pk,
                "review": world.review.pk, "file": NamedFile(content, name),
            },
        )  # fmt: skip
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert b"There is a problem" in response.content
            assert_no_active_content(response.content.decode())


@settings(FUZZ, max_examples=6)
@given(
    params=st.dictionaries(
        st.sampled_from(["table", "col0", "col1", "col2", "col3", "word_decision_0", "col99"]),
        st.one_of(
            st.sampled_from(["", "label", "recommendation", "decision", "status"]), junk_text
        ),
        max_size=4,
    ),
    save=st.booleans(),
    content=TABLES,
)
def test_the_preview_with_any_choices(officer_client, world, params, save, content):
    committee = Committee.objects.first()
    with rolled_back():
        response = officer_client.post(
            "/reviews/import/",
            {
                "into": "new", "title": "Fuzzed", "committee": committee.pk,
                "file": NamedFile(content, "table"),
            },
        )  # fmt: skip
        assert response.status_code == 302
        url = response["Location"]
        response = officer_client.post(url, params) if save else officer_client.get(url, params)
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert_no_active_content(response.content.decode())
        else:
            assert Review.objects.filter(title="Fuzzed").exists()
