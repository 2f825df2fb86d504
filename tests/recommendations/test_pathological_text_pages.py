"""Text already in the database, saved before the Markdown rule (written here straight into the
rows, bypassing the services, as old data would be), still gives every page that shows it: the
dashboard (last meeting's decision), the review page, the recommendation page, the appendix and
its PDF. Before the rule, "- - - …" in a meeting decision was a 500 for everyone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from recommendations.markdown import render_markdown
from recommendations.models import Meeting, Response
from tests.factories import make_review

pytestmark = pytest.mark.django_db

VARIANTS = {
    "nested list markers": "- " * 750 + "x",
    "nested numbered markers": "1. " * 500 + "x",
    "nested quotes": "> " * 750 + "x",
    "raw nested lists": "<ul><li>" * 1000 + "x",
    "unclosed brackets": "[" * 20_000,
    "links left open": "[a](" * 5_000,
    "unclosed tags": "<a " * 6_000,
    "setext underlines": "a\n=\n" * 5_000,
}


@pytest.fixture
def old_text(request):
    cache.clear()
    render_markdown.cache_clear()
    yield
    render_markdown.cache_clear()


def _store_everywhere(text: str) -> None:
    review = make_review(slug="r", title="Old data", recommendations=2)
    review.summary = text
    review.save()
    rec = review.recommendations.get(label="1")
    rec.text = text
    rec.save()
    for row in [*Response.objects.filter(recommendation=rec), *rec.updates.all()]:
        row.text = text
        row.save()
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2023, 6, 1), agenda_item="Monitoring",
        decision=text, minutes=text,
    )  # fmt: skip
    meeting.reviews.add(review)


@pytest.mark.parametrize("text", VARIANTS.values(), ids=VARIANTS.keys())
def test_every_page_showing_old_pathological_text_is_200(officer_client, old_text, text):
    _store_everywhere(text)
    for path in ["/", "/reviews/r/", "/reviews/r/recommendations/1/", "/reviews/r/appendix/"]:
        response = officer_client.get(path)
        assert response.status_code == 200, path


@pytest.mark.parametrize(
    "text", [VARIANTS["nested quotes"], VARIANTS["raw nested lists"], VARIANTS["links left open"]]
)
def test_the_pdf_of_old_pathological_text_is_made(officer_client, old_text, text):
    _store_everywhere(text)
    response = officer_client.get("/reviews/r/appendix.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
