"""Update requests (issue 17), posted arbitrary values: the lead's request page, the officer's
round of requests (sending) and their accept-or-return page, the lead's document upload.
Never a 5xx; what is saved reads back with no active content."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from recommendations import forms, selectors, services, update_requests
from recommendations.models import RequestedUpdate, UpdateRequest
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import (
    assert_no_active_content,
    encode_pairs,
    hostile_text,
    rolled_back,
    submissions,
)

FORM_CONTENT = "application/x-www-form-urlencoded"


@pytest.fixture
def requested(world, officer):
    """The round's request to the world's lead, with a submitted update on recommendation 1a
    (the parts carry the decisions of 1) and the lead's own signed-in client."""
    person = world.lead.person
    person.email = "lead@example.org"
    person.save()
    update_requests.send(report=world.report, due_on=dt.date.today(), user=officer)
    update_request = UpdateRequest.objects.get(person=person)
    rows = selectors.rows_for_request(update_request)
    answer = services.requested_update_save(
        answer=RequestedUpdate(
            request=update_request, recommendation=rows[-1].recommendation, text="Done."
        ),
        expected_version=None, submit=True, user=None,
    )  # fmt: skip
    services.requested_update_save(
        answer=RequestedUpdate(request=update_request, recommendation=rows[0].recommendation),
        expected_version=None, submit=False, user=None,
    )  # fmt: skip
    client = Client()
    client.force_login(type(officer).objects.get(lead_person=person))
    return update_request, rows, answer, client


@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_the_lead_request_page_with_any_body(requested, data):
    update_request, rows, _, client = requested
    row = data.draw(st.sampled_from(rows))
    form = forms.RequestedUpdateForm(
        prefix=f"rec-{row.recommendation.pk}", recommendation=row.recommendation,
        previous=row.previous,
    )  # fmt: skip
    pairs = [(form.add_prefix(n), v) for n, v in data.draw(submissions(form))]
    pairs.append(("recommendation", str(row.recommendation.pk)))
    pairs.append(("action", data.draw(st.sampled_from(["draft", "submit", "", "x"]))))
    url = update_request.get_absolute_url()
    with rolled_back():
        response = client.post(url, encode_pairs(pairs), content_type=FORM_CONTENT)
        assert response.status_code in (200, 302, 403), response.status_code
        page = client.get(url) if response.status_code == 302 else response
        assert_no_active_content(page.content.decode())


@settings(FUZZ, max_examples=15)
@given(due=st.text(max_size=30), send=st.sampled_from(["1", ""]), again=st.text(max_size=20))
def test_sending_requests_with_any_body(officer_client, world, requested, due, send, again):
    url = f"/reviews/{world.review.slug}/update-reports/{world.report.pk}/requests/"
    body = {"due_on": due, "send": send} if send else {"send_again": again}
    with rolled_back():
        response = officer_client.post(url, body)
        assert response.status_code in (200, 302, 404), response.status_code


@settings(FUZZ, max_examples=20)
@given(
    action=st.sampled_from(["accept", "return"]),
    version=st.one_of(st.text(max_size=20), st.integers(-5, 5).map(str)),
    comment=hostile_text(25_000),
)
def test_accepting_or_returning_with_any_body(
    officer_client, world, requested, action, version, comment
):
    _, _, answer, _ = requested
    url = f"/reviews/{world.review.slug}/update-reports/{world.report.pk}/requests/{answer.pk}/"
    with rolled_back():
        response = officer_client.post(
            url, {action: "1", "version": version, "return_comment": comment}
        )
        assert response.status_code in (200, 302), response.status_code
        assert_no_active_content(officer_client.get(url).content.decode())


@settings(FUZZ, max_examples=10)
@given(title=hostile_text(300), description=hostile_text(25_000), content=st.binary(max_size=64))
def test_the_lead_document_upload_with_any_body(requested, title, description, content):
    update_request, rows, _, client = requested
    url = (
        f"/update-requests/{update_request.pk}/recommendations/"
        f"{rows[0].recommendation.pk}/documents/new/"
    )
    with rolled_back():
        upload = SimpleUploadedFile("x.txt", content)
        response = client.post(url, {"title": title, "description": description, "file": upload})
        assert response.status_code in (200, 302), response.status_code
