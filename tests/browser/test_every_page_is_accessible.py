"""axe-core on every page type a person can reach, as an administrator (who sees every edit
link and form). The flows in the other browser tests cover the same pages with errors shown."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page

from recommendations.models import Lead, Meeting, ProgressUpdate, Recommendation, UpdateReport
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HACKNEY = "/reviews/hackney-school-exclusions"
REC = HACKNEY + "/recommendations/3"


def test_every_page_type_has_no_axe_violations(page: Page, demo_data):
    User.objects.create_superuser("ada-admin", password=PASSWORD)
    recommendation = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="3")
    lead = Lead.objects.filter(recommendation=recommendation).first()
    update = ProgressUpdate.objects.filter(recommendation=recommendation).first()
    report = UpdateReport.objects.get(review__slug="hackney-school-exclusions")
    meeting = Meeting.objects.filter(reviews__slug="hackney-school-exclusions").first()
    # One closed (its page offers the reopen form) and one reopened (its page says so).
    closed = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="4")
    closed.closed_at_meeting, closed.closed_reason, closed.closed_evidence = meeting, "Done", "M1"
    closed.save()
    reopened = Recommendation.objects.get(review__slug="hackney-school-exclusions", label="5")
    reopened.reopened_at_meeting, reopened.reopened_reason = meeting, "Not done after all"
    reopened.save()
    sign_in(page, "ada-admin")
    paths = [
        "/",
        "/labels/",
        "/reviews/",
        "/reviews/new/",
        HACKNEY + "/",
        HACKNEY + "/edit/",
        HACKNEY + "/reorder/",
        HACKNEY + "/changes/",
        HACKNEY + "/add-recommendation/",
        HACKNEY + "/update-reports/new/",
        f"{HACKNEY}/update-reports/{report.pk}/",
        f"{HACKNEY}/update-reports/{report.pk}/edit/",
        HACKNEY + "/meetings/new/",
        f"{HACKNEY}/meetings/{meeting.pk}/edit/",
        HACKNEY + "/appendix/",
        HACKNEY + "/appendix/settings/",
        REC + "/",
        REC + "/edit/",
        REC + "/overdue/",
        REC + "/close/",
        HACKNEY + "/recommendations/4/",
        HACKNEY + "/recommendations/4/reopen/",
        HACKNEY + "/recommendations/5/",
        REC + "/response/",
        REC + "/leads/",
        f"{REC}/leads/{lead.pk}/edit/",
        REC + "/updates/new/",
        f"{REC}/updates/{update.pk}/correct/",
        "/reviews/buckinghamshire-permanent-exclusions/recommendations/2a/",
        "/recommendations/",
        "/recommendations/?q=exclusion&decision=agreed",
        f"/meetings/{meeting.pk}/pack/",
    ]
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        try:
            assert_accessible(page)
        except AssertionError as error:
            raise AssertionError(f"{path}: {error}") from None
