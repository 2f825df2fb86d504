import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.models import Meeting
from reports.pdf import documents
from tests.reports.conftest import HACKNEY, pdf_pages_text
from tests.reports.test_pdf import shared_renders  # noqa: F401 -- autouse: one render per HTML

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("live_packs")]


@pytest.fixture
def january_meeting(layouts) -> Meeting:
    return Meeting.objects.get(date=dt.date(2023, 1, 16))


def test_a_meeting_pack_has_cover_contents_summary_appendix_and_glossary(
    clerk_client, january_meeting
):
    response = clerk_client.get(f"/meetings/{january_meeting.pk}/pack.pdf")
    assert response.status_code == 200
    pages = pdf_pages_text(response.content)
    cover, contents, summary = pages[0], pages[1], pages[2]
    assert "Reducing School Exclusions - Update report" in cover
    assert "Children & Young People Scrutiny Commission" in cover
    assert "16 January 2023" in cover
    assert "Katherine Cracknell" in cover and "Jacque Burke" in cover
    # Issue 12: the review's title and the report's summary, beside its author and authoriser.
    assert "Review Reducing School Exclusions" in cover
    assert "Summary" in cover and "This report summarises the work undertaken" in cover
    assert "Contents" in contents and "Status summary" in contents and "Glossary" in contents
    assert "Appendix 1: Reducing School Exclusions - Update report" in contents
    assert "Agreed" in summary and "Partly agreed" in summary
    appendix = "\n".join(pages[3:-1])
    assert "Hackney Education" in appendix and "Recommendation 18" in appendix
    glossary = pages[-1]
    assert (
        "Glossary" in glossary
        and "CAMHS" in glossary
        and "Child and Adolescent Mental Health" in glossary
    )
    assert "RONI" not in glossary or "RONI" in appendix  # only terms that appear


def test_pack_needs_the_export_permission(client, member, january_meeting):
    client.force_login(member)
    assert client.get(f"/meetings/{january_meeting.pk}/pack.pdf").status_code == 403


def test_unknown_meeting_is_a_404(clerk_client, layouts):
    assert clerk_client.get("/meetings/999999/pack.pdf").status_code == 404


def test_pack_queries_do_not_grow_with_rows(clerk_client, january_meeting, monkeypatch):
    monkeypatch.setattr(documents, "cached_pdf", lambda html: (b"%PDF", False))
    clerk_client.get(f"/meetings/{january_meeting.pk}/pack.pdf")
    with CaptureQueriesContext(connection) as queries:
        clerk_client.get(f"/meetings/{january_meeting.pk}/pack.pdf")
    # session, user, 2 permissions; whether it is issued; the row count; the meeting (is it
    # past?); its stored PDF; meeting; its reports; its reviews; per review (one):
    # recommendations, leads, report updates, the report; the glossary; the supporting
    # documents its contents name; session save (3). (Fewer once the stored PDF is trusted:
    # then the pack is not built at all.)
    assert len(queries) <= 20, [q["sql"][:100] for q in queries.captured_queries]


def test_export_commands_write_pdfs(tmp_path, january_meeting):
    out = tmp_path / "appendix.pdf"
    call_command("export_pdf", HACKNEY, "-o", str(out))
    assert "Recommendation 18" in "\n".join(pdf_pages_text(out.read_bytes()))
    report_id = january_meeting.update_reports.get().pk
    call_command("export_pdf", HACKNEY, "-o", str(out), "--report", str(report_id))
    assert out.read_bytes().startswith(b"%PDF")
    pack = tmp_path / "pack.pdf"
    call_command("export_pack", str(january_meeting.pk), "-o", str(pack))
    assert "16 January 2023" in pdf_pages_text(pack.read_bytes())[0]
    with pytest.raises(CommandError):
        call_command("export_pdf", "no-such-review", "-o", str(out))
    with pytest.raises(CommandError):
        call_command("export_pack", "999999", "-o", str(pack))
