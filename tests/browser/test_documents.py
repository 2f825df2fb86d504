"""An officer attaches the meeting's papers in a real browser, at desktop and phone widths."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from recommendations.models import Meeting, SupportingDocument
from tests import documents as samples
from tests.browser.conftest import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

HACKNEY = "/reviews/hackney-school-exclusions/"


def test_an_officer_attaches_a_document_on_a_meeting_page_and_sees_it_listed(
    page: Page, officer, demo_data
):
    meeting = Meeting.objects.filter(reviews__slug="hackney-school-exclusions").first()
    sign_in(page, officer.username)
    page.goto(HACKNEY)
    page.get_by_role("link", name=f"{meeting.date.day} {meeting.date:%B %Y}").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Meeting of {meeting.date.day} {meeting.date:%B %Y}"
    )

    # A web page renamed .pdf is refused, and what was typed stays.
    page.get_by_text("Attach a document").click()
    page.get_by_label("Title").fill("Agenda and reports pack")
    page.get_by_label("File").set_input_files(
        {"name": "agenda.pdf", "mimeType": "application/pdf", "buffer": samples.html()}
    )
    page.get_by_role("button", name="Attach the document").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("web page, SVG image or other markup")
    expect(page.get_by_label("Title")).to_have_value("Agenda and reports pack")
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "document-refused-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("File").set_input_files(
        {"name": "Agenda – 16 January.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()}
    )
    page.get_by_role("button", name="Attach the document").click()
    expect(page.get_by_text("“Agenda and reports pack” attached.")).to_be_visible()
    expect(page).to_have_url(f"{page.url.split('/meetings/')[0]}/meetings/{meeting.pk}/")
    document = SupportingDocument.objects.get(meeting=meeting)
    item = page.locator(".documents__item")
    expect(item).to_contain_text("Agenda and reports pack")
    expect(item).to_contain_text(f"PDF, {len(samples.pdf())}\xa0bytes, added")
    assert_accessible(page)
    screenshot(page, "meeting-documents-1280")

    with page.expect_download() as download:
        item.get_by_role("link", name="Agenda and reports pack", exact=True).click()
    assert download.value.suggested_filename == "Agenda – 16 January.pdf"
    assert Path(download.value.path()).read_bytes() == samples.pdf()

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "meeting-documents-390")

    page.get_by_role("link", name="Remove “Agenda and reports pack”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove “Agenda and reports pack”?")
    page.get_by_role("button", name="Remove the document").click()
    expect(page.get_by_text("“Agenda and reports pack” removed.")).to_be_visible()
    assert not SupportingDocument.objects.filter(pk=document.pk).exists()
