"""The documented backup routine's Django half: dumpdata, then loaddata into an empty database,
gives back every row, history included."""

import io
from xml.etree import ElementTree

import pytest
from django.apps import apps
from django.core.management import call_command

from recommendations.models import ProgressUpdate, Recommendation

pytestmark = pytest.mark.django_db(transaction=True)

DUMP_ARGS = [
    "--natural-foreign",
    "--exclude=contenttypes",
    "--exclude=auth.permission",
    # The role groups are defined in code (recommendations/roles.py) and re-created by
    # migrate; users' memberships refer to them by name (natural keys).
    "--exclude=auth.group",
    "--exclude=admin.logentry",
    "--exclude=sessions",
]


def _dump() -> str:
    out = io.StringIO()
    # XML, because Django's JSON encoder cuts datetimes to milliseconds and the history's
    # timestamps would not read back unchanged.
    call_command("dumpdata", *DUMP_ARGS, "--format=xml", stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, list]:
    """Every row of every model of ours, history tables included, as comparable values."""
    snapshot = {}
    for model in apps.get_app_config("recommendations").get_models():
        fields = [f.attname for f in model._meta.concrete_fields]
        snapshot[model._meta.label] = sorted(
            map(repr, model.objects.order_by("pk").values_list(*fields))
        )
    return snapshot


def test_a_dump_restores_every_row_and_all_history(demo_data, officer, tmp_path):
    recommendation = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="3")
    recommendation._history_user = officer
    recommendation.text += "\n\nAmended wording agreed at the meeting."
    recommendation.save()
    ProgressUpdate.objects.create(
        recommendation=recommendation, as_at="2023-06-30", text="Unicode survives: “quotes” – £ é"
    )
    before = _snapshot()
    assert len(before["recommendations.HistoricalRecommendation"]) > Recommendation.objects.count()

    backup = tmp_path / "backup.xml"
    backup.write_text(_dump(), encoding="utf-8")
    ElementTree.parse(backup)  # well-formed

    call_command("flush", "--no-input")
    assert Recommendation.objects.count() == 0
    call_command("loaddata", str(backup))

    assert _snapshot() == before
    restored = Recommendation.history.filter(id=recommendation.pk).latest()
    assert restored.history_user.username == officer.username
    assert [g.name for g in restored.history_user.groups.all()] == ["Scrutiny officers"]
