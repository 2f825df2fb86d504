"""An officer imports a Word table in the browser: upload, pick the table, confirm the header
fields above it, map a column and a word, read the preview, save. Each page is checked with
axe and the Nu HTML checker, and at 390 px wide (no sideways scroll)."""

from __future__ import annotations

import io

import docx
from playwright.sync_api import Page, expect

from recommendations.models import Review
from tests.browser.conftest import assert_accessible, screenshot, sign_in
from tests.browser.test_every_page_on_a_phone import MEASURE
from tests.html_checker import assert_valid_html
from tests.recommendations.importing.tables import as_csv


def _word_file() -> bytes:
    document = docx.Document()
    document.add_paragraph("Appendix A: a title above the tables")
    document.add_paragraph("Meeting date: 3 March 2026")
    document.add_paragraph("Minute: 12")
    first = document.add_table(rows=2, cols=2)
    first.rows[0].cells[0].text, first.rows[0].cells[1].text = "Version", "Date"
    first.rows[1].cells[0].text, first.rows[1].cells[1].text = "Final", "2026"
    table = document.add_table(rows=0, cols=5)
    rows = [
        ["Recommendations and undertakings", "Government Response", "Lead Officer",
         "Action taken", "RAG"],
        ["Recommendation 1\nThe council should publish the data.", "Accepted",
         "Ann Lee, Head of Data", "Published in March.", "Green"],
        ["R2: Train every governor.", "Accepted for review", "Bo Ray / Cy Dunn",
         "Sessions booked:", "Amber"],
    ]  # fmt: skip
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            lines = value.split("\n")
            cell.text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)
    bullets = table.rows[2].cells[3]
    for item in ["12 in the spring", "3 in the summer"]:
        bullets.add_paragraph(item, style="List Bullet")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _fits(page: Page) -> None:
    assert page.evaluate(MEASURE) == []


def test_an_officer_imports_a_word_table(page: Page, officer, demo_data):
    served: dict[str, bytes] = {}
    sign_in(page, officer.username)
    response = page.goto("/reviews/import/")
    served["upload"] = response.body()
    assert_accessible(page)
    page.get_by_label("Word, Excel or CSV file").set_input_files(
        files=[{"name": "tracker.docx", "mimeType": "application/octet-stream",
                "buffer": _word_file()}]
    )  # fmt: skip
    page.get_by_label("Committee (new review)").select_option(index=1)
    page.get_by_label("Title (new review)").fill("Imported from Word")
    page.get_by_label("The updates are as at").fill("March 2026")
    page.get_by_role("button", name="Upload and preview").click()

    # Two tables: the version table (first) is not the one; pick the second.
    page.get_by_label("Table", exact=True).select_option("2")
    page.get_by_role("button", name="Show the preview again").click()
    assert page.get_by_label("Government Response").input_value() == "response"
    assert page.get_by_label("Lead Officer").input_value() == "leads"
    assert page.get_by_label("RAG").input_value() == "status"
    # "Accepted" is known; "Government Response" holds the decision word here, so map the
    # column as the decision, and say what "Accepted for review" means.
    page.get_by_label("Government Response").select_option("decision")
    page.get_by_role("button", name="Show the preview again").click()
    assert "1 with errors" in page.get_by_role("heading", level=2).first.inner_text()
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "import-preview-word-to-map")
    page.get_by_label("Decision “Accepted for review”").select_option("partly_agreed")
    page.get_by_role("button", name="Show the preview again").click()
    # The paper's words are kept beside the decision they count as.
    expect(
        page.get_by_role("cell", name="Accepted for review (counted as Partly agreed)")
    ).to_be_visible()  # noqa: E501
    # Header fields above the table: the meeting's date, confirmed here.
    assert page.get_by_label("Reported on (the meeting's date)").input_value() == "3 March 2026"
    expect(page.locator(".import-header")).to_contain_text("Minute or agenda item")
    served["preview"] = page.content().encode()
    assert_accessible(page)
    screenshot(page, "import-preview")
    page.set_viewport_size({"width": 390, "height": 844})
    _fits(page)
    screenshot(page, "phone-import-preview")

    expect(page.locator("#import-saving")).to_have_count(0)  # a short table saves at once
    page.get_by_role("button", name="Save all 2 rows").click()
    page.wait_for_url("**/reviews/imported-from-word/")
    assert "Imported 2 recommendation(s) and 2 update(s)." in page.content()
    review = Review.objects.get(slug="imported-from-word")
    first, second = review.recommendations.order_by("order")
    assert (first.label, first.text, first.response.decision) == (
        "1", "The council should publish the data.", "agreed",
    )  # fmt: skip
    assert (second.label, second.response.decision) == ("R2", "partly_agreed")
    assert second.updates.get().text == "Sessions booked:\n\n- 12 in the spring\n- 3 in the summer"
    assert second.updates.get().rag == "amber"
    assert first.updates.get().as_at_display == "March 2026"
    assert (first.response.decision_wording, second.response.decision_wording) == (
        "Accepted", "Accepted for review",
    )  # fmt: skip
    assert (first.updates.get().status_wording, review.reported_on.isoformat()) == (
        "Green", "2026-03-03",
    )  # fmt: skip
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/reviews/{review.slug}/appendix/")
    expect(page.get_by_role("cell", name="Accepted for review", exact=True)).to_be_visible()
    screenshot(page, "import-appendix-papers-words")
    assert_valid_html(served)


