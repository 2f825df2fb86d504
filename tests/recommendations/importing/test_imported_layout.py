"""A new review's appendix prints in the imported table's columns: its order, its headings,
the fields it has (the seeds' tables print as their presets: test_seed_layouts.py). A new
update report of a recorded review: a review without a layout of its own takes the table's;
one with its own keeps it and the report prints in the table's columns, unless the officer
chooses to print the review in them from now on."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from recommendations.models import Review
from reports.importing import layout_columns
from reports.models import ReportAppendixSettings
from reports.rows import appendix_for_review
from reports.services import appendix_settings_set
from tests.factories import make_committee, make_review
from tests.recommendations.importing.tables import appendix_rows, as_csv, review_rows

ROWS = [
    ["Ref", "Our ask", "Accepted (Y/N)", "Owner", "Cabinet Member", "Where we are", "RAG", "Misc"],
    ["1", "Publish the data.", "Yes", "Ann Lee", "Cllr Bo Ray", "Published.", "Green", "x"],
    ["2", "Train governors.", "No", "Cy Dunn", "Cllr Bo Ray", "Not begun.", "Red", "y"],
]


def test_the_layout_reproduces_the_source_columns_order_and_headings(db, tmp_path):
    path = tmp_path / "tracker.csv"
    path.write_bytes(as_csv(ROWS))
    call_command(
        "import_appendix", str(path), "--review", "ours", "--new", "--title", "Ours",
        "--committee", make_committee().slug, "--map", "Our ask=recommendation",
        "--map", "Where we are=update",
    )  # fmt: skip
    review = Review.objects.get(slug="ours")
    assert review.appendix_settings.get_columns() == [
        ("label", "Ref"),
        ("text", "Our ask"),
        ("decision_yes_no", "Accepted (Y/N)"),
        ("lead_officer", "Owner"),
        ("cabinet_member", "Cabinet Member"),
        ("update", "Where we are"),
        ("status", "RAG"),
    ]
    printed = review_rows(review)
    assert printed[0] == ROWS[0][:-1]  # the column imported as nothing is not printed
    assert [row[1:] for row in printed[1:]] == [row[1:-1] for row in ROWS[1:]]


def test_a_label_in_the_text_stays_there_and_lead_columns_show_once():
    assert layout_columns(
        [
            ("recommendation", "Recommendation"),
            ("decision", "Decision"),
            ("leads", "Lead officer"),
            ("leads", "Owner"),
            ("", "Notes of ours"),
        ]
    ) == [("recommendation", "Recommendation"), ("decision", "Decision"), ("leads", "Lead officer")]


# A new update report of a recorded review: the layout reproducing the source table.
UPDATE = [
    ["No.", "Our recommendation", "Progress so far", "RAG"],
    ["1", "Publish the data.", "Published in May.", "Green"],
    ["2", "Train governors.", "Half trained.", "Amber"],
]
UPDATE_COLUMNS = [("label", "No."), ("text", "Our recommendation"), ("update", "Progress so far"),
                  ("status", "RAG")]  # fmt: skip


def _recorded_review():
    review = make_review(recommendations=0, title="Exclusions")
    review.recommendations.create(label="1", order=1, text="Publish the data.")
    review.recommendations.create(label="2", order=2, text="Train governors.")
    return review


def _import_update(path, review, *extra):
    path.write_bytes(as_csv(UPDATE))
    call_command(
        "import_appendix", str(path), "--review", review.slug, "--report-title", "Spring",
        "--as-at", "March 2026", *extra,
    )  # fmt: skip
    return review.update_reports.get(title="Spring")


def test_a_review_without_a_layout_of_its_own_takes_the_tables(db, tmp_path):
    review = _recorded_review()
    report = _import_update(tmp_path / "spring.csv", review)
    review.refresh_from_db()
    assert review.appendix_settings.get_columns() == UPDATE_COLUMNS
    assert not ReportAppendixSettings.objects.filter(report=report).exists()
    assert review_rows(review)[0] == UPDATE[0]


def test_a_review_with_its_own_layout_keeps_it_and_the_report_prints_as_the_table(db, tmp_path):
    review = _recorded_review()
    settings = appendix_settings_set(
        review=review, layout="generic", header=["committee"], note="Our note.",
        title="Appendix B", expected_version=None,
    )  # fmt: skip
    before = settings.get_columns()
    report = _import_update(tmp_path / "spring.csv", review)
    settings.refresh_from_db()
    assert (settings.get_columns(), settings.version) == (before, 1)  # kept, untouched
    own = report.appendix_settings
    assert own.get_columns() == UPDATE_COLUMNS
    assert (own.note, own.title, own.get_header_entries()[0]["field"]) == (
        "Our note.", "Appendix B", "committee",
    )  # fmt: skip
    # The report's appendix prints in the table's columns; the review's in its own.
    printed = appendix_rows(appendix_for_review(review, report.pk))
    assert printed[0] == UPDATE[0]
    assert [row[2] for row in printed[1:]] == ["Published in May.", "Half trained."]
    assert review_rows(review)[0] == [heading for _, heading in before]


def test_the_officer_can_print_the_review_in_the_tables_columns_from_now_on(officer_client):
    review = _recorded_review()
    appendix_settings_set(review=review, layout="generic", note="Our note.", expected_version=None)
    response = officer_client.post(
        "/reviews/import/",
        {"into": "existing", "review": review.pk, "report_title": "Spring",
         "file": SimpleUploadedFile("spring.csv", as_csv(UPDATE))},
    )  # fmt: skip
    preview_url = response["Location"]
    page = officer_client.get(preview_url).content.decode()
    assert "Keep its layout" in page and "in this table's columns from now on" in page
    response = officer_client.post(preview_url, {"table": "1", "layout": "source"})
    assert response.status_code == 302
    settings = review.appendix_settings
    settings.refresh_from_db()
    assert (settings.get_columns(), settings.note, settings.version) == (
        UPDATE_COLUMNS, "Our note.", 2,
    )  # fmt: skip
    assert not ReportAppendixSettings.objects.filter(report__review=review).exists()


def test_the_command_replaces_the_reviews_layout_when_asked(db, tmp_path):
    review = _recorded_review()
    appendix_settings_set(review=review, layout="generic", expected_version=None)
    report = _import_update(tmp_path / "spring.csv", review, "--replace-layout")
    review.appendix_settings.refresh_from_db()
    assert review.appendix_settings.get_columns() == UPDATE_COLUMNS
    assert not ReportAppendixSettings.objects.filter(report=report).exists()
