"""The migration that put people in authorities and the response rule on the authority: run
on data recorded before it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

APP = "recommendations"
SUFFIX = "people_in_authorities_and_response_rule"


def _nodes() -> tuple[tuple[str, str], tuple[str, str]]:
    """(the migration before it, it), by name, whatever number it is given."""
    graph = MigrationExecutor(connection).loader.graph
    [target] = [node for node in graph.nodes if node[0] == APP and node[1].endswith(SUFFIX)]
    [before] = [parent for parent in graph.node_map[target].parents if parent.key[0] == APP]
    return before.key, target


def test_people_go_to_the_authority_of_their_reviews_and_the_rule_to_the_authority():
    before, target = _nodes()
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps

    def model(name):
        return old.get_model(APP, name)

    def review(authority, slug, months=2):
        committee = model("Committee").objects.create(
            authority=authority, name=f"C {slug}", slug=slug
        )
        return model("Review").objects.create(
            committee=committee, title=slug, slug=slug, response_due_months=months
        )

    hackney = model("Authority").objects.create(name="Hackney", slug="hackney")
    bucks = model("Authority").objects.create(name="Bucks", slug="bucks")
    model("Authority").objects.create(name="No reviews", slug="quiet")
    h1, h2 = review(hackney, "h1"), review(hackney, "h2")
    # Most of Buckinghamshire's reviews gave three months.
    b1 = review(bucks, "b1", 3)
    review(bucks, "b2", 3)
    review(bucks, "b3", 1)
    person = model("Person").objects
    lead = person.create(name="Lead officer")
    director = person.create(name="Director")
    author = person.create(name="Author")
    shared = person.create(name="Shared")
    person.create(name="Named nowhere")
    rec = model("Recommendation").objects.create(review=h1, label="1", text="T")
    model("Lead").objects.create(recommendation=rec, person=lead)
    h2.lead_director = director
    h2.save()
    report = model("UpdateReport").objects.create(review=b1, title="R", author=author)
    report.contributors.add(shared)
    model("Lead").objects.create(recommendation=rec, person=shared)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    people = {p.name: p.authority_id for p in new.get_model(APP, "Person").objects.all()}
    assert people == {
        "Lead officer": hackney.pk,  # a lead on a Hackney recommendation
        "Director": hackney.pk,  # a Hackney review's lead director
        "Author": bucks.pk,  # a Buckinghamshire report's author
        "Shared": None,  # named by both: an officer decides
        "Named nowhere": None,
    }
    rules = {
        a.slug: (a.response_due_amount, a.response_due_unit)
        for a in new.get_model(APP, "Authority").objects.all()
    }
    assert rules == {"hackney": (2, "months"), "bucks": (3, "months"), "quiet": (2, "months")}
