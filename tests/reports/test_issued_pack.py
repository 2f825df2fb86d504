"""Papers as presented (issue 12): a committee pack, once issued by a clerk or once its
meeting has passed, is the same document on every download, whatever is recorded later."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from recommendations.models import Meeting, ProgressUpdate, UpdateReport
from recommendations.services import progress_update_create
from reports import rows, services, tasks
from reports.models import IssuedPack, PackRender
from reports.pdf import documents, sandbox
from tests.reports.conftest import make_big_review

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LATER_UPDATE = "A later update: the new exclusions policy is now in place."


def _meeting(*, days_from_today: int, slug: str = "frozen") -> Meeting:
    """A review of three recommendations whose (draft) update report goes to a meeting."""
    review = make_big_review(3, slug=slug)
    meeting = Meeting.objects.create(
        committee=review.committee,
        date=timezone.localdate() + dt.timedelta(days=days_from_today),
        agenda_item="Exclusions: six month update",
    )
    meeting.reviews.add(review)
    UpdateReport.objects.filter(review=review).update(meeting=meeting)
    return meeting


def _record_a_later_update(meeting: Meeting, user) -> None:
    """Through the service, as an officer would: a new update in the report the pack carries."""
    report = meeting.update_reports.get()
    recommendation = report.review.recommendations.order_by("order").first()
    progress_update_create(
        update=ProgressUpdate(
            recommendation=recommendation,
            report=report,
            as_at=dt.date(2024, 2, 20),
            text=LATER_UPDATE,
            timescale="Ongoing",
            target_date=dt.date(2024, 6, 1),
        ),
        user=user,
    )


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.streaming  # FileResponse: the stored file, not a render
    return response.getvalue()


@pytest.fixture
def colin(clerk):
    clerk.first_name, clerk.last_name = "Colin", "Clerk"
    clerk.save()
    return clerk


@pytest.fixture
def clerk_client(client, colin):
    client.force_login(colin)
    return client


def test_a_past_meetings_pack_is_frozen_and_byte_for_byte_the_same_after_a_later_update(
    clerk_client, officer
):
    meeting = _meeting(days_from_today=-1)
    first = _download(clerk_client, f"/meetings/{meeting.pk}/pack.pdf")

    issued = IssuedPack.objects.get(meeting=meeting)
    assert issued.how == IssuedPack.How.FROZEN and issued.issued_by is None
    assert issued.sha256 == _sha(first) and issued.size == len(first) and issued.pages >= 2
    assert issued.file.name.startswith("packs/issued/")
    assert default_storage.open(issued.file.name).read() == first

    _record_a_later_update(meeting, officer)

    # The live pack now says something else...
    live_html = documents.pack_html(rows.meeting_pack(meeting.pk))
    assert LATER_UPDATE in live_html
    assert _sha(sandbox.render_pdf(live_html)) != issued.sha256
    # ...but every download is what members were sent.
    assert _sha(_download(clerk_client, f"/meetings/{meeting.pk}/pack.pdf")) == issued.sha256
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    when = timezone.localtime(issued.issued_at)
    assert f"Frozen when the meeting passed, on {when.day} {when:%B %Y} at {when:%H:%M}" in (
        page.content.decode()
    )
    assert b"Issue the pack</button>" not in page.content
    assert IssuedPack.objects.count() == 1


def test_a_meeting_still_to_come_has_a_live_pack(clerk_client, officer):
    meeting = _meeting(days_from_today=0)  # the meeting is today: not passed yet
    first = clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf")
    assert first.status_code == 200 and not IssuedPack.objects.exists()
    _record_a_later_update(meeting, officer)
    second = clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf")
    assert _sha(second.content) != _sha(first.content)


def test_a_clerk_issues_the_pack_before_the_meeting_and_it_never_changes(clerk_client, officer):
    meeting = _meeting(days_from_today=7)
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    assert b"Issue the pack</button>" in page.content
    assert b"After this, the pack members download will not change" in page.content

    response = clerk_client.post(f"/meetings/{meeting.pk}/pack/issue/", follow=True)
    assert response.redirect_chain == [(f"/meetings/{meeting.pk}/pack/", 302)]
    issued = IssuedPack.objects.get(meeting=meeting)
    assert issued.how == IssuedPack.How.ISSUED and issued.issued_by.username == "colin-clerk"
    when = timezone.localtime(issued.issued_at)
    statement = f"Issued on {when.day} {when:%B %Y} at {when:%H:%M} by Colin Clerk"
    assert issued.statement == statement
    assert statement in response.content.decode()
    assert b"The pack is issued" in response.content
    assert b"Issue the pack</button>" not in response.content

    _record_a_later_update(meeting, officer)
    content = _download(clerk_client, f"/meetings/{meeting.pk}/pack.pdf")
    assert _sha(content) == issued.sha256

    again = clerk_client.post(f"/meetings/{meeting.pk}/pack/issue/", follow=True)
    assert b"already issued" in again.content and b"It has not changed" in again.content
    assert list(IssuedPack.objects.values_list("pk", "sha256")) == [(issued.pk, issued.sha256)]
    assert len(_issued_files()) == 1


def _issued_files() -> list[Path]:
    folder = Path(default_storage.path("packs/issued"))
    return sorted(folder.glob("*")) if folder.exists() else []


def test_members_cannot_issue_and_issuing_needs_post(client, member, colin):
    meeting = _meeting(days_from_today=7)
    client.force_login(member)
    assert client.post(f"/meetings/{meeting.pk}/pack/issue/").status_code == 403
    client.force_login(colin)
    assert client.get(f"/meetings/{meeting.pk}/pack/issue/").status_code == 405
    assert not IssuedPack.objects.exists()


@pytest.mark.parametrize("damage", ["removed", "altered"])
def test_an_issued_file_missing_from_storage_is_a_clear_page_not_a_500(clerk_client, damage):
    meeting = _meeting(days_from_today=-3)
    _download(clerk_client, f"/meetings/{meeting.pk}/pack.pdf")
    issued = IssuedPack.objects.get()
    if damage == "removed":
        default_storage.delete(issued.file.name)
    else:
        with open(default_storage.path(issued.file.name), "ab") as stored:
            stored.write(b"%% appended")
    response = clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf")
    assert response.status_code == 503
    text = response.content.decode()
    assert "cannot be downloaded" in text and issued.sha256 in text and issued.file.name in text
    # Never silently made again: it must be what members were sent.
    assert IssuedPack.objects.get().sha256 == issued.sha256
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    assert page.status_code == 200
    if damage == "removed":
        assert b"missing from storage" in page.content


def test_a_storage_failure_while_issuing_says_so_and_leaves_no_file(clerk_client, monkeypatch):
    meeting = _meeting(days_from_today=7)
    storage_class = default_storage.__class__
    real_save = storage_class.__mro__[1]._save  # Django's, under the project's clean storage

    def full_disk(self, name, content):
        # Part of the file reaches the disk before the write fails.
        with open(self.path(name), "wb") as partial:
            partial.write(b"%PDF-1.7 trunc")
        raise OSError(errno.ENOSPC, "No space left on device")

    Path(default_storage.path("packs/issued")).mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(storage_class.__mro__[1], "_save", full_disk)
    response = clerk_client.post(f"/meetings/{meeting.pk}/pack/issue/", follow=True)
    assert b"The pack could not be issued" in response.content
    assert b"storage is full" in response.content
    assert not IssuedPack.objects.exists() and _issued_files() == []

    monkeypatch.setattr(storage_class.__mro__[1], "_save", real_save)
    clerk_client.post(f"/meetings/{meeting.pk}/pack/issue/")
    assert IssuedPack.objects.count() == 1 and len(_issued_files()) == 1


def test_two_first_requests_at_once_store_one_pack(monkeypatch):
    """The loser of the race (its look found nothing, then the winner's row arrived before its
    own) gets the winner's pack, and its own file is removed."""
    meeting = _meeting(days_from_today=-1)
    real_save = default_storage.save
    raced = []

    def save_after_the_winner(name, content, max_length=None):
        stored = real_save(name, content, max_length=max_length)
        if not raced:
            raced.append(stored)
            services.issued_pack_store(meeting=meeting, content=b"%PDF winner", pages=1)
        return stored

    monkeypatch.setattr(default_storage, "save", save_after_the_winner)
    issued, created = services.issued_pack_store(meeting=meeting, content=b"%PDF loser", pages=1)
    assert not created and issued.sha256 == _sha(b"%PDF winner")
    assert IssuedPack.objects.count() == 1
    assert not default_storage.exists(raced[0])
    assert [path.read_bytes() for path in _issued_files()] == [b"%PDF winner"]


