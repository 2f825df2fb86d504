"""A PDF that fails for a reason retrying cannot fix (a recursion or another layout error in the
renderer) says so and names the recommendation to simplify; "try again later" is only for
renders that ran out of time (or memory)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from recommendations import markdown
from recommendations.models import ProgressUpdate
from reports.pdf import documents, sandbox
from tests.factories import make_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("live_packs")]

DEEP_QUOTES = "> " * 400 + "deep"  # python-markdown alone gives ~300 nested <blockquote>


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    markdown.render_markdown.cache_clear()
    yield
    markdown.render_markdown.cache_clear()


@pytest.fixture
def unbounded_markdown(monkeypatch):
    """Markdown rendered as before it was bounded, so deep nesting reaches WeasyPrint."""
    monkeypatch.setattr(markdown, "markdown_problem", lambda text, **kwargs: None)
    monkeypatch.setattr(markdown, "_rendered_depth", lambda html: 0)
    markdown.render_markdown.cache_clear()


def _raising_in_the_child(monkeypatch, error: BaseException) -> None:
    # The renderer is a fork of this process, so it inherits the patch; the parent's own
    # warm-up render happens first, unpatched.
    sandbox._warm_up()

    def write_pdf(html):
        raise error

    monkeypatch.setattr(sandbox, "write_pdf", write_pdf)


def _page(inner: str) -> str:
    return f"<!DOCTYPE html><html lang='en'><title>t</title><body>{inner}</body></html>"


@pytest.mark.parametrize(
    "html",
    [
        _page("<blockquote>" * 1000 + "x"),
        _page("<ul><li>" * 600 + "x"),
        _page("<table><tr><td>" + "<blockquote>" * 400 + "x</td></tr></table>"),
    ],
    ids=["quotes", "lists", "quotes in a table cell"],
)
def test_html_nested_too_deep_for_weasyprint_is_a_document_error(html):
    with pytest.raises(sandbox.PDFDocumentError) as raised:
        sandbox.render_pdf(html, timeout=60)
    assert "will not help" in str(raised.value)
    assert "RecursionError" in raised.value.detail


@pytest.mark.parametrize(
    "error",
    [RecursionError("maximum recursion depth"), ValueError("bad layout"), AssertionError()],
)
def test_any_layout_error_in_the_renderer_is_a_document_error(monkeypatch, error):
    _raising_in_the_child(monkeypatch, error)
    with pytest.raises(sandbox.PDFDocumentError) as raised:
        sandbox.render_pdf(_page("<p>x</p>"), timeout=30)
    assert type(error).__name__ in raised.value.detail


def test_running_out_of_memory_is_not_a_document_error(monkeypatch):
    _raising_in_the_child(monkeypatch, MemoryError())
    with pytest.raises(sandbox.PDFRenderError) as raised:
        sandbox.render_pdf(_page("<p>x</p>"), timeout=30)
    assert not isinstance(raised.value, sandbox.PDFDocumentError)


def test_the_appendix_names_the_recommendation_that_cannot_be_laid_out(
    clerk_client, unbounded_markdown
):
    review = make_review(slug="r", title="Reducing School Exclusions", recommendations=9)
    broken = ProgressUpdate.objects.get(recommendation__review=review, recommendation__label="7")
    broken.text = DEEP_QUOTES
    broken.save()
    response = clerk_client.get("/reviews/r/appendix.pdf")
    assert response.status_code == 422
    message = response.content.decode()
    assert message.startswith("Recommendation 7 of Reducing School Exclusions could not be laid")
    assert "trying again will not help" in message and "Try again later" not in message
    assert "simplify its text" in message


@pytest.mark.parametrize("label", ["1", "4"])
def test_the_recommendation_text_itself_is_found_too(clerk_client, unbounded_markdown, label):
    review = make_review(slug="r", title="Exclusions", recommendations=4)
    rec = review.recommendations.get(label=label)
    rec.text = DEEP_QUOTES
    rec.save()
    response = clerk_client.get("/reviews/r/appendix.pdf")
    assert response.status_code == 422
    assert f"Recommendation {label} of Exclusions" in response.content.decode()


def test_asking_again_answers_at_once_without_rendering(
    clerk_client, unbounded_markdown, monkeypatch
):
    review = make_review(slug="r", recommendations=2)
    rec = review.recommendations.get(label="2")
    rec.text = DEEP_QUOTES
    rec.save()
    first = clerk_client.get("/reviews/r/appendix.pdf")
    assert first.status_code == 422

    def no_render(html, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(sandbox, "render_pdf", no_render)
    second = clerk_client.get("/reviews/r/appendix.pdf")
    assert (second.status_code, second.content) == (422, first.content)


def test_a_failure_outside_any_recommendation_still_says_retrying_will_not_help(
    clerk_client, monkeypatch
):
    make_review(slug="r", recommendations=2)
    _raising_in_the_child(monkeypatch, RecursionError("in the cover"))
    response = clerk_client.get("/reviews/r/appendix.pdf")
    assert response.status_code == 422
    assert "trying again will not help" in response.content.decode()


def test_only_a_timeout_says_try_again_later(clerk_client, monkeypatch):
    make_review(slug="r", recommendations=1)

    def too_slow(html, **kwargs):
        raise sandbox.PDFRenderTimeout("too slow")

    monkeypatch.setattr(sandbox, "render_pdf", too_slow)
    response = clerk_client.get("/reviews/r/appendix.pdf")
    assert response.status_code == 503
    assert b"Try again later" in response.content


def test_with_bounded_markdown_the_same_text_prints(clerk_client):
    """What broke the layout before is shown as plain text now, so the PDF is made."""
    review = make_review(slug="r", recommendations=2)
    rec = review.recommendations.get(label="2")
    rec.text = DEEP_QUOTES
    rec.save()
    update = ProgressUpdate.objects.filter(recommendation=rec).get()
    update.text = "<ul><li>" * 600 + "deep"
    update.save()
    response = clerk_client.get("/reviews/r/appendix.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_without_time_to_search_it_still_says_retrying_will_not_help(
    clerk_client, unbounded_markdown, monkeypatch
):
    review = make_review(slug="r", recommendations=2)
    rec = review.recommendations.get(label="2")
    rec.text = DEEP_QUOTES
    rec.save()
    monkeypatch.setattr(documents, "EXPLAIN_SECONDS_IN_REQUEST", 0)
    response = clerk_client.get("/reviews/r/appendix.pdf")
    assert response.status_code == 422
    assert response.content.decode().startswith("The PDF could not be laid out, and trying")


def test_a_background_pack_that_cannot_be_laid_out_fails_naming_the_recommendation(
    clerk_client, layouts, settings, unbounded_markdown
):
    import datetime as dt

    from recommendations.models import Meeting, Recommendation
    from reports.models import PackRender

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PDF_PACK_REQUEST_MAX_ROWS = 5  # the Hackney pack (18 rows) renders in the background
    meeting = Meeting.objects.get(date=dt.date(2023, 1, 16))
    rec = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="3")
    rec.text = DEEP_QUOTES
    rec.save()
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    job = PackRender.objects.get()
    assert job.status == PackRender.Status.FAILED
    assert job.error.startswith(f"Recommendation 3 of {rec.review.title} could not be laid out")
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/").content.decode()
    assert f"Recommendation 3 of {rec.review.title}" in page.replace("&#x27;", "'")
    assert "trying again will not help" in page


def test_the_export_command_names_the_recommendation_too(unbounded_markdown, tmp_path):
    from django.core.management import CommandError, call_command

    review = make_review(slug="r", title="Exclusions", recommendations=3)
    rec = review.recommendations.get(label="2")
    rec.text = DEEP_QUOTES
    rec.save()
    with pytest.raises(CommandError, match="Recommendation 2 of Exclusions could not be laid"):
        call_command("export_pdf", "r", "-o", str(tmp_path / "a.pdf"))
    assert not (tmp_path / "a.pdf").exists()
