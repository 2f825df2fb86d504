"""Text that would nest too deep, hold pathological runs, or cost too long to lay out is refused
when saved, by every service that saves long text (whichever route the write came by), with a
message on the field; the forms say the same before the service is reached."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from recommendations import services
from recommendations.markdown import MAX_NESTING
from recommendations.models import Meeting, ProgressUpdate, Recommendation, Review
from recommendations.rules import markdown_text_error
from tests.factories import make_review

pytestmark = pytest.mark.django_db

TOO_DEEP = {
    "list markers": ("- " * 40 + "x", 40),
    "quotes": ("> " * 12 + "x", 12),
    "indented lists": ("".join("    " * level + "- x\n" for level in range(9)), 9),
    "quotes in lists": ("> 1. " * 5 + "x", 10),
    "raw HTML lists": ("<ul>" * 9 + "x", 9),
}
PATHOLOGICAL_RUNS = {
    "unclosed brackets": "[" * 3000,
    "links left open": "[a](" * 1000,
    "a long run of one character": "Done" + "!" * 500,
    "unclosed angle brackets": "<a " * 2000,
    "setext underlines without blank lines": "a\n=\n" * 2000,
}
ALLOWED = [
    "- a\n" + "".join("    " * level + "- x\n" for level in range(1, MAX_NESTING)),
    "> " * MAX_NESTING + "the deepest quote allowed",
    "A [link](https://example.org) and [1], [2] and a < b.",
    "Heading\n=======\n\n" + "=" * 80 + "\n\nText.",
]


@pytest.fixture
def review() -> Review:
    return make_review(slug="r", recommendations=1)


@pytest.mark.parametrize(("text", "depth"), TOO_DEEP.values(), ids=TOO_DEEP.keys())
def test_nesting_deeper_than_allowed_is_refused_with_its_depth(text, depth):
    assert markdown_text_error(text) == (
        f"This text nests lists or quotes {depth} levels deep; at most {MAX_NESTING} are allowed."
    )


@pytest.mark.parametrize("text", PATHOLOGICAL_RUNS.values(), ids=PATHOLOGICAL_RUNS.keys())
def test_pathological_runs_are_refused(text):
    message = markdown_text_error(text)
    assert message and message.startswith("This text")


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_text_up_to_the_limit_is_allowed(text):
    assert markdown_text_error(text) is None


@pytest.mark.parametrize("text", [value for value, _ in TOO_DEEP.values()])
def test_every_service_that_saves_long_text_refuses_it_on_the_field(review, text):
    rec = review.recommendations.get()
    review.summary = text
    with pytest.raises(ValidationError) as raised:
        services.review_update(review=review, expected_version=review.version, user=None)
    assert "levels deep" in raised.value.message_dict["summary"][0]

    new = Recommendation(review=review, label="9", text=text)
    with pytest.raises(ValidationError) as raised:
        services.recommendation_create(recommendation=new, user=None)
    assert "text" in raised.value.message_dict

    update = ProgressUpdate(recommendation=rec, as_at=dt.date(2023, 6, 1), text=text)
    with pytest.raises(ValidationError) as raised:
        services.progress_update_create(update=update, user=None)
    assert "text" in raised.value.message_dict

    meeting = Meeting(date=dt.date(2023, 6, 1), agenda_item="Monitoring", decision=text)
    with pytest.raises(ValidationError) as raised:
        services.meeting_create(meeting=meeting, review=review, user=None)
    assert "decision" in raised.value.message_dict

    with pytest.raises(ValidationError) as raised:
        services.recommendation_set_overdue_override(
            recommendation=rec, override="overdue", reason=text,
            expected_version=rec.version, user=None,
        )  # fmt: skip
    assert "overdue_override_reason" in raised.value.message_dict

    assert not Recommendation.objects.filter(label="9").exists()
    assert not ProgressUpdate.objects.filter(text=text).exists()
    assert not Meeting.objects.exists()


def test_closing_refuses_a_pathological_reason_and_evidence(review):
    rec = review.recommendations.get()
    meeting = services.meeting_create(
        meeting=Meeting(date=dt.date(2023, 6, 1), agenda_item="Monitoring"), review=review,
        user=None,
    )  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        services.recommendation_close(
            recommendation=rec, meeting=meeting, reason="- " * 20 + "done",
            evidence="[" * 5000, expected_version=rec.version, user=None,
        )  # fmt: skip
    assert set(raised.value.message_dict) == {"closed_reason", "closed_evidence"}


def test_the_form_shows_the_message_beside_the_field(officer_client, review):
    posted = {
        "as_at": "2023-06-01", "as_at_precision": "day", "status": "in_progress",
        "text": "- " * 40 + "x", "timescale": "", "target_date": "", "report": "",
    }  # fmt: skip
    response = officer_client.post("/reviews/r/recommendations/1/updates/new/", posted)
    assert response.status_code == 200
    assert response.context["form"].errors["text"] == [
        "This text nests lists or quotes 40 levels deep; at most 8 are allowed."
    ]
    assert not ProgressUpdate.objects.filter(as_at=dt.date(2023, 6, 1)).exists()


def test_every_long_text_a_person_types_has_a_maximum_length():
    from django.apps import apps
    from django.db import models

    unbounded = [
        f"{model.__name__}.{field.name}"
        for app in ("recommendations", "reports")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.TextField) and not field.max_length
        and not model.__name__.startswith("Historical")
    ]  # fmt: skip
    # PackRender.error and StoredPDF.error are written by the worker, never typed; the search
    # documents are built from bounded fields (recommendations.search), and a stored
    # tracker's query is its address's filters as validated (the request line is bounded).
    assert unbounded == [
        "RecommendationSearch.document",
        "RecommendationSearch.public_document",
        "PackRender.error",
        "StoredPDF.tracker_query",
        "StoredPDF.error",
    ]
