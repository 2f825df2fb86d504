"""Supporting documents, posted any title, description, file name and file content (multipart,
as a browser sends them) on each record's page, and removed with any body.

Properties: never a 5xx; a 200 is the form again, with an error, and nothing is stored; a 302
stored exactly the bytes sent, the title as sent (stripped), a type allowed and found in the
content, and the pages that list it, and its download, answer without active content (the
download always as an attachment, never as HTML).
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st

from recommendations import filetypes, services
from recommendations.models import SupportingDocument
from tests import documents as samples
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import assert_no_active_content, decoded, junk_text, rolled_back

SAMPLES = [
    samples.pdf(), samples.docx(), samples.xlsx(), samples.odt(), samples.png(), samples.jpeg(),
    samples.csv(), samples.html(), samples.svg(), samples.exe(), samples.docm(), b"", b" ",
]  # fmt: skip
HEADS = [b"%PDF-", b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"<", b"\xef\xbb\xbf<svg"]
contents = st.one_of(
    st.sampled_from(SAMPLES),
    st.binary(max_size=300),
    st.builds(lambda head, tail: head + tail, st.sampled_from(HEADS), st.binary(max_size=200)),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
)
names = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(
        [
            "minutes.pdf", "figures.csv", "../../etc/passwd", "page.html", "C:\\a\\b.docx",
            "\u202egpj.exe", "a\x00b.pdf", ".pdf", "con.pdf", "x" * 300 + ".pdf", "ü.png",
        ]
    ),
)  # fmt: skip


class NamedFile(io.BytesIO):
    """Any name the browser could send (the test client's own upload class refuses some)."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def _targets(world) -> dict[str, tuple[str, str]]:
    rec = world.recommendation.get_absolute_url()
    return {
        "review": (f"/reviews/{world.review.slug}/documents/new/", world.review.get_absolute_url()),
        "update_report": (
            f"/reviews/{world.review.slug}/update-reports/{world.report.pk}/documents/new/",
            f"/reviews/{world.review.slug}/update-reports/{world.report.pk}/",
        ),
        "progress_update": (f"{rec}updates/{world.update.pk}/documents/new/", rec),
        "meeting": (
            f"/meetings/{world.meeting.pk}/documents/new/",
            f"/meetings/{world.meeting.pk}/",
        ),
    }


@settings(FUZZ, max_examples=12)
@given(
    target=st.sampled_from(["review", "update_report", "progress_update", "meeting"]),
    title=st.one_of(junk_text, st.just("Agenda <script>xss()</script>")),
    description=junk_text,
    name=names,
    content=contents,
)
def test_attaching_any_file_with_any_text(
    officer_client, world, target, title, description, name, content
):
    url, page = _targets(world)[target]
    with rolled_back():
        response = officer_client.post(
            url,
            {"title": title, "description": description, "file": NamedFile(content, name)},
        )
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert b"There is a problem" in response.content
            assert not SupportingDocument.objects.exists()
            assert_no_active_content(response.content.decode())
            return
        document = SupportingDocument.objects.get()
        assert getattr(document, f"{target}_id") is not None
        assert document.title == decoded(title).strip()
        assert document.file.read() == content
        assert document.content_type == (
            filetypes.identify(document.file, document.filename).content_type
        )
        listed = officer_client.get(page)
        assert listed.status_code == 200
        assert_no_active_content(listed.content.decode())
        download = officer_client.get(f"/documents/{document.pk}/")
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment;")
        assert "html" not in download["Content-Type"] and "svg" not in download["Content-Type"]
        assert b"".join(download.streaming_content) == content


@pytest.fixture
def attached(world) -> SupportingDocument:
    document = SupportingDocument(
        meeting=world.meeting, title="Agenda", file=SimpleUploadedFile("a.pdf", samples.pdf())
    )
    return services.attach_document(document=document, user=None)


@settings(FUZZ, max_examples=6)
@given(body=st.dictionaries(junk_text, junk_text, max_size=3))
def test_removing_with_any_body(officer_client, world, attached, body):
    with rolled_back():
        response = officer_client.post(f"/documents/{attached.pk}/remove/", body)
        assert response.status_code == 302
        assert not SupportingDocument.objects.filter(pk=attached.pk).exists()
