"""The annual report's figures as at any date (``recommendations.impact``), on data built
here whose answers are worked out by hand beside each assertion: partial dates, lettered
parts, a reopened recommendation, a decision changed later, and dates before later updates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from recommendations import impact
from recommendations.models import (
    Authority,
    Committee,
    DatePrecision,
    Meeting,
    OverdueOverride,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
)
from recommendations.monitoring import with_progress

pytestmark = pytest.mark.django_db

D = dt.date
IN_PROGRESS = ProgressUpdate.Status.IN_PROGRESS
IMPLEMENTED = ProgressUpdate.Status.IMPLEMENTED
NOT_STATED = ProgressUpdate.Status.NOT_STATED
# The period 2024/25, April to March.
START, END = D(2024, 4, 1), D(2025, 3, 31)


def _recorded(on: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(on, dt.time(12)))


def _save(instance, recorded: dt.date):
    """Save as if on ``recorded`` (the day the history says it was recorded)."""
    instance._history_date = _recorded(recorded)
    instance.save()
    return instance


def _rec(review, label, parent=None, *, decision=None, agreed_on=None, precision="day"):
    rec = _save(
        Recommendation(review=review, label=label, parent=parent, text=f"Text {label}"),
        D(2024, 5, 10),
    )
    if decision:
        _save(
            Response(
                recommendation=rec,
                decision=decision,
                agreed_on=agreed_on,
                agreed_precision=precision,
            ),
            D(2024, 7, 2),
        )
    return rec


def _update(rec, as_at, status, *, precision="day", target=None):
    return ProgressUpdate.objects.create(
        recommendation=rec,
        as_at=as_at,
        as_at_precision=precision,
        status=status,
        text="Update",
        target_date=target,
    )


@pytest.fixture
def data():
    authority = Authority.objects.create(name="Borough", slug="borough")  # responses: 2 months
    committee = Committee.objects.create(authority=authority, name="Children", slug="children")
    other = Committee.objects.create(authority=authority, name="Health", slug="health")
    review = Review.objects.create(
        committee=committee,
        title="Exclusions",
        slug="exclusions",
        reported_on=D(2024, 5, 10),  # response deadline 10 July 2024
        response_agreed_on=D(2024, 7, 20),
    )
    # Made in the year before: not one of 2024/25's.
    older = Review.objects.create(
        committee=other, title="Older", slug="older", reported_on=D(2023, 6, 1)
    )
    agreed = Response.Decision.AGREED
    r = {}
    # R1: agreed 1 July 2024; in progress, then implemented "February 2025" (month only).
    r["1"] = _rec(review, "1", decision=agreed, agreed_on=D(2024, 7, 1))
    _update(r["1"], D(2024, 9, 1), IN_PROGRESS, target=D(2025, 1, 31))
    _update(r["1"], D(2025, 2, 1), IMPLEMENTED, precision=DatePrecision.MONTH)
    # R2 has parts: 2a agreed without a date of its own (the review's: 20 July 2024),
    # implemented "2025" (year only); 2b not agreed, never updated.
    r["2"] = _rec(review, "2")
    r["2a"] = _rec(review, "2a", r["2"], decision=agreed)
    r["2b"] = _rec(review, "2b", r["2"], decision=Response.Decision.NOT_AGREED)
    _update(r["2a"], D(2025, 1, 1), IMPLEMENTED, precision=DatePrecision.YEAR)
    # R3: the response was awaited when recorded, then agreed on 1 September 2024, after
    # its deadline.
    r["3"] = _rec(review, "3", decision=Response.Decision.AWAITING)
    response = r["3"].response
    response.decision, response.agreed_on = agreed, D(2024, 9, 1)
    _save(response, D(2024, 9, 2))
    # R4: in progress with a target of 1 October 2024; closed at a meeting on 1 November
    # 2024, reopened at one on 15 January 2025.
    r["4"] = _rec(review, "4", decision=agreed, agreed_on=D(2024, 7, 1))
    _update(r["4"], D(2024, 8, 1), IN_PROGRESS, target=D(2024, 10, 1))
    closing = Meeting.objects.create(committee=committee, date=D(2024, 11, 1), agenda_item="x")
    reopening = Meeting.objects.create(committee=committee, date=D(2025, 1, 15), agenda_item="y")
    r["4"].closed_at_meeting = closing
    _save(r["4"], D(2024, 11, 2))
    r["4"].closed_at_meeting, r["4"].reopened_at_meeting = None, reopening
    _save(r["4"], D(2025, 1, 16))
    # R5: implemented, back in progress, implemented again; targets moved twice.
    r["5"] = _rec(review, "5", decision=Response.Decision.PARTLY_AGREED, agreed_on=D(2024, 7, 1))
    _update(r["5"], D(2024, 8, 1), IN_PROGRESS, target=D(2024, 9, 30))
    _update(r["5"], D(2024, 10, 1), IMPLEMENTED, target=D(2024, 9, 30))
    _update(r["5"], D(2024, 12, 1), IN_PROGRESS, target=D(2025, 2, 28))
    _update(r["5"], D(2025, 3, 10), IMPLEMENTED, target=D(2025, 4, 30))
    # R6: no response at all; an update that states no status.
    r["6"] = _rec(review, "6")
    _update(r["6"], D(2024, 9, 1), NOT_STATED, target=D(2024, 10, 1))
    # O1: made in 2023/24, agreed 1 July 2023, implemented 1 June 2024.
    r["o1"] = _rec(older, "1", decision=agreed, agreed_on=D(2023, 7, 1))
    _update(r["o1"], D(2024, 6, 1), IMPLEMENTED)
    return r


def _by_label(standings, data):
    ids = {rec.pk: label for label, rec in data.items()}
    return {ids[s.id]: s for s in standings}


def _stand(data, as_at):
    return _by_label(impact.standings(Recommendation.objects.all(), as_at), data)


def test_known_on_takes_the_last_day_a_partial_date_names():
    assert impact.known_on(D(2025, 2, 1), DatePrecision.MONTH) == D(2025, 2, 28)
    assert impact.known_on(D(2024, 2, 1), DatePrecision.MONTH) == D(2024, 2, 29)
    assert impact.known_on(D(2025, 1, 1), DatePrecision.YEAR) == D(2025, 12, 31)
    assert impact.known_on(D(2025, 1, 7), DatePrecision.DAY) == D(2025, 1, 7)


def test_parts_count_and_their_parent_does_not(data):
    s = _stand(data, END)
    assert "2" not in s and {"2a", "2b"} <= set(s)


def test_the_end_of_the_period(data):
    s = _stand(data, END)
    # R1's "February 2025" is known by 28 February: implemented then.
    assert (s["1"].status, s["1"].implemented_on) == (IMPLEMENTED, D(2025, 2, 28))
    # 2a's "2025" is not known until 31 December 2025: no update yet as at 31 March.
    assert s["2a"].status == impact.NO_UPDATE
    # R3 was agreed late: in force by now, and its deadline (10 July) was missed.
    assert (s["3"].decision, s["3"].decided_on, s["3"].response_late) == (
        "agreed", D(2024, 9, 1), True)  # fmt: skip
    # R4 reopened on 15 January, target 1 October passed: overdue, not closed.
    assert (s["4"].closed, s["4"].overdue) == (False, True)
    # R5 implemented the second time on 10 March; its targets moved twice (30 September to
    # 28 February to 30 April: 212 days).
    assert (s["5"].implemented_on, s["5"].progress.target_moves) == (D(2025, 3, 10), 2)
    assert s["5"].progress.target_slip_days == (D(2025, 4, 30) - D(2024, 9, 30)).days == 212
    # R6: never a response (awaiting, late); an update without a status is never overdue.
    assert (s["6"].decision, s["6"].response_late) == ("awaiting", True)
    assert (s["6"].status, s["6"].overdue) == (NOT_STATED, False)
    # R1 and 2a had responses by 10 July... 2a's response is undated, so it counts from the
    # review's agreement on 20 July: late too.
    assert not s["1"].response_late and s["2a"].response_late
    assert (s["2a"].decided_on, s["2b"].decision) == (D(2024, 7, 20), "not_agreed")


def test_as_at_a_date_before_later_updates(data):
    s = _stand(data, D(2024, 12, 1))
    # R1: only September's update: in progress, target 31 January not yet passed.
    assert (s["1"].status, s["1"].overdue) == (IN_PROGRESS, False)
    # R4 was closed on 1 November: closed, and so not overdue.
    assert (s["4"].closed_on, s["4"].overdue) == (D(2024, 11, 1), False)
    # R5: back in progress on 1 December (the update of that day counts).
    assert (s["5"].status, s["5"].implemented_on) == (IN_PROGRESS, None)
    assert s["5"].progress.target_moves == 1
    # As at 1 November R5 was implemented, from 1 October.
    assert _stand(data, D(2024, 11, 1))["5"].implemented_on == D(2024, 10, 1)
    # As at 15 February R1's "February 2025" does not count yet: in progress and overdue.
    feb = _stand(data, D(2025, 2, 15))["1"]
    assert (feb.status, feb.overdue) == (IN_PROGRESS, True)


def test_a_response_counts_from_its_date_and_the_awaited_one_until_then(data):
    before = _stand(data, D(2024, 8, 1))
    assert before["3"].decision == "awaiting"
    assert _stand(data, D(2024, 9, 1))["3"].decision == "agreed"
    # Before any response was in force there was none: awaiting.
    assert _stand(data, D(2024, 6, 1))["1"].decision == "awaiting"


def test_a_decision_changed_later_counts_from_the_day_it_was_changed(data):
    response = data["1"].response
    response.decision = Response.Decision.PARTLY_AGREED  # same agreed date: a change
    _save(response, D(2025, 6, 1))
    assert _stand(data, END)["1"].decision == "agreed"
    assert _stand(data, D(2025, 6, 1))["1"].decision == "partly_agreed"


def test_an_overdue_label_counts_from_the_day_it_was_set(data):
    rec = data["1"]
    rec.overdue_override, rec.overdue_override_reason = OverdueOverride.NOT_OVERDUE, "Agreed"
    _save(rec, D(2025, 2, 20))
    assert _stand(data, D(2025, 2, 15))["1"].overdue is True
    assert _stand(data, D(2025, 2, 20))["1"].overdue is False


def test_recommendations_made_after_the_date_are_left_out(data):
    assert set(_stand(data, D(2024, 1, 1))) == {"o1"}


def test_the_figures_of_the_period(data):
    standings = impact.standings(Recommendation.objects.all(), END)
    labels = {s.id: label for label, rec in data.items() for s in standings if s.id == rec.pk}

    def figure(key, start=START, end=END):
        return sorted(labels[s.id] for s in impact.members(standings, key, start, end))

    made = ["1", "2a", "2b", "3", "4", "5", "6"]
    assert figure("made") == made  # O1 was made in 2023/24
    assert figure("agreed") == ["1", "2a", "3", "4"]
    assert figure("partly_agreed") == ["5"]
    assert figure("not_agreed") == ["2b"]
    assert figure("awaiting") == ["6"]
    # Late: 2a and 2b (undated, so the review's 20 July), 3 (1 September), 6 (none).
    assert figure("response_late") == ["2a", "2b", "3", "6"]
    assert figure("implemented") == ["1", "5"]
    assert figure("in_progress") == ["4"]
    assert figure("no_update") == ["2a", "2b", "3"]
    assert figure("status_not_stated") == ["6"]
    assert figure("overdue") == ["4"]
    assert figure("closed") == []
    assert figure("target_moved") == ["5"]
    # Implemented in the period, whenever made: O1 (June 2024) too.
    assert figure("implemented_in_period") == ["1", "5", "o1"]
    # The cohort agreed in 2024/25: 1, 2a, 3, 4 agreed and 5 partly.
    assert figure("cohort") == ["1", "2a", "3", "4", "5"]
    assert figure("cohort_1") == ["1", "5"]
    # The cohort agreed in 2023/24 is O1: implemented 11 months after its decision.
    assert figure("cohort_1", D(2023, 4, 1), D(2024, 3, 31)) == ["o1"]


def test_two_years_on_the_cohort_counts_parts_implemented_within_two_years(data):
    standings = impact.standings(Recommendation.objects.all(), D(2026, 8, 1))
    labels = {s.id: label for label, rec in data.items() for s in standings if s.id == rec.pk}
    within = {k: sorted(labels[s.id] for s in impact.members(standings, k, START, END))
              for k in ("cohort_1", "cohort_2")}  # fmt: skip
    # 2a: decided 20 July 2024, "2025" known on 31 December 2025: within 2 years, not 1.
    assert within == {"cohort_1": ["1", "5"], "cohort_2": ["1", "2a", "5"]}


def test_as_at_today_it_agrees_with_todays_rules(demo_data):
    """As at today, the engine's status and overdue are exactly today's (with_progress)."""
    today = timezone.localdate()
    standings = {s.id: s for s in impact.standings(Recommendation.objects.all(), today)}
    current = with_progress(Recommendation.objects.filter(parts=None), today=today)
    assert standings
    for rec in current:
        if rec.pk in standings:
            assert standings[rec.pk].status == rec.status_key, rec
            assert standings[rec.pk].overdue == rec.is_overdue, rec
            assert standings[rec.pk].closed == bool(rec.closed_at_meeting_id), rec
            assert standings[rec.pk].decision == rec.decision_key, rec


def test_the_queries_do_not_grow_with_the_data(data, django_assert_num_queries):
    with django_assert_num_queries(5):
        impact.standings(Recommendation.objects.all(), END)
