"""Every page of the app at 390 px wide (a phone held upright), as an officer, who sees every
edit link and form: the page never scrolls sideways, the header is not cut off, and anything
wider than the screen (a table) scrolls within its own box, which the keyboard can reach and
which has a name.

The pages are found from the URL conf: every URL name of the two apps must be walked here or
be listed as something other than a page (a download, a POST-only action), so a new page
fails this test until it is added.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import get_resolver
from playwright.sync_api import Browser, ConsoleMessage, Page

from recommendations import selectors, services, update_requests
from recommendations.models import (
    Authority,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    RequestedUpdate,
    Review,
    SupportingDocument,
    UpdateReport,
    UpdateRequest,
)
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD
from tests.documents import pdf

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}

# URL names that are not pages a person reads at a width: downloads and POST-only actions.
NOT_PAGES = {
    "appendix_csv", "appendix_xlsx", "appendix_pdf", "meeting_pack_pdf", "meeting_pack_download",
    "recommendation_move", "lead_move", "meeting_pack_render",
    "meeting_pack_issue", "document_download", "appendix_docx", "meeting_pack_docx",
    "tracker_csv", "tracker_xlsx", "tracker_docx", "tracker_pdf",
    "annual_report_xlsx", "annual_report_docx", "annual_report_pdf",
    "import_preview",  # needs an upload first: tests/browser/test_importing.py measures it
    "api_token_revoke",  # a POST button on api_tokens
}  # fmt: skip

# What is wrong with the page as laid out, as sentences; empty when nothing is. Each element's
# style and box are read once (long pages have thousands).
MEASURE = """() => {
  const width = window.innerWidth + 0.5;
  const problems = [];
  const name = (el) => {
    const classes = typeof el.className === 'string' ? el.className.trim() : '';
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (classes ? '.' + classes.split(/\\s+/).join('.') : '')
      + ' "' + (el.innerText || el.value || '').trim().slice(0, 40) + '"';
  };
  const seen = new Map();
  const look = (el) => {
    if (!seen.has(el)) {
      const style = getComputedStyle(el);
      seen.set(el, {
        box: el.getBoundingClientRect(),
        scrolls: ['auto', 'scroll'].includes(style.overflowX),
        visible: style.overflowX === 'visible',
      });
    }
    return seen.get(el);
  };
  const sticksOut = (el) => look(el).box.right > width;
  // Within a box that scrolls sideways by itself (a table's), overflow is that box's business.
  const inScroller = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) if (look(up).scrolls) return true;
    return false;
  };
  // Content (a long word) running out of a box that is not itself too wide.
  const spills = (el) => el instanceof HTMLElement && look(el).visible
    && look(el).box.left + el.scrollWidth > width && !el.closest('select, textarea');
  const hidden = (el) => el.closest('.visually-hidden, .skip-link, [hidden]') !== null;

  const page = document.documentElement.scrollWidth;
  if (page > width) problems.push(`the page scrolls sideways: ${page}px wide`);
  for (const el of document.querySelectorAll('.site-header *')) {
    const box = look(el).box;
    if (!box.width || !box.height || hidden(el)) continue;
    if (box.left < -0.5 || box.right > width) {
      const from = Math.round(box.left), to = Math.round(box.right);
      problems.push(`the header's ${name(el)} is cut off (${from} to ${to}px)`);
    } else if (el.scrollWidth > el.clientWidth + 1 && el.children.length === 0) {
      problems.push(`the header's ${name(el)} does not fit its box`);
    }
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (hidden(el)) continue;
    // Where the overflow starts: wider than the screen, in a parent that is not.
    if (look(el).box.width && sticksOut(el) && !sticksOut(el.parentElement) && !inScroller(el)) {
      problems.push(`${name(el)} sticks out to ${Math.round(look(el).box.right)}px`);
    }
    if (spills(el) && !sticksOut(el) && ![...el.children].some(spills) && !inScroller(el)) {
      problems.push(`${name(el)} spills out of its box, beyond the screen`);
    }
    if (look(el).scrolls && el.scrollWidth > el.clientWidth + 1 && el.tagName !== 'TEXTAREA') {
      const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (el.tabIndex < 0 || !named || el.getAttribute('role') !== 'region') {
        problems.push(`${name(el)} scrolls sideways, not as a named region keys can reach`);
      }
    }
  }
  return [...new Set(problems)].slice(0, 8);
}"""

# Sampled for a look (test-artifacts/phone-*.png).
SCREENSHOTS = {
    "/",
    "/reviews/",
    "/recommendations/",
    "/trackers/",
    "/reviews/hackney-school-exclusions/",
    "/reviews/hackney-school-exclusions/appendix/",
    "/reviews/hackney-school-exclusions/recommendations/3/",
    "/reviews/hackney-school-exclusions/recommendations/3/leads/",
    "/reviews/east-sussex-school-exclusions/changes/",
    "/my-updates/",
}


@pytest.fixture
def phone(browser: Browser, live_server) -> Iterator[Page]:
    """One context for the whole walk. Error pages are expected to log their status; any other
    console error (a CSP violation included) fails the test."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not re.search(
            r"status of (403|404|429|500|503)", message.text
        ):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def _url_names() -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) in {"recommendations", "reports"}:
            names |= {p.name for p in pattern.url_patterns}
    return names


