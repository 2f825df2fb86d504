"""Priority recommendations where recommendations are listed: the badge (a word, not a colour
alone), the table's filter and order (open priorities first), its downloads, and the layouts'
Priority column. The appendix as a paper keeps its own order."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from recommendations import services
from recommendations.models import Meeting, ProgressUpdate
from reports.services import appendix_settings_set
from tests.factories import make_review
from tests.reports.conftest import csv_rows, make_big_review

pytestmark = pytest.mark.django_db

BADGE = '<span class="tag tag--priority">Priority</span>'


def _prioritise(rec, reason: str) -> None:
    services.recommendation_set_priority(
        recommendation=rec, is_priority=True, reason=reason, expected_version=rec.version, user=None
    )
    rec.refresh_from_db()


@pytest.fixture
def review():
    """Five recommendations: 2 an open priority, 3 a priority now implemented, 4 a priority
    the committee closed, 1 and 5 not priorities."""
    review = make_review(slug="p", title="Priorities", recommendations=5)
    recs = {rec.label: rec for rec in review.recommendations.all()}
    _prioritise(recs["2"], "Affects **every** school")
    _prioritise(recs["3"], "Done now")
    ProgressUpdate.objects.create(
        recommendation=recs["3"], as_at=dt.date(2024, 1, 1), text="Done.",
        status=ProgressUpdate.Status.IMPLEMENTED,
    )  # fmt: skip
    _prioritise(recs["4"], "Closed now")
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2024, 2, 1), agenda_item="Item 4"
    )
    services.recommendation_close(
        recommendation=recs["4"], meeting=meeting, reason="Done", evidence="Minute 3",
        expected_version=recs["4"].version, user=None,
    )  # fmt: skip
    return review


def labels(response) -> list[str]:
    return [row.record.label for row in response.context["table"].paginated_rows]


def test_the_table_lists_open_priorities_first_then_as_before(member_client, review):
    assert labels(member_client.get("/recommendations/")) == ["2", "1", "3", "4", "5"]
    # A sort the reader chose is theirs.
    assert labels(member_client.get("/recommendations/?sort=label")) == ["1", "2", "3", "4", "5"]


def test_the_table_filters_priorities_and_open_ones(member_client, review):
    assert labels(member_client.get("/recommendations/?priority=yes")) == ["2", "3", "4"]
    assert labels(member_client.get("/recommendations/?priority=open")) == ["2"]
    form = member_client.get("/recommendations/").content.decode()
    assert '<label for="id_priority">Priority</label>' in form
    assert '<option value="yes">Priority only</option>' in form
    assert member_client.get("/recommendations/?priority=bogus").status_code == 200


def test_the_table_shows_the_badge_on_priorities_only(member_client, review):
    body = member_client.get("/recommendations/").content.decode()
    assert body.count(BADGE) == 3
    assert f'/reviews/p/recommendations/2/">2</a> {BADGE}' in body
    assert '/reviews/p/recommendations/1/">1</a></td>' in body


def test_the_downloads_end_with_a_priority_column_with_the_reason(clerk_client, review):
    rows = csv_rows(clerk_client.get("/recommendations/?_export=csv"))
    assert rows[0][:3] == ["Review", "Ref", "Recommendation"] and rows[0][-1] == "Priority"
    by_label = {row[1]: row[-1] for row in rows[1:]}
    assert by_label == {
        "1": "", "2": "Priority: Affects every school", "3": "Priority: Done now",
        "4": "Priority: Closed now", "5": "",
    }  # fmt: skip
    assert [row[1] for row in rows[1:]] == ["2", "1", "3", "4", "5"]
    sheet = load_workbook(io.BytesIO(clerk_client.get("/recommendations/?_export=xlsx").content))
    assert [cell.value for cell in sheet.active[1]][-1] == "Priority"
    assert sheet.active.cell(row=2, column=sheet.active.max_column).value.startswith("Priority:")


def test_the_review_page_and_appendix_page_show_the_badge(member_client, review):
    body = member_client.get("/reviews/p/").content.decode()
    assert body.count(BADGE) == 3
    appendix = member_client.get("/reviews/p/appendix/")
    assert appendix.content.decode().count(BADGE) == 3
    # The appendix, a paper, keeps its order.
    table = appendix.context["table"]
    assert [row.get_cell("recommendation")[:200].count("Priority") for row in table.rows] == [
        0, 1, 1, 1, 0
    ]  # fmt: skip


def test_the_printed_appendix_keeps_its_order_and_prints_no_badge(clerk_client, review):
    rows = csv_rows(clerk_client.get("/reviews/p/appendix.csv"))
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4", "5"]
    assert "Priority" not in str(rows)


def test_a_layout_can_show_the_priority_column(clerk_client, officer, review):
    appendix_settings_set(
        review=review, layout="generic",
        columns=[("recommendation", "Recommendation"), ("priority", "")],
        expected_version=None,
    )  # fmt: skip
    rows = csv_rows(clerk_client.get("/reviews/p/appendix.csv"))
    assert rows[0] == ["Ref", "Recommendation", "Priority"]
    assert [row[2] for row in rows[1:]] == [
        "", "Priority: Affects every school", "Priority: Done now", "Priority: Closed now", ""
    ]  # fmt: skip
    body = clerk_client.get("/reviews/p/appendix/").content.decode()
    assert '<strong class="tag tag--priority">Priority</strong>' in body
    assert "<strong>every</strong>" in body
    assert body.count(BADGE) == 0  # its own column, not a second badge
    clerk_client.force_login(officer)
    settings_page = clerk_client.get("/reviews/p/appendix/settings/")
    assert "Priority: marked by an officer, with the reason" in settings_page.content.decode()


@pytest.mark.parametrize("count", [10, 300])
def test_the_priority_filter_and_order_keep_the_queries_bounded(member_client, count):
    review = make_big_review(count)
    for rec in review.recommendations.order_by("order")[:3]:
        _prioritise(rec, "Why")
    url = "/recommendations/?priority=yes"
    member_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = member_client.get(url)
    assert response.context["table"].paginator.count == 3
    # As the unfiltered table (test_recommendation_list): session; user; permissions (2);
    # the filter form's choices (4); the count; the page's ids (its open priorities, the
    # whole page here), then its rows; their leads; saving the session (3).
    assert len(queries) == 15, [q["sql"][:100] for q in queries.captured_queries]


# --- The dashboard ------------------------------------------------------------------------


def _dashboard(client):
    from django.core.cache import cache

    cache.clear()
    return client.get("/")


def test_the_dashboard_lists_open_priorities_not_implemented_or_closed_ones(member_client, review):
    response = _dashboard(member_client)
    dashboard = response.context["dashboard"]
    assert [rec.label for rec in dashboard.priorities] == ["2"]
    assert dashboard.priorities_total == 1
    body = response.content.decode()
    assert "Open priority recommendations" in body
    assert f'{BADGE} <a href="/reviews/p/recommendations/2/">Recommendation 2</a>' in body
    assert "Why: Affects every school" in body
    # Its link is the table of exactly those.
    listed = member_client.get(dashboard.priorities_href)
    assert labels(listed) == ["2"]


def test_the_dashboard_lists_overdue_priorities_first_and_counts_the_rest(member_client):
    from reports.dashboard import DASHBOARD_LIST_LIMIT

    review = make_review(slug="many", recommendations=DASHBOARD_LIST_LIMIT + 2)
    recs = list(review.recommendations.order_by("order"))
    for rec in recs:
        _prioritise(rec, f"Reason {rec.label}")
    late = recs[-1]
    ProgressUpdate.objects.create(
        recommendation=late, as_at=dt.date(2024, 1, 1), text="Late.",
        target_date=dt.date(2024, 2, 1),
    )  # fmt: skip
    dashboard = _dashboard(member_client).context["dashboard"]
    shown = [rec.label for rec in dashboard.priorities]
    assert shown[0] == late.label and len(shown) == DASHBOARD_LIST_LIMIT
    assert shown[1:] == [rec.label for rec in recs[: DASHBOARD_LIST_LIMIT - 1]]
    assert dashboard.priorities_total == DASHBOARD_LIST_LIMIT + 2 and dashboard.more_priorities == 2
    assert "(2 more)" in _dashboard(member_client).content.decode()


def test_no_priorities_no_panel(member_client):
    make_review(slug="none", recommendations=2)
    assert "Open priority recommendations" not in _dashboard(member_client).content.decode()


def test_marking_a_priority_shows_on_the_cached_dashboard_at_once(member_client, officer):
    review = make_review(slug="c", recommendations=2)
    assert not _dashboard(member_client).context["dashboard"].priorities
    _prioritise(review.recommendations.get(label="1"), "Now")
    # Not cleared: the data version moved with the recommendation's history.
    assert [r.label for r in member_client.get("/").context["dashboard"].priorities] == ["1"]


# --- The appendix filtered: a tracker -----------------------------------------------------


def _tracker_labels(response) -> list[str]:
    return [row.recommendation.label for g in response.context["tracker"].groups for row in g.rows]


def test_a_tracker_filtered_by_priority_lists_open_ones_first(member_client, review):
    # Unfiltered, it is the paper's order (open ones: closed hidden by default).
    assert _tracker_labels(member_client.get(f"/trackers/?review={review.pk}")) == [
        "1", "2", "3", "5"
    ]  # fmt: skip
    filtered = member_client.get(f"/trackers/?review={review.pk}&priority=yes&closed=")
    assert _tracker_labels(filtered) == ["2", "3", "4"]
    opened = member_client.get(f"/trackers/?review={review.pk}&priority=open")
    assert _tracker_labels(opened) == ["2"]


def test_the_appendix_page_links_to_its_priorities(member_client, review):
    body = member_client.get("/reviews/p/appendix/").content.decode()
    href = f"/trackers/?review={review.pk}&amp;priority=yes&amp;closed="
    assert f'<a href="{href}">Priority recommendations only, open ones first</a>' in body
    make_review(slug="plain", recommendations=1)
    assert (
        "Priority recommendations only"
        not in member_client.get("/reviews/plain/appendix/").content.decode()
    )
