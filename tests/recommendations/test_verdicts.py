"""Issue 12, "The committee's view": at the meeting that considers a round, the committee records
its own verdict on each update, apart from the status the executive reports. The rules and the
writes (services), and the meeting's page where officers record them and members read them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from recommendations import selectors, services
from recommendations.models import (
    CommitteeVerdict,
    Meeting,
    ProgressUpdate,
    Recommendation,
    Response,
    UpdateReport,
)
from recommendations.roles import SCRUTINY_OFFICERS
from tests.conftest import _user
from tests.factories import make_committee, make_review

pytestmark = pytest.mark.django_db

NOT_SATISFIED = CommitteeVerdict.Verdict.NOT_SATISFIED
SATISFIED = CommitteeVerdict.Verdict.SATISFIED
ACCEPTABLE = CommitteeVerdict.Verdict.ACCEPTABLE


@pytest.fixture
def review():
    """Three recommendations, each with one update (as at February 2023) in the six month
    report, which was presented at the meeting of 14 September 2023."""
    review = make_review(slug="r", recommendations=3)
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2023, 9, 14), agenda_item="Six month update"
    )
    report = UpdateReport.objects.get(review=review)
    report.meeting = meeting
    report.save()
    return review


def _meeting(review) -> Meeting:
    return Meeting.objects.get(committee=review.committee, agenda_item="Six month update")


def _update(review, label: str) -> ProgressUpdate:
    return ProgressUpdate.objects.get(recommendation__review=review, recommendation__label=label)


def _record(update, meeting, verdict=ACCEPTABLE, asks="", comment="", user=None):
    return services.committee_verdict_save(
        verdict=CommitteeVerdict(
            update=update, meeting=meeting, verdict=verdict, asks=asks, comment=comment
        ),
        expected_version=None,
        user=user,
    )


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


# The rules, at the service ------------------------------------------------------------------


def test_a_verdict_is_recorded_with_who_and_when_and_history(review, officer):
    verdict = _record(_update(review, "1"), _meeting(review), SATISFIED, user=officer)
    assert verdict.pk and verdict.version == 1
    assert verdict.recorded_by == officer and verdict.recorded_at is not None
    (record,) = verdict.history.all()
    assert record.history_type == "+" and record.history_user == officer
    # Apart from the executive's status, which is unchanged.
    assert _update(review, "1").status == ProgressUpdate.Status.IN_PROGRESS


def test_not_satisfied_needs_what_the_committee_asks_for(review):
    with pytest.raises(ValidationError) as excinfo:
        _record(_update(review, "1"), _meeting(review), NOT_SATISFIED, asks="  ")
    assert _errors(excinfo) == {
        "asks": [
            "Say what the committee asks for, e.g. the lead officer to attend the next meeting."
        ]
    }
    assert not CommitteeVerdict.objects.exists()
    verdict = _record(
        _update(review, "1"), _meeting(review), NOT_SATISFIED, asks="The lead officer to attend."
    )
    assert verdict.asks == "The lead officer to attend."


def test_the_meeting_must_be_of_the_reviews_own_committee(review):
    other = Meeting.objects.create(
        committee=make_committee(), date=dt.date(2023, 9, 14), agenda_item="Elsewhere"
    )
    other.reviews.add(review)
    with pytest.raises(ValidationError) as excinfo:
        _record(_update(review, "1"), other, SATISFIED)
    assert _errors(excinfo) == {"meeting": ["Select a meeting of the review's own committee."]}


def test_the_meeting_must_have_considered_the_update(review):
    """Its report was presented there, or the review was on the agenda."""
    later = Meeting.objects.create(
        committee=review.committee, date=dt.date(2023, 12, 1), agenda_item="Other business"
    )
    with pytest.raises(ValidationError) as excinfo:
        _record(_update(review, "1"), later, SATISFIED)
    assert "This meeting did not consider the update" in _errors(excinfo)["meeting"][0]
    later.reviews.add(review)
    assert _record(_update(review, "1"), later, SATISFIED).meeting == later


def test_the_meeting_cannot_be_before_the_update(review):
    earlier = Meeting.objects.create(
        committee=review.committee, date=dt.date(2023, 1, 20), agenda_item="Response"
    )
    earlier.reviews.add(review)
    with pytest.raises(ValidationError) as excinfo:
        _record(_update(review, "1"), earlier, SATISFIED)
    assert _errors(excinfo) == {
        "meeting": [
            "The update is as at 1 February 2023, after the meeting of 20 January 2023: "
            "select the meeting that considered it."
        ]
    }


def test_the_texts_are_bounded_and_kept_to_the_markdown_rules(review):
    with pytest.raises(ValidationError) as excinfo:
        _record(_update(review, "1"), _meeting(review), SATISFIED, comment="x" * 20_001)
    assert "comment" in _errors(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        _record(_update(review, "1"), _meeting(review), NOT_SATISFIED, asks=">" * 30 + " deep")
    assert "asks" in _errors(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        _record(_update(review, "1"), _meeting(review), "delighted")
    assert "verdict" in _errors(excinfo)


def test_one_verdict_per_update_a_second_is_an_edit_conflict(review):
    first = _record(_update(review, "1"), _meeting(review), SATISFIED)
    with pytest.raises(services.EditConflict) as excinfo:
        _record(_update(review, "1"), _meeting(review), NOT_SATISFIED, asks="More.")
    assert excinfo.value.current_version == first.version
    assert CommitteeVerdict.objects.get().verdict == SATISFIED


@pytest.mark.parametrize("caught_by", ["the unique check", "the unique constraint"])
def test_a_first_verdict_saved_by_someone_else_at_the_same_moment_is_a_conflict(
    review, monkeypatch, caught_by
):
    """The check for an existing verdict passed, then the other save landed first: the model's
    unique check, or the database's constraint (the insert waited for the other transaction),
    refuses the second, which comes back as a conflict, not a 500."""
    first = _record(_update(review, "1"), _meeting(review), SATISFIED)
    if caught_by == "the unique constraint":
        monkeypatch.setattr(CommitteeVerdict, "validate_unique", lambda self, exclude=None: None)
    real = services.verdicts._verdict_version
    calls = []

    def missed_it(update_id):
        calls.append(update_id)
        return None if len(calls) == 1 else real(update_id)

    monkeypatch.setattr(services.verdicts, "_verdict_version", missed_it)
    mine = CommitteeVerdict(
        update=_update(review, "1"), meeting=_meeting(review), verdict="acceptable"
    )
    with pytest.raises(services.EditConflict) as excinfo:
        services.committee_verdict_save(verdict=mine, expected_version=None, user=None)
    assert excinfo.value.current_version == first.version and mine.pk is None
    assert CommitteeVerdict.objects.get().verdict == SATISFIED


def test_a_change_needs_the_version_loaded(review, officer):
    verdict = _record(_update(review, "1"), _meeting(review), ACCEPTABLE)
    mine = CommitteeVerdict.objects.get(pk=verdict.pk)
    theirs = CommitteeVerdict.objects.get(pk=verdict.pk)
    theirs.verdict, theirs.asks = NOT_SATISFIED, "A fuller update."
    services.committee_verdict_save(verdict=theirs, expected_version=1, user=officer)
    mine.verdict = SATISFIED
    with pytest.raises(services.EditConflict) as excinfo:
        services.committee_verdict_save(verdict=mine, expected_version=1, user=officer)
    assert excinfo.value.current_version == 2
    stored = CommitteeVerdict.objects.get()
    assert (stored.verdict, stored.version) == (NOT_SATISFIED, 2)
    services.committee_verdict_save(verdict=mine, expected_version=2, user=officer)
    assert CommitteeVerdict.objects.get().verdict == SATISFIED
    assert [r.verdict for r in stored.history.order_by("history_id")] == [
        ACCEPTABLE, NOT_SATISFIED, SATISFIED
    ]  # fmt: skip


def test_removing_a_verdict_keeps_it_in_the_history(review, officer):
    verdict = _record(_update(review, "1"), _meeting(review), SATISFIED)
    with pytest.raises(services.EditConflict):
        services.committee_verdict_remove(verdict=verdict, expected_version=7, user=officer)
    services.committee_verdict_remove(verdict=verdict, expected_version=1, user=officer)
    assert not CommitteeVerdict.objects.exists()
    assert [r.history_type for r in CommitteeVerdict.history.order_by("history_id")] == ["+", "-"]
    assert CommitteeVerdict.history.latest("history_id").history_user == officer


def test_an_update_the_committee_gave_its_view_of_cannot_be_deleted(review, officer):
    update = _update(review, "1")
    _record(update, _meeting(review), SATISFIED)
    with pytest.raises(services.RecordLocked, match="committee has recorded its view"):
        services.progress_update_delete(update=update, user=officer)
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_a_meeting_with_verdicts_cannot_be_deleted_but_the_review_can(review):
    from django.db.models import ProtectedError

    _record(_update(review, "1"), _meeting(review), SATISFIED)
    with pytest.raises(ProtectedError):
        _meeting(review).delete()
    review.delete()
    assert not CommitteeVerdict.objects.exists()


def test_saving_a_rounds_verdicts_is_all_or_nothing(review, officer):
    meeting = _meeting(review)
    entries = [
        services.VerdictEntry(CommitteeVerdict(update=_update(review, "1"), verdict=SATISFIED)),
        services.VerdictEntry(
            CommitteeVerdict(update=_update(review, "2"), verdict=NOT_SATISFIED, asks="")
        ),
        services.VerdictEntry(CommitteeVerdict(update=_update(review, "3"), verdict="bad")),
    ]
    with pytest.raises(services.VerdictsRefused) as excinfo:
        services.meeting_save_verdicts(meeting=meeting, entries=entries, user=officer)
    refused = excinfo.value.errors
    assert set(refused) == {_update(review, "2").pk, _update(review, "3").pk}
    assert "asks" in refused[_update(review, "2").pk].message_dict
    assert not CommitteeVerdict.objects.exists()
    assert entries[0].verdict.pk is None  # the instance says it was not saved either

    entries[1].verdict.asks = "The lead officer to attend the next meeting."
    entries[2].verdict.verdict = ACCEPTABLE
    saved = services.meeting_save_verdicts(meeting=meeting, entries=entries, user=officer)
    assert [v.update.recommendation.label for v in saved] == ["1", "2", "3"]
    assert set(CommitteeVerdict.objects.values_list("meeting", flat=True)) == {meeting.pk}


# The meeting's page ---------------------------------------------------------------------------


def _url(meeting: Meeting) -> str:
    return f"/meetings/{meeting.pk}/verdicts/"


def _post_data(response) -> dict[str, str]:
    """What the browser posts back untouched."""
    data = {}
    for group in response.context["groups"]:
        for row in group.rows:
            form = row.form
            if form is None:
                continue
            for name in form.fields:
                value = form[name].value()
                data[form.add_prefix(name)] = "" if value is None else str(value)
    return data


def _prefix(review, label: str) -> str:
    return f"u-{_update(review, label).pk}"


def test_the_page_lists_every_update_of_the_round_with_the_executives_status(
    officer_client, review
):
    ProgressUpdate.objects.filter(recommendation__label="2").update(status="implemented")
    response = officer_client.get(_url(_meeting(review)))
    assert response.status_code == 200
    (group,) = response.context["groups"]
    assert group.report.title == "Six month update"
    assert [row.update.recommendation.label for row in group.rows] == ["1", "2", "3"]
    body = response.content.decode()
    assert "<strong>0 of 3</strong> updates have the committee's view recorded." in body
    assert body.count('type="radio"') == 3 * 4
    assert "Update 0 on 2" in body
    assert '<span class="visually-hidden">Status: </span>Implemented</span>' in body
    assert "Save all" in body


def test_an_officer_records_the_rounds_verdicts_in_one_save(officer_client, officer, review):
    meeting = _meeting(review)
    data = _post_data(officer_client.get(_url(meeting)))
    data[_prefix(review, "1") + "-verdict"] = SATISFIED
    data[_prefix(review, "2") + "-verdict"] = NOT_SATISFIED
    data[_prefix(review, "2") + "-asks"] = "The lead officer to attend the next meeting."
    data[_prefix(review, "2") + "-comment"] = "Members were *not* assured."
    response = officer_client.post(_url(meeting), data)
    assert response.status_code == 302 and response["Location"] == _url(meeting)
    verdicts = {v.update.recommendation.label: v for v in CommitteeVerdict.objects.all()}
    assert set(verdicts) == {"1", "2"}  # 3 was left "Not recorded"
    assert verdicts["2"].asks == "The lead officer to attend the next meeting."
    assert verdicts["2"].recorded_by == officer and verdicts["2"].meeting == meeting
    page = officer_client.get(_url(meeting))
    body = page.content.decode()
    assert "2 verdicts saved." in body
    assert "<strong>2 of 3</strong> updates have" in body
    assert "Members were <em>not</em> assured." not in body  # the form shows the text as typed
    assert "Members were *not* assured." in body

    # Posted again unchanged: nothing to save, nothing added.
    response = officer_client.post(_url(meeting), _post_data(page), follow=True)
    assert "Nothing to save" in response.content.decode()
    assert CommitteeVerdict.objects.count() == 2


def test_a_refused_row_is_shown_beside_it_and_nothing_is_saved(officer_client, review):
    meeting = _meeting(review)
    data = _post_data(officer_client.get(_url(meeting)))
    data[_prefix(review, "1") + "-verdict"] = SATISFIED
    data[_prefix(review, "2") + "-verdict"] = NOT_SATISFIED
    data[_prefix(review, "3") + "-comment"] = "Typed, but no view chosen."
    response = officer_client.post(_url(meeting), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was saved." in body
    assert "Recommendation 3: Select the committee&#x27;s view of this update." in body
    assert not CommitteeVerdict.objects.exists()
    # Once the form is complete, the service's rule speaks for row 2.
    data[_prefix(review, "3") + "-verdict"] = ACCEPTABLE
    response = officer_client.post(_url(meeting), data)
    body = response.content.decode()
    assert (
        "Recommendation 2: Say what the committee asks for, e.g. the lead officer to attend "
        "the next meeting." in body
    )
    assert f'href="#id_{_prefix(review, "2")}-asks"' in body
    assert "Typed, but no view chosen." in body  # kept
    assert not CommitteeVerdict.objects.exists()


def test_a_verdict_is_changed_and_removed_from_the_page(officer_client, review):
    meeting = _meeting(review)
    _record(_update(review, "1"), meeting, ACCEPTABLE)
    _record(_update(review, "2"), meeting, SATISFIED)
    data = _post_data(officer_client.get(_url(meeting)))
    assert data[_prefix(review, "1") + "-verdict"] == ACCEPTABLE
    data[_prefix(review, "1") + "-verdict"] = NOT_SATISFIED
    data[_prefix(review, "1") + "-asks"] = "A fuller update in March."
    data[_prefix(review, "2") + "-verdict"] = ""
    response = officer_client.post(_url(meeting), data, follow=True)
    assert "1 verdict saved and 1 removed." in response.content.decode()
    (verdict,) = CommitteeVerdict.objects.all()
    assert (verdict.update.recommendation.label, verdict.verdict, verdict.version) == (
        "1", NOT_SATISFIED, 2,
    )  # fmt: skip


def test_a_second_officers_save_is_a_conflict_that_keeps_what_they_typed(review, officer):
    meeting = _meeting(review)
    first, second = Client(), Client()
    first.force_login(officer)
    second.force_login(_user("otto-officer", SCRUTINY_OFFICERS))
    mine = _post_data(first.get(_url(meeting)))
    theirs = _post_data(second.get(_url(meeting)))
    theirs[_prefix(review, "1") + "-verdict"] = SATISFIED
    assert second.post(_url(meeting), theirs).status_code == 302

    mine[_prefix(review, "1") + "-verdict"] = NOT_SATISFIED
    mine[_prefix(review, "1") + "-asks"] = "The Cabinet member to attend."
    mine[_prefix(review, "2") + "-verdict"] = ACCEPTABLE
    response = first.post(_url(meeting), mine)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else changed this committee verdict since you opened it." in body
    assert "The Cabinet member to attend." in body  # kept
    assert CommitteeVerdict.objects.get().verdict == SATISFIED  # theirs stands
    assert CommitteeVerdict.objects.count() == 1  # and row 2 was not saved either
    # Saving again, having read theirs, replaces it deliberately.
    again = _post_data(response)
    assert again[_prefix(review, "1") + "-verdict"] == NOT_SATISFIED
    assert again[_prefix(review, "1") + "-version"] == "1"
    assert first.post(_url(meeting), again).status_code == 302
    assert CommitteeVerdict.objects.get(update=_update(review, "1")).verdict == NOT_SATISFIED
    assert CommitteeVerdict.objects.count() == 2


def test_a_review_on_the_agenda_without_a_report_shows_the_latest_updates_by_the_meeting(
    officer_client, review
):
    agenda = Meeting.objects.create(
        committee=review.committee, date=dt.date(2023, 3, 15), agenda_item="Progress"
    )
    agenda.reviews.add(review)
    # A later update (after this meeting) and a lettered part: the part gets the row.
    rec = Recommendation.objects.get(review=review, label="1")
    ProgressUpdate.objects.create(recommendation=rec, as_at=dt.date(2023, 6, 1), text="Later")
    part = Recommendation.objects.create(
        review=review, parent=Recommendation.objects.get(review=review, label="2"), label="2a",
        order=1, text="A part",
    )  # fmt: skip
    Response.objects.create(recommendation=part, decision=Response.Decision.AGREED)
    ProgressUpdate.objects.create(recommendation=part, as_at=dt.date(2023, 3, 1), text="Part")
    (group,) = selectors.meeting_verdict_groups(agenda)
    assert group.report is None
    rows = [(row.update.recommendation.label, row.update.text) for row in group.rows]
    assert rows == [("1", "Update 0 on 1"), ("2a", "Part"), ("3", "Update 0 on 3")]
    assert officer_client.get(_url(agenda)).status_code == 200


def test_a_verdict_recorded_at_another_meeting_is_shown_there_not_changed_here(
    officer_client, review
):
    _record(_update(review, "1"), _meeting(review), NOT_SATISFIED, asks="Come back.")
    later = Meeting.objects.create(
        committee=review.committee, date=dt.date(2023, 11, 30), agenda_item="Later"
    )
    later.reviews.add(review)
    response = officer_client.get(_url(later))
    (group,) = response.context["groups"]
    first = group.rows[0]
    assert first.recorded_elsewhere and first.form is None
    body = response.content.decode()
    assert f'href="{_url(_meeting(review))}">Recorded at the meeting of 14 September 2023' in body
    assert body.count('type="radio"') == 2 * 4


def test_the_page_reads_in_a_fixed_number_of_queries(
    officer_client, review, django_assert_num_queries
):
    meeting = _meeting(review)
    more = make_review(slug="more", recommendations=12)
    more.committee = review.committee
    more.save()
    UpdateReport.objects.filter(review=more).update(meeting=meeting)
    for update in ProgressUpdate.objects.all():
        _record(update, meeting, ACCEPTABLE)
    # The session; the user; their group's and their own permissions (two); the meeting;
    # the reports presented at it; the reviews on its agenda; the updates of the reports,
    # with their recommendations, reviews, parents and verdicts; the session is refreshed
    # (three: a savepoint, the update, its release). 15 updates, two reviews.
    with django_assert_num_queries(11):
        response = officer_client.get(_url(meeting))
    assert sum(len(group.rows) for group in response.context["groups"]) == 15


# Who may do what ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "clerk"])
def test_members_and_clerks_read_the_verdicts_but_cannot_record(client, review, who, request):
    _record(_update(review, "2"), _meeting(review), NOT_SATISFIED, asks="The lead to attend.")
    client.force_login(request.getfixturevalue(who))
    response = client.get(_url(_meeting(review)))
    assert response.status_code == 200
    body = response.content.decode()
    assert "The lead to attend." in body and "Not satisfied" in body
    assert 'type="radio"' not in body and "Save all" not in body
    data = {f"{_prefix(review, '1')}-verdict": SATISFIED}
    assert client.post(_url(_meeting(review)), data).status_code == 403
    assert CommitteeVerdict.objects.count() == 1


def test_someone_in_no_role_gets_403(client, review, outsider):
    client.force_login(outsider)
    assert client.get(_url(_meeting(review))).status_code == 403
    assert client.post(_url(_meeting(review)), {}).status_code == 403


def test_an_unknown_meeting_is_404(officer_client):
    assert officer_client.get("/meetings/999999/verdicts/").status_code == 404


def test_the_review_and_report_pages_link_to_it(review, officer, member):
    link = f'href="{_url(_meeting(review))}"'
    report = UpdateReport.objects.get(review=review)
    _meeting(review).reviews.add(review)
    for user, words in [(officer, "Record the committee's view"),
                        (member, "The committee's view")]:  # fmt: skip
        client = Client()
        client.force_login(user)
        for path in ["/reviews/r/", f"/reviews/r/update-reports/{report.pk}/"]:
            body = client.get(path).content.decode()
            assert link in body, path
            assert words in body.replace("&#x27;", "'"), path
            if user == member:
                assert "Record the committee" not in body


def test_the_admin_cannot_write_verdicts(client, review):
    from django.contrib.auth.models import User

    verdict = _record(_update(review, "1"), _meeting(review), SATISFIED)
    client.force_login(User.objects.create_superuser("ada", password="x" * 12))
    url = f"/admin/recommendations/committeeverdict/{verdict.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "Read-only here" in page.content.decode()
    client.post(url, {"verdict": NOT_SATISFIED, "asks": "", "comment": ""})
    assert client.get("/admin/recommendations/committeeverdict/add/").status_code == 403
    assert CommitteeVerdict.objects.get().verdict == SATISFIED


# The recommendation's page and its timeline ---------------------------------------------------


def test_the_recommendation_page_shows_the_view_beside_the_update_and_in_its_timelines(
    officer_client, member_client, review, officer
):
    meeting = _meeting(review)
    verdict = _record(
        _update(review, "1"), meeting, NOT_SATISFIED, asks="The lead officer to attend.",
        comment="Members were **not** assured.", user=officer,
    )  # fmt: skip
    verdict.verdict = ACCEPTABLE
    services.committee_verdict_save(verdict=verdict, expected_version=1, user=officer)
    body = member_client.get("/reviews/r/recommendations/1/").content.decode()
    # Beside the update, in the list of progress updates.
    update_item = body.split(f'id="update-{_update(review, "1").pk}"', 1)[1].split("</ol>", 1)[0]
    assert "Acceptable progress" in update_item
    assert "meeting of 14 September 2023" in update_item
    assert "The lead officer to attend." in update_item
    assert "Members were <strong>not</strong> assured." in update_item
    # The timeline by the papers' dates: on the meeting's date, after "Considered at".
    record = [
        (event.when, event.title) for event in member_client.get(
            "/reviews/r/recommendations/1/"
        ).context["record"]
    ]  # fmt: skip
    considered = ("14 September 2023", "Considered at Six month update")
    viewed = (
        "14 September 2023",
        "The committee's view of the update as at 1 February 2023: Acceptable progress",
    )
    assert record.index(considered) + 1 == record.index(viewed)
    # The change history: who recorded it and who changed it.
    history = [
        (event.who, event.title)
        for event in member_client.get("/reviews/r/recommendations/1/").context["timeline"]
        if event.kind == "verdict"
    ]
    assert history == [
        (officer.username, "Committee's view of the update as at 1 February 2023 recorded: "
                           "Not satisfied"),
        (officer.username, "Committee's view of the update as at 1 February 2023 changed from "
                           "Not satisfied to Acceptable progress"),
    ]  # fmt: skip
    # Other recommendations' pages do not show it.
    assert (
        "Acceptable progress"
        not in member_client.get("/reviews/r/recommendations/2/")
        .content.decode()
        .split('id="timeline-heading"')[0]
        .split('id="updates-heading"')[1]
    )
