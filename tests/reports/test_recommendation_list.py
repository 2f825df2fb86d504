import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from recommendations.models import Person, ProgressUpdate, Recommendation
from tests.reports.conftest import make_big_review

pytestmark = pytest.mark.django_db


def labels(response) -> list[str]:
    return [row.record.label for row in response.context["table"].paginated_rows]


def test_it_lists_every_recommendation_and_part(member_client, layouts):
    response = member_client.get("/recommendations/")
    assert response.status_code == 200
    assert response.context["table"].paginator.count == 18 + 12 + 14
    assert ">44 recommendations</h2>" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("authority={hackney}", 18),
        ("review={bucks}", 14),
        ("decision=not_agreed", 1),
        ("decision=partly_agreed", 1),
        ("status=implemented", None),
        ("q=vacancy controls", None),
        ("q=zzznotthere", 0),
        ("overdue=true", 0),
    ],
)
def test_filters(member_client, layouts, query, count):
    from recommendations.models import Authority, Review

    query = query.format(
        hackney=Authority.objects.get(slug="hackney").pk,
        bucks=Review.objects.get(slug="buckinghamshire-permanent-exclusions").pk,
    )
    response = member_client.get(f"/recommendations/?{query}")
    assert response.status_code == 200
    total = response.context["table"].paginator.count
    if count is not None:
        assert total == count
    else:
        assert total > 0


def test_free_text_finds_words_in_updates(member_client, layouts):
    response = member_client.get("/recommendations/?q=vacancy")
    assert "R1" in labels(response)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("controls vacancy", True),  # every word, in any order
        ('"vacancy controls"', True),  # a phrase
        ("vacancy zzznotthere", False),  # a word that is nowhere
        ("zzznotthere or vacancy", True),  # alternatives
        ("vacancy -department", False),  # each text holding "vacancy" says "Department"
        ("vacancy -zzznotthere", True),
    ],
)
def test_free_text_understands_the_search_syntax_on_every_database(
    member_client, layouts, query, found
):
    # The same words give the same answer on PostgreSQL (full-text search) and on SQLite
    # (the substring fallback), so what a developer sees is what production does.
    assert ("R1" in labels(member_client.get("/recommendations/", {"q": query}))) is found


def test_search_syntax_is_parsed_like_websearch_to_tsquery():
    from reports.filters import search_groups

    assert search_groups('a "b  c" -d OR e') == [(["a", "b c"], ["d"]), (["e"], [])]
    assert search_groups('"unterminated phrase') == [(["unterminated phrase"], [])]
    assert search_groups('or - "" -"x y" or') == [([], ["x y"])]
    assert search_groups("   ") == []


def test_lead_and_overdue_filters(member_client, layouts):
    wells = Person.objects.get(name="Katherine Wells")
    response = member_client.get(f"/recommendations/?lead={wells.pk}")
    assert response.context["table"].paginator.count >= 1
    rec = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="3")
    ProgressUpdate.objects.create(
        recommendation=rec, as_at=dt.date.today(), text="Late.", target_date=dt.date(2020, 1, 1)
    )
    assert labels(member_client.get("/recommendations/?overdue=true")) == ["3"]


def test_the_choice_lists_are_drawn_as_django_draws_them(member_client, layouts):
    # Read as plain rows (RecommendationFilter._offer_choices), drawn exactly as Django draws
    # the records of each queryset: same options, order, labels and selection.
    from reports.filters import RecommendationFilter
    from reports.selectors import recommendation_list

    wells = Person.objects.get(name="Katherine Wells")
    Person.objects.filter(pk=wells.pk).update(job_title="")  # a lead without a job title
    for data in [{}, {"lead": str(wells.pk)}, {"authority": "x", "lead": "999999"}]:
        form = RecommendationFilter(data, queryset=recommendation_list()).form
        for name in RecommendationFilter.CHOICE_LABELS:
            ours = str(form[name])
            form.fields[name].widget.choices = form.fields[name].choices  # Django's own
            assert ours == str(form[name]), (name, data)
            assert ours.count("<option") == form.fields[name].queryset.count() + 1
    page = member_client.get("/recommendations/", {"lead": wells.pk}).content.decode()
    assert f'<option value="{wells.pk}" selected>Katherine Wells</option>' in page


