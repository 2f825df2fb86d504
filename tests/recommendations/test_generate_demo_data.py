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
