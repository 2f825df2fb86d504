"""The meeting's verdict page (issue 12, the committee's view), posted arbitrary values by an
officer: never a 5xx; a 302 means every changed row was saved (and the page reads back with no
active content), a 200 that nothing was saved."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from recommendations import forms, selectors
from recommendations.models import CommitteeVerdict
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import assert_no_active_content, encode_pairs, rolled_back, submissions

FORM_CONTENT = "application/x-www-form-urlencoded"


@st.composite
def verdict_posts(draw, world):
    rows = [row for group in selectors.meeting_verdict_groups(world.meeting) for row in group.rows]
    pairs = []
    for row in draw(st.lists(st.sampled_from(rows), max_size=2, unique_by=lambda r: r.update.pk)):
        form = forms.VerdictForm(
            prefix=f"u-{row.update.pk}", instance=row.verdict, update=row.update,
            meeting=world.meeting,
        )  # fmt: skip
        pairs += [(form.add_prefix(n), v) for n, v in draw(submissions(form))]
    return pairs


@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_the_verdict_page_with_any_body(officer_client, world, data):
    url = f"/meetings/{world.meeting.pk}/verdicts/"
    pairs = data.draw(verdict_posts(world))
    with rolled_back():
        before = CommitteeVerdict.objects.count()
        response = officer_client.post(url, encode_pairs(pairs), content_type=FORM_CONTENT)
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            page = officer_client.get(url)
            assert page.status_code == 200
            assert_no_active_content(page.content.decode())
        else:
            assert_no_active_content(response.content.decode())
            assert CommitteeVerdict.objects.count() == before
