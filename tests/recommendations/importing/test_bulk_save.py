"""The import's save goes through the bulk route: the same rows, history and search results
as each row through the one-row services (``one_row.py``, the save as it was), all or
nothing, and a number of queries that does not grow with the rows."""

from __future__ import annotations

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.importing import as_file, table
from recommendations import search, services
from recommendations.importing.preview import build_preview
from recommendations.importing.readers import read_tables
from recommendations.models import (
    Person,
    ProgressUpdate,
    Recommendation,
    RecommendationSearch,
    Review,
    UpdateReport,
)
from tests.factories import make_committee
from tests.recommendations.importing import one_row
from tests.recommendations.importing.tables import as_xlsx, review_rows

SEEDS = [
    "hackney-school-exclusions",
    "east-sussex-school-exclusions",
    "buckinghamshire-permanent-exclusions",
]
# Ids, the rows a row points to (compared by what they are instead), clock times, and the
# review's committee and short name (each import has its own).
_SKIP = {"id", "history_id", "history_date", "created_at", "review_id", "recommendation_id",
         "parent_id", "report_id", "person_id", "merged_into_id", "authority_id",
         "committee_id", "slug"}  # fmt: skip


def _fields(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in _SKIP
    }


def _with_history(instance) -> dict:
    return _fields(instance) | {
        "history": [_fields(row) for row in instance.history.order_by("history_id")]
    }


def _person(person: Person) -> tuple:
    return (person.name, person.job_title, person.organisation, person.kind)


def _snapshot(review: Review) -> dict:
    """Everything an import writes for a review, without ids or times."""
    recommendations = []
    for rec in review.recommendations.order_by("order"):
        response = getattr(rec, "response", None)
        document = RecommendationSearch.objects.get(recommendation=rec)
        recommendations.append(
            _with_history(rec)
            | {
                "parent": rec.parent and rec.parent.label,
                "response": response and _with_history(response),
                "leads": [
                    _with_history(lead) | {"person": _person(lead.person)}
                    for lead in rec.leads.order_by("order")
                ],
                "updates": [
                    _with_history(update) | {"report": update.report and update.report.title}
                    for update in rec.updates.order_by("as_at", "pk")
                ],
                "search": (document.document, document.public_document),
            }
        )
    people = Person.objects.filter(authority=review.committee.authority, merged_into=None)
    return {
        "review": _with_history(review),
        "reports": [_with_history(report) for report in review.update_reports.order_by("pk")],
        "recommendations": recommendations,
        "people": sorted(
            (_person(person), [_fields(row) for row in person.history.all()]) for person in people
        ),
    }


def _searched(review: Review, words: str) -> list[str]:
    found = search.search(Recommendation.objects.filter(review=review), words)
    return [rec.label or rec.text for rec in found]


def _committee_with_people_to_find():
    """A new authority's committee, with a duplicate merged away into the person kept (the
    kept one is found for it) beside the unassigned people every authority finds."""
    committee = make_committee()
    kept = Person.objects.create(authority=committee.authority, name="Kept Person")
    Person.objects.create(
        authority=committee.authority, name="Merged Away", job_title="Head", merged_into=kept
    )
    return committee


def _leads_named(rows) -> None:
    """Leads that exercise the look-up: the merged duplicate, an unassigned person, a name
    given twice in one cell, and the same name in another role."""
    rows[0].leads = [
        *rows[0].leads,
        services.ImportedLead(name="Merged Away", job_title="Head", role="lead_officer"),
        services.ImportedLead(name="Shared Officer", job_title="", role="lead_officer"),
        services.ImportedLead(name="Shared Officer", job_title="", role="lead_officer"),
        services.ImportedLead(name="Shared Officer", job_title="", role="cabinet_member"),
    ]


@pytest.mark.parametrize("slug", SEEDS)
def test_the_bulk_save_records_what_the_one_row_services_record(demo_data, monkeypatch, slug):
    """The seed's table saved as a new review and then, edited, as a new update report of
    it: by the bulk route into one authority, by the one-row services into another."""
    Person.objects.create(name="Shared Officer")  # unassigned: either authority finds them
    content = as_xlsx(review_rows(Review.objects.get(slug=slug)))
    _, tables = read_tables(content, f"{slug}.xlsx")
    preview = build_preview(tables[0])
    assert not preview.errors
    _leads_named(preview.rows)
    edited = copy.deepcopy(preview.rows)
    for number, row in enumerate(edited):
        if number % 2:
            row.update = f"Edited update {number}, with a list:\n\n- one\n- two"
            row.status = ProgressUpdate.Status.IMPLEMENTED

    def save(rows, review, title, **patches):
        with monkeypatch.context() as patched:
            for name, function in patches.items():
                patched.setattr(services.importing, name, function)
            return services.import_table(
                rows=copy.deepcopy(rows), review=review, report=UpdateReport(title=title),
                columns=preview.columns, file_name=f"{slug}.xlsx", content=content, user=None,
            )  # fmt: skip

    reviews = []
    for patches in [{}, {"_import_new_review": one_row.import_new_review}]:
        review = Review(committee=_committee_with_people_to_find(), title="Imported")
        save(preview.rows, review, "Imported update", **patches)
        reference = {"_import_update_report": one_row.import_update_report} if patches else {}
        result = save(edited, review, "Edited update", **reference)
        assert result.updates == len(preview.rows) // 2
        reviews.append(review)
    bulk, reference = reviews

    assert _snapshot(bulk) == _snapshot(reference)
    assert (
        bulk.recommendations.first().history.first().history_change_reason
        == f"imported from {slug}.xlsx"
    )
    for words in ["school", "exclusions", "Shared Officer", "Edited update", "-school"]:
        assert _searched(bulk, words) == _searched(reference, words)
    assert _searched(bulk, "Shared Officer")  # the search documents hold the leads


