"""The history records many-to-many changes (a meeting's reviews, an update report's
contributors) with what changed, and appendix settings have history: who changed what."""

from __future__ import annotations

import datetime as dt

import pytest

from recommendations import services
from recommendations.models import Meeting, Person, UpdateReport
from recommendations.selectors import recommendation_timeline
from reports.layouts import LAYOUTS
from reports.models import AppendixSettings
from reports.services import appendix_settings_set
from tests.factories import make_review
from tests.recommendations.test_admin_rules import _form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviews():
    return make_review(slug="a", recommendations=1), make_review(slug="b", recommendations=1)


@pytest.fixture
def meeting(reviews):
    first, _ = reviews
    return services.meeting_create(
        meeting=Meeting(date=dt.date(2024, 3, 14), agenda_item="Exclusions"),
        review=first,
        user=None,
    )


def _listed(record) -> set[str]:
    return {row.review.slug for row in record.reviews.all()}


def test_each_record_of_a_meeting_names_the_reviews_it_then_considered(officer, reviews, meeting):
    first, second = reviews
    services.meeting_set_reviews(meeting=meeting, reviews=[first, second], user=officer)
    services.meeting_set_reviews(meeting=meeting, reviews=[second], user=officer)
    services.meeting_set_reviews(meeting=meeting, reviews=[], user=officer)

    records = list(meeting.history.order_by("history_id"))
    assert [_listed(record) for record in records] == [
        set(),  # the meeting saved, before its review was added
        {"a"},
        {"a", "b"},
        {"b"},  # set() removes a, then (nothing to add)
        set(),
    ]
    assert {record.history_user for record in records[2:]} == {officer}


@pytest.mark.parametrize(
    ("change", "added", "removed"),
    [
        (lambda m, a, b: m.reviews.add(b), {"b"}, set()),
        (lambda m, a, b: m.reviews.remove(a), set(), {"a"}),
        (lambda m, a, b: m.reviews.set([b]), {"b"}, {"a"}),
        (lambda m, a, b: m.reviews.clear(), set(), {"a"}),
    ],
    ids=["add", "remove", "set", "clear"],
)
def test_the_difference_between_records_says_which_review_was_added_or_removed(
    reviews, meeting, change, added, removed
):
    first, second = reviews
    before = meeting.history.latest()
    change(meeting, first, second)
    after = meeting.history.latest()
    assert after.history_id != before.history_id
    (delta,) = after.diff_against(before).changes
    old = {Meeting.reviews.rel.model.objects.get(pk=row["review"]).slug for row in delta.old}
    new = {Meeting.reviews.rel.model.objects.get(pk=row["review"]).slug for row in delta.new}
    assert delta.field == "reviews"
    assert new - old == added and old - new == removed


def test_the_admin_changing_a_meetings_reviews_is_recorded_with_who(admin_client, reviews, meeting):
    first, second = reviews
    url = f"/admin/recommendations/meeting/{meeting.pk}/change/"
    data = _form_data(admin_client.get(url))
    assert admin_client.post(url, {**data, "reviews": [second.pk]}).status_code == 302
    latest = meeting.history.latest()
    assert _listed(latest) == {"b"} and latest.history_user.username == "admin"
    assert Meeting.objects.get().version == 2  # the admin's save moved the version on


def test_the_recommendation_change_history_shows_its_review_joining_and_leaving_a_meeting(
    officer_client, officer, reviews, meeting
):
    first, second = reviews
    services.meeting_set_reviews(meeting=meeting, reviews=[second], user=officer)
    titles = [e.title for e in recommendation_timeline(first.recommendations.get())]
    assert "Review added to the meeting of 14 March 2024: Exclusions" in titles
    assert "Review removed from the meeting of 14 March 2024: Exclusions" in titles
    other = [e.title for e in recommendation_timeline(second.recommendations.get())]
    assert other.count("Review added to the meeting of 14 March 2024: Exclusions") == 1
    assert not any("removed from the meeting" in title for title in other)

    page = officer_client.get("/reviews/a/recommendations/1/").content.decode()
    assert "Review removed from the meeting of 14 March 2024: Exclusions" in page


def test_the_change_history_reads_meetings_in_a_fixed_number_of_queries(
    officer, reviews, meeting, django_assert_num_queries
):
    first, second = reviews
    for _ in range(5):
        services.meeting_set_reviews(meeting=meeting, reviews=[second], user=officer)
        services.meeting_set_reviews(meeting=meeting, reviews=[first, second], user=officer)
    recommendation = first.recommendations.get()
    # recommendation, response, leads, updates, committee's views histories; meetings'
    # history; its reviews
    with django_assert_num_queries(7):
        events = recommendation_timeline(recommendation)
    assert sum("meeting of" in event.title for event in events) == 11


def test_update_report_contributors_are_recorded(officer, reviews):
    report = UpdateReport.objects.get(review=reviews[0])
    ann = Person.objects.create(name="Ann")
    bob = Person.objects.create(name="Bob")
    report._history_user = officer
    report.contributors.add(ann, bob)
    report.contributors.remove(ann)
    records = list(report.history.order_by("history_id"))
    assert [{row.person.name for row in r.contributors.all()} for r in records] == [
        set(),
        {"Ann", "Bob"},
        {"Bob"},
    ]
    (delta,) = records[-1].diff_against(records[-2]).changes
    assert delta.field == "contributors"
    assert records[-1].history_user == officer


@pytest.mark.parametrize(
    ("layout", "headings"),
    [("east_sussex", {}), ("hackney", {"update": "Progress"}), ("buckinghamshire", {"x": "y"})],
)
def test_changing_appendix_settings_records_who_and_what(officer, reviews, layout, headings):
    review = reviews[0]
    appendix_settings_set(review=review, layout="hackney", expected_version=None, user=officer)
    appendix_settings_set(
        review=review, layout=layout, headings=headings, expected_version=1, user=officer
    )
    settings = AppendixSettings.objects.get(review=review)
    first, second = settings.history.order_by("history_id")
    assert first.history_type == "+" and second.history_type == "~"
    assert second.history_user == officer and second.version == 2
    columns = [
        {"field": key, "heading": headings.get(key, heading)}
        for key, heading in LAYOUTS[layout].columns
    ]
    assert (second.layout, second.columns) == (layout, columns)
    changed = {change.field for change in second.diff_against(first).changes}
    expected = {"layout"} if layout != "hackney" else set()
    assert changed == expected | ({"columns"} if second.columns != first.columns else set())


def test_the_settings_page_records_the_officer_in_the_history(officer_client, reviews):
    review = reviews[0]
    url = f"/reviews/{review.slug}/appendix/settings/"
    posted = {"layout": "east_sussex", "version": "", "show_update": "on"}
    assert officer_client.post(url, posted).status_code == 302
    record = AppendixSettings.objects.get().history.get()
    assert record.history_user.username == "olivia-officer" and record.layout == "east_sussex"
