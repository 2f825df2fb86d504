"""The actions (move, remove, delete), sent arbitrary bodies (finalising and reopening a
report are forms: ``test_forms``).

Properties: never a 5xx; a move with anything but ``direction=up|down`` (the last value, if
repeated) is a 400 that changes nothing; a remove or delete without its confirmation shows the
confirmation page and changes nothing; otherwise the action happens and redirects.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from recommendations.models import Lead, ProgressUpdate, Recommendation
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import encode_pairs, junk_text, last_values, rolled_back

FORM_CONTENT = "application/x-www-form-urlencoded"

bodies = st.lists(
    st.tuples(
        st.one_of(st.just("direction"), junk_text),
        st.one_of(st.sampled_from(["up", "down", "UP", " up", "up\x00", ""]), junk_text),
    ),
    max_size=3,
)


def _orders(queryset) -> list[int]:
    return list(queryset.order_by("pk").values_list("order", flat=True))


@settings(FUZZ, max_examples=12)
@given(pairs=bodies, target=st.sampled_from(["recommendation", "part", "lead"]))
def test_moves_with_any_body(officer_client, world, pairs, target):
    rec_url = f"/reviews/{world.review.slug}/recommendations/{world.recommendation.label}/"
    url, siblings = {
        "recommendation": (rec_url + "move/", Recommendation.objects.filter(review=world.review)),
        "part": (
            f"/reviews/{world.review.slug}/recommendations/{world.part.label}/move/",
            Recommendation.objects.filter(parent=world.recommendation),
        ),
        "lead": (
            f"{rec_url}leads/{world.lead.pk}/move/",
            Lead.objects.filter(recommendation=world.recommendation),
        ),
    }[target]
    with rolled_back():
        before = _orders(siblings)
        response = officer_client.post(url, encode_pairs(pairs), content_type=FORM_CONTENT)
        if last_values(pairs).get("direction") in ("up", "down"):
            assert response.status_code == 302
        else:
            assert response.status_code == 400
            assert _orders(siblings) == before


# A delete's confirmation form sends ``confirm=yes`` and the version it showed.
delete_bodies = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(["confirm", "version"]), junk_text),
        st.one_of(st.sampled_from(["yes", "1", "2", "", " yes", "0"]), junk_text),
    ),
    max_size=4,
)


@settings(FUZZ, max_examples=10)
@given(pairs=delete_bodies, action=st.sampled_from(["lead_remove", "update_delete"]))
def test_remove_and_delete_with_any_body(officer_client, world, pairs, action):
    """Gone only when the body confirms at the record's version; otherwise the confirmation
    page again, with everything still there."""
    rec_url = f"/reviews/{world.review.slug}/recommendations/{world.recommendation.label}/"
    url, records = {
        "lead_remove": (
            f"{rec_url}leads/{world.lead.pk}/remove/",
            Lead.objects.filter(pk=world.lead.pk),
        ),
        # The update is in a report that is not final: it can go.
        "update_delete": (
            f"{rec_url}updates/{world.update.pk}/delete/",
            ProgressUpdate.objects.filter(pk=world.update.pk),
        ),
    }[action]
    with rolled_back():
        version = records.get().version
        response = officer_client.post(url, encode_pairs(pairs), content_type=FORM_CONTENT)
        sent = last_values(pairs)
        if records.exists():
            assert response.status_code == 200
        else:
            assert response.status_code == 302
            assert sent.get("confirm") == "yes"
            assert int(sent["version"].strip().split(".")[0]) == version
