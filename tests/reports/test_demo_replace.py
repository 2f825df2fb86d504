"""``load_demo_data --replace`` once a demo meeting's pack has been issued: an issued pack
protects its meeting from deletion, but a demo meeting's packs are demo data too, so replacing
the demo removes them with their files, and the demo loads again as it was."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from recommendations import demo
from recommendations.models import Meeting, ProgressUpdate, Recommendation
from reports import services
from reports.models import AppendixSettings, IssuedPack, PackRender

pytestmark = pytest.mark.django_db

HACKNEY_MEETING = "Outcome of School Exclusions (Recommendation Update)"


def _counts() -> tuple[int, ...]:
    return (
        Recommendation.objects.count(),
        ProgressUpdate.objects.count(),
        Meeting.objects.count(),
        AppendixSettings.objects.count(),
    )


@pytest.fixture
def issued(demo_data, clerk) -> tuple[IssuedPack, PackRender]:
    """The Hackney meeting's pack, issued by a clerk, and a background render of it kept."""
    meeting = Meeting.objects.get(agenda_item=HACKNEY_MEETING)
    pack, stored = services.issued_pack_store(
        meeting=meeting, content=b"%PDF-1.7 the pack as sent", pages=1, issued_by=clerk
    )
    assert stored
    name = default_storage.save("packs/2024/01/pack.pdf", ContentFile(b"%PDF-1.7 a render"))
    render = PackRender.objects.create(
        meeting=meeting, status=PackRender.Status.DONE, data_version="v", file=name
    )
    return pack, render


def test_replacing_the_demo_replaces_its_issued_packs(issued, django_capture_on_commit_callbacks):
    pack, render = issued
    counts = _counts()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_data", "--replace")
    assert not IssuedPack.objects.exists() and not PackRender.objects.exists()
    assert not default_storage.exists(pack.file.name)
    assert not default_storage.exists(render.file.name)
    assert _counts() == counts
    meeting = Meeting.objects.get(agenda_item=HACKNEY_MEETING)
    assert meeting.pk != pack.meeting_id
    assert not hasattr(meeting, "issued_pack")


def test_a_replace_that_fails_keeps_the_issued_pack_and_its_file(
    issued, django_capture_on_commit_callbacks, monkeypatch
):
    """The packs go only when the whole reload is committed."""
    pack, render = issued
    original = demo.read_document

    def broken(path):
        document = original(path)
        if document["review"]["slug"] == "hackney-school-exclusions":
            document["update_reports"][0]["author"] = "nobody-by-that-key"
        return document

    monkeypatch.setattr("recommendations.management.commands.load_demo_data.read_document", broken)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError):
        call_command("load_demo_data", "--replace")
    assert IssuedPack.objects.get() == pack and PackRender.objects.get() == render
    assert default_storage.open(pack.file.name).read() == b"%PDF-1.7 the pack as sent"
    assert default_storage.exists(render.file.name)