def test_a_long_table_says_it_is_saving_once_sent(page: Page, officer, demo_data):
    """From ``SAVE_NOTICE_ROWS`` rows the save, once sent, disables its button (no second
    import from a second click) and shows a progress bar with what is happening."""
    from bench.importing import as_file, table
    from recommendations.views.importing import SAVE_NOTICE_ROWS

    sign_in(page, officer.username)
    page.goto("/reviews/import/")
    page.get_by_label("Word, Excel or CSV file").set_input_files(
        files=[{"name": "long <tracker>.csv", "mimeType": "text/csv",
                "buffer": as_file(table(SAVE_NOTICE_ROWS), "csv")}]
    )  # fmt: skip
    page.get_by_label("Committee (new review)").select_option(index=1)
    page.get_by_label("Title (new review)").fill("A long table")
    page.get_by_role("button", name="Upload and preview").click()
    status = page.locator("#import-saving")
    expect(status).to_be_empty()
    # Held in the page, so that what it shows while the server saves can be read.
    page.evaluate(
        "document.querySelector('form[data-saving]')"
        ".addEventListener('submit', (event) => event.preventDefault())"
    )
    button = page.get_by_role("button", name=f"Save all {SAVE_NOTICE_ROWS} rows")
    button.click()
    expect(button).to_be_disabled()
    expect(status).to_contain_text(f"Saving all {SAVE_NOTICE_ROWS} rows")
    expect(status.get_by_role("progressbar", name="Saving the rows")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    _fits(page)
    status.scroll_into_view_if_needed()
    screenshot(page, "phone-import-saving")
    assert_valid_html({"saving": page.content().encode()})
    assert not Review.objects.filter(title="A long table").exists()


def test_an_officer_finds_a_review_and_imports_an_update_report_in_the_tables_columns(
    page: Page, officer, demo_data, tmp_path
):
    """The upload page offers some reviews and a search for the rest (no JavaScript needed);
    the preview of an update report asks whether the review's appendix takes the table's
    columns; the authority's settings page takes a reference pattern."""
    served: dict[str, bytes] = {}
    review = Review.objects.get(slug="hackney-school-exclusions")
    first = review.recommendations.exclude(label="").order_by("order").first()
    sign_in(page, officer.username)
    page.goto("/reviews/import/")
    page.get_by_text("An update report of a review not in the list below?").click()
    page.get_by_label("Title or short name").fill("hackney")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("status")).to_contain_text("Found 1")
    served["upload-search"] = page.content().encode()
    assert_accessible(page)
    screenshot(page, "import-upload-search")
    page.set_viewport_size({"width": 390, "height": 844})
    _fits(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The one review found is chosen, as an update report of it.
    expect(page.get_by_label("A new update report of an existing review")).to_be_checked()
    expect(page.get_by_label("Review (update report)")).to_have_value(str(review.pk))
    page.get_by_label("Update report's title").fill("Spring update")
    page.get_by_label("Word, Excel or CSV file").set_input_files(
        files=[{"name": "spring.csv", "mimeType": "text/csv", "buffer": as_csv([
            ["No.", "Our recommendation", "Progress so far"],
            [first.label, first.text, "Every school trained."],
        ])}]
    )  # fmt: skip
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("group", name="The review's appendix")).to_be_visible()
    served["preview-layout"] = page.content().encode()
    assert_accessible(page)
    screenshot(page, "import-preview-layout-choice")
    page.get_by_label("Print it in this table's columns from now on").check()
    page.get_by_role("button", name="Save all 1 rows").click()
    page.wait_for_url(f"**/reviews/{review.slug}/")
    review.appendix_settings.refresh_from_db()
    assert [heading for _, heading in review.appendix_settings.get_columns()] == [
        "No.", "Our recommendation", "Progress so far",
    ]  # fmt: skip

    authority = review.committee.authority
    page.goto(f"/authorities/{authority.slug}/settings/")
    page.get_by_label("Reading references in imported trackers").fill("(?P<review>[A-Z")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".field__error").first).to_contain_text("not a regular expression")
    served["authority-settings-error"] = page.content().encode()
    assert_accessible(page)
    screenshot(page, "authority-settings-reference-pattern")
    assert_valid_html(served)