def _pages() -> dict[str, list[str]]:
    """Each URL name with the paths that show it on the demo data: every review, report,
    meeting and recommendation; each form once per review (or once, where the review does
    not change what the form shows)."""
    pages: dict[str, list[str]] = {
        "home": ["/"],
        "label_meanings": ["/labels/"],
        "review_list": ["/reviews/"],
        "review_create": ["/reviews/new/"],
        "import_upload": ["/reviews/import/"],
        "authority_list": ["/authorities/"],
        "authority_create": ["/authorities/new/"],
        "recommendation_list": [
            "/recommendations/",
            "/recommendations/?q=exclusion&decision=agreed",
            "/recommendations/?page=2",
        ],
        "tracker": ["/trackers/", "/trackers/?group=committee&layout=hackney"],
        "api_tokens": ["/api-tokens/"],
        "annual_report": ["/annual/?year=2021"],
        "tracker_pdf_progress": ["/trackers/pdf/?closed=hide"],
    }

    def add(name: str, path: str) -> None:
        pages.setdefault(name, []).append(path)

    for review in Review.objects.order_by("slug"):
        base = f"/reviews/{review.slug}/"
        for name, tail in [
            ("review_detail", ""),
            ("review_edit", "edit/"),
            ("review_reorder", "reorder/"),
            ("review_publication", "publication/"),
            ("review_changes", "changes/"),
            ("recommendation_create", "add-recommendation/"),
            ("update_report_create", "update-reports/new/"),
            ("meeting_create", "meetings/new/"),
            ("appendix", "appendix/"),
            ("appendix_settings", "appendix/settings/"),
            ("appendix_pdf_progress", "appendix/pdf/"),
            ("document_attach_review", "documents/new/"),
        ]:
            add(name, base + tail)
        for report in review.update_reports.order_by("pk"):
            add("update_report_detail", f"{base}update-reports/{report.pk}/")
            add("report_appendix_settings", f"{base}update-reports/{report.pk}/appendix-layout/")
            add("appendix", f"{base}appendix/?report={report.pk}")
            add("document_attach_report", f"{base}update-reports/{report.pk}/documents/new/")
            if report.is_final:
                add("update_report_reopen", f"{base}update-reports/{report.pk}/reopen/")
            else:
                add("update_report_edit", f"{base}update-reports/{report.pk}/edit/")
                add("update_report_finalise", f"{base}update-reports/{report.pk}/finalise/")
                add("update_report_enter", f"{base}update-reports/{report.pk}/enter/")
                add("update_report_requests", f"{base}update-reports/{report.pk}/requests/")
        for meeting in review.meetings.order_by("pk"):
            add("meeting_edit", f"{base}meetings/{meeting.pk}/edit/")
            add("meeting_pack", f"/meetings/{meeting.pk}/pack/")
            add("meeting_detail", f"/meetings/{meeting.pk}/")
            add("meeting_verdicts", f"/meetings/{meeting.pk}/verdicts/")
            add("document_attach_meeting", f"/meetings/{meeting.pk}/documents/new/")
        recommendations = list(review.recommendations.order_by("order", "pk"))
        for recommendation in recommendations:
            add("recommendation_detail", f"{base}recommendations/{recommendation.label}/")
        # The forms, on the recommendation with the most leads and updates.
        busiest = max(recommendations, key=lambda r: (r.leads.count(), r.updates.count()))
        rec = f"{base}recommendations/{busiest.label}/"
        for name, tail in [
            ("recommendation_edit", "edit/"),
            ("recommendation_overdue", "overdue/"),
            ("recommendation_priority", "priority/"),
            ("response_edit", "response/"),
            ("lead_list", "leads/"),
            ("progress_update_create", "updates/new/"),
        ]:
            add(name, rec + tail)
        if not busiest.closed_at_meeting_id:
            add("recommendation_close", rec + "close/")
        lead = Lead.objects.filter(recommendation__review=review).order_by("pk").first()
        if lead is not None:
            led = f"{base}recommendations/{lead.recommendation.label}/leads/{lead.pk}/"
            add("lead_edit", led + "edit/")
            add("lead_remove", led + "remove/")
        for update in busiest.updates.select_related("report").order_by("pk"):
            add("document_attach_update", f"{rec}updates/{update.pk}/documents/new/")
            if update.is_locked:
                add("progress_update_correct", f"{rec}updates/{update.pk}/correct/")
            else:
                add("progress_update_edit", f"{rec}updates/{update.pk}/edit/")
                add("progress_update_delete", f"{rec}updates/{update.pk}/delete/")
    for authority in Authority.objects.order_by("slug"):
        people = f"/authorities/{authority.slug}/people/"
        add("authority_settings", f"/authorities/{authority.slug}/settings/")
        add("people_list", people)
        add("person_create", people + "new/")
        person = Person.objects.filter(authority=authority).order_by("pk").first()
        if person is not None:
            add("person_edit", f"{people}{person.pk}/edit/")
            add("person_merge", f"{people}{person.pk}/merge/")
    # The demo has no documents: one, on the first review, for its removal page.
    document = services.attach_document(
        document=SupportingDocument(
            title="Paper", file=SimpleUploadedFile("paper.pdf", pdf()),
            review=Review.objects.order_by("slug").first(),
        ),
        user=None,
    )  # fmt: skip
    add("document_remove", f"/documents/{document.pk}/remove/")
    for answer in RequestedUpdate.objects.select_related("request__report__review"):
        report = answer.request.report
        add(
            "requested_update_review",
            f"/reviews/{report.review.slug}/update-reports/{report.pk}/requests/{answer.pk}/",
        )
    for recommendation in Recommendation.objects.exclude(closed_at_meeting=None):
        path = f"/reviews/{recommendation.review.slug}/recommendations/{recommendation.label}/"
        add("recommendation_reopen", path + "reopen/")
    for recommendation in Recommendation.objects.filter(is_priority=True):
        path = f"/reviews/{recommendation.review.slug}/recommendations/{recommendation.label}/"
        add("recommendation_priority_remove", path + "priority/remove/")
    return pages


