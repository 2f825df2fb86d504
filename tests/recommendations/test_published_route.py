"""Papers as published (the demo data, generated data, later an importer) go through
``services.record_published_*``: the same rules as every other route, except the departures
``rules.PUBLISHED_DEPARTURES`` names, which the published route records with their marker and
every other route still refuses. Service level, without HTTP."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from recommendations import rules, selectors, services
from recommendations.models import (
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)
from tests.factories import make_committee, make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def review() -> Review:
    return make_review(slug="r", recommendations=2, updates_each=0)


@pytest.fixture
def rec(review) -> Recommendation:
    return review.recommendations.get(label="1")


def _update(rec: Recommendation, **fields) -> ProgressUpdate:
    values = {"as_at": dt.date(2024, 1, 1), "text": "Progress.", "timescale": "Ongoing", **fields}
    return ProgressUpdate(recommendation=rec, **values)


def _slipped_target(rec: Recommendation) -> ProgressUpdate:
    """A second update whose target date moved, with no reason given."""
    services.progress_update_create(
        update=_update(rec, as_at=dt.date(2023, 12, 1), target_date=dt.date(2024, 3, 1)), user=None
    )
    return _update(rec, target_date=dt.date(2024, 9, 1))


@dataclass(frozen=True)
class Departure:
    """One departure: build the write that departs, try it by the normal route and by the
    published one, and read what was recorded for the departing field."""

    build: Callable[[Recommendation], Any]
    normal: Callable[[Any], Any]
    published: Callable[[Any], Any]
    recorded: Callable[[Any], str | None]  # None: nothing was recorded


def _report_with_a_gap(rec: Recommendation) -> UpdateReport:
    """The review's open report, with an update for every recommendation but ``rec``."""
    report = rec.review.update_reports.get()
    for other in rec.review.recommendations.exclude(pk=rec.pk):
        services.progress_update_create(update=_update(other, report=report), user=None)
    report.refresh_from_db()
    return report


def _final_reason(report: UpdateReport) -> str | None:
    report.refresh_from_db()
    return report.finalised_with_gaps_reason if report.is_final else None


def _update_reason(update: ProgressUpdate) -> str | None:
    stored = ProgressUpdate.objects.filter(pk=update.pk).first() if update.pk else None
    return stored.target_date_change_reason if stored else None


DEPARTURES: dict[str, Departure] = {
    "target_date_change_reason": Departure(
        build=_slipped_target,
        normal=lambda update: services.progress_update_create(update=update, user=None),
        published=lambda update: services.record_published_update(update=update),
        recorded=_update_reason,
    ),
    "finalised_with_gaps_reason": Departure(
        build=_report_with_a_gap,
        normal=lambda report: services.update_report_finalise(
            report=report, expected_version=report.version, user=None
        ),
        published=lambda report: services.record_published_finalise(report=report),
        recorded=_final_reason,
    ),
}


def test_only_the_loaders_of_published_papers_take_the_published_route():
    """Pages, forms, the admin and the reports app never do, so no officer's edit can skip a
    rule the published route relaxes."""
    root = Path(__file__).resolve().parents[2]
    users = {
        str(path.relative_to(root))
        for app in ("recommendations", "reports")
        for path in (root / app).rglob("*.py")
        if re.search(r"record_published_\w+\(", path.read_text())
    }
    outside_services = {path for path in users if not path.startswith("recommendations/services/")}
    assert outside_services == {
        "recommendations/demo.py",
        "recommendations/generate.py",
    }


def test_every_departure_has_a_case_here():
    assert set(DEPARTURES) == set(rules.PUBLISHED_DEPARTURES)
    for departure in rules.PUBLISHED_DEPARTURES.values():
        assert departure.rule and departure.reason and departure.marker


@pytest.mark.parametrize("field", sorted(rules.PUBLISHED_DEPARTURES))
def test_the_normal_route_refuses_the_departure(rec, field):
    case = DEPARTURES[field]
    write = case.build(rec)
    with pytest.raises(ValidationError) as raised:
        case.normal(write)
    assert list(raised.value.message_dict) == [field]
    assert case.recorded(write) is None


@pytest.mark.parametrize("field", sorted(rules.PUBLISHED_DEPARTURES))
def test_the_published_route_records_the_departure_with_its_marker(rec, field):
    case = DEPARTURES[field]
    write = case.build(rec)
    case.published(write)
    assert case.recorded(write) == rules.PUBLISHED_DEPARTURES[field].marker


