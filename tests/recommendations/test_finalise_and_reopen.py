"""Issue 12, "Finalising, and changing one's mind".

Finalising asks for confirmation, says which recommendations have no update in the round, and
takes a reason when some have none (shown with the report). A final report's own details are
locked as its updates are; an officer can reopen it, with a reason, recorded in the history.
The rules are the services' (any route), the pages only ask."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from recommendations import selectors, services
from recommendations.models import Person, ProgressUpdate, Recommendation, UpdateReport
from tests.factories import make_review

pytestmark = pytest.mark.django_db

REASON = "The lead for 2 and 3 was on leave; both follow in the next round."


@pytest.fixture
def draft() -> UpdateReport:
    """A review of three recommendations: the six month report (final) updated each; in the
    twelve month report, the draft being finalised, only recommendation 1 has an update."""
    review = make_review(slug="r", recommendations=3)
    first = UpdateReport.objects.get(review=review)
    first.is_final = True
    first.save()
    draft = UpdateReport.objects.create(
        review=review, title="Twelve month update", as_at=dt.date(2024, 1, 31)
    )
    ProgressUpdate.objects.create(
        recommendation=_rec(review, "1"), report=draft, as_at=dt.date(2024, 1, 15),
        text="Twelve month progress on 1.", status=ProgressUpdate.Status.IMPLEMENTED,
    )  # fmt: skip
    return draft


def _rec(review, label: str) -> Recommendation:
    return Recommendation.objects.get(review=review, label=label)


def _url(report: UpdateReport, action: str = "") -> str:
    return f"/reviews/{report.review.slug}/update-reports/{report.pk}/{action}"


def _finalise(report: UpdateReport, **kwargs) -> UpdateReport:
    return services.update_report_finalise(
        report=report, expected_version=kwargs.pop("version", report.version), user=None, **kwargs
    )


def _stored(report: UpdateReport) -> UpdateReport:
    return UpdateReport.objects.get(pk=report.pk)


# The rules, at service level ---------------------------------------------------------------


class TestFinalising:
    def test_the_gaps_are_the_recommendations_without_an_update_in_this_round(self, draft):
        gaps = selectors.round_gaps(draft)
        assert [row.recommendation.label for row in gaps] == ["2", "3"]
        assert [row.previous.text for row in gaps] == ["Update 0 on 2", "Update 0 on 3"]

    def test_gaps_without_a_reason_are_refused_beside_the_reason_field(self, draft):
        for reason in ["", "  \n "]:
            with pytest.raises(ValidationError) as raised:
                _finalise(draft, gaps_reason=reason)
            assert raised.value.message_dict["finalised_with_gaps_reason"] == [
                "2 recommendations have no update in this round (2, 3). "
                "Say why the report is final without them."
            ]
        stored = _stored(draft)
        assert not stored.is_final and stored.version == draft.version

    def test_with_the_reason_it_is_final_and_keeps_the_reason_who_and_when(self, draft, officer):
        report = services.update_report_finalise(
            report=draft, expected_version=draft.version, user=officer, gaps_reason=REASON
        )
        stored = _stored(draft)
        assert stored.is_final and stored.version == draft.version + 1 == report.version
        assert stored.finalised_with_gaps_reason == REASON
        assert stored.finalised_by == officer and stored.finalised_at is not None
        assert stored.history.first().history_user == officer

    def test_a_round_without_gaps_needs_no_reason_and_keeps_none(self, draft):
        for label in ["2", "3"]:
            ProgressUpdate.objects.create(
                recommendation=_rec(draft.review, label), report=draft,
                as_at=dt.date(2024, 1, 20), text=f"Twelve month progress on {label}.",
            )  # fmt: skip
        _finalise(draft, gaps_reason="Nothing is missing, but here is a reason anyway.")
        stored = _stored(draft)
        assert stored.is_final and stored.finalised_with_gaps_reason == ""

    def test_a_stale_version_is_an_edit_conflict(self, draft):
        with pytest.raises(services.EditConflict):
            _finalise(draft, version=draft.version - 1 or 99, gaps_reason=REASON)
        assert not _stored(draft).is_final

    def test_gaps_that_changed_since_the_page_was_shown_are_refused(self, draft):
        shown = [row.recommendation.pk for row in selectors.round_gaps(draft)]
        # Meanwhile someone enters recommendation 2's update.
        ProgressUpdate.objects.create(
            recommendation=_rec(draft.review, "2"), report=draft, as_at=dt.date(2024, 1, 20),
            text="Late but here.",
        )  # fmt: skip
        with pytest.raises(services.GapsChanged):
            _finalise(draft, gaps_reason=REASON, confirmed_gaps=shown)
        assert not _stored(draft).is_final
        _finalise(draft, gaps_reason=REASON, confirmed_gaps=[_rec(draft.review, "3").pk])
        assert _stored(draft).is_final

    def test_a_final_report_cannot_be_finalised_again(self, draft):
        _finalise(draft, gaps_reason=REASON)
        with pytest.raises(services.ReportIsFinal):
            _finalise(_stored(draft), gaps_reason="Overwriting the first reason.")
        assert _stored(draft).finalised_with_gaps_reason == REASON

    def test_the_reason_meets_the_markdown_rules(self, draft):
        with pytest.raises(ValidationError) as raised:
            _finalise(draft, gaps_reason="> " * 40 + "deep")
        assert "finalised_with_gaps_reason" in raised.value.message_dict


class TestFinalDetails:
    def test_a_final_reports_details_cannot_change(self, draft):
        person = Person.objects.create(name="Katherine Cracknell")
        final = _finalise(draft, gaps_reason=REASON)
        for field, value in [
            ("title", "Renamed"),
            ("as_at", dt.date(2024, 3, 31)),
            ("as_at_precision", "month"),
            ("summary", "Rewritten afterwards."),
            ("author", person),
        ]:
            report = _stored(draft)
            setattr(report, field, value)
            with pytest.raises(services.ReportIsFinal):
                services.update_report_update(
                    report=report, expected_version=final.version, user=None
                )
        with pytest.raises(services.ReportIsFinal):
            services.update_report_update(
                report=_stored(draft), expected_version=final.version, user=None,
                contributors=[person],
            )  # fmt: skip
        stored = _stored(draft)
        assert (stored.title, stored.as_at, stored.summary, stored.author) == (
            "Twelve month update",
            dt.date(2024, 1, 31),
            "",
            None,
        )
        assert stored.version == final.version and not stored.contributors.exists()

    def test_a_draft_reports_details_still_change(self, draft):
        draft.title = "Twelve month update (revised)"
        services.update_report_update(report=draft, expected_version=draft.version, user=None)
        assert _stored(draft).title == "Twelve month update (revised)"


class TestReopening:
    def test_reopening_needs_a_reason(self, draft):
        final = _finalise(draft, gaps_reason=REASON)
        for reason in ["", "   "]:
            with pytest.raises(ValidationError) as raised:
                services.update_report_reopen(
                    report=final, reason=reason, expected_version=final.version, user=None
                )
            assert raised.value.message_dict == {
                "reopened_reason": ["Enter the reason for reopening the report."]
            }
        assert _stored(draft).is_final

    def test_only_a_final_report_can_be_reopened(self, draft):
        with pytest.raises(services.ReportNotFinal):
            services.update_report_reopen(
                report=draft, reason="Why not", expected_version=draft.version, user=None
            )

    def test_a_stale_version_is_an_edit_conflict(self, draft):
        final = _finalise(draft, gaps_reason=REASON)
        with pytest.raises(services.EditConflict):
            services.update_report_reopen(
                report=final, reason="Typo", expected_version=draft.version, user=None
            )
        assert _stored(draft).is_final

    def test_reopened_its_details_and_updates_can_change_and_the_history_says_so(
        self, draft, officer
    ):
        final = services.update_report_finalise(
            report=draft, expected_version=draft.version, user=officer, gaps_reason=REASON
        )
        reopened = services.update_report_reopen(
            report=final, reason="The summary named the wrong director.",
            expected_version=final.version, user=officer,
        )  # fmt: skip
        stored = _stored(draft)
        assert not stored.is_final and stored.version == final.version + 1 == reopened.version
        assert stored.reopened_reason == "The summary named the wrong director."
        assert stored.reopened_by == officer and stored.reopened_at is not None
        # The finalisation it undid is the history's, no longer the report's.
        assert stored.finalised_with_gaps_reason == "" and stored.finalised_by is None
        stored.summary = "Corrected summary."
        services.update_report_update(report=stored, expected_version=stored.version, user=None)
        services.progress_update_create(
            update=ProgressUpdate(
                recommendation=_rec(draft.review, "2"), report=stored,
                as_at=dt.date(2024, 1, 25), text="Entered after reopening.",
            ),
            user=None,
        )  # fmt: skip
        events = selectors.report_events(draft)
        assert [(e.kind, e.who, e.reason) for e in events] == [
            ("finalised", officer.username, REASON),
            ("reopened", officer.username, "The summary named the wrong director."),
        ]


def test_the_admin_cannot_make_a_report_final_or_change_a_final_one(admin_client, draft):
    """The admin shows update reports read-only: no route there skips the reason."""
    url = f"/admin/recommendations/updatereport/{draft.pk}/change/"
    data = {
        "review": draft.review_id, "title": draft.title, "as_at": "2024-01-31",
        "as_at_precision": "day", "is_final": "on", "finalised_with_gaps_reason": "",
    }  # fmt: skip
    assert admin_client.post(url, data).status_code == 403
    assert not _stored(draft).is_final


# The pages -----------------------------------------------------------------------------------


def test_the_confirmation_page_lists_the_gaps_with_their_latest_update(officer_client, draft):
    page = officer_client.get(_url(draft, "finalise/"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "<strong>1 of 3</strong> recommendations have an update in this round." in body
    assert "No new update this round (2)" in body
    for label in ["2", "3"]:
        assert (
            f'<a href="/reviews/r/recommendations/{label}/">Recommendation {label}</a>: '
            "latest update as at 1 February 2023" in body
        )
    assert 'name="finalised_with_gaps_reason"' in body
    assert not _stored(draft).is_final  # looking is not confirming


def test_confirming_without_a_reason_shows_the_error_and_changes_nothing(officer_client, draft):
    page = officer_client.post(
        _url(draft, "finalise/"),
        {"version": draft.version, "gaps": page_gaps(draft), "finalised_with_gaps_reason": ""},
    )
    assert page.status_code == 200
    assert "Say why the report is final without them." in page.content.decode()
    assert page.context["form"].errors["finalised_with_gaps_reason"]
    assert not _stored(draft).is_final


def page_gaps(report: UpdateReport) -> str:
    return ",".join(str(row.recommendation.pk) for row in selectors.round_gaps(report))


def test_confirming_with_a_reason_finalises_and_the_report_page_shows_it(officer_client, draft):
    response = officer_client.post(
        _url(draft, "finalise/"),
        {"version": draft.version, "gaps": page_gaps(draft), "finalised_with_gaps_reason": REASON},
    )
    assert response.status_code == 302
    stored = _stored(draft)
    assert stored.is_final and stored.finalised_with_gaps_reason == REASON
    body = officer_client.get(_url(draft)).content.decode()
    assert "Why the report was made final without them" in body and REASON in body
    assert "Made final by olivia-officer on" in body
    # Final: the details' edit link and the finalise button are gone; reopening is offered.
    assert _url(draft, "edit/") not in body and _url(draft, "finalise/") not in body
    assert _url(draft, "reopen/") in body


def test_a_round_without_gaps_is_confirmed_without_a_reason(officer_client, draft):
    for label in ["2", "3"]:
        ProgressUpdate.objects.create(
            recommendation=_rec(draft.review, label), report=draft, as_at=dt.date(2024, 1, 20),
            text="Here.",
        )  # fmt: skip
    body = officer_client.get(_url(draft, "finalise/")).content.decode()
    assert "Every recommendation has an update in this round." in body
    assert "finalised_with_gaps_reason" not in body
    response = officer_client.post(_url(draft, "finalise/"), {"version": draft.version})
    assert response.status_code == 302 and _stored(draft).is_final


def test_finalising_from_a_stale_page_is_refused_and_offered_again(officer_client, draft):
    data = {
        "version": draft.version,
        "gaps": page_gaps(draft),
        "finalised_with_gaps_reason": REASON,
    }
    draft.title = "Renamed meanwhile"
    services.update_report_update(report=draft, expected_version=draft.version, user=None)
    page = officer_client.post(_url(draft, "finalise/"), data)
    assert page.status_code == 200 and "Someone else changed this" in page.content.decode()
    assert not _stored(draft).is_final
    form = page.context["form"]
    assert form["version"].value() == str(_stored(draft).version)
    assert form["finalised_with_gaps_reason"].value() == REASON  # what was typed is kept
    # Confirming again, having seen the change, finalises.
    again = {name: form[name].value() for name in form.fields}
    assert officer_client.post(_url(draft, "finalise/"), again).status_code == 302
    assert _stored(draft).is_final


def test_gaps_that_changed_meanwhile_are_shown_again_before_finalising(officer_client, draft):
    data = {
        "version": draft.version,
        "gaps": page_gaps(draft),
        "finalised_with_gaps_reason": REASON,
    }
    ProgressUpdate.objects.create(
        recommendation=_rec(draft.review, "2"), report=draft, as_at=dt.date(2024, 1, 20),
        text="Late but here.",
    )  # fmt: skip
    page = officer_client.post(_url(draft, "finalise/"), data)
    body = page.content.decode()
    assert page.status_code == 200 and "have changed since you opened this page" in body
    assert "No new update this round (1)" in body and not _stored(draft).is_final
    form = page.context["form"]
    assert form["gaps"].value() == str(_rec(draft.review, "3").pk)
    again = {name: form[name].value() for name in form.fields}
    assert officer_client.post(_url(draft, "finalise/"), again).status_code == 302
    assert _stored(draft).is_final


def test_a_final_reports_edit_page_refuses_with_the_reason(officer_client, draft):
    _finalise(draft, gaps_reason=REASON)
    refused = officer_client.get(_url(draft, "edit/"))
    assert refused.status_code == 403
    assert services.REPORT_DETAILS_FINAL_MESSAGE in refused.content.decode()
    # A form opened before it became final: the refusal is shown above what was typed.
    page = officer_client.post(
        _url(draft, "edit/"),
        {"title": "Renamed", "as_at": "2024-01-31", "as_at_precision": "day",
         "version": _stored(draft).version},
    )  # fmt: skip
    assert page.status_code == 200
    assert services.REPORT_DETAILS_FINAL_MESSAGE in page.content.decode()
    assert page.context["form"]["title"].value() == "Renamed"
    assert _stored(draft).title == "Twelve month update"


def test_a_final_report_offers_no_finalise_page(officer_client, draft):
    _finalise(draft, gaps_reason=REASON)
    response = officer_client.get(_url(draft, "finalise/"))
    assert response.status_code == 302 and response["Location"] == _url(draft)


def test_an_officer_reopens_with_a_reason_and_the_report_page_lists_it(officer_client, draft):
    final = _finalise(draft, gaps_reason=REASON)
    page = officer_client.get(_url(draft, "reopen/"))
    assert page.status_code == 200 and "Reopen “Twelve month update”" in page.content.decode()
    page = officer_client.post(_url(draft, "reopen/"), {"version": final.version})
    assert page.status_code == 200 and page.context["form"].errors["reopened_reason"] == [
        "Enter the reason for reopening the report."
    ]
    assert _stored(draft).is_final
    response = officer_client.post(
        _url(draft, "reopen/"), {"version": final.version, "reopened_reason": "Wrong summary."}
    )
    assert response.status_code == 302 and not _stored(draft).is_final
    body = officer_client.get(_url(draft)).content.decode()
    assert "Reopened by olivia-officer on" in body and "Wrong summary." in body
    assert _url(draft, "edit/") in body and _url(draft, "finalise/") in body


def test_a_clerk_finalises_but_only_an_officer_reopens(client, clerk, draft):
    client.force_login(clerk)
    response = client.post(
        _url(draft, "finalise/"),
        {"version": draft.version, "gaps": page_gaps(draft), "finalised_with_gaps_reason": REASON},
    )
    assert response.status_code == 302 and _stored(draft).is_final
    assert _url(draft, "reopen/") not in client.get(_url(draft)).content.decode()
    assert client.get(_url(draft, "reopen/")).status_code == 403
    data = {"version": _stored(draft).version, "reopened_reason": "Please"}
    assert client.post(_url(draft, "reopen/"), data).status_code == 403
    assert _stored(draft).is_final


def test_the_report_page_shows_each_recommendation_of_the_round(member_client, draft):
    Recommendation.objects.create(review=draft.review, label="4", order=4, text="Never updated.")
    page = member_client.get(_url(draft))
    body = page.content.decode()
    assert "1 of 4 recommendations" in body
    assert "Twelve month progress on 1." in body
    # 2 and 3: their latest earlier update, marked, with its date; 4 never had one.
    assert body.count('<span class="tag">No new update this round</span>') == 3
    assert body.count("Latest earlier update, as at 1 February 2023") == 2
    assert "Update 0 on 2" in body and "Update 0 on 3" in body
    assert "No update yet." in body


def test_a_gap_that_appeared_meanwhile_asks_for_the_reason_before_finalising(officer_client, draft):
    for label in ["2", "3"]:
        ProgressUpdate.objects.create(
            recommendation=_rec(draft.review, label), report=draft, as_at=dt.date(2024, 1, 20),
            text="Here.",
        )  # fmt: skip
    # The page said every recommendation had an update; meanwhile 3's is deleted.
    services.progress_update_delete(
        update=ProgressUpdate.objects.get(report=draft, recommendation__label="3"), user=None
    )
    page = officer_client.post(_url(draft, "finalise/"), {"version": draft.version, "gaps": ""})
    body = page.content.decode()
    assert page.status_code == 200 and "have changed since you opened this page" in body
    assert (
        "Recommendation 3 has no update in this round. Say why the report is final without it."
        in body
    )
    assert not _stored(draft).is_final
    form = page.context["form"]
    assert form["gaps"].value() == str(_rec(draft.review, "3").pk)
    again = {name: form[name].value() or "" for name in form.fields}
    assert officer_client.post(_url(draft, "finalise/"), again).status_code == 200
    again["finalised_with_gaps_reason"] = "3's update was withdrawn."
    assert officer_client.post(_url(draft, "finalise/"), again).status_code == 302
    assert _stored(draft).finalised_with_gaps_reason == "3's update was withdrawn."
