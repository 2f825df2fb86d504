"""The round page (issue 12), posted arbitrary values by an officer: never a 5xx; a 302 means
every filled row was saved (and the page reads back with no active content), a 200 that
nothing was saved or only the chosen row."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from recommendations import forms, selectors
from recommendations.models import ProgressUpdate
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import assert_no_active_content, encode_pairs, rolled_back, submissions

FORM_CONTENT = "application/x-www-form-urlencoded"


@st.composite
def round_posts(draw, world):
    rows = selectors.round_rows(world.report)
    top = forms.RoundForm(prefix="round")
    pairs = [(top.add_prefix(n), v) for n, v in draw(submissions(top))]
    for row in draw(
        st.lists(st.sampled_from(rows), max_size=2, unique_by=lambda r: r.recommendation.pk)
    ):
        form = forms.RoundRowForm(
            prefix=f"rec-{row.recommendation.pk}", instance=row.current,
            recommendation=row.recommendation, previous=row.previous,
        )  # fmt: skip
        pairs += [(form.add_prefix(n), v) for n, v in draw(submissions(form))]
    if draw(st.booleans()):
        pairs.append(
            (
                "save_row",
                draw(st.sampled_from([str(r.recommendation.pk) for r in rows] + ["x", ""])),
            )
        )
    return pairs


@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_the_round_page_with_any_body(officer_client, world, data):
    url = f"/reviews/{world.review.slug}/update-reports/{world.report.pk}/enter/"
    pairs = data.draw(round_posts(world))
    with rolled_back():
        before = ProgressUpdate.objects.count()
        response = officer_client.post(url, encode_pairs(pairs), content_type=FORM_CONTENT)
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            page = officer_client.get(url)
            assert page.status_code == 200
            assert_no_active_content(page.content.decode())
        else:
            assert_no_active_content(response.content.decode())
            if not any(name == "save_row" for name, _ in pairs):
                assert ProgressUpdate.objects.count() == before
