"""What signed-in users are sent is never stored by a shared cache or left on the browser's disk:
``Cache-Control: private, no-store``. Static files keep their long caching."""

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.templatetags.static import static
from django.utils.cache import get_max_age

from recommendations.models import Meeting
from reports import tasks
from reports.models import PackRender
from reports.pdf import documents
from tests.factories import make_review

pytestmark = pytest.mark.django_db


def assert_private_no_store(response) -> None:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, response.get("Cache-Control")


@pytest.fixture
def review():
    return make_review(slug="r", recommendations=2)


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.mark.parametrize(
    "path",
    ["/", "/reviews/", "/reviews/r/", "/reviews/r/appendix/", "/recommendations/", "/labels/"],
)
def test_pages_for_a_signed_in_user_are_private_and_not_stored(member_client, review, path):
    response = member_client.get(path)
    assert response.status_code == 200
    assert_private_no_store(response)


@pytest.mark.parametrize(
    "path",
    [
        "/reviews/r/appendix.csv",
        "/reviews/r/appendix.xlsx",
        "/reviews/r/appendix.docx",
        "/recommendations/?_export=csv",
        "/recommendations/?_export=xlsx",
    ],
)
def test_exports_are_private_and_not_stored(clerk_client, review, path):
    response = clerk_client.get(path)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert_private_no_store(response)


def test_a_pdf_export_is_private_and_not_stored(clerk_client, review, monkeypatch):
    monkeypatch.setattr(documents, "cached_pdf", lambda html: (b"%PDF-1.7 fake", False))
    response = clerk_client.get("/reviews/r/appendix.pdf")
    assert response.status_code == 200 and response.content == b"%PDF-1.7 fake"
    assert_private_no_store(response)


def test_a_rendered_pack_download_is_private_and_not_stored(clerk_client, clerk, review):
    meeting = Meeting.objects.create(
        committee=review.committee, date="2023-01-16", agenda_item="Update"
    )
    meeting.reviews.add(review)
    job = PackRender.objects.create(
        meeting=meeting,
        requested_by=clerk,
        status=PackRender.Status.DONE,
        data_version=tasks.pack_data_version(meeting.pk),
    )
    job.file.save("pack.pdf", ContentFile(b"%PDF-1.7 pack"))
    response = clerk_client.get(f"/meetings/{meeting.pk}/pack/{job.pk}.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])
    assert_private_no_store(response)


def test_a_refusal_to_a_signed_in_user_is_private_and_not_stored(member_client, review):
    # Members read; only clerks and officers export.
    response = member_client.get("/reviews/r/appendix.csv")
    assert response.status_code == 403
    assert_private_no_store(response)


def test_a_not_found_page_for_a_signed_in_user_is_private_and_not_stored(member_client):
    response = member_client.get("/reviews/no-such-review/")
    assert response.status_code == 404
    assert_private_no_store(response)


def test_the_admin_is_private_and_not_stored(client, db):
    admin = User.objects.create_superuser(username="ada", password="x-long-enough-1")
    client.force_login(admin)
    for path in ("/admin/", "/admin/recommendations/recommendation/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_private_no_store(response)


def test_a_view_that_sets_its_own_policy_keeps_it(member_client):
    # /healthz says no-cache for the load balancer, signed in or not.
    response = member_client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]


def test_static_files_keep_their_long_caching(member_client):
    response = member_client.get(static("css/tracker.css"))
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert get_max_age(response) == 315360000


def test_the_sign_in_page_is_left_as_django_sends_it(client):
    # Anonymous: nothing private on it. Django's login view is never_cache already, so no
    # browser keeps the form with a typed username.
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]
