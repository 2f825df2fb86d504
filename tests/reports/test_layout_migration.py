"""The migration that turned each review's preset and renamed headings into a stored layout:
run on settings saved before it, history included, nothing lost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

APP = "reports"
SUFFIX = "layouts_built_from_fields"


def _nodes() -> tuple[tuple[str, str], tuple[str, str]]:
    graph = MigrationExecutor(connection).loader.graph
    [target] = [node for node in graph.nodes if node[0] == APP and node[1].endswith(SUFFIX)]
    [before] = [parent for parent in graph.node_map[target].parents if parent.key[0] == APP]
    return before.key, target


def test_each_preset_and_its_renamed_headings_become_the_same_columns_stored():
    before, target = _nodes()
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    # The domain's tables are as they are now (only reports' migration was undone).
    from recommendations.models import Authority, Committee, Review

    authority = Authority.objects.create(name="A", slug="a")
    committee = Committee.objects.create(authority=authority, name="C", slug="c")
    settings = old.get_model(APP, "AppendixSettings").objects
    history = old.get_model(APP, "HistoricalAppendixSettings").objects
    saved = {}
    for slug, layout, headings in [
        ("h", "hackney", {"update": "Progress at six months", "decision": "not in the layout"}),
        ("b", "buckinghamshire", {"decision": "Accepted?"}),
        ("s", "generic", {}),
    ]:
        review = Review.objects.create(committee=committee, slug=slug, title=slug)
        saved[slug] = settings.create(
            review_id=review.pk, layout=layout, headings=headings, version=3
        )
        history.create(
            id=saved[slug].pk, review_id=review.pk, layout=layout, headings=headings, version=3,
            updated_at=saved[slug].updated_at, history_date=saved[slug].updated_at,
            history_type="~",
        )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate([target])
    new = executor.loader.project_state([target]).apps
    slugs = dict(Review.objects.values_list("pk", "slug"))
    columns = {
        slugs[row.review_id]: (row.layout, row.version, row.columns)
        for row in new.get_model(APP, "AppendixSettings").objects.all()
    }
    assert columns["h"] == ("hackney", 3, [
        {"field": "recommendation", "heading": "Recommendation"},
        {"field": "response", "heading": "Response"},
        {"field": "leads", "heading": "Hackney Education lead"},
        {"field": "update", "heading": "Progress at six months"},
    ])  # fmt: skip
    # Buckinghamshire's Yes/No decision is a field of its own now, keeping its heading.
    assert columns["b"][2][1] == {"field": "decision_yes_no", "heading": "Accepted?"}
    assert [c["heading"] for c in columns["s"][2]] == [
        "Recommendation", "Decision", "Response", "Timetable", "Leads", "Latest update",
        "Status", "Timescale",
    ]  # fmt: skip
    histories = {
        row.review_id: row.columns
        for row in new.get_model(APP, "HistoricalAppendixSettings").objects.all()
    }
    assert histories[saved["b"].review_id][1]["heading"] == "Accepted?"

    # And back: the headings come back from the columns.
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    back = executor.loader.project_state([before]).apps
    row = back.get_model(APP, "AppendixSettings").objects.get(review_id=saved["b"].review_id)
    assert row.headings["decision"] == "Accepted?"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
