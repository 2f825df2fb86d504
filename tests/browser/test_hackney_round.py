"""Issue 12's whole round, in a real browser, as seed 000 describes it: an officer starts
Hackney's December 2022 update report (author, "authorised by", contributors, summary), enters
the 18 progress updates on one page, makes the report final after its confirmation page, and
the clerk downloads the committee pack for the January 2023 meeting. The pack is the papers as
presented: reopening the report and changing an update afterwards leaves it byte for byte."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from playwright.sync_api import Page, expect

from recommendations.demo import demo_files, load_review_document, read_document
from recommendations.models import Meeting, ProgressUpdate, UpdateReport
from tests.browser.conftest import assert_accessible, screenshot, sign_in
from tests.conftest import ARTIFACTS
from tests.reports.conftest import pdf_pages_text

pytestmark = pytest.mark.django_db(transaction=True)

HACKNEY = "/reviews/hackney-school-exclusions/"
TITLE = "Reducing School Exclusions - Update report"
PDF_LINK = re.compile(r"^Download the committee pack( as issued)? \(PDF\)$")


@pytest.fixture
def hackney_before_the_round() -> dict:
    """Hackney's review as it stood before the December 2022 round: recommendations,
    responses, leads and meetings, but no update report and no update. Returns the seed's
    report and the updates it printed, by recommendation label."""
    path = next(p for p in demo_files() if p.name.startswith("hackney"))
    doc = read_document(path)
    printed = {}
    for rec in doc["recommendations"]:
        (printed[rec["label"]],) = rec.pop("updates")
    (report,) = doc.pop("update_reports")
    load_review_document(doc)
    return {"report": report, "updates": printed}


def _option(page: Page, select: str, text: str) -> str:
    """The value of the (first) option of a select whose text contains ``text``."""
    return page.locator(f"{select} option", has_text=text).first.get_attribute("value")


def _download_pack(page: Page) -> bytes:
    # Rendered while the clerk waits (a small pack): allow for a busy test machine.
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("link", name=PDF_LINK).click(timeout=120_000)
    return open(download.value.path(), "rb").read()


def _look_at(pdf: bytes, name: str) -> None:
    """The pack's first two pages as PNGs beside the screenshots, to be looked at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", path, ARTIFACTS / name],
        check=True,
    )


def test_the_whole_hackney_round_from_starting_the_report_to_the_pack(
    page: Page, officer, clerk, hackney_before_the_round
):
    seed, printed = hackney_before_the_round["report"], hackney_before_the_round["updates"]
    assert len(printed) == 18

    # Start the report, as the seed's cover has it.
    sign_in(page, officer.username)
    page.goto(HACKNEY)
    page.get_by_role("link", name="Start an update report").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Progress as at").fill("2022-12-01")
    page.get_by_label("How precise is the date?").select_option("month")
    page.get_by_label("Meeting").select_option(_option(page, "#id_meeting", "16 January 2023"))
    page.get_by_label("Report author").select_option(
        _option(page, "#id_author", "Katherine Cracknell")
    )
    page.get_by_label("Authorised by").select_option(_option(page, "#id_authorised_by", "Jacque"))
    page.get_by_label("Contributors").select_option(
        [_option(page, "#id_contributors", name) for name in ("Billy Baker", "Nick Corker")]
    )
    page.get_by_label("Summary").fill(seed["summary"].strip())
    assert_accessible(page)
    screenshot(page, "hackney-round-1-start")
    page.get_by_role("button", name="Start update report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    report = UpdateReport.objects.get(review__slug="hackney-school-exclusions")
    assert report.author.name == "Katherine Cracknell"
    assert report.authorised_by.name == "Jacque Burke"
    assert {p.name for p in report.contributors.all()} == {"Billy Baker", "Nick Corker"}
    assert (report.as_at, report.as_at_precision) == (dt.date(2022, 12, 1), "month")

    # The 18 updates on one page: one load, 18 rows filled, one "Save all".
    page.get_by_role("link", name="Enter this round’s updates on one page").click()
    expect(page.locator("#round-summary")).to_contain_text("0 of 18 have an update in this round")
    for label, update in printed.items():
        page.get_by_label(f"Progress update (recommendation {label})").fill(update["text"].strip())
        page.get_by_label(f"Status (recommendation {label})").select_option(update["status"])
    page.get_by_role("button", name="Save all").first.click()
    expect(page.get_by_text("18 updates saved")).to_be_visible()
    expect(page.locator("#round-summary")).to_contain_text("18 of 18 have an update in this round")
    screenshot(page, "hackney-round-2-entered")

    # Final, after its confirmation page: nothing missing, so no reason is asked for.
    page.goto(f"{HACKNEY}update-reports/{report.pk}/")
    expect(page.locator("dl.facts")).to_contain_text("18 of 18 recommendations")
    page.get_by_role("link", name="Make this report final").click()
    expect(page.locator("#finalise-summary")).to_have_text(
        "18 of 18 recommendations have an update in this round."
    )
    expect(page.get_by_label("Why is the report final without these updates?")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "hackney-round-3-finalise")
    page.get_by_role("button", name="Make this report final").click()
    expect(page.get_by_text("This report is final: made final on")).to_be_visible()
    report.refresh_from_db()
    assert report.is_final and report.finalised_by == officer

    # The clerk's pack for the meeting (past, so frozen as first downloaded).
    meeting = Meeting.objects.get(pk=report.meeting_id)
    sign_in(page, clerk.username)
    page.goto(f"/meetings/{meeting.pk}/")
    page.get_by_role("link", name="Committee pack").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Committee pack")
    expect(page.get_by_text("18 recommendations")).to_be_visible()
    assert_accessible(page)
    pack = _download_pack(page)
    pages = pdf_pages_text(pack)
    cover = pages[0]
    assert "Hackney" in cover and TITLE in cover
    assert "16 January 2023" in cover
    assert "This report summarises the work undertaken" in cover
    assert "Katherine Cracknell" in cover and "Jacque Burke" in cover
    whole = "\n".join(pages)
    assert "Recommendation 18" in whole
    for update in list(printed.values())[:3]:
        assert update["text"].split()[0] in whole
    _look_at(pack, "hackney-round-4-pack")
    page.reload()
    expect(page.get_by_text("This is the pack as presented")).to_be_visible()
    screenshot(page, "hackney-round-5-pack-page")

    # Months later an officer reopens the report and changes an update: the pack the
    # committee was sent stays byte for byte what it was.
    sign_in(page, officer.username)
    page.goto(f"{HACKNEY}update-reports/{report.pk}/")
    page.get_by_role("link", name="Reopen this report").click()
    page.get_by_label("Why are you reopening it?").fill("Recommendation 1's update was revised.")
    page.get_by_role("button", name="Reopen the report").click()
    expect(page.get_by_text("is reopened")).to_be_visible()
    update = ProgressUpdate.objects.get(report=report, recommendation__label="1")
    page.goto(f"{HACKNEY}recommendations/1/updates/{update.pk}/edit/")
    page.get_by_label("Progress update").fill("Revised after the meeting.")
    page.get_by_role("button", name="Save").click()
    assert ProgressUpdate.objects.get(pk=update.pk).text == "Revised after the meeting."

    sign_in(page, clerk.username)
    page.goto(f"/meetings/{meeting.pk}/pack/")
    assert _download_pack(page) == pack
