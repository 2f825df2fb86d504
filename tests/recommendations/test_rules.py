"""Each rule of the domain, at service level, without HTTP: whichever route a write comes by (a
page, the admin, a command, an importer), the service refuses what breaks a rule, says which
field is wrong, and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from recommendations import services
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


def _errors(raised: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return raised.value.message_dict


@pytest.fixture
def review() -> Review:
    return make_review(slug="r", recommendations=2)


@pytest.fixture
def rec(review) -> Recommendation:
    return review.recommendations.get(label="1")


@pytest.fixture
def meeting(review) -> Meeting:
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2024, 3, 1), agenda_item="Monitoring"
    )
    meeting.reviews.add(review)
    return meeting


@pytest.fixture
def foreign_meeting() -> Meeting:
    return Meeting.objects.create(
        committee=make_committee(), date=dt.date(2024, 3, 1), agenda_item="Elsewhere"
    )


def _update(rec: Recommendation, **fields) -> ProgressUpdate:
    values = {"as_at": dt.date(2024, 1, 1), "text": "Progress.", **fields}
    return ProgressUpdate(recommendation=rec, **values)


def _with_target(rec: Recommendation, target: dt.date) -> ProgressUpdate:
    return services.progress_update_create(
        update=_update(rec, as_at=dt.date(2023, 12, 1), target_date=target), user=None
    )


# --- A changed target date needs a reason ------------------------------------------------


class TestTargetDateChanges:
    def test_a_new_update_that_moves_the_target_needs_a_reason(self, rec):
        _with_target(rec, dt.date(2024, 6, 30))
        count = ProgressUpdate.objects.count()
        with pytest.raises(ValidationError) as raised:
            services.progress_update_create(
                update=_update(rec, target_date=dt.date(2024, 12, 31)), user=None
            )
        assert _errors(raised)["target_date_change_reason"] == [
            "The target date was 30 June 2024. Say why it has changed."
        ]
        assert ProgressUpdate.objects.count() == count

    def test_removing_the_target_needs_a_reason_too(self, rec):
        _with_target(rec, dt.date(2024, 6, 30))
        with pytest.raises(ValidationError) as raised:
            services.progress_update_create(update=_update(rec, target_date=None), user=None)
        assert _errors(raised)["target_date_change_reason"] == [
            "The target date was 30 June 2024. Say why it has been removed."
        ]

    def test_a_blank_reason_is_no_reason(self, rec):
        _with_target(rec, dt.date(2024, 6, 30))
        update = _update(rec, target_date=dt.date(2025, 1, 31), target_date_change_reason="  \n")
        with pytest.raises(ValidationError) as raised:
            services.progress_update_create(update=update, user=None)
        assert "target_date_change_reason" in _errors(raised)

    def test_editing_an_update_to_move_its_target_needs_a_reason(self, rec):
        _with_target(rec, dt.date(2024, 6, 30))
        later = services.progress_update_create(
            update=_update(rec, target_date=dt.date(2024, 6, 30)), user=None
        )
        later.target_date = dt.date(2024, 9, 30)
        with pytest.raises(ValidationError) as raised:
            services.progress_update_edit(update=later, expected_version=1, user=None)
        assert "target_date_change_reason" in _errors(raised)
        later.refresh_from_db()
        assert later.target_date == dt.date(2024, 6, 30) and later.version == 1

    def test_a_correction_that_moves_the_target_needs_a_reason(self, rec):
        original = _with_target(rec, dt.date(2024, 6, 30))
        correction = ProgressUpdate(
            as_at=dt.date(2024, 1, 1), text="Corrected.", target_date=dt.date(2025, 6, 30)
        )
        with pytest.raises(ValidationError) as raised:
            services.progress_update_correct(original=original, correction=correction, user=None)
        assert "target_date_change_reason" in _errors(raised)

    def test_with_a_reason_the_new_target_is_saved_with_it(self, rec):
        _with_target(rec, dt.date(2024, 6, 30))
        update = services.progress_update_create(
            update=_update(
                rec, target_date=dt.date(2024, 12, 31), target_date_change_reason="Funding late."
            ),
            user=None,
        )
        update.refresh_from_db()
        assert update.target_date_change_reason == "Funding late."

    def test_a_reason_for_an_unchanged_target_is_not_kept(self, rec):
        # It would read in the history as a change that never happened.
        _with_target(rec, dt.date(2024, 6, 30))
        update = services.progress_update_create(
            update=_update(
                rec, target_date=dt.date(2024, 6, 30), target_date_change_reason="No change."
            ),
            user=None,
        )
        update.refresh_from_db()
        assert update.target_date_change_reason == ""

    def test_the_first_target_needs_no_reason(self, rec):
        ProgressUpdate.objects.filter(recommendation=rec).delete()
        update = services.progress_update_create(
            update=_update(rec, target_date=dt.date(2024, 6, 30)), user=None
        )
        assert update.pk


class TestUpdateDates:
    def test_an_update_cannot_be_as_at_a_future_date(self, rec):
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        with pytest.raises(ValidationError) as raised:
            services.progress_update_create(update=_update(rec, as_at=tomorrow), user=None)
        assert _errors(raised)["as_at"] == ["The “as at” date must be today or in the past."]

    def test_today_is_allowed(self, rec):
        assert services.progress_update_create(
            update=_update(rec, as_at=timezone.localdate()), user=None
        ).pk

    def test_a_target_before_the_review_reported_is_refused(self, rec):
        with pytest.raises(ValidationError) as raised:
            services.progress_update_create(
                update=_update(rec, target_date=dt.date(2022, 12, 31)), user=None
            )
        assert _errors(raised)["target_date"] == [
            "The target date must be on or after the date the review reported (01/01/2023)."
        ]

    def test_an_update_cannot_join_another_reviews_report(self, rec):
        other_report = UpdateReport.objects.get(review=make_review(slug="other"))
        with pytest.raises(ValidationError) as raised:
            services.progress_update_create(update=_update(rec, report=other_report), user=None)
        assert "report" in _errors(raised)


# --- Updates of a final report cannot change ---------------------------------------------


class TestFinalReports:
    @pytest.fixture
    def final_update(self, review) -> ProgressUpdate:
        report = UpdateReport.objects.get(review=review)
        services.update_report_finalise(report=report, expected_version=report.version, user=None)
        return ProgressUpdate.objects.filter(report=report).first()

    def test_its_updates_cannot_be_edited_or_deleted(self, final_update):
        final_update.text = "Rewritten."
        with pytest.raises(services.RecordLocked):
            services.progress_update_edit(update=final_update, expected_version=1, user=None)
        with pytest.raises(services.RecordLocked):
            services.progress_update_delete(update=final_update, user=None)
        assert ProgressUpdate.objects.get(pk=final_update.pk).text != "Rewritten."

    def test_no_update_can_be_added_to_it(self, final_update, rec):
        with pytest.raises(services.RecordLocked):
            services.progress_update_create(
                update=_update(rec, report=final_update.report), user=None
            )

    def test_an_update_cannot_be_taken_out_of_it(self, final_update):
        final_update.report = None
        with pytest.raises(services.RecordLocked):
            services.progress_update_edit(update=final_update, expected_version=1, user=None)

    def test_editing_the_report_cannot_make_it_draft_again(self, final_update):
        report = UpdateReport.objects.get(pk=final_update.report_id)
        report.is_final = False
        with pytest.raises(services.ReportIsFinal):
            services.update_report_update(report=report, expected_version=2, user=None)
        assert UpdateReport.objects.get(pk=report.pk).is_final


# --- Optimistic locking ------------------------------------------------------------------


class TestOptimisticLocking:
    def test_a_stale_version_is_refused_for_every_versioned_record(self, review, rec):
        update = ProgressUpdate.objects.filter(recommendation=rec).first()
        report = UpdateReport.objects.get(review=review)
        response = Response.objects.get(recommendation=rec)
        writes = [
            lambda: services.review_update(review=review, expected_version=0, user=None),
            lambda: services.recommendation_update(
                recommendation=rec, expected_version=0, user=None
            ),
            lambda: services.response_save(response=response, expected_version=0, user=None),
            lambda: services.progress_update_edit(update=update, expected_version=0, user=None),
            lambda: services.update_report_update(report=report, expected_version=0, user=None),
        ]
        for write in writes:
            with pytest.raises(services.EditConflict):
                write()

    def test_the_second_of_two_editors_is_refused(self, rec):
        first = Recommendation.objects.get(pk=rec.pk)
        second = Recommendation.objects.get(pk=rec.pk)
        first.text = "First."
        services.recommendation_update(recommendation=first, expected_version=1, user=None)
        second.text = "Second."
        with pytest.raises(services.EditConflict) as raised:
            services.recommendation_update(recommendation=second, expected_version=1, user=None)
        assert raised.value.current_version == 2
        assert Recommendation.objects.get(pk=rec.pk).text == "First."


# --- Closing and reopening: does the action apply, and the own committee ------------------


def _close(rec, meeting, *, reason="Done.", evidence="Minute 4.", version=1):
    return services.recommendation_close(
        recommendation=rec, meeting=meeting, reason=reason, evidence=evidence,
        expected_version=version, user=None,
    )  # fmt: skip


def _reopen(rec, meeting, *, reason="Slipped.", version=2):
    return services.recommendation_reopen(
        recommendation=rec, meeting=meeting, reason=reason, expected_version=version, user=None
    )


class TestClosing:
    def test_only_a_meeting_of_the_reviews_own_committee_can_close_it(self, rec, foreign_meeting):
        with pytest.raises(ValidationError) as raised:
            _close(rec, foreign_meeting)
        assert _errors(raised)["closed_at_meeting"] == [
            "Only a meeting of the review's own committee can close it."
        ]
        assert Recommendation.objects.get(pk=rec.pk).closed_at_meeting_id is None

    def test_it_needs_a_meeting_a_reason_and_evidence(self, rec, meeting):
        with pytest.raises(ValidationError) as raised:
            _close(rec, None, reason=" ", evidence="")
        assert set(_errors(raised)) == {"closed_at_meeting", "closed_reason", "closed_evidence"}
        with pytest.raises(ValidationError) as raised:
            _close(rec, meeting, evidence="")
        assert set(_errors(raised)) == {"closed_evidence"}

    def test_a_closed_recommendation_cannot_be_closed_over(self, rec, meeting):
        _close(rec, meeting)
        with pytest.raises(services.AlreadyClosed):
            _close(rec, meeting, reason="Overwritten.", version=2)
        assert Recommendation.objects.get(pk=rec.pk).closed_reason == "Done."

    def test_closing_records_the_decision(self, rec, meeting):
        _close(rec, meeting)
        rec.refresh_from_db()
        assert rec.closed_at_meeting == meeting and rec.closed_evidence == "Minute 4."


class TestReopening:
    def test_only_a_closed_recommendation_can_be_reopened(self, rec, meeting):
        with pytest.raises(services.NotClosed):
            _reopen(rec, meeting, version=1)
        assert Recommendation.objects.get(pk=rec.pk).version == 1

    def test_only_a_meeting_of_the_reviews_own_committee_can_reopen_it(
        self, rec, meeting, foreign_meeting
    ):
        _close(rec, meeting)
        with pytest.raises(ValidationError) as raised:
            _reopen(rec, foreign_meeting)
        assert _errors(raised)["reopened_at_meeting"] == [
            "Only a meeting of the review's own committee can reopen it."
        ]
        assert Recommendation.objects.get(pk=rec.pk).closed_at_meeting == meeting

    def test_it_needs_a_meeting_and_a_reason(self, rec, meeting):
        _close(rec, meeting)
        with pytest.raises(ValidationError) as raised:
            _reopen(rec, None, reason="")
        assert set(_errors(raised)) == {"reopened_at_meeting", "reopened_reason"}


class TestOverdueOverride:
    @pytest.mark.parametrize("override", ["overdue", "not_overdue", ""])
    def test_setting_or_clearing_the_label_needs_a_reason(self, rec, override):
        with pytest.raises(ValidationError) as raised:
            services.recommendation_set_overdue_override(
                recommendation=rec, override=override, reason="  ", expected_version=1, user=None
            )
        assert "overdue_override_reason" in _errors(raised)
        assert Recommendation.objects.get(pk=rec.pk).version == 1

    def test_only_the_published_labels_can_be_set(self, rec):
        with pytest.raises(ValidationError) as raised:
            services.recommendation_set_overdue_override(
                recommendation=rec, override="late", reason="Why", expected_version=1, user=None
            )
        assert "overdue_override" in _errors(raised)


# --- Recommendations, parts, labels; reviews ---------------------------------------------


class TestRecommendations:
    def _new(self, review, label, parent=None) -> Recommendation:
        return Recommendation(review=review, label=label, parent=parent, text="Text.")

    def test_a_label_cannot_hold_a_slash_or_repeat_in_its_review(self, review):
        for label, message in [
            ("1/2", "The label cannot contain a slash."),
            ("1", "This review already has a recommendation 1. Use a different label."),
        ]:
            with pytest.raises(ValidationError) as raised:
                services.recommendation_create(recommendation=self._new(review, label), user=None)
            assert message in _errors(raised)["label"]

    def test_a_part_belongs_to_a_top_level_recommendation_of_the_same_review(self, review, rec):
        part = services.recommendation_create(
            recommendation=self._new(review, "1a", parent=rec), user=None
        )
        elsewhere = make_review(slug="other").recommendations.first()
        for parent in [part, elsewhere]:
            with pytest.raises(ValidationError) as raised:
                services.recommendation_create(
                    recommendation=self._new(review, "9", parent=parent), user=None
                )
            assert "parent" in _errors(raised)

    def test_a_recommendation_with_parts_cannot_become_a_part(self, review, rec):
        services.recommendation_create(
            recommendation=self._new(review, "1a", parent=rec), user=None
        )
        rec.parent = review.recommendations.get(label="2")
        with pytest.raises(ValidationError) as raised:
            services.recommendation_update(recommendation=rec, expected_version=1, user=None)
        assert _errors(raised)["parent"] == [
            "This recommendation has parts of its own, so it cannot become a part."
        ]
        assert Recommendation.objects.get(pk=rec.pk).parent_id is None


class TestReviews:
    def test_a_reserved_short_name_is_refused(self):
        review = Review(committee=make_committee(), title="New", slug="new")
        with pytest.raises(ValidationError) as raised:
            services.review_create(review=review, user=None)
        assert "slug" in _errors(raised)
        assert not Review.objects.filter(slug="new").exists()

    def test_the_response_is_agreed_after_the_review_reported(self, review):
        review.response_agreed_on = dt.date(2022, 12, 1)
        with pytest.raises(ValidationError) as raised:
            services.review_update(review=review, expected_version=1, user=None)
        assert "response_agreed_on" in _errors(raised)


class TestLeads:
    def test_a_person_leads_once_per_role(self, rec):
        existing = Lead.objects.filter(recommendation=rec).first()
        with pytest.raises(ValidationError) as raised:
            services.lead_add(
                recommendation=rec, role=existing.role, person=existing.person, user=None
            )
        assert _errors(raised)["person"] == ["This person already leads on it in that role."]
        assert Lead.objects.filter(recommendation=rec).count() == 1

    def test_a_new_person_who_is_already_a_lead_is_refused_without_a_stray_person(self, rec):
        existing = Lead.objects.filter(recommendation=rec).first()
        people = Person.objects.count()
        with pytest.raises(ValidationError) as raised:
            services.lead_add(
                recommendation=rec, role=existing.role, new_person_name=existing.person.name,
                new_person_job_title=existing.person.job_title, user=None,
            )  # fmt: skip
        assert "new_person_name" in _errors(raised)
        assert Person.objects.count() == people

    def test_someone_must_be_named(self, rec):
        with pytest.raises(ValidationError) as raised:
            services.lead_add(recommendation=rec, role=Lead.Role.LEAD_OFFICER, user=None)
        assert "person" in _errors(raised)


class TestUpdateReports:
    def test_its_meeting_is_one_of_the_reviews_committee(self, review, foreign_meeting):
        report = UpdateReport(review=review, title="Twelve month update", meeting=foreign_meeting)
        with pytest.raises(ValidationError) as raised:
            services.update_report_create(report=report, user=None)
        assert "meeting" in _errors(raised)