# -- Large packs, through the background path --------------------------------------------


@pytest.fixture
def fake_render(monkeypatch):
    renders = []

    def render_pdf(html, **kwargs):
        renders.append(html)
        if kwargs.get("on_progress"):
            kwargs["on_progress"](4)
        return b"%PDF-1.7 fake " + documents.fingerprint(html).encode()

    monkeypatch.setattr(sandbox, "render_pdf", render_pdf)
    return renders


def test_a_large_past_pack_is_stored_as_issued_when_the_worker_is_done_and_never_rendered_again(
    clerk_client, officer, settings, fake_render
):
    settings.TASKS = IMMEDIATE
    settings.PDF_PACK_REQUEST_MAX_ROWS = 1
    meeting = _meeting(days_from_today=-1)
    response = clerk_client.get(f"/meetings/{meeting.pk}/pack.pdf")
    assert response.url == f"/meetings/{meeting.pk}/pack/"
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")
    issued = IssuedPack.objects.get()
    assert issued.how == IssuedPack.How.FROZEN and issued.pages == 4
    first = _download(clerk_client, f"/meetings/{meeting.pk}/pack.pdf")
    assert _sha(first) == issued.sha256 and len(fake_render) == 1

    _record_a_later_update(meeting, officer)
    clerk_client.post(f"/meetings/{meeting.pk}/pack/render/")  # an old tab's button
    assert len(fake_render) == 1 and PackRender.objects.count() == 1
    job = PackRender.objects.get()
    for url in [f"/meetings/{meeting.pk}/pack.pdf", f"/meetings/{meeting.pk}/pack/{job.pk}.pdf"]:
        assert _download(clerk_client, url) == first
    page = clerk_client.get(f"/meetings/{meeting.pk}/pack/")
    assert b"Frozen when the meeting passed" in page.content and "Refresh" not in page


