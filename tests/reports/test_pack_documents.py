"""The committee pack's contents name the supporting documents of the meeting, of the update
reports presented at it and of the updates it shows (title, type, size); issued packs stay as
they were issued."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from recommendations import services
from recommendations.models import Meeting, SupportingDocument, UpdateReport
from reports import rows, tasks
from reports.models import IssuedPack
from reports.pdf import documents
from tests import documents as samples
from tests.reports.conftest import make_big_review, pdf_pages_text

pytestmark = pytest.mark.django_db


def _meeting(*, days_from_today: int = 7) -> Meeting:
    review = make_big_review(2, slug="packed")
    meeting = Meeting.objects.create(
        committee=review.committee,
        date=timezone.localdate() + dt.timedelta(days=days_from_today),
        agenda_item="Exclusions: six month update",
    )
    meeting.reviews.add(review)
    UpdateReport.objects.filter(review=review).update(meeting=meeting)
    return meeting


def _attach(title: str, name: str, data: bytes, **parent) -> SupportingDocument:
    document = SupportingDocument(title=title, file=SimpleUploadedFile(name, data), **parent)
    return services.attach_document(document=document, user=None)


@pytest.fixture
def attached():
    """Documents the pack names, and others it must not."""
    meeting = _meeting()
    report = meeting.update_reports.get()
    review = report.review
    shown = report.updates.get(recommendation__label="1")  # the report's update is shown
    earlier = review.recommendations.get(label="1").updates.get(report=None)
    other = make_big_review(1, slug="elsewhere")
    _attach("Agenda <and> papers", "agenda.pdf", samples.pdf(), meeting=meeting)
    _attach("Six month update paper", "paper.docx", samples.docx(), update_report=report)
    _attach("Exclusions chart", "chart.png", samples.png(), progress_update=shown)
    _attach("Not shown: an earlier update's", "old.pdf", samples.pdf(), progress_update=earlier)
    _attach("Not shown: the review's own", "policy.pdf", samples.pdf(), review=review)
    _attach(
        "Not shown: another review's",
        "x.pdf",
        samples.pdf(),
        progress_update=other.recommendations.get().updates.first(),
    )
    return meeting


def test_the_contents_name_the_meetings_the_reports_and_the_shown_updates_documents(attached):
    pack = rows.meeting_pack(attached.pk)
    assert [(d.title, d.kind, d.size, d.attached_to) for d in pack.documents] == [
        ("Agenda <and> papers", "PDF", len(samples.pdf()), "This meeting"),
        (
            "Six month update paper",
            "Word document",
            len(samples.docx()),
            "Update report: Update",
        ),
        (
            "Exclusions chart",
            "PNG image",
            len(samples.png()),
            "Review packed, recommendation 1: update as at 1 February 2024",
        ),
    ]
    html = documents.pack_html(pack)
    contents = html[html.index('<section class="contents">') : html.index('<section id="summary"')]
    assert "Agenda &lt;and&gt; papers" in contents  # escaped
    assert "Word document" in contents and f"{len(samples.docx())}\xa0bytes" in contents
    assert "Not shown" not in html


def test_a_pack_without_documents_has_no_documents_list():
    meeting = _meeting()
    html = documents.pack_html(rows.meeting_pack(meeting.pk))
    assert "Supporting documents" not in html


def test_the_pdf_contents_page_lists_them(attached, clerk_client, monkeypatch):
    monkeypatch.setattr(tasks, "meeting_has_passed", lambda meeting: False)
    response = clerk_client.get(f"/meetings/{attached.pk}/pack.pdf")
    assert response.status_code == 200
    contents = pdf_pages_text(response.content)[1]
    assert "Supporting documents" in contents
    assert "Agenda <and> papers" in contents and "Exclusions chart" in contents
    assert "PNG image" in contents


def test_attaching_a_document_makes_a_new_live_pack_but_leaves_an_issued_one_as_it_was(
    clerk_client,
):
    meeting = _meeting()
    before = tasks.pack_data_version(meeting.pk)
    _attach("Agenda", "agenda.pdf", samples.pdf(), meeting=meeting)
    assert tasks.pack_data_version(meeting.pk) != before  # no stale render is reused

    assert clerk_client.post(f"/meetings/{meeting.pk}/pack/issue/").status_code == 302
    issued = IssuedPack.objects.get(meeting=meeting)
    first = clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf").getvalue()
    assert hashlib.sha256(first).hexdigest() == issued.sha256
    _attach("Late paper", "late.pdf", samples.pdf(), meeting=meeting)
    assert "Late paper" in documents.pack_html(rows.meeting_pack(meeting.pk))
    assert clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf").getvalue() == first
