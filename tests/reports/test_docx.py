"""Issue 14: the appendix and the committee pack as Word documents: the PDF's layout and
header, A4 landscape, the header row repeated on each page, paragraphs and lists as Word's own
(a numbered list keeps its typed start, typed markers print as typed), any user text."""

import datetime as dt
import html
import io
import re
import shutil
import subprocess

import pytest
from docx import Document
from docx.oxml.ns import qn

from recommendations.models import Meeting, Recommendation, Review
from reports.exporters.word import DOCX_CONTENT_TYPE
from reports.models import AppendixSettings
from reports.rows import appendix
from tests.conftest import ARTIFACTS
from tests.factories import make_review
from tests.reports.conftest import BUCKS, EAST_SUSSEX, HACKNEY

pytestmark = pytest.mark.django_db


def _document(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    return Document(io.BytesIO(response.content))


def _squashed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _html_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def _is_landscape_a4(document) -> bool:
    section = document.sections[0]
    return (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (29.7, 21.0)


@pytest.mark.parametrize("slug", [HACKNEY, EAST_SUSSEX, BUCKS])
def test_each_seed_appendix_is_a_word_table_in_its_layout(clerk_client, layouts, slug):
    response = clerk_client.get(f"/reviews/{slug}/appendix.docx")
    document = _document(response)
    assert response["Content-Disposition"] == f'attachment; filename="{slug}-appendix.docx"'
    expected = appendix(slug)
    assert _is_landscape_a4(document)
    assert document.sections[0].orientation == 1  # landscape
    # "Appendix: <the review's title>", or the paper's own (Buckinghamshire's "Response to
    # Select Committee Scrutiny Inquiry", its header block naming the inquiry).
    assert expected.heading in document.sections[0].header.paragraphs[0].text
    assert document.paragraphs[0].text == expected.heading
    assert expected.review.committee.authority.name in document.paragraphs[1].text

    table = document.tables[-1]  # after the header block's, where the layout has one
    assert len(document.tables) == (3 if slug == BUCKS else 1)
    header = table.rows[0]
    assert [cell.text for cell in header.cells] == expected.headings
    # Marked to repeat at the top of each page; the body rows are not.
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None
               for row in table.rows[1:])  # fmt: skip
    assert len(table.rows) == len(expected.rows) + 1
    for row, cells in zip(table.rows[1:], expected.iter_html(), strict=True):
        for word_cell, cell in zip(row.cells, cells, strict=True):
            # Every character the page shows, in order (a link adds its address after it).
            shown = re.sub(r"\((?:https|mailto):[^)]*\)", "", word_cell.text)
            assert _squashed(shown) == _squashed(_html_text(cell.html))


def test_the_layout_widths_are_the_columns_proportions(clerk_client, layouts):
    (table,) = _document(clerk_client.get(f"/reviews/{HACKNEY}/appendix.docx")).tables
    widths = [column.width for column in table.columns]
    assert widths[3] / widths[2] == pytest.approx(33 / 13, rel=0.01)  # Hackney: 27, 27, 13, 33


def _numbering(document, paragraph) -> tuple[str, int] | None:
    """(number format, start) of a numbered paragraph's list, None when it has no number."""
    properties = paragraph._p.pPr
    numbered = properties.find(qn("w:numPr")) if properties is not None else None
    if numbered is None:
        return None
    num_id = numbered.find(qn("w:numId")).get(qn("w:val"))
    level = numbered.find(qn("w:ilvl")).get(qn("w:val"))
    numbering = document.part.numbering_part.element
    (num,) = [num for num in numbering.findall(qn("w:num")) if num.get(qn("w:numId")) == num_id]
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    (abstract,) = [
        item
        for item in numbering.findall(qn("w:abstractNum"))
        if item.get(qn("w:abstractNumId")) == abstract_id
    ]
    (lvl,) = [lvl for lvl in abstract.findall(qn("w:lvl")) if lvl.get(qn("w:ilvl")) == level]
    start = int(lvl.find(qn("w:start")).get(qn("w:val")))
    for override in num.findall(qn("w:lvlOverride")):
        if override.get(qn("w:ilvl")) == level and override.find(qn("w:startOverride")) is not None:
            start = int(override.find(qn("w:startOverride")).get(qn("w:val")))
    return lvl.find(qn("w:numFmt")).get(qn("w:val")), start


def test_lists_are_word_lists_that_start_where_typed(clerk_client):
    review = make_review(recommendations=1)
    AppendixSettings.objects.create(review=review, layout="east_sussex")
    rec = review.recommendations.get()
    rec.text = (
        "The council should:\n\n4. publish the data\n5. report yearly\n\n"
        "- a) first lettered\n- b) second lettered\n\nThen:\n\n- a bullet\n\n1. one\n2. two"
    )
    rec.save()
    document = _document(clerk_client.get(f"/reviews/{review.slug}/appendix.docx"))
    paragraphs = {p.text: p for p in document.tables[0].rows[1].cells[0].paragraphs}
    assert _numbering(document, paragraphs["publish the data"]) == ("decimal", 4)
    # The next item continues the same list: the same numbering instance.
    assert (
        paragraphs["report yearly"]._p.pPr.numPr.numId.val
        == paragraphs["publish the data"]._p.pPr.numPr.numId.val
    )
    # Typed markers print as typed: one marker, no bullet or number beside it.
    assert _numbering(document, paragraphs["a) first lettered"]) is None
    assert _numbering(document, paragraphs["b) second lettered"]) is None
    assert _numbering(document, paragraphs["a bullet"]) == ("bullet", 1)
    # A list of its own restarts at its own number.
    assert _numbering(document, paragraphs["one"]) == ("decimal", 1)
    assert (
        paragraphs["one"]._p.pPr.numPr.numId.val
        != paragraphs["publish the data"]._p.pPr.numPr.numId.val
    )
    assert "•" not in document.tables[0].rows[1].cells[0].text


HOSTILE = "AT&T <b>bold</b> ]]> \"quoted\" 'single' &amp; \x01\x02\x0bnext\x1f \ufffe end"


def test_any_user_text_makes_a_document_that_opens(clerk_client):
    review = make_review(recommendations=1, title=f"Review {HOSTILE}"[:200])
    rec = review.recommendations.get()
    rec.text = f"{HOSTILE}\n\n- {HOSTILE}"
    rec.label = "1<&>"
    rec.save()
    response = clerk_client.get(f"/reviews/{review.slug}/appendix.docx")
    document = _document(response)
    text = document.tables[0].rows[1].cells[0].text
    assert "AT&T" in text and "]]>" in text and '"quoted"' in text and "'single'" in text
    assert "1<&>" in text
    assert "next" in text and "\x01" not in text
    assert "Review AT&T" in document.sections[0].header.paragraphs[0].text


@pytest.fixture
def january_meeting(layouts) -> Meeting:
    return Meeting.objects.get(date=dt.date(2023, 1, 16))


def test_the_committee_pack_as_a_word_document(clerk_client, january_meeting):
    response = clerk_client.get(f"/meetings/{january_meeting.pk}/pack.docx")
    document = _document(response)
    assert response["Content-Disposition"].endswith('.docx"')
    assert _is_landscape_a4(document)
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    for heading in ("Contents", "Status summary", "Appendix 1: Reducing School Exclusions"):
        assert heading in text
    facts = document.tables[0]
    assert [row.cells[0].text for row in facts.rows][:4] == [
        "Review", "Committee", "Meeting date", "Agenda item"
    ]  # fmt: skip
    assert facts.rows[2].cells[1].text == "16 January 2023"
    # The appendix is the same Word table as the appendix's own document.
    review = Review.objects.get(slug=HACKNEY)
    appendix_table = next(
        table for table in document.tables if table.rows[0].cells[0].text == "Recommendation"
    )
    assert appendix_table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    counted = Recommendation.objects.filter(review=review).count()
    assert len(appendix_table.rows) == counted + 1


def test_word_documents_need_the_export_permission(client, member, layouts, january_meeting):
    client.force_login(member)
    assert client.get(f"/reviews/{HACKNEY}/appendix.docx").status_code == 403
    assert client.get(f"/meetings/{january_meeting.pk}/pack.docx").status_code == 403


def test_an_unknown_meeting_has_no_word_pack(clerk_client):
    assert clerk_client.get("/meetings/999999/pack.docx").status_code == 404


def test_the_appendix_page_links_to_its_word_document(clerk_client, layouts):
    page = clerk_client.get(f"/reviews/{HACKNEY}/appendix/").content.decode()
    assert f'href="/reviews/{HACKNEY}/appendix.docx"' in page


def _poppler(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def _libreoffice_pdf(content: bytes, tmp_path, name: str):
    source = tmp_path / f"{name}.docx"
    source.write_bytes(content)
    subprocess.run(
        [
            "soffice", "--headless", "--norestore",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--convert-to", "pdf", "--outdir", str(tmp_path), str(source),
        ],
        capture_output=True, check=True, timeout=180,
    )  # fmt: skip
    return tmp_path / f"{name}.pdf"


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice (soffice) is not installed here: apt-get install "
    "libreoffice-writer-nogui (.ci/run installs it, so CI runs this test)",
)
def test_libreoffice_prints_the_hackney_docx_with_its_header_row_on_every_page(
    clerk_client, layouts, tmp_path
):
    content = clerk_client.get(f"/reviews/{HACKNEY}/appendix.docx").content
    pdf = _libreoffice_pdf(content, tmp_path, "hackney")
    pages = int(re.search(r"Pages:\s+(\d+)", _poppler("pdfinfo", str(pdf)))[1])
    assert pages > 1
    sizes = _poppler("pdfinfo", "-f", "1", "-l", str(pages), str(pdf))
    for width, height in re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", sizes):
        assert (round(float(width)), round(float(height))) == (842, 595)
    headings = appendix(HACKNEY).headings
    for page in range(1, pages + 1):
        text = _poppler("pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-")
        for heading in headings:  # a heading may wrap onto a second line
            assert all(word in text for word in heading.split()), (page, heading)
        assert "Reducing School Exclusions" in text and f"Page {page} of {pages}" in text
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "hackney-appendix-docx-libreoffice.pdf")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf),
         str(ARTIFACTS / "hackney-appendix-docx-libreoffice")],
        check=True, timeout=60,
    )  # fmt: skip