def _bench_rows(count: int) -> list[services.ImportedRow]:
    _, tables = read_tables(as_file(table(count), "csv"), "bench.csv")
    preview = build_preview(tables[0])
    assert not preview.errors
    return preview.rows


def _queries_to_save(rows: list[services.ImportedRow]) -> int:
    committee = make_committee()
    with CaptureQueriesContext(connection) as captured:
        services.import_table(
            rows=rows, review=Review(committee=committee, title="Counted"),
            report=UpdateReport(title="Counted update"), columns=[], file_name="t.csv",
            content=b"x", user=None,
        )  # fmt: skip
    return len(captured)


@pytest.mark.django_db
def test_the_queries_do_not_grow_with_the_rows():
    """Each model's rows are checked and written in a few queries for the batch, and each
    person looked up once: 3 rows and 40 rows (with 40 lead officers and 9 Cabinet members
    among them) take the same number of queries."""
    assert _queries_to_save(_bench_rows(3)) == _queries_to_save(_bench_rows(40))


@pytest.mark.django_db
def test_an_update_report_takes_as_many_queries_for_many_rows_as_for_few():
    counts = []
    for count in [3, 40]:
        committee = make_committee()
        review = Review(committee=committee, title="Counted")
        services.import_table(
            rows=_bench_rows(count), review=review, report=UpdateReport(title="First"),
            columns=[], file_name="t.csv", content=b"x", user=None,
        )  # fmt: skip
        rows = _bench_rows(count)
        for row in rows:
            row.update = f"{row.update} Later."
        with CaptureQueriesContext(connection) as captured:
            result = services.import_table(
                rows=rows, review=review, report=UpdateReport(title="Second"),
                columns=[], file_name="t.csv", content=b"x", user=None,
            )  # fmt: skip
        assert result.updates == count
        counts.append(len(captured))
    assert counts[0] == counts[1]


def _break_label(row):
    row.label = "~4"


def _break_lead(row):
    row.leads = [services.ImportedLead(name="x" * 300, job_title="", role="lead_officer")]


def _break_response(row):
    row.timetable = "x" * 300


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("breaking", "message"),
    [
        (_break_label, "The label cannot start with “~”."),
        (_break_lead, "Ensure this value has at most"),
        (_break_response, "Ensure this value has at most"),
    ],
)
def test_a_row_that_breaks_a_rule_refuses_the_whole_save_naming_its_row(breaking, message):
    rows = _bench_rows(12)
    breaking(rows[7])
    committee = make_committee()
    people, history = Person.objects.count(), Recommendation.history.count()
    with pytest.raises(services.ImportRefused) as refused:
        services.import_table(
            rows=rows, review=Review(committee=committee, title="Refused"),
            report=UpdateReport(title="Refused update"), columns=[], file_name="t.csv",
            content=b"x", user=None,
        )  # fmt: skip
    assert list(refused.value.errors) == [rows[7].number]
    assert any(message in text for text in refused.value.errors[rows[7].number])
    assert not Review.objects.filter(title="Refused").exists()
    assert (Person.objects.count(), Recommendation.history.count()) == (people, history)


@pytest.mark.django_db
def test_the_history_names_the_officer_who_imported(officer):
    review = Review(committee=make_committee(), title="Theirs")
    services.import_table(
        rows=_bench_rows(3), review=review, report=UpdateReport(title="Theirs"),
        columns=[], file_name="t.csv", content=b"x", user=officer,
    )  # fmt: skip
    rec = review.recommendations.get(label="2")
    assert rec.history.get().history_user == officer
    assert rec.response.history.get().history_user == officer
    assert {lead.history.get().history_user for lead in rec.leads.all()} == {officer}
    update = rec.updates.get()
    assert (update.created_by, update.history.get().history_user) == (officer, officer)
