"""Once an update report is final its updates are the record: corrections are new updates."""

import pytest

from recommendations import services
from recommendations.models import ProgressUpdate, UpdateReport
from tests.factories import make_review

pytestmark = pytest.mark.django_db

REC = "/reviews/r/recommendations/1/"


@pytest.fixture
def final_update():
    review = make_review(slug="r", recommendations=1)
    report = UpdateReport.objects.get(review=review)
    services.update_report_finalise(report=report, expected_version=report.version, user=None)
    return ProgressUpdate.objects.get(report=report)


def test_finalising_is_confirmed_on_its_own_page_and_marks_the_report_final(officer_client):
    review = make_review(slug="r", recommendations=1)
    report = UpdateReport.objects.get(review=review)
    url = f"/reviews/r/update-reports/{report.pk}/finalise/"
    page = officer_client.get(url)
    assert page.status_code == 200 and "1 of 1</strong> recommendation has" in page.content.decode()
    report.refresh_from_db()
    assert not report.is_final  # looking is not confirming
    response = officer_client.post(url, {"version": report.version, "gaps": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.is_final and report.version == 2


def test_the_services_refuse_to_edit_or_delete_an_update_in_a_final_report(final_update, officer):
    final_update.text = "Rewritten."
    with pytest.raises(services.RecordLocked):
        services.progress_update_edit(update=final_update, expected_version=1, user=officer)
    with pytest.raises(services.RecordLocked):
        services.progress_update_delete(update=final_update, user=officer)
    final_update.refresh_from_db()
    assert final_update.text == "Update 0 on 1"


def test_an_update_cannot_be_moved_into_a_final_report(final_update, officer):
    loose = ProgressUpdate.objects.create(
        recommendation=final_update.recommendation, as_at="2023-08-01", text="Loose."
    )
    loose.report = final_update.report
    with pytest.raises(services.RecordLocked):
        services.progress_update_edit(update=loose, expected_version=1, user=officer)


def test_the_views_refuse_too_with_a_clear_message(final_update, officer_client):
    edit = f"{REC}updates/{final_update.pk}/edit/"
    response = officer_client.get(edit)
    assert response.status_code == 403
    assert "part of a final report" in response.content.decode()
    assert officer_client.post(edit, {"text": "Rewritten.", "version": 1}).status_code == 403
    assert officer_client.post(f"{REC}updates/{final_update.pk}/delete/").status_code == 403
    final_update.refresh_from_db()
    assert final_update.text == "Update 0 on 1"


def test_the_page_offers_a_correction_instead_of_edit_links(final_update, officer_client):
    body = officer_client.get(REC).content.decode()
    assert f"{REC}updates/{final_update.pk}/correct/" in body
    assert f"{REC}updates/{final_update.pk}/edit/" not in body


def test_a_correction_is_a_new_update_and_the_original_stays(final_update, officer_client):
    url = f"{REC}updates/{final_update.pk}/correct/"
    form = officer_client.get(url).context["form"]
    assert form["text"].value() == "Update 0 on 1"
    response = officer_client.post(
        url,
        {"as_at": "2023-02-01", "as_at_precision": "day", "status": "in_progress",
         "text": "Corrected: two schools, not three.", "report": ""},
    )  # fmt: skip
    assert response.status_code == 302
    correction = ProgressUpdate.objects.get(corrects=final_update)
    assert correction.recommendation_id == final_update.recommendation_id
    final_update.refresh_from_db()
    assert final_update.text == "Update 0 on 1"
    body = officer_client.get(REC).content.decode()
    assert "Corrected: two schools, not three." in body and "Update 0 on 1" in body
    assert "Corrects the update as at" in body
    assert "Correction added, as at 1 February 2023" in body


def test_a_report_edit_cannot_unfinalise_it(final_update, officer_client):
    report = final_update.report
    url = f"/reviews/r/update-reports/{report.pk}/edit/"
    response = officer_client.post(
        url, {"title": "Renamed", "as_at": "", "as_at_precision": "day", "meeting": "",
              "summary": "", "version": report.version, "is_final": ""},
    )  # fmt: skip
    assert response.status_code == 200
    assert services.REPORT_DETAILS_FINAL_MESSAGE in response.content.decode()
    report.refresh_from_db()
    assert report.title == "Six month update" and report.is_final


def test_the_report_page_lists_its_updates(final_update, member_client):
    body = member_client.get(
        f"/reviews/r/update-reports/{final_update.report_id}/"
    ).content.decode()
    assert "Update 0 on 1" in body and "This report is final" in body
    assert "Make this report final" not in body