def test_a_published_report_without_gaps_needs_no_marker(rec):
    report = _report_with_a_gap(rec)
    services.progress_update_create(update=_update(rec, report=report), user=None)
    services.record_published_finalise(report=report)
    assert _final_reason(report) == ""


def test_a_reason_a_published_report_gives_is_kept(rec):
    report = _report_with_a_gap(rec)
    services.record_published_finalise(report=report, gaps_reason="The lead was on leave.")
    assert _final_reason(report) == "The lead was on leave."


def test_a_reason_the_paper_gives_is_kept(rec):
    update = _slipped_target(rec)
    update.target_date_change_reason = "Delayed by the restructure."
    services.record_published_update(update=update)
    update.refresh_from_db()
    assert update.target_date_change_reason == "Delayed by the restructure."


def test_the_marker_shows_in_the_target_date_history(rec):
    services.record_published_update(update=_slipped_target(rec))
    detail = selectors.recommendation_detail(rec.review.slug, rec.label)
    history = selectors.target_date_history(detail)
    assert [(change.target, change.reason) for change in history] == [
        (dt.date(2024, 3, 1), ""),
        (dt.date(2024, 9, 1), "As published, no reason stated."),
    ]


def test_a_removed_target_is_a_departure_too(rec):
    update = _slipped_target(rec)
    update.target_date = None
    with pytest.raises(ValidationError):
        services.progress_update_create(update=update, user=None)
    services.record_published_update(update=update)
    assert update.target_date_change_reason == "As published, no reason stated."


class TestEveryOtherRuleHolds:
    def test_a_final_report_stays_locked(self, review, rec):
        report = review.update_reports.get()
        services.update_report_finalise(
            report=report, expected_version=report.version, user=None, gaps_reason="Not all in."
        )
        with pytest.raises(services.RecordLocked):
            services.record_published_update(update=_update(rec, report=report))
        with pytest.raises(services.RecordLocked):
            services.record_published_in_bulk(instances=[_update(rec, report=report)])
        assert not rec.updates.exists()

    def test_a_report_of_another_review_is_refused(self, rec):
        other = make_review(slug="other", recommendations=1).update_reports.get()
        with pytest.raises(ValidationError) as raised:
            services.record_published_update(update=_update(rec, report=other))
        assert list(raised.value.message_dict) == ["report"]

    def test_the_as_at_date_cannot_be_in_the_future(self, rec):
        future = dt.date.today() + dt.timedelta(days=2)
        with pytest.raises(ValidationError) as raised:
            services.record_published_update(update=_update(rec, as_at=future))
        assert list(raised.value.message_dict) == ["as_at"]

    def test_text_bounds(self, rec):
        with pytest.raises(ValidationError) as raised:
            services.record_published_update(update=_update(rec, text="!" * 300))
        assert list(raised.value.message_dict) == ["text"]

    def test_a_label_is_used_once_per_review(self, review):
        duplicate = Recommendation(review=review, label="1", order=9, text="Again.")
        with pytest.raises(ValidationError) as raised:
            services.record_published_recommendation(recommendation=duplicate)
        assert list(raised.value.message_dict) == ["label"]

    def test_parts_have_no_parts(self, review, rec):
        part = services.record_published_recommendation(
            recommendation=Recommendation(review=review, parent=rec, label="1a", text="A part.")
        )
        with pytest.raises(ValidationError) as raised:
            services.record_published_recommendation(
                recommendation=Recommendation(review=review, parent=part, label="1ai", text="No.")
            )
        assert "parent" in raised.value.message_dict


def test_a_published_recommendation_keeps_its_order_and_starts_no_response(review):
    recommendation = services.record_published_recommendation(
        recommendation=Recommendation(review=review, label="7", order=42, text="Split in parts.")
    )
    recommendation.refresh_from_db()
    assert recommendation.order == 42
    assert not Response.objects.filter(recommendation=recommendation).exists()
    assert recommendation.history.count() == 1