def test_it_sorts_and_keeps_filters_in_the_url(member_client, layouts):
    response = member_client.get("/recommendations/?decision=agreed&sort=-latest_status")
    assert response.status_code == 200
    assert "decision=agreed" in response.context["query_string"]


@pytest.mark.parametrize(
    ("sort", "ordering"),
    [("label", ("review__title", "order", "id")), ("-label", ("-review__title", "-order", "-id"))],
)
def test_pages_follow_the_sort_order(member_client, sort, ordering):
    review = make_big_review(30)
    expected = list(review.recommendations.order_by(*ordering).values_list("label", flat=True))
    shown = [
        label
        for number in (1, 2)
        for label in labels(member_client.get("/recommendations/", {"sort": sort, "page": number}))
    ]
    assert shown == expected and len(shown) == 30


def test_bad_filter_values_are_not_a_500(member_client, layouts):
    for query in ["review=abc", "authority=999999", "decision=bogus", "overdue=maybe", "page=999"]:
        assert member_client.get(f"/recommendations/?{query}").status_code in (200, 404)


def test_filtered_exports(clerk_client, member, layouts):
    response = clerk_client.get("/recommendations/?decision=not_agreed&_export=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Review", "Ref", "Recommendation"]
    assert len(rows) == 2 and rows[1][1] == "6"
    response = clerk_client.get("/recommendations/?review=&_export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    # 44 recommendations; one too long for a printed page continues on the next rows.
    firsts = [cell.value or "" for cell in sheet["A"][1:]]
    assert len([first for first in firsts if not first.endswith("(continued)")]) == 44
    clerk_client.force_login(member)
    assert clerk_client.get("/recommendations/?_export=csv").status_code == 403


def test_outsiders_may_not_see_the_table(client, outsider):
    client.force_login(outsider)
    assert client.get("/recommendations/").status_code == 403


@pytest.mark.parametrize("count", [10, 500])
def test_filtered_table_uses_a_constant_number_of_queries(member_client, count):
    make_big_review(count)
    url = "/recommendations/?decision=agreed&q=thing"
    member_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = member_client.get(url)
    assert response.status_code == 200
    assert response.context["table"].paginator.count == count
    # session; user; own and group permissions; the filter form's choices (authorities,
    # committees, reviews, leads); the search's first matches (its count); the page's ids in
    # order among them, then its rows; their leads with people; saving the session
    # (savepoint, update, release). The same on both databases.
    assert len(queries) == 15, [q["sql"][:100] for q in queries.captured_queries]


# --- A search too complex to run is a message beside the search box, never the 503 page ----


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("word " * 33, "Search for at most 32 words at a time (this search has 33)."),
        ("-not " * 40, "Search for at most 32 words at a time (this search has 40)."),
        ("a or " * 40 + "b", "Search for at most 32 words at a time (this search has 41)."),
        ('"' + "x" * 600 + '"', "Search for at most 500 characters at a time."),
        ("y" * 5000, "Search for at most 500 characters at a time."),
    ],
)
def test_a_search_too_long_is_refused_beside_the_search_box(member_client, layouts, query, message):
    response = member_client.get("/recommendations/", {"q": query})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["q"] == [message]
    assert message.encode() in response.content
    assert b'name="q"' in response.content  # the filter form is there to correct it


@pytest.mark.parametrize(
    "query",
    [
        "word " * 32,
        '"' + "a long phrase " * 30 + '"',
        "%" * 400 + " " + "_" * 99,
        "[" * 250 + " " + "\\" * 249,
        "or " * 100,
    ],
)
def test_searches_up_to_the_limits_run_on_every_database(member_client, layouts, query):
    response = member_client.get("/recommendations/", {"q": query})
    assert response.status_code == 200
    assert "q" not in response.context["filter"].form.errors


