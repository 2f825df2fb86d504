"""A new review's appendix prints in the imported table's columns: its order, its headings,
the fields it has (the seeds' tables print as their presets: test_seed_layouts.py)."""

from __future__ import annotations

from django.core.management import call_command

from recommendations.models import Review
from reports.importing import layout_columns
from tests.factories import make_committee
from tests.recommendations.importing.tables import as_csv, review_rows

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