def test_a_large_pack_a_clerk_issues_is_issued_by_them_when_ready(
    clerk_client, officer, settings, fake_render
):
    settings.TASKS = IMMEDIATE
    settings.PDF_PACK_REQUEST_MAX_ROWS = 1
    meeting = _meeting(days_from_today=10)
    clerk_client.post(f"/meetings/{meeting.pk}/pack/issue/")
    issued = IssuedPack.objects.get()
    assert issued.how == IssuedPack.How.ISSUED and issued.issued_by_name == "Colin Clerk"
    _record_a_later_update(meeting, officer)
    assert _sha(_download(clerk_client, f"/meetings/{meeting.pk}/pack.pdf")) == issued.sha256
    assert len(fake_render) == 1


def test_a_queued_render_of_a_pack_issued_meanwhile_is_not_rendered(
    clerk_client, settings, fake_render
):
    settings.PDF_PACK_REQUEST_MAX_ROWS = 1
    meeting = _meeting(days_from_today=10)
    job = tasks.start_pack_render(meeting=meeting, user=None)  # the default (dummy) backend
    services.issued_pack_store(meeting=meeting, content=b"%PDF issued", pages=1)
    assert tasks.render_pack.call(job.pk) == "already issued"
    job.refresh_from_db()
    assert job.status == PackRender.Status.FAILED and job.error == tasks.ALREADY_ISSUED
    assert fake_render == [] and job.file.name == ""
