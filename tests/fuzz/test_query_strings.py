"""Every page, fetched with arbitrary query strings and arbitrary slugs and labels in its URL.

Properties: never a 5xx; a page that renders (200) shows no active content from the query;
exports answer 200 with their file, 400 for an unknown format, 404 for a report that is not
the review's.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import FUZZ, World
from tests.fuzz.strategies import (
    BAD_IDS,
    NASTY_TEXT,
    assert_no_active_content,
    junk_text,
    query_string,
    rolled_back,
    url_segment,
)

LIST_PARAMS = [
    "q", "authority", "committee", "review", "decision", "status", "lead", "overdue", "sort",
    "page", "per_page", "figure", "period_from", "period_to", "as_at",
]  # fmt: skip


def _ids(world: World) -> list[str]:
    return [
        str(world.review.pk), str(world.other.pk), str(world.review.committee_id),
        str(world.review.committee.authority_id), str(world.lead.person_id),
    ]  # fmt: skip


def _list_value(world: World) -> st.SearchStrategy[str]:
    return st.one_of(
        junk_text,
        st.sampled_from(_ids(world)),
        st.sampled_from(
            [
                "agreed",
                "in_progress",
                "implemented",
                "true",
                "false",
                "label",
                "-label",
                "review",
                "-latest_target_date",
                "latest_status",
                "text",
                "0",
                "-1",
                "2",
                "999",
                "csv",
                "xlsx",
                "made",
                "cohort_1",
                "implemented_in_period",
                "2024-04-01",
                "2025-03-31",
            ]  # fmt: skip
        ),
        st.integers().map(str),
    )


_list_keys = st.lists(st.sampled_from(LIST_PARAMS), max_size=6)
junk_pairs = st.lists(st.tuples(junk_text, junk_text), max_size=2)


@st.composite
def list_query(draw, values: st.SearchStrategy[str]) -> list[tuple[str, str]]:
    pairs = [(key, draw(values)) for key in draw(_list_keys)]
    return pairs + draw(junk_pairs)


@pytest.fixture
def list_values(world: World) -> st.SearchStrategy[str]:
    """Made once per test (it holds the world's ids), not per example: Hypothesis checks each
    new strategy before drawing from it."""
    return _list_value(world)


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_recommendation_list_with_any_query(officer_client, world, list_values, data):
    pairs = data.draw(list_query(list_values), label="query")
    response = officer_client.get("/recommendations/", QUERY_STRING=query_string(pairs))
    assert response.status_code in (200, 404), response.status_code
    if response.status_code == 200:
        assert_no_active_content(response.content.decode())


@settings(FUZZ, max_examples=15)
@given(data=st.data())
def test_recommendation_list_exports_with_any_query(officer_client, world, list_values, data):
    pairs = data.draw(list_query(list_values), label="query")
    export = data.draw(st.one_of(st.sampled_from(["csv", "xlsx"]), junk_text), label="_export")
    response = officer_client.get(
        "/recommendations/", QUERY_STRING=query_string([*pairs, ("_export", export)])
    )
    if export in ("csv", "xlsx"):
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
    else:
        assert response.status_code == 400


TRACKER_PARAMS = [*LIST_PARAMS, "group", "layout", "closed"]
TRACKER_VALUES = ["committee", "review", "hackney", "buckinghamshire", "generic", "hide", ""]


@pytest.mark.parametrize(
    "path",
    [
        "/trackers/", "/trackers/tracker.csv", "/trackers/tracker.xlsx", "/trackers/tracker.docx",
        "/trackers/pdf/",  # the progress page of a tracker's PDF made by the worker
    ],
)  # fmt: skip
@settings(FUZZ, max_examples=10)
@given(data=st.data())
def test_trackers_with_any_query(officer_client, world, list_values, path, data):
    keys = data.draw(st.lists(st.sampled_from(TRACKER_PARAMS), max_size=6), label="keys")
    value = st.one_of(list_values, st.sampled_from(TRACKER_VALUES))
    pairs = [(key, data.draw(value, label=key)) for key in keys]
    pairs += data.draw(junk_pairs, label="extra")
    response = officer_client.get(path, QUERY_STRING=query_string(pairs))
    # The progress page of a tracker small enough to make in the request sends it there.
    assert response.status_code in ({200, 302} if path == "/trackers/pdf/" else {200}), (
        response.status_code
    )
    if path.endswith("/") and response.status_code == 200:
        assert_no_active_content(response.content.decode())


@settings(FUZZ, max_examples=3)
@given(data=st.data())
def test_tracker_pdf_with_any_query(officer_client, world, list_values, data):
    """Few examples: a PDF render takes a while."""
    keys = data.draw(st.lists(st.sampled_from(TRACKER_PARAMS), max_size=4), label="keys")
    pairs = [(key, data.draw(list_values, label=key)) for key in keys]
    response = officer_client.get("/trackers/tracker.pdf", QUERY_STRING=query_string(pairs))
    assert response.status_code in (200, 302), response.status_code


ANNUAL_PARAMS = ["authority", "year", "as_at"]
ANNUAL_VALUES = ["2021", "2024", "1899", "99999", "2025-03-31", "2025-02-30", "-1"]


@pytest.mark.parametrize("path", ["/annual/", "/annual/report.xlsx", "/annual/report.docx"])
@settings(FUZZ, max_examples=10)
@given(data=st.data())
def test_the_annual_report_with_any_query(officer_client, world, path, data):
    keys = data.draw(st.lists(st.sampled_from(ANNUAL_PARAMS), max_size=4), label="keys")
    slug = world.review.committee.authority.slug
    value = st.one_of(junk_text, st.sampled_from([*ANNUAL_VALUES, slug]))
    pairs = [(key, data.draw(value, label=key)) for key in keys]
    pairs += data.draw(st.lists(st.tuples(junk_text, junk_text), max_size=2), label="extra")
    response = officer_client.get(path, QUERY_STRING=query_string(pairs))
    # The progress page of a tracker small enough to make in the request sends it there.
    assert response.status_code in ({200, 302} if path == "/trackers/pdf/" else {200}), (
        response.status_code
    )
    if path.endswith("/") and response.status_code == 200:
        assert_no_active_content(response.content.decode())


@settings(FUZZ, max_examples=2)
@given(data=st.data())
def test_the_annual_report_pdf_with_any_query(officer_client, world, data):
    """Few examples: a PDF render takes a while."""
    pairs = [(key, data.draw(st.one_of(junk_text, st.sampled_from(ANNUAL_VALUES)), label=key))
             for key in ANNUAL_PARAMS]  # fmt: skip
    response = officer_client.get("/annual/report.pdf", QUERY_STRING=query_string(pairs))
    assert response.status_code == 200, response.status_code


@settings(FUZZ, max_examples=8)
@given(export=junk_text)
def test_a_member_cannot_export_whatever_the_query(member_client, world, export):
    query = query_string([("_export", export)])
    response = member_client.get("/recommendations/", QUERY_STRING=query)
    assert response.status_code == 403


def _report_value(world: World) -> st.SearchStrategy[str]:
    return st.one_of(
        junk_text,
        st.sampled_from(
            [
                str(world.report.pk),
                str(world.final_report.pk),
                "",
                " 1",
                "1 ",
                "+1",
                "01",
                "²",
                "١",
                str(world.other.update_reports.get().pk),
                *BAD_IDS,
            ]  # fmt: skip
        ),
    )


@pytest.mark.parametrize(
    "suffix", ["appendix/", "appendix.csv", "appendix.xlsx", "appendix.docx", "appendix/pdf/"]
)
@settings(FUZZ, max_examples=15)
@given(data=st.data())
def test_appendix_and_exports_with_any_report(officer_client, world, suffix, data):
    reports = data.draw(st.lists(_report_value(world), min_size=1, max_size=2), label="report")
    extra = data.draw(st.lists(st.tuples(junk_text, junk_text), max_size=2), label="extra")
    query = query_string([("report", value) for value in reports] + extra)
    response = officer_client.get(f"/reviews/{world.review.slug}/{suffix}", QUERY_STRING=query)
    assert response.status_code in (200, 404), response.status_code
    if response.status_code == 200 and suffix.endswith("/"):
        assert_no_active_content(response.content.decode())


@settings(FUZZ, max_examples=4)
@given(data=st.data())
def test_appendix_pdf_with_any_report(officer_client, world, data):
    """Few examples: a PDF render takes a while. Most of these are refused before rendering."""
    report = data.draw(_report_value(world), label="report")
    query = query_string([("report", report)])
    response = officer_client.get(f"/reviews/{world.review.slug}/appendix.pdf", QUERY_STRING=query)
    assert response.status_code in (200, 404), response.status_code


def _paths(world: World, segment: str, number: str) -> list[str]:
    rec = f"/reviews/{world.review.slug}/recommendations/"
    one = f"{rec}{world.recommendation.label}/"
    return [
        f"/reviews/{segment}/", f"/reviews/{segment}/edit/", f"/reviews/{segment}/reorder/",
        f"/reviews/{segment}/appendix/", f"/reviews/{segment}/appendix.csv",
        f"/reviews/{segment}/appendix/settings/", f"/reviews/{segment}/meetings/new/",
        f"{rec}{segment}/", f"{rec}{segment}/edit/", f"{rec}{segment}/response/",
        f"{rec}{segment}/leads/", f"{rec}{segment}/updates/new/",
        f"{rec}{segment}/leads/{world.lead.pk}/edit/",
        f"{rec}{segment}/updates/{world.update.pk}/edit/",
        f"/reviews/{world.review.slug}/update-reports/{number}/",
        f"/reviews/{world.review.slug}/update-reports/{number}/edit/",
        f"/reviews/{world.review.slug}/update-reports/{number}/finalise/",
        f"/reviews/{world.review.slug}/update-reports/{number}/reopen/",
        f"/reviews/{world.review.slug}/meetings/{number}/edit/",
        f"{one}leads/{number}/edit/", f"{one}updates/{number}/edit/",
        f"{one}updates/{number}/correct/", f"/meetings/{number}/pack.pdf",
        f"/meetings/{number}/pack.docx", f"/reviews/{segment}/appendix.docx",
        f"/meetings/{number}/pack/", f"/meetings/{number}/pack/{number}.pdf",
        f"/meetings/{number}/", f"/meetings/{number}/documents/new/",
        f"/documents/{number}/", f"/documents/{number}/remove/",
        f"{one}updates/{number}/documents/new/",
        f"/reviews/{world.review.slug}/update-reports/{number}/documents/new/",
        f"/reviews/{segment}/documents/new/",
        f"/authorities/{segment}/people/", f"/authorities/{segment}/settings/",
        f"/authorities/{segment}/people/new/",
        f"/authorities/{world.review.committee.authority.slug}/people/{number}/edit/",
        f"/authorities/{world.review.committee.authority.slug}/people/{number}/merge/",
    ]  # fmt: skip


@settings(FUZZ, max_examples=8)
@given(
    segment=url_segment,
    number=st.one_of(st.integers(0).map(str), st.sampled_from(["9" * 30, "0" * 40 + "1"])),
)
def test_any_slug_label_or_id_in_a_url(officer_client, world, segment, number):
    # A final report's details cannot be edited: its edit page is refused with the reason.
    final_edit = f"/update-reports/{world.final_report.pk}/edit/"
    for path in _paths(world, segment, number):
        response = officer_client.get(path)
        allowed = (200, 301, 302, 400, 404, *((403,) if path.endswith(final_edit) else ()))
        assert response.status_code in allowed, (path, response.status_code)
    if int(number) > 10**6:  # no such meeting: nothing is queued
        response = officer_client.post(f"/meetings/{number}/pack/render/")
        assert response.status_code == 404


@settings(FUZZ, max_examples=12)
@given(
    report=st.one_of(junk_text, st.sampled_from(BAD_IDS + NASTY_TEXT)),
    path=st.sampled_from(["updates/new/", "edit/", "response/", "leads/"]),
)
def test_form_pages_with_any_query(officer_client, world, report, path):
    url = f"/reviews/{world.review.slug}/recommendations/{world.recommendation.label}/{path}"
    response = officer_client.get(url, QUERY_STRING=query_string([("report", report)]))
    assert response.status_code == 200
    assert_no_active_content(response.content.decode())


def _reading_pages(world: World) -> list[str]:
    slug = world.review.slug
    return [
        "/", "/reviews/", "/labels/", f"/reviews/{slug}/", f"/reviews/{slug}/changes/",
        f"/reviews/{slug}/reorder/", f"/reviews/{slug}/update-reports/{world.report.pk}/",
        f"/reviews/{slug}/recommendations/{world.recommendation.label}/",
        f"/meetings/{world.meeting.pk}/",
    ]  # fmt: skip


def _point_keys(world: World) -> list[str]:
    return [
        f"meeting-{world.meeting.pk}", f"report-{world.report.pk}", "latest",
        f"report-{world.other.update_reports.get().pk}", "meeting-", "report-x",
    ]  # fmt: skip


@settings(FUZZ, max_examples=8)
@given(data=st.data())
def test_reading_pages_with_any_query(officer_client, world, data):
    keys = ["page", "closed", "from", "to", "report", "q", "sort"]
    value = st.one_of(junk_text, st.sampled_from(["hide", "show", *_point_keys(world)]))
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(keys), value), max_size=4), "query")
    for path in _reading_pages(world):
        response = officer_client.get(path, QUERY_STRING=query_string(pairs))
        assert response.status_code in (200, 302, 404), (path, response.status_code)
        if response.status_code == 200:
            assert_no_active_content(response.content.decode())


_NEXT_VALUES = [
    "/reviews/new/", "//evil.example/", "https://evil.example/", "/\\evil.example", "\x00",
    "javascript:alert(1)", "/reviews/new/?authority=x&next=//evil", "%2F%2Fevil.example",
]  # fmt: skip


@settings(FUZZ, max_examples=10)
@given(value=st.one_of(junk_text, st.sampled_from(_NEXT_VALUES + BAD_IDS)))
def test_starting_a_review_and_adding_people_with_any_query(officer_client, world, value):
    authority = world.review.committee.authority.slug
    people = f"/authorities/{authority}/people/"
    for path, key in [
        ("/reviews/new/", "authority"),
        ("/authorities/new/", "next"),
        (people + "new/", "next"),
        (f"{people}{world.person.pk}/merge/", "keep"),
    ]:
        response = officer_client.get(path, QUERY_STRING=query_string([(key, value)]))
        assert response.status_code in (200, 302, 404), (path, response.status_code)
        if response.status_code == 200:
            assert_no_active_content(response.content.decode())
    with rolled_back():
        response = officer_client.post(
            "/authorities/new/",
            {"name": "Fuzzed council", "response_due_amount": "2",
             "response_due_unit": "months", "next": value},
        )  # fmt: skip
        assert response.status_code == 302
        location = response["Location"]
        # Back to a page of this site, never elsewhere.
        assert location.startswith("/") and not location.startswith(("//", "/\\"))