@pytest.mark.parametrize("query", ["word " * 1000, "-w " * 1000, "a or " * 1200, "%" * 60_000])
def test_a_search_the_database_finds_too_complex_is_a_message_not_the_outage_page(
    member_client, clerk, layouts, monkeypatch, query
):
    # Lift the limits, as if they were set too high, to reach the database's own.
    from reports.filters import SEARCH_TOO_COMPLEX, RecommendationFilter

    monkeypatch.setattr("reports.filters.SEARCH_MAX_TERMS", 100_000)
    monkeypatch.setitem(RecommendationFilter.base_filters["q"].extra, "max_length", 100_000)
    response = member_client.get("/recommendations/", {"q": query})
    assert response.status_code == 200
    if connection.vendor == "sqlite":
        errors = response.context["filter"].form.errors["q"]
        assert errors == ["This search is too complex to run. Search for fewer words at a time."]
        assert labels(response) == []
    member_client.force_login(clerk)
    export = member_client.get("/recommendations/", {"q": query, "_export": "csv"})
    if connection.vendor == "sqlite":
        assert (export.status_code, export.content) == (400, SEARCH_TOO_COMPLEX.encode())
    else:
        assert export.status_code == 200


def test_the_too_complex_check_knows_an_outage_from_a_complex_query():
    from django.db import OperationalError

    from reports.filters import is_too_complex

    assert is_too_complex(OperationalError("Expression tree is too large (maximum depth 1000)"))
    assert is_too_complex(OperationalError("LIKE or GLOB pattern too complex"))
    assert is_too_complex(OperationalError("parser stack overflow"))
    assert not is_too_complex(OperationalError("database is locked"))
    assert not is_too_complex(OperationalError("unable to open database file"))


def test_a_search_matching_more_than_the_limit_lists_those_added_last(member_client, monkeypatch):
    monkeypatch.setattr("reports.views.recommendations.SEARCH_COUNT_LIMIT", 5)
    make_big_review(12)
    response = member_client.get("/recommendations/", {"q": "thing"})
    assert response.context["table"].paginator.count == 5
    page = response.content.decode()
    assert "More than 5 recommendations</h2>" in page
    assert "The 5 added last are listed, best matches first." in page
    assert sorted(labels(response), key=int) == ["8", "9", "10", "11", "12"]
    # Filtered further, the first found (the database cannot tell cheaply which are newest).
    response = member_client.get("/recommendations/", {"q": "thing", "decision": "agreed"})
    assert "The 5 found first are listed, best matches first." in response.content.decode()
    assert len(labels(response)) == 5
    # Without a search every recommendation is counted, as the dashboard's figures are.
    assert member_client.get("/recommendations/").context["table"].paginator.count == 12


def test_a_list_longer_than_its_limit_is_counted_only_that_far(member_client, monkeypatch):
    # At national scale "implemented" matches 50,000 recommendations: counting them all cost
    # more than the page. A list is counted no further than its limit, and says "more than".
    monkeypatch.setattr("reports.views.recommendations.LIST_COUNT_LIMIT", 5)
    review = make_big_review(12)
    for query in [{}, {"decision": "agreed"}, {"review": review.pk}, {"sort": "-label"}]:
        member_client.get("/recommendations/", query)
        with CaptureQueriesContext(connection) as queries:
            response = member_client.get("/recommendations/", query)
        assert response.context["table"].paginator.count == 5, query
        page = response.content.decode()
        assert "More than 5 recommendations</h2>" in page, query
        assert "The first 5 in this order are listed." in page, query
        counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
        assert len(counts) == 1 and "LIMIT 6" in counts[0], counts
    # The first five in the table's order; no page beyond them.
    assert labels(member_client.get("/recommendations/")) == ["1", "2", "3", "4", "5"]
    # A page beyond them shows the last (as any page beyond the last does).
    assert labels(member_client.get("/recommendations/", {"page": 2})) == ["1", "2", "3", "4", "5"]
    # Within the limit, exact, and nothing said of more.
    small = make_big_review(3, slug="small")
    response = member_client.get("/recommendations/", {"review": small.pk})
    assert response.context["table"].paginator.count == 3
    assert ">3 recommendations</h2>" in response.content.decode()
    assert "More than" not in response.content.decode()
    assert review.recommendations.count() == 12


def _search_queries(member_client, query: dict) -> list[str]:
    member_client.get("/recommendations/", query)
    with CaptureQueriesContext(connection) as queries:
        assert member_client.get("/recommendations/", query).status_code == 200
    return [captured["sql"] for captured in queries.captured_queries]