class TestBulk:
    """``record_published_in_bulk``: the same checks for a batch, made once per batch."""

    def test_it_records_what_the_one_row_route_records(self, review, rec):
        """Target dates (and so the markers) follow the "as at" dates, whatever the rows'
        order in the batch, with the stored updates before the new ones."""
        services.progress_update_create(
            update=_update(rec, as_at=dt.date(2023, 6, 1), target_date=dt.date(2024, 1, 1)),
            user=None,
        )
        two = review.recommendations.get(label="2")
        rows = [
            (rec, dt.date(2024, 3, 1), dt.date(2024, 6, 1)),
            (rec, dt.date(2023, 9, 1), dt.date(2024, 1, 1)),  # earlier, same target
            (two, dt.date(2024, 1, 1), dt.date(2024, 5, 1)),
            (two, dt.date(2024, 1, 1), None),  # same day, entered after: removed
            (rec, dt.date(2024, 3, 1), dt.date(2024, 6, 1)),  # same day, unchanged
        ]
        updates = services.record_published_in_bulk(
            instances=[_update(r, as_at=a, target_date=t) for r, a, t in rows]
        )
        marker = "As published, no reason stated."
        assert [u.target_date_change_reason for u in updates] == [marker, "", "", marker, ""]
        assert ProgressUpdate.history.filter(history_type="+").count() == 6

    def test_a_refused_row_is_named_and_nothing_is_written(self, review):
        rows = [
            Recommendation(review=review, label="10", order=10, text="Fine."),
            Recommendation(review=review, label="x" * 21, order=11, text="Label too long."),
        ]
        with pytest.raises(ValidationError) as raised:
            services.record_published_in_bulk(instances=rows)
        assert raised.value.message_dict["label"][0].startswith("Row 2: ")
        assert not review.recommendations.filter(label="10").exists()

    @pytest.mark.parametrize("stored", [False, True])
    def test_unique_rules_hold_across_the_batch_and_the_stored_rows(self, review, stored):
        rows = [Recommendation(review=review, label="9", order=9, text="Once.")]
        if stored:
            rows[0].label = "1"  # the fixture's
        else:
            rows.append(Recommendation(review=review, label="9", order=10, text="Twice."))
        with pytest.raises(ValidationError, match="already exists"):
            services.record_published_in_bulk(instances=rows)
        assert review.recommendations.count() == 2

    def test_conditional_unique_rules_leave_out_what_their_condition_leaves_out(self, review):
        """Blank labels (unnumbered recommendations) may repeat, in the batch and beside a
        stored one; numbered ones still may not."""
        services.record_published_in_bulk(
            instances=[Recommendation(review=review, label="", order=20, text="Stored.")]
        )
        services.record_published_in_bulk(
            instances=[
                Recommendation(review=review, label="", order=21, text="One."),
                Recommendation(review=review, label="", order=22, text="Two."),
            ]
        )
        assert review.recommendations.filter(label="").count() == 3
        with pytest.raises(ValidationError, match="already exists"):
            services.record_published_in_bulk(
                instances=[
                    Recommendation(review=review, label="", order=23, text="Three."),
                    Recommendation(review=review, label="7", order=24, text="Seven."),
                    Recommendation(review=review, label="7", order=25, text="Seven again."),
                ]
            )
        assert review.recommendations.count() == 5

    def test_a_lead_once_per_role(self, rec):
        person = Person.objects.get(leads__recommendation=rec)
        with pytest.raises(ValidationError, match="already exists"):
            services.record_published_in_bulk(instances=[Lead(recommendation=rec, person=person)])

    def test_update_reports_go_in_open(self, review):
        (report,) = services.record_published_in_bulk(
            instances=[UpdateReport(review=review, title="12 month update", is_final=True)]
        )
        report.refresh_from_db()
        assert not report.is_final

    def test_the_own_committee_rule_holds_for_reports(self, review):
        meeting = Meeting.objects.create(
            committee=make_committee(), date=dt.date(2024, 3, 1), agenda_item="Elsewhere"
        )
        with pytest.raises(ValidationError) as raised:
            services.record_published_in_bulk(
                instances=[UpdateReport(review=review, title="Update", meeting=meeting)]
            )
        assert list(raised.value.message_dict) == ["meeting"]

    def test_meetings_have_their_own_route_which_records_the_review_in_the_history(
        self, review, rec
    ):
        meeting = Meeting(date=dt.date(2024, 3, 1), agenda_item="Monitoring")
        with pytest.raises(TypeError):
            services.record_published_in_bulk(instances=[meeting])
        (meeting,) = services.record_published_meetings_in_bulk(
            meetings=[meeting], reviews=[review]
        )
        assert meeting.committee == review.committee
        assert list(meeting.reviews.all()) == [review]
        changes = [event.title for event in selectors.recommendation_timeline(rec)]
        assert "Review added to the meeting of 1 March 2024: Monitoring" in changes
