"""Issue 12, "The committee's view", where people read it: beside the update in the appendix
(page, PDF, and a column of its own in CSV and XLSX), in what changed between two points, on
the dashboard, and as filters of the cross-review table. Without a verdict, every appendix
layout prints exactly as it did."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from recommendations import services
from recommendations.models import (
    CommitteeVerdict,
    Meeting,
    ProgressUpdate,
    Recommendation,
    UpdateReport,
)
from reports import changes, rows
from reports.pdf import documents
from tests.factories import make_review
from tests.reports.conftest import (
    BUCKS,
    EAST_SUSSEX,
    HACKNEY,
    csv_rows,
    make_big_review,
    pdf_pages_text,
)

pytestmark = pytest.mark.django_db

NOT_SATISFIED = CommitteeVerdict.Verdict.NOT_SATISFIED
SATISFIED = CommitteeVerdict.Verdict.SATISFIED
ACCEPTABLE = CommitteeVerdict.Verdict.ACCEPTABLE
HOSTILE_ASKS = 'The lead officer to attend <script>alert("x")</script> & report **back**.'


def _update(slug: str, label: str) -> ProgressUpdate:
    return (
        ProgressUpdate.objects.filter(
            recommendation__review__slug=slug, recommendation__label=label
        )
        .order_by("-as_at", "-id")
        .first()
    )


def _record(update, verdict=NOT_SATISFIED, asks=HOSTILE_ASKS, comment="", meeting=None):
    meeting = meeting or update.report.meeting
    return services.committee_verdict_save(
        verdict=CommitteeVerdict(
            update=update, meeting=meeting, verdict=verdict, asks=asks, comment=comment
        ),
        expected_version=None,
        user=None,
    )


def _xlsx(response) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]


# The appendix ---------------------------------------------------------------------------------


def test_the_appendix_shows_the_committees_view_beneath_the_update(member_client, layouts):
    update = _update(HACKNEY, "1")
    assert update.status == ProgressUpdate.Status.IMPLEMENTED
    _record(update, comment="Members asked for the *termly* figures.")
    body = member_client.get(f"/reviews/{HACKNEY}/appendix/").content.decode()
    assert body.count('class="appendix-verdict ') == 1
    verdict = re.search(
        r'<div class="appendix-verdict appendix-verdict--not_satisfied">.*?</div>', body, re.S
    )[0]
    assert "Committee's view: Not satisfied (meeting of 16 January 2023)" in verdict
    assert "<strong>Asks for:</strong> The lead officer to attend" in verdict
    assert "report <strong>back</strong>" in verdict and "<script>" not in body
    assert "Members asked for the <em>termly</em> figures." in verdict
    # Beneath the update's own text, in its cell.
    cell = body[: body.index(verdict)].rsplit("<td", 1)[1]
    assert "A report covering the range of data" in cell


@pytest.mark.parametrize(("extension", "reader"), [("csv", csv_rows), ("xlsx", _xlsx)])
def test_csv_and_xlsx_get_a_column_for_the_committees_view(
    clerk_client, layouts, extension, reader
):
    url = f"/reviews/{HACKNEY}/appendix.{extension}"
    before = reader(clerk_client.get(url))
    # The label in a column of its own, then the layout's columns.
    assert before[0] == [
        "Ref", "Recommendation", "Response", "Hackney Education lead", "Progress update"
    ]  # fmt: skip
    _record(_update(HACKNEY, "1"), comment="Not assured.")
    _record(_update(HACKNEY, "2"), ACCEPTABLE, asks="")
    after = reader(clerk_client.get(url))
    assert after[0] == [*before[0], "Committee's view"]
    # A record too long for a printed page continues on rows marked "(continued)" (XLSX).
    views = {row[0]: row[-1] for row in after[1:] if "(continued)" not in row[0]}
    assert views["1"] == (
        "Not satisfied (meeting of 16 January 2023)\n"
        'Asks for: The lead officer to attend alert("x") & report back.\n'  # raw HTML dropped
        "Not assured."
    )
    assert views["2"] == "Acceptable progress (meeting of 16 January 2023)"
    assert {view for ref, view in views.items() if ref not in ("1", "2")} == {""}
    # The update's own cell is as before: the view has a column of its own. (The XLSX splits
    # a long record where its tallest cell needs, which the new column can move.)
    if extension == "csv":
        assert [row[:-1] for row in after] == before
    else:
        assert [row[0] for row in after if "(continued)" not in row[0]] == [
            row[0] for row in before if "(continued)" not in row[0]
        ]


def test_the_pdf_prints_the_committees_view(layouts):
    _record(_update(HACKNEY, "1"))
    appendix = rows.appendix(HACKNEY)
    # The row with the view, printed as the appendix prints it, without laying out the other
    # 17 rows (the download view is tested in test_pdf).
    appendix = replace(appendix, rows=[row for row in appendix.rows if row.verdict])
    assert [row.recommendation.label for row in appendix.rows] == ["1"]
    pdf, _ = documents.cached_pdf(documents.appendix_html(appendix))
    text = " ".join(" ".join(pdf_pages_text(pdf)).split())
    assert "Committee's view: Not satisfied (meeting of 16 January 2023)" in text
    assert "Asks for: The lead officer to attend" in text


def test_one_reports_appendix_and_the_pack_show_the_view_too(layouts):
    update = _update(HACKNEY, "3")
    _record(update, ACCEPTABLE, asks="", comment="Keep going.")
    appendix = rows.appendix(HACKNEY, update.report_id)
    assert [row.recommendation.label for row in appendix.rows if row.verdict] == ["3"]
    assert "Committee's view: Acceptable progress" in documents.appendix_html(appendix)
    pack = documents.pack_html(rows.meeting_pack(update.report.meeting_id))
    assert "Committee's view: Acceptable progress (meeting of 16 January 2023)" in pack


def test_without_a_verdict_every_seed_layout_prints_exactly_as_before(clerk_client, layouts):
    """The page's table, the PDF's HTML and the CSV of the three seed appendices, before a
    verdict and after one is recorded and removed again; with one, only its row differs."""

    def printed() -> dict[str, tuple]:
        found = {}
        for slug in [HACKNEY, EAST_SUSSEX, BUCKS]:
            appendix = rows.appendix(slug)
            found[slug] = (
                [[cell.html for cell in cells] for cells in appendix.iter_html()],
                documents.appendix_html(appendix),
                clerk_client.get(f"/reviews/{slug}/appendix.csv").content,
            )
        return found

    before = printed()
    for slug, (_, html, _) in before.items():
        assert 'class="appendix-verdict' not in html and "Committee's view" not in html, slug
    verdict = _record(_update(HACKNEY, "4"))
    during = printed()
    assert during[BUCKS] == before[BUCKS] and during[EAST_SUSSEX] == before[EAST_SUSSEX]
    table_before, table_during = before[HACKNEY][0], during[HACKNEY][0]
    changed = [i for i, row in enumerate(table_during) if row != table_before[i]]
    assert changed == [3]  # recommendation 4's row
    services.committee_verdict_remove(verdict=verdict, expected_version=1, user=None)
    assert printed() == before


def test_the_appendix_reads_verdicts_without_more_queries(member_client):
    review = make_big_review(40)
    member_client.get("/reviews/big-review/appendix/")  # warm the session and permissions

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = member_client.get("/reviews/big-review/appendix/")
        assert response.status_code == 200
        return len(queries)

    without = count()
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2024, 6, 1), agenda_item="Progress"
    )
    meeting.reviews.add(review)
    for rec in review.recommendations.all():
        _record(_update("big-review", rec.label), ACCEPTABLE, asks="", meeting=meeting)
    assert count() == without
    body = member_client.get("/reviews/big-review/appendix/").content.decode()
    assert body.count('class="appendix-verdict ') == 40


# What changed ---------------------------------------------------------------------------------


@pytest.fixture
def two_rounds():
    """Rounds one (February 2023, at the March meeting) and two (August 2023, at the September
    meeting) of a three-recommendation review; the committee gave its view of round two."""
    review = make_review(slug="r", recommendations=3)
    first = UpdateReport.objects.get(review=review)
    march, september = (
        Meeting.objects.create(committee=review.committee, date=date, agenda_item=item)
        for date, item in [(dt.date(2023, 3, 9), "Round one"), (dt.date(2023, 9, 14), "Round two")]
    )
    march.reviews.add(review)
    september.reviews.add(review)
    first.meeting = march
    first.save()
    second = UpdateReport.objects.create(
        review=review, title="Twelve month update", as_at=dt.date(2023, 8, 1), meeting=september
    )
    for rec in review.recommendations.all():
        ProgressUpdate.objects.create(
            recommendation=rec, report=second, as_at=dt.date(2023, 8, 1),
            text=f"Update 0 on {rec.label}",  # the same words as round one
            status="implemented" if rec.label == "1" else "in_progress", timescale="Ongoing",
        )  # fmt: skip
    return review, first, second, march, september


def test_what_changed_counts_and_lists_new_verdicts(member_client, two_rounds):
    review, first, second, march, september = two_rounds
    _record(_update("r", "1"), NOT_SATISFIED, asks="The Cabinet member to attend.")
    _record(_update("r", "2"), SATISFIED, asks="")

    comparison = changes.compare("r", f"report-{first.pk}", f"report-{second.pk}")
    assert [c.recommendation.label for c in comparison.new_verdicts] == ["1", "2"]
    # Recommendation 2's text and status did not change: its new verdict is the change.
    change_2 = comparison.changes[1]
    assert not change_2.status_changed and not change_2.text_changed and change_2.changed
    assert comparison.changed_count == 2

    body = member_client.get(
        f"/reviews/r/changes/?from=report-{first.pk}&to=report-{second.pk}"
    ).content.decode()
    assert "<strong>2 new committee verdicts</strong>" in body
    assert "The Cabinet member to attend." in body
    assert "2 of 3 recommendations changed" in body

    # Since the September meeting, where they were recorded: nothing new.
    since = changes.compare("r", f"meeting-{september.pk}", "latest")
    assert since.new_verdicts == [] and since.changed_count == 0
    assert (
        "No new committee verdict."
        in member_client.get(f"/reviews/r/changes/?from=meeting-{september.pk}").content.decode()
    )
    # Since March: September's verdicts are new.
    since_march = changes.compare("r", f"meeting-{march.pk}", "latest")
    assert len(since_march.new_verdicts) == 2


def test_a_view_recorded_later_is_not_known_at_an_earlier_meeting(two_rounds):
    review, first, second, march, september = two_rounds
    september.reviews.add(review)
    _record(_update("r", "3"), ACCEPTABLE, asks="", meeting=september)
    # Round two's update of 3 is dated August; at a meeting point, only views recorded by
    # then count. A meeting of 1 September considered round two without giving its view.
    early = Meeting.objects.create(
        committee=review.committee, date=dt.date(2023, 9, 1), agenda_item="Early look"
    )
    early.reviews.add(review)
    at_early = changes.compare("r", f"meeting-{early.pk}", "latest")
    assert [c.recommendation.label for c in at_early.new_verdicts] == ["3"]
    at_september = changes.compare("r", f"meeting-{september.pk}", "latest")
    assert at_september.new_verdicts == []


# The dashboard and the table's filters ----------------------------------------------------


def _listed(client, href: str) -> set[str]:
    response = client.get(href)
    assert response.status_code == 200
    return {rec.label for rec in response.context["filter"].qs}


def _disputed_figure(client) -> dict:
    response = client.get("/")
    figures = {f["key"]: f for f in response.context["dashboard"].overall.figures}
    return figures["disputed"]


def test_the_dashboard_counts_implemented_but_not_satisfied_and_links_to_exactly_those(
    member_client, two_rounds
):
    review, first, second, march, september = two_rounds
    figure = _disputed_figure(member_client)
    assert figure["count"] == 0
    assert figure["label"] == "Executive says implemented, committee not satisfied"

    _record(_update("r", "1"), NOT_SATISFIED, asks="Evidence that it is done.")  # implemented
    _record(_update("r", "2"), NOT_SATISFIED, asks="A plan.")  # in progress: not counted
    figure = _disputed_figure(member_client)  # a new verdict: the cached dashboard is stale
    assert figure["count"] == 1
    assert _listed(member_client, unescape(figure["href"])) == {"1"}
    body = member_client.get("/").content.decode()
    assert f'href="{figure["href"]}"' in body.replace("&amp;", "&") or figure["href"] in body
    assert "figure--disputed figure--alert" in body

    # A newer update the committee has not considered yet takes it off until it does.
    ProgressUpdate.objects.create(
        recommendation=Recommendation.objects.get(review=review, label="1"),
        as_at=dt.date(2023, 12, 1), text="Done, with evidence.", status="implemented",
    )  # fmt: skip
    assert _disputed_figure(member_client)["count"] == 0


def test_the_review_summaries_elsewhere_are_unchanged(member_client, two_rounds):
    _record(_update("r", "1"), NOT_SATISFIED, asks="Evidence.")
    body = member_client.get("/reviews/r/appendix/").content.decode()
    assert "figure--disputed" not in body


def test_the_table_filters_by_the_committees_view(member_client, two_rounds):
    _record(_update("r", "1"), NOT_SATISFIED, asks="Evidence.")
    _record(_update("r", "2"), SATISFIED, asks="")
    assert _listed(member_client, "/recommendations/?verdict=not_satisfied") == {"1"}
    assert _listed(member_client, "/recommendations/?verdict=satisfied") == {"2"}
    assert _listed(member_client, "/recommendations/?verdict=none&review=") == {"3"}
    assert _listed(member_client, "/recommendations/?disputed=yes") == {"1"}
    assert _listed(member_client, "/recommendations/?disputed=yes&verdict=satisfied") == set()
    assert _listed(member_client, "/recommendations/?status=implemented") == {"1"}
    body = member_client.get("/recommendations/").content.decode()
    assert "Executive says implemented, committee not satisfied</option>" in body
    assert member_client.get("/recommendations/?verdict=bogus").status_code == 200
    export = member_client.get("/recommendations/?disputed=yes&_export=csv")
    assert export.status_code == 403  # members read; clerks and officers export
