"""The source's own decision and status words: mapped to ours for the figures, kept and printed
as the paper had them (every format), typed by hand too."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from recommendations import monitoring
from recommendations.models import Recommendation, Review
from tests.factories import make_committee
from tests.recommendations.importing.tables import as_csv
from tests.reports.test_layouts import FORMATS

ROWS = [
    ["Ref", "Recommendation", "Decision", "Update", "Status"],
    ["1", "Publish the data.", "Accepted", "Published.", "Completed"],
    ["2", "Train governors.", "Agreed in principle", "Began.", "Amber"],
    ["3", "Visit schools.", "Agreed", "Two visited.", "In progress"],
    ["4", "Fund mentors.", "No", "None.", "Supported in part"],
]


def _import(tmp_path, rows=ROWS, *extra: str) -> Review:
    path = tmp_path / "tracker.csv"
    path.write_bytes(as_csv(rows))
    committee = make_committee()
    call_command(
        "import_appendix", str(path), "--review", "worded", "--new", "--title", "Worded",
        "--committee", committee.slug, "--word", "Supported in part=not_started", *extra,
    )  # fmt: skip
    return Review.objects.get(slug="worded")


def test_the_papers_words_are_kept_where_they_differ_from_ours(db, tmp_path):
    review = _import(tmp_path)
    recs = {rec.label: rec for rec in review.recommendations.all()}
    decisions = {
        label: (r.response.decision, r.response.decision_wording) for label, r in recs.items()
    }  # noqa: E501
    assert decisions == {
        "1": ("agreed", "Accepted"),
        "2": ("partly_agreed", "Agreed in principle"),
        "3": ("agreed", ""),
        "4": ("not_agreed", ""),  # "No" is how a Yes/No column prints it
    }
    statuses = {
        label: (u.status, u.rag, u.status_wording)
        for label, rec in recs.items()
        for u in rec.updates.all()
    }
    assert statuses == {
        "1": ("implemented", "", "Completed"),
        "2": ("not_stated", "amber", "Amber"),
        "3": ("in_progress", "", ""),
        "4": ("not_started", "", "Supported in part"),  # asked once, with --word
    }
    # The figures count our values.
    counted = monitoring.with_progress(Recommendation.objects.filter(review=review))
    assert sorted(counted.values_list("decision_key", flat=True)) == [
        "agreed", "agreed", "not_agreed", "partly_agreed",
    ]  # fmt: skip


def test_an_unknown_word_without_its_meaning_stops_the_command(db, tmp_path):
    path = tmp_path / "tracker.csv"
    path.write_bytes(as_csv(ROWS))
    with pytest.raises(CommandError, match="row"):
        call_command(
            "import_appendix", str(path), "--review", "worded", "--new",
            "--committee", make_committee().slug,
        )  # fmt: skip
    with pytest.raises(CommandError, match="the values are"):
        call_command(
            "import_appendix", str(path), "--review", "worded", "--new",
            "--committee", make_committee().slug, "--word", "Supported in part=maybe",
        )  # fmt: skip
    assert not Review.objects.filter(slug="worded").exists()


@pytest.mark.parametrize("format", FORMATS)
def test_every_format_prints_the_papers_words(client, clerk, tmp_path, format):
    review = _import(tmp_path)
    assert review.appendix_settings.layout == "generic"
    client.force_login(clerk)
    headings, cells = FORMATS[format](client, review.slug)
    decision, status = headings.index("Decision"), headings.index("Status")
    assert [(row[decision], row[status]) for row in cells] == [
        ("Accepted", "Completed"),
        ("Agreed in principle", "Amber"),
        ("Agreed", "In progress"),
        ("Not agreed", "Supported in part"),
    ]


def test_an_officer_types_the_authoritys_own_words(officer_client, tmp_path):
    review = _import(tmp_path)
    rec = review.recommendations.get(label="3")
    url = f"/reviews/{review.slug}/recommendations/{rec.label}/response/"
    page = officer_client.get(url).content.decode()
    assert "Decision as the paper words it" in page
    response = officer_client.post(
        url,
        {
            "decision": "agreed",
            "decision_wording": "Accepted with thanks",
            "agreed_precision": "day",
            "timetable_precision": "day",
            "version": rec.response.version,
        },
    )
    assert response.status_code == 302
    rec.response.refresh_from_db()
    assert (rec.response.decision, rec.response.decision_wording) == (
        "agreed",
        "Accepted with thanks",
    )
    page = officer_client.get(rec.get_absolute_url()).content.decode()
    assert "Agreed" in page and "Accepted with thanks" in page

    url = f"/reviews/{review.slug}/recommendations/{rec.label}/updates/new/"
    response = officer_client.post(
        url,
        {
            "as_at": timezone.localdate().isoformat(),
            "as_at_precision": "day",
            "status": "in_progress",
            "status_wording": "On track",
            "text": "Three visited.",
        },
    )
    assert response.status_code == 302
    latest = rec.updates.latest()
    assert (latest.status, latest.status_wording) == ("in_progress", "On track")
    appendix = officer_client.get(f"/reviews/{review.slug}/appendix/").content.decode()
    assert "Accepted with thanks" in appendix and "On track" in appendix

    # A decision changed without a new word drops the old word, which would misname it.
    rec.response.refresh_from_db()
    officer_client.post(
        f"/reviews/{review.slug}/recommendations/{rec.label}/response/",
        {
            "decision": "not_agreed",
            "decision_wording": "Accepted with thanks",
            "agreed_precision": "day",
            "timetable_precision": "day",
            "version": rec.response.version,
        },
    )
    rec.response.refresh_from_db()
    assert (rec.response.decision, rec.response.decision_wording) == ("not_agreed", "")


def test_a_status_changed_without_a_new_word_drops_the_old_one(db, tmp_path):
    from recommendations.services import progress_update_edit  # noqa: PLC0415

    review = _import(tmp_path)
    update = review.recommendations.get(label="1").updates.get()
    update.text = "Published, and read."
    progress_update_edit(update=update, expected_version=update.version, user=None)
    assert update.status_wording == "Completed"  # the status stayed: so does its word
    update.status = "in_progress"
    progress_update_edit(update=update, expected_version=update.version, user=None)
    update.refresh_from_db()
    assert (update.status, update.status_wording) == ("in_progress", "")


def test_an_unedited_export_with_the_papers_words_imports_nothing(db, tmp_path):
    from reports.exporters.appendix import AppendixExporter  # noqa: PLC0415
    from reports.rows import appendix_for_review  # noqa: PLC0415

    review = _import(tmp_path)
    _, _, content = AppendixExporter(appendix_for_review(review)).render("csv")
    path = tmp_path / "same.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="no row differs"):
        call_command(
            "import_appendix", str(path), "--review", review.slug,
            "--word", "Supported in part=not_started",
        )  # fmt: skip
