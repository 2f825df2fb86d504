"""Each seed's table, written as Word, Excel and CSV from the demo data, imports as a new
review that prints exactly as the demo review does."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from recommendations.models import Review
from tests.recommendations.importing.tables import as_csv, as_docx, as_xlsx, review_rows

SEEDS = [
    "hackney-school-exclusions",
    "east-sussex-school-exclusions",
    "buckinghamshire-permanent-exclusions",
]
WRITERS = {"docx": as_docx, "xlsx": as_xlsx, "csv": as_csv}


@pytest.mark.parametrize("kind", WRITERS)
@pytest.mark.parametrize("slug", SEEDS)
def test_a_seed_table_imports_as_a_review_that_prints_the_same(demo_data, tmp_path, slug, kind):
    demo = Review.objects.get(slug=slug)
    rows = review_rows(demo)
    path = tmp_path / f"{slug}.{kind}"
    path.write_bytes(WRITERS[kind](rows))

    call_command(
        "import_appendix", str(path), "--review", "imported", "--new",
        "--title", "Imported", "--committee", demo.committee.slug,
    )  # fmt: skip

    imported = Review.objects.get(slug="imported")
    assert review_rows(imported) == rows
    assert imported.appendix_settings.layout == demo.appendix_settings.layout
    assert imported.recommendations.count() == demo.recommendations.count()
    for ours, theirs in zip(
        imported.recommendations.order_by("order"),
        demo.recommendations.order_by("order"),
        strict=True,
    ):
        assert (ours.label, ours.parent and ours.parent.label) == (
            theirs.label,
            theirs.parent and theirs.parent.label,
        )
    # The data behind the print is the demo's too: what each recommendation's printed
    # columns show (decision, response, leads, latest update and its status).
    assert _data(imported, demo.appendix_settings.get_columns()) == _data(
        demo, demo.appendix_settings.get_columns()
    )
    document = imported.documents.get()
    assert document.filename == f"{slug}.{kind}"
    history = imported.recommendations.first().history.first()
    assert history.history_change_reason == f"imported from {slug}.{kind}"


def _data(review, columns) -> list[tuple]:
    """Per recommendation, the stored values behind the layout's columns that the printed
    text alone does not show: the decision (and whether there is a response at all), each
    lead's role, the latest status and RAG rating. (The texts are compared as printed: the
    tables written here carry the printed text, not Word's list and bold formatting.)"""
    shown = {name for name, _ in columns}
    out = []
    for rec in review.recommendations.order_by("order").prefetch_related("leads__person"):
        response = getattr(rec, "response", None)
        latest = rec.updates.order_by("as_at", "created_at", "pk").last()
        out.append(
            (
                rec.label,
                response is not None,
                response.decision if response and shown & {"decision", "decision_yes_no"} else None,
                sorted((lead.person.name, lead.role) for lead in rec.leads.all())
                if shown & {"leads", "lead_officer", "cabinet_member", "senior_officer"}
                else None,
                (latest.status, latest.rag) if latest and "status" in shown else None,
            )
        )
    return out