def _requests_sent(report: UpdateReport, busiest: Recommendation, officer) -> dict[str, list]:
    """The round's requests sent to the busiest recommendation's lead, who has submitted one
    update (its officer's page) and drafted another (its upload page); the lead's pages."""
    person = Lead.objects.filter(recommendation=busiest).order_by("pk").first().person
    person.email = "lead@example.org"
    person.save()
    update_requests.send(report=report, due_on=dt.date.today(), user=officer)
    update_request = UpdateRequest.objects.get(person=person)
    rows = selectors.rows_for_request(update_request)
    for row, submit in [(rows[0], True), (rows[-1], False)][: len(rows)]:
        services.requested_update_save(
            answer=RequestedUpdate(
                request=update_request, recommendation=row.recommendation, text="Progress. " * 30
            ),
            expected_version=None, submit=submit, user=None,
        )  # fmt: skip
    account = Person.objects.get(pk=person.pk).user
    account.set_password(PASSWORD)
    account.save()
    pages = {
        "my_updates": ["/my-updates/"],
        "update_request": [update_request.get_absolute_url()],
    }
    if len(rows) > 1:
        draft = f"{update_request.get_absolute_url()}recommendations/{rows[-1].recommendation.pk}/"
        pages["requested_update_document"] = [draft + "documents/new/"]
    return pages


def _check(page: Page, path: str, status: int = 200) -> list[str]:
    response = page.goto(path)
    if response is None or response.status != status:
        return [f"{path}: answered {response and response.status}, not {status}"]
    return _measure(page, path)


