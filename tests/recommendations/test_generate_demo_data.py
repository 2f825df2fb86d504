import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recommendations.models import ProgressUpdate, Recommendation, Review

pytestmark = pytest.mark.django_db


def _snapshot(prefix: str) -> list[tuple]:
    rows = Recommendation.objects.filter(review__slug__startswith=f"{prefix}-").order_by(
        "review__slug", "order"
    )
    return [
        (slug.removeprefix(f"{prefix}-"), *rest)
        for slug, *rest in rows.values_list("review__slug", "label", "text", "response__decision")
    ]


def test_it_is_deterministic_for_a_seed():
    call_command("generate_demo_data", "--reviews", "12", "--seed", "3", "--prefix", "a")
    call_command("generate_demo_data", "--reviews", "12", "--seed", "3", "--prefix", "b")
    call_command("generate_demo_data", "--reviews", "12", "--seed", "4", "--prefix", "c")
    assert _snapshot("a") == _snapshot("b")
    assert _snapshot("a") != _snapshot("c")


def test_it_makes_a_realistic_shape_with_history():
    call_command("generate_demo_data", "--reviews", "20", "--seed", "5")
    assert Review.objects.count() == 20
    for review in Review.objects.all():
        assert 5 <= review.recommendations.count() <= 30
    for recommendation in Recommendation.objects.prefetch_related("updates", "leads"):
        assert 1 <= len(recommendation.updates.all()) <= 6
        assert recommendation.leads.all()
    # Every row was created through django-simple-history, so the history is complete.
    assert Recommendation.history.count() == Recommendation.objects.count()
    assert ProgressUpdate.history.count() == ProgressUpdate.objects.count()


def test_it_refuses_to_overwrite_an_existing_set():
    call_command("generate_demo_data", "--reviews", "2")
    with pytest.raises(CommandError, match="exist already"):
        call_command("generate_demo_data", "--reviews", "2")


def _finalised(report_ids) -> list[tuple]:
    from recommendations.models import UpdateReport

    return [
        (
            report.pk, report.is_final, report.finalised_with_gaps_reason, report.version,
            report.finalised_by_id, report.history.count(),
            report.history.first().is_final,  # the newest record is the finalisation
        )
        for report in UpdateReport.objects.filter(pk__in=report_ids).order_by("pk")
    ]  # fmt: skip


def test_finalising_in_bulk_is_finalising_each(demo_data, django_assert_max_num_queries):
    """The generated data's earlier rounds are made final in bulk: the same reports, reasons,
    versions, history and public search documents as ``record_published_finalise`` one by
    one, with gaps and without, in queries that do not grow with the reports."""
    import datetime as dt

    from django.db import transaction

    from recommendations import selectors, services
    from recommendations.models import RecommendationSearch, Review, UpdateReport

    reports = [
        services.update_report_reopen(
            report=report, reason="Checked again.", expected_version=report.version, user=None
        )
        for report in UpdateReport.objects.filter(is_final=True).order_by("pk")
    ]
    reports += [  # a round nobody has entered yet: every row a gap
        services.update_report_create(
            report=UpdateReport(review=review, title="New round", as_at=dt.date(2025, 1, 1)),
            user=None,
        )
        for review in Review.objects.order_by("pk")
    ]
    reports += list(
        UpdateReport.objects.filter(is_final=False).exclude(pk__in=[r.pk for r in reports])
    )
    ids = [report.pk for report in reports]
    gaps = selectors.round_gaps_by_report(reports)
    for report in reports:
        assert [row.recommendation for row in selectors.round_gaps(report)] == gaps[report.pk]
    assert {bool(rows) for rows in gaps.values()} == {True, False}

    def public_documents() -> dict:
        return dict(
            RecommendationSearch.objects.values_list("recommendation_id", "public_document")
        )

    with transaction.atomic():
        for report in reports:
            services.record_published_finalise(report=report)
        one_by_one, documents = _finalised(ids), public_documents()
        transaction.set_rollback(True)
    assert _finalised(ids) != one_by_one

    with django_assert_max_num_queries(16):  # per 500 reports, not per report
        assert services.record_published_finalise_in_bulk(reports=reports) == len(reports)
    assert _finalised(ids) == one_by_one
    assert public_documents() == documents
    with pytest.raises(services.ReportIsFinal):
        services.record_published_finalise_in_bulk(reports=reports[:1])


def test_each_generated_row_has_its_creation_record(admin_user):
    """The bulk route's history is copied by the database: one creation record per row, with
    the row's own values, as django-simple-history's ``bulk_create_with_history`` makes."""
    from simple_history.utils import bulk_create_with_history

    from recommendations import services
    from recommendations.models import Person

    call_command("generate_demo_data", "--reviews", "3", "--seed", "2")
    for model in (Review, Recommendation, ProgressUpdate):
        fields = [field.attname for field in model._meta.concrete_fields]
        rows = set(model.objects.values_list(*fields))
        records = model.history.values_list(*fields, "history_type", "history_change_reason")
        assert {record[:-2] for record in records} == rows and len(records) == len(rows)
        assert {record[-2:] for record in records} == {("+", None)}
    people = services.record_published_in_bulk(
        instances=[Person(name="Ann Example"), Person(name="Bo Example")], user=admin_user
    )
    bulk_create_with_history([Person(name="Cy Example")], Person, default_user=admin_user)
    ours, theirs = (
        Person.history.filter(name="Ann Example").get(),
        Person.history.get(name="Cy Example"),
    )
    columns = ["history_type", "history_change_reason", "history_user_id"]
    assert [getattr(ours, c) for c in columns] == [getattr(theirs, c) for c in columns]
    assert [
        record.history_user for record in Person.history.filter(id__in=[p.pk for p in people])
    ] == [admin_user] * 2


@pytest.mark.django_db(transaction=True)
def test_generating_queues_no_pdf_render_per_document():
    """Generated reviews are papers nobody has asked a PDF of yet: the authorities and
    committees are committed before them, so that their marking (``reports.prerender``)
    finds no documents, and the reviews' bulk writes mark none."""
    from reports.models import StoredPDF

    call_command("generate_demo_data", "--reviews", "3")
    assert Review.objects.count() == 3
    assert not StoredPDF.objects.exists()
