"""Target-date history, the overdue override, closing, what changed, the timeline and
reminders."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from recommendations.models import (
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    ReminderSent,
)
from reports.changes import word_diff
from tests.factories import make_review

pytestmark = pytest.mark.django_db

REC = "/reviews/r/recommendations/1/"


@pytest.fixture
def review():
    review = make_review(slug="r", recommendations=2)  # reported 1 January 2023
    meeting = Meeting.objects.create(
        committee=review.committee, date=dt.date(2024, 2, 1), agenda_item="Progress review",
        decision="Noted the progress.",
    )  # fmt: skip
    meeting.reviews.add(review)
    return review


def _update(client, **overrides):
    data = {
        "as_at": "2024-03-31", "as_at_precision": "day", "status": "in_progress",
        "text": "More done.", "timescale": "", "target_date": "2024-07-31",
        "target_date_change_reason": "", "report": "",
    }  # fmt: skip
    data.update(overrides)
    return client.post(REC + "updates/new/", data)


def test_a_changed_target_date_needs_a_reason_and_keeps_its_history(officer_client, review):
    assert _update(officer_client).status_code == 302  # the first target needs no reason
    # The form carries the current target forward.
    assert 'value="2024-07-31"' in officer_client.get(REC + "updates/new/").content.decode()
    response = _update(officer_client, as_at="2024-05-01", target_date="2024-12-31")
    assert response.status_code == 200
    assert "The target date was 31 July 2024. Say why it has changed." in response.content.decode()
    response = _update(officer_client, as_at="2024-05-01", target_date="")
    assert "Say why it has been removed." in response.content.decode()
    response = _update(
        officer_client, as_at="2024-05-01", target_date="2024-12-31",
        target_date_change_reason="Contractor went bust.",
    )  # fmt: skip
    assert response.status_code == 302
    # Same date again: no reason needed, and none kept.
    assert _update(
        officer_client, as_at="2024-06-01", target_date="2024-12-31",
        target_date_change_reason="ignored",
    ).status_code == 302  # fmt: skip
    assert ProgressUpdate.objects.filter(target_date_change_reason="ignored").count() == 0
    body = officer_client.get(REC).content.decode()
    assert "31 July 2024" in body and "Original" in body
    assert "31 December 2024" in body and "Contractor went bust." in body
    assert "Target date changed from 31 July 2024 to 31 December 2024" in body


def test_an_officer_overrides_the_overdue_label_with_a_reason(officer_client, officer, review):
    rec = review.recommendations.get(label="1")
    url = REC + "overdue/"
    response = officer_client.post(url, {"overdue_override": "overdue", "version": 1})
    assert "Enter the reason for the overdue label." in response.content.decode()
    response = officer_client.post(
        url, {"overdue_override": "overdue", "overdue_override_reason": "No sign of work",
              "version": 1},
    )  # fmt: skip
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.overdue_override == "overdue" and rec.version == 2
    body = officer_client.get(REC).content.decode()
    assert "No sign of work" in body and "tag--overdue" in body
    assert "Overdue label set to Overdue. Reason: No sign of work" in body
    officer_client.post(
        url, {"overdue_override": "", "overdue_override_reason": "Target agreed", "version": 2}
    )
    rec.refresh_from_db()
    assert rec.overdue_override == "" and rec.history.count() == 3
    assert "Overdue label handed back to the rule. Reason: Target agreed" in (
        officer_client.get(REC).content.decode()
    )


def test_members_and_clerks_may_not_override_or_close(client, member, clerk, review):
    for user in [member, clerk]:
        client.force_login(user)
        assert client.get(REC + "overdue/").status_code == 403
        assert client.post(REC + "close/", {}).status_code == 403


def test_closing_records_the_meeting_reason_and_evidence(officer_client, review):
    meeting = review.meetings.get()
    other = Meeting.objects.create(
        committee=make_review(slug="other").committee, date=dt.date(2024, 1, 1), agenda_item="X"
    )
    data = {"closed_reason": "Fully done", "closed_evidence": "Minute 12", "version": 1}
    response = officer_client.post(REC + "close/", {**data, "closed_at_meeting": other.pk})
    assert "Select a meeting of this review" in response.content.decode()
    response = officer_client.post(REC + "close/", {**data, "closed_at_meeting": meeting.pk})
    assert response.status_code == 302
    rec = Recommendation.objects.get(review=review, label="1")
    assert rec.closed_at_meeting == meeting and rec.closed_evidence == "Minute 12"
    body = officer_client.get(REC).content.decode()
    assert "Closed by the committee" in body and "Minute 12" in body
    # Still on record on the review page, marked, and can be hidden there.
    page = officer_client.get("/reviews/r/").content.decode()
    assert "Closed 1 Feb 2024" in page and "Hide the 1 closed recommendation" in page
    hidden = officer_client.get("/reviews/r/?closed=hide")
    assert [r.label for r in hidden.context["recommendations"]] == ["2"]


def test_what_changed_shows_an_added_update_with_changes_marked(member_client, review):
    rec = review.recommendations.get(label="1")
    ProgressUpdate.objects.create(
        recommendation=rec, as_at=dt.date(2024, 5, 1), status="implemented",
        text="Update 0 on 1 <script>alert(1)</script> finished",
    )  # fmt: skip
    response = member_client.get("/reviews/r/changes/")  # since the last meeting
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert comparison.start.label == "At the meeting of 1 February 2024"
    assert comparison.changed_count == 1
    body = response.content.decode()
    assert "<del>In progress</del> → <ins>Implemented</ins>" in body
    assert "<ins> &lt;script&gt;alert(1)&lt;/script&gt; finished</ins>" in body
    assert "<script>alert" not in body
    report = review.update_reports.get()
    response = member_client.get(f"/reviews/r/changes/?from=report-{report.pk}&to=latest")
    assert response.context["comparison"].changed_count == 1
    assert member_client.get("/reviews/r/changes/?from=bogus").status_code == 404


def test_word_diff_escapes_before_marking():
    before, after = word_diff("a <b> c", "a <i> c d")
    assert before == "a <del>&lt;b&gt;</del> c"
    assert after == "a <ins>&lt;i&gt;</ins> c<ins> d</ins>"


def test_the_timeline_lists_response_updates_and_meetings_by_date(member_client, review):
    rec = review.recommendations.get(label="1")
    rec.response.agreed_on = dt.date(2023, 3, 1)
    rec.response.save()
    ProgressUpdate.objects.create(
        recommendation=rec, as_at=dt.date(2024, 5, 1), status="implemented", text="Done"
    )
    record = member_client.get(REC).context["record"]
    assert [(e.date.isoformat(), e.title) for e in record] == [
        ("2023-01-01", "The review reported"),
        ("2023-02-01", "Progress update: In progress"),
        ("2023-03-01", "Response: Agreed"),
        ("2024-02-01", "Considered at Progress review"),
        ("2024-05-01", "Progress update: Implemented"),
        ("2024-05-01", "Status changed from In progress to Implemented"),
    ]


def test_the_review_page_and_appendix_start_with_the_summary(member_client, review):
    for path in ["/reviews/r/", "/reviews/r/appendix/"]:
        response = member_client.get(path)
        summary = response.context["summary"]
        assert summary.total == 2 and summary.status_counts["in_progress"] == 2
        body = response.content.decode()
        assert "Where things stand" in body and 'role="img"' in body
        assert "Noted the progress." in body  # the last meeting's decision


def test_reminders_go_once_per_person_and_due_date(settings, review):
    settings.SITE_URL = "https://tracker.example.org"
    today = timezone.localdate()
    lead = Person.objects.get(name="Officer 0")
    lead.email = "officer0@example.org"
    lead.save()
    for rec in review.recommendations.all():
        ProgressUpdate.objects.create(
            recommendation=rec, as_at=today, text="Soon.", target_date=today + dt.timedelta(5)
        )
    call_command("send_update_reminders", "--days", "2")
    assert mail.outbox == []
    call_command("send_update_reminders", "--days", "7")
    [email] = mail.outbox
    assert email.to == ["officer0@example.org"]
    assert "https://tracker.example.org/reviews/r/recommendations/1/" in email.body
    assert "https://tracker.example.org/reviews/r/recommendations/2/" in email.body
    assert ReminderSent.objects.filter(person=lead).count() == 2
    call_command("send_update_reminders", "--days", "7")
    assert len(mail.outbox) == 1  # never the same reminder twice
    # A slipped target is a new due date, so a new reminder.
    rec = review.recommendations.get(label="1")
    ProgressUpdate.objects.create(
        recommendation=rec, as_at=today, text="Later.", target_date=today - dt.timedelta(1),
        target_date_change_reason="Slipped",
    )  # fmt: skip
    call_command("send_update_reminders", "--days", "7")
    assert len(mail.outbox) == 2 and "overdue since" in mail.outbox[1].body
    assert "recommendations/2/" not in mail.outbox[1].body


def test_the_pack_summary_has_the_charts(review):
    from reports import rows
    from reports.pdf import documents

    meeting = review.meetings.get()
    html = documents.pack_html(rows.meeting_pack(meeting.pk))
    assert "Recommendations by status" in html and 'role="img"' in html
    assert "In progress: <strong>2</strong>" in html
