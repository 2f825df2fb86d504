"""The appendix and the recommendation list write their rows in Python (``FastRows``), and
the list's filters their widgets (``FastWidgets``): the same markup as django-tables2's and
Django's own templates, for every seed review, every kind of cell and every filter."""

import datetime as dt

import pytest
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict
from django.template import Context, Template
from django.test import RequestFactory
from django.test.html import parse_html
from django_tables2 import RequestConfig

from recommendations.models import Meeting, Recommendation, Review
from reports import rows, selectors, tables
from reports.filters import RecommendationFilter
from reports.tables import AppendixTable, RecommendationTable
from reports.widgets import FastWidgets

pytestmark = pytest.mark.django_db

FAST = Template("{% load django_tables2 %}{% render_table table %}")
TEMPLATE = Template('{% load django_tables2 %}{% render_table table "django_tables2/table.html" %}')


def both(make_table, path: str = "/"):
    """The table drawn by FastRows and by django-tables2's template, each a fresh table (a
    table counts its rows as it draws them: odd, even)."""
    request = RequestFactory().get(path)
    drawn = []
    for template in (FAST, TEMPLATE):
        table = make_table()
        RequestConfig(request).configure(table)
        drawn.append(template.render(Context({"table": table, "request": request})))
    return drawn


def test_each_seed_appendix_is_the_table_django_tables2_draws(layouts):
    for review in Review.objects.all():
        appendix = rows.appendix_for_review(review)
        fast, template = both(lambda appendix=appendix: AppendixTable.for_appendix(appendix))
        assert len(appendix.rows) > 10
        assert "{% " not in fast and 'class="even"' in fast and 'class="odd"' in fast
        assert parse_html(fast) == parse_html(template), review.slug


def test_an_empty_appendix_says_so_as_before(db):
    empty = Review.objects.none()
    fast, template = both(lambda: AppendixTable([], empty_text="This review has none."))
    assert "This review has none." in fast
    assert parse_html(fast) == parse_html(template)
    assert empty.count() == 0


@pytest.mark.parametrize("sort", ["", "latest_target_date", "-is_overdue", "decision"])
def test_the_recommendation_list_is_the_table_django_tables2_draws(member_client, layouts, sort):
    # Cells the seeds leave empty: a priority, an officer's overdue label (its reason escaped),
    # a closing meeting; and a title to escape.
    first, second, third = Recommendation.objects.order_by("pk")[:3]
    Review.objects.filter(pk=first.review_id).update(title="<i>Tom</i> & Jerry")
    Recommendation.objects.filter(pk=first.pk).update(is_priority=True, priority_reason="Why")
    Recommendation.objects.filter(pk=second.pk).update(
        overdue_override="overdue", overdue_override_reason="<b>late</b> & said so"
    )
    meeting = Meeting.objects.create(
        committee=third.review.committee, date=dt.date(2025, 3, 4), agenda_item="Item 5"
    )
    Recommendation.objects.filter(pk=third.pk).update(closed_at_meeting=meeting)
    path = f"/recommendations/?per_page=50&sort={sort}"
    fast, template = both(lambda: RecommendationTable(selectors.recommendation_list()), path)
    # Every kind of cell is drawn: links, priority tags, choice labels, dates, leads.
    for shown in ("/recommendations/", "tag--priority", "&lt;b&gt;late", "04 Mar 2025", "Agreed"):
        assert shown in template
    assert "&lt;i&gt;Tom&lt;/i&gt; &amp; Jerry" in fast
    assert fast.count("<tr ") == template.count("<tr ") == 44  # the rows (the head: "<tr>")
    assert parse_html(fast) == parse_html(template)


def test_a_render_methods_arguments_are_inspected_once_a_column_not_once_a_cell(
    member_client, layouts, monkeypatch
):
    inspected = []

    def counting(fn):
        inspected.append(fn)
        return signature(fn)

    signature = tables.signature
    monkeypatch.setattr(tables, "signature", counting)
    response = member_client.get("/recommendations/?per_page=50")
    table = response.context["table"]
    assert response.content.decode().count('<a href="/reviews/') >= 44
    assert 0 < len(inspected) <= len(table.columns)


@pytest.mark.parametrize(
    "query", ["", "q=<b>x</b>&decision=agreed&priority=yes&period_from=2024-04-01&lead=0"]
)
def test_the_list_filters_widgets_are_djangos_markup_written_in_python(layouts, query):
    data = QueryDict(query)
    fast = RecommendationFilter(data, queryset=selectors.recommendation_list()).form
    django = RecommendationFilter(data, queryset=selectors.recommendation_list()).form
    django.renderer = DjangoTemplates()
    assert isinstance(fast.renderer, FastWidgets)
    for name in fast.fields:
        assert str(fast[name]) == str(django[name]), name
    assert "<b>x" not in str(fast["q"])


@pytest.mark.parametrize("localize", [None, True, False])
def test_a_cell_is_escaped_however_it_is_written(db, localize):
    # Drawn outside a template (no context) or with the column's own localisation: a cell's
    # text is escaped as the template's autoescape would.
    class Table(tables.FastRows):
        title = tables.tables.Column(localize=localize)

    table = Table([{"title": "<script>alert(1)</script> & more"}])
    drawn = table.tbody_rows()
    assert "<script>" not in drawn
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in drawn