def test_a_search_reads_its_documents_once_as_far_as_the_limit(member_client, monkeypatch):
    # The cost of a page of a search must not grow with its matches: the stored documents
    # are read by one query, stopped at the limit (ids and ranks), and the page's order and
    # rows are read from those ids alone, neither searching nor ranking again.
    monkeypatch.setattr("reports.views.recommendations.SEARCH_COUNT_LIMIT", 5)
    make_big_review(12)
    queries = [{"q": "thing"}, {"q": "thing", "sort": "-latest_status"}]
    counts = []
    for size in (12, 52):
        if size > 12:
            make_big_review(size - 12, slug="more")
        for query in queries:
            captured = _search_queries(member_client, query)
            reading = [sql for sql in captured if "recommendationsearch" in sql]
            assert len(reading) == 1 and reading[0].endswith("LIMIT 6"), reading
            counts.append(len(captured))
    assert counts[:2] == counts[2:]


def test_a_rare_word_finds_every_match_and_a_common_one_says_more_than(member_client, monkeypatch):
    from recommendations import services

    monkeypatch.setattr("reports.views.recommendations.SEARCH_COUNT_LIMIT", 5)
    review = make_big_review(12)
    for rec in review.recommendations.filter(label__in=["2", "7", "11"]):
        rec.text = "Do thing promptly for otters."
        services.recommendation_update(recommendation=rec, expected_version=rec.version, user=None)
    response = member_client.get("/recommendations/", {"q": "otters"})
    assert sorted(labels(response), key=int) == ["2", "7", "11"]
    page = response.content.decode()
    assert ">3 recommendations</h2>" in page and "More than" not in page
    # Exclusion and phrases narrow as before; more matches than the limit say so.
    assert (
        member_client.get("/recommendations/", {"q": '"thing promptly"'})
        .context["table"]
        .paginator.count
        == 3
    )
    response = member_client.get("/recommendations/", {"q": "thing -otters"})
    assert "More than 5 recommendations</h2>" in response.content.decode()
    assert not {"2", "7", "11"} & set(labels(response))


def test_a_sorted_search_pages_through_its_first_matches(member_client, monkeypatch):
    monkeypatch.setattr("reports.views.recommendations.SEARCH_COUNT_LIMIT", 5)
    make_big_review(12)
    shown = [
        label
        for number in (1, 2, 3)
        for label in labels(
            member_client.get(
                "/recommendations/", {"q": "thing", "sort": "-label", "per_page": 2, "page": number}
            )
        )
    ]
    assert shown == ["12", "11", "10", "9", "8"]


def test_equal_matches_keep_the_tables_order(member_client):
    # Every "thing" ranks alike: open priorities first, then by review and number.
    review = make_big_review(12)
    review.recommendations.filter(label="7").update(is_priority=True)
    shown = labels(member_client.get("/recommendations/", {"q": "thing"}))
    assert shown == ["7", *[str(number) for number in range(1, 13) if number != 7]]


def test_a_search_beyond_the_limit_ranks_the_matches_it_lists(member_client, monkeypatch):
    from recommendations import services

    monkeypatch.setattr("reports.views.recommendations.SEARCH_COUNT_LIMIT", 5)
    review = make_big_review(12)
    for rec in review.recommendations.all():
        rec.text = "Do thing. " + "Another thing. " * (int(rec.label) % 4)
        services.recommendation_update(recommendation=rec, expected_version=rec.version, user=None)
    shown = labels(member_client.get("/recommendations/", {"q": "thing"}))
    # The five added last, best first (more mentions of "thing"), ties by number; SQLite,
    # which does not rank, in the table's order.
    if connection.vendor == "postgresql":
        assert shown == ["11", "10", "9", "8", "12"]
    else:
        assert shown == ["8", "9", "10", "11", "12"]


def test_a_search_lists_the_best_matches_first_on_postgresql(member_client):
    from recommendations import services
    from tests.factories import make_review

    review = make_review(recommendations=3, updates_each=0, leads_each=0)
    for label, text in [("1", "An otter."), ("2", "Otter, otter, otter: otters."), ("3", "No.")]:
        rec = review.recommendations.get(label=label)
        rec.text = text
        services.recommendation_update(recommendation=rec, expected_version=rec.version, user=None)
    ranked = labels(member_client.get("/recommendations/", {"q": "otter"}))
    assert ranked == (["2", "1"] if connection.vendor == "postgresql" else ["1", "2"])
    # A sorted column wins over the ranking.
    assert labels(member_client.get("/recommendations/", {"q": "otter", "sort": "label"})) == [
        "1",
        "2",
    ]
