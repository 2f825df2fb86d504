import pytest
from django.forms import BooleanField

from reports import rows
from reports.models import AppendixSettings
from tests.factories import make_review

pytestmark = pytest.mark.django_db


def posted(form, **changes) -> dict:
    """The form as the page shows it, as a browser would send it, with ``changes``."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, BooleanField):
            if value:
                data[name] = "on"
        elif value not in (None, ""):
            data[name] = value
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_an_officer_chooses_the_layout_and_renames_columns(officer_client):
    review = make_review(recommendations=1)
    url = f"/reviews/{review.slug}/appendix/settings/"
    page = officer_client.get(url)
    assert page.status_code == 200
    # "Start from this preset" puts the preset's columns in the form; nothing is saved.
    page = officer_client.post(
        url, posted(page.context["form"], layout="east_sussex", action="preset")
    )
    assert page.status_code == 200 and not AppendixSettings.objects.exists()
    assert page.context["preview"].headings == [
        "Scrutiny Recommendation", "Director's response and action plan", "Update notes",
        "Timescale",
    ]  # fmt: skip
    response = officer_client.post(
        url,
        posted(page.context["form"], heading_update="Progress at twelve months", action="save"),
    )
    assert response.status_code == 302
    settings = AppendixSettings.objects.get(review=review)
    assert settings.layout == "east_sussex"
    headings = [
        column.header
        for column in officer_client.get(f"/reviews/{review.slug}/appendix/")
        .context["table"]
        .columns
    ]
    assert headings == [
        "Scrutiny Recommendation",
        "Director's response and action plan",
        "Progress at twelve months",
        "Timescale",
    ]


def test_the_page_orders_hides_and_renames_columns_and_previews_before_saving(officer_client):
    review = make_review(recommendations=2)
    url = f"/reviews/{review.slug}/appendix/settings/"
    form = officer_client.get(url).context["form"]
    changes = {f"show_{key}": None for key in ["decision", "response_timetable", "timescale"]}
    changes |= {"show_rag": "on", "order_rag": "1", "heading_rag": "Rating"}
    changes |= {"order_update": "2", "heading_update": "", "header_note": "on"}
    changes |= {"note": "Two of two", "title": "Appendix A"}
    preview = officer_client.post(url, posted(form, action="preview", **changes))
    assert preview.status_code == 200 and not AppendixSettings.objects.exists()
    # Places 1 (the recommendation, then the rating: a tie keeps the form's order), 1, 2, 3, 5, 7.
    expected = ["Recommendation", "Rating", "Latest update", "Response", "Leads", "Status"]
    assert preview.context["preview"].headings == expected
    assert len(preview.context["preview"].rows) == 2
    body = preview.content.decode()
    assert "Appendix A: " in body and "Two of two" in body
    assert officer_client.post(url, posted(form, action="save", **changes)).status_code == 302
    stored = AppendixSettings.objects.get(review=review)
    assert [heading for _, heading in stored.get_columns()] == expected
    assert stored.columns[2] == {"field": "update", "heading": ""}  # blank: the field's own
    assert (stored.header, stored.note, stored.title) == (
        [{"field": "note", "label": "Note"}],
        "Two of two",
        "Appendix A",
    )
    assert rows.appendix(review.slug).headings == expected


def test_an_empty_layout_is_refused_on_the_form(officer_client):
    review = make_review(recommendations=1)
    url = f"/reviews/{review.slug}/appendix/settings/"
    form = officer_client.get(url).context["form"]
    hidden = {f"show_{key}": None for key in form.column_keys}
    response = officer_client.post(url, posted(form, action="save", **hidden))
    assert response.status_code == 200
    assert "Show at least one column." in response.content.decode()
    assert not AppendixSettings.objects.exists()


def test_an_unknown_layout_is_a_form_error_not_a_500(officer_client):
    review = make_review(recommendations=1)
    response = officer_client.post(f"/reviews/{review.slug}/appendix/settings/", {"layout": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors["layout"]


def test_members_cannot_post_settings(member_client):
    review = make_review(recommendations=1)
    response = member_client.post(
        f"/reviews/{review.slug}/appendix/settings/", {"layout": "hackney"}
    )
    assert response.status_code == 403
    assert not AppendixSettings.objects.exists()


def test_the_demo_data_gives_each_review_its_documents_layout(demo_data):
    assert dict(AppendixSettings.objects.values_list("review__slug", "layout")) == {
        "hackney-school-exclusions": "hackney",
        "east-sussex-school-exclusions": "east_sussex",
        "buckinghamshire-permanent-exclusions": "buckinghamshire",
    }