def _measure(page: Page, path: str) -> list[str]:
    if path in SCREENSHOTS:
        screenshot(page, "phone-" + (path.strip("/").replace("/", "-") or "dashboard"))
    return [f"{path}: {problem}" for problem in page.evaluate(MEASURE)]


def test_every_page_fits_a_390px_screen(phone: Page, officer, demo_data, settings):
    officer.is_staff = True  # the header's widest form: the admin link too
    officer.save()
    hackney = Review.objects.get(slug="hackney-school-exclusions")
    # A closed recommendation (its reopen form), and a draft round with an update in it (the
    # round's page, and an update that can still be edited or deleted).
    meeting = Meeting.objects.filter(reviews=hackney).order_by("pk").first()
    closed = hackney.recommendations.get(label="4")
    closed.closed_at_meeting, closed.closed_reason, closed.closed_evidence = meeting, "Done", "M1"
    closed.save()
    # A priority, with a long reason: its badge on every list, and its removal page.
    third = hackney.recommendations.get(label="3")
    services.recommendation_set_priority(
        recommendation=third, is_priority=True,
        reason="Exclusions of children with SEND are rising faster than any other. " * 3,
        expected_version=third.version, user=officer,
    )  # fmt: skip
    draft = UpdateReport.objects.create(review=hackney, title="Next update", as_at=dt.date.today())
    busiest = max(hackney.recommendations.all(), key=lambda r: (r.leads.count(), r.updates.count()))
    ProgressUpdate.objects.create(
        recommendation=busiest, report=draft, as_at=dt.date.today(), text="Draft update."
    )
    assert Lead.objects.filter(recommendation=busiest).exists()
    lead_pages = _requests_sent(draft, busiest, officer)

    pages = _pages()
    missing = _url_names() - set(pages) - set(lead_pages) - NOT_PAGES
    assert not missing, f"walk these pages at 390 px too: {sorted(missing)}"

    problems = _check(phone, "/accounts/login/")
    sign_in(phone, officer.username)
    for paths in pages.values():
        for path in paths:
            problems += _check(phone, path)
    problems += _check(phone, "/accounts/password_change/")
    problems += _check(phone, "/accounts/password_change/done/")
    # A lead's own pages, as that lead.
    lead = Person.objects.get(user__isnull=False).user
    sign_in(phone, lead.username)
    for paths in lead_pages.values():
        for path in paths:
            problems += _check(phone, path)
    sign_in(phone, officer.username)
    # Error pages: a final report's update cannot be edited (403), no such page, a bug, the
    # database away, and a form sent while it is away (kept on the 503 page).
    locked = ProgressUpdate.objects.filter(report__is_final=True, recommendation=busiest).first()
    rec = f"/reviews/{hackney.slug}/recommendations/{busiest.label}/"
    problems += _check(phone, f"{rec}updates/{locked.pk}/edit/", 403)
    problems += _check(phone, "/no-such-page/", 404)
    with mock.patch("recommendations.selectors.review_list", side_effect=RuntimeError("bug")):
        problems += _check(phone, "/reviews/", 500)
    with mock.patch(
        "recommendations.selectors.review_list", side_effect=OperationalError("server closed")
    ):
        problems += _check(phone, "/reviews/", 503)
    phone.goto(rec + "updates/new/")
    phone.get_by_label("Progress update", exact=True).fill("A long paragraph. " * 40)
    with (
        mock.patch(
            "recommendations.services.progress_update_create",
            side_effect=OperationalError("server closed"),
        ),
        phone.expect_response(lambda r: r.request.method == "POST") as posted,
    ):
        phone.get_by_role("button", name="Add update").click()
    assert posted.value.status == 503
    problems += _measure(phone, "503 with the form kept")
    # Signed out, and locked out after too many wrong passwords.
    phone.goto("/")
    phone.get_by_role("button", name="Sign out").click()
    problems += _measure(phone, "signed out")
    settings.AXES_FAILURE_LIMIT = 1  # one wrong password is enough to see the page
    phone.goto("/accounts/login/")
    phone.get_by_label("Username").fill(officer.username)
    phone.get_by_label("Password").fill(PASSWORD + "-wrong")
    with phone.expect_response(lambda r: r.request.method == "POST") as refused:
        phone.get_by_role("button", name="Sign in").click()
    assert refused.value.status == 429
    problems += _measure(phone, "locked out")
    assert not problems, "\n".join(problems)
