"""The deployment as README describes it, driven over real HTTP: DEBUG off, static files
collected with the manifest storage and served by whitenoise, gunicorn, PostgreSQL, a task
worker. Every page family and every export, as each role, with the status each role should get.

The suite's other tests run in-process through Django's test client; this is the one place
where a fault of the deployment itself (a static file the manifest lacks, a PDF that cannot
fetch its stylesheet, a pack the worker cannot render) fails a test. PostgreSQL pass only: the
deployment runs on its own throwaway server. One deployment serves the whole module.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from bench.server import gunicorn, manage, prepare_database, production_env, static_root, worker
from tests.pgserver import running_postgres
from tests.production.client import Browser, Response
from tests.recommendations.test_permissions import CLERK_ALLOWED, POST_ONLY, edit_urls

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="runs the deployment on its own PostgreSQL server",
)

HACKNEY = "hackney-school-exclusions"
EAST_SUSSEX = "east-sussex-school-exclusions"
READERS = ["bench-member", "bench-clerk", "bench-officer"]
EXPORTERS = ["bench-clerk", "bench-officer"]
# The demo's packs are small (Hackney's has 18 rows, East Sussex's 12), and production sends
# only packs over PDF_PACK_REQUEST_MAX_ROWS (200) to the worker. Between the two, so that the
# Hackney pack takes the background path big packs take in production, and East Sussex's is
# still rendered within the request.
PACK_REQUEST_MAX_ROWS = 15
PACK_TIMEOUT_SECONDS = 120

# Editing pages that refuse even an officer on the demo data, as they should.
DEMO_REFUSALS = {
    "recommendation_reopen": 302,  # no demo recommendation is closed: back to its page
    "update_edit": 403,  # the demo's update reports are final: an update is corrected instead
    "update_delete": 403,  # and cannot be deleted either
    "report_edit": 403,  # ... and so are their details, until an officer reopens the report
    "report_finalise": 302,  # already final: back to the report's page
}

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
STATIC_REF = re.compile(r'<(?:link|img|script)\b[^>]*?\b(?:href|src)="(/static/[^"]+)"')
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")

# The demo data's ids, read from the database the deployment serves.
DEMO_IDS = """
import json
from recommendations.models import Lead, ProgressUpdate, Review
reviews = {}
for review in Review.objects.order_by("slug"):
    reviews[review.slug] = {
        "pk": review.pk,
        "labels": [rec.label for rec in review.recommendations.order_by("pk")],
        "reports": sorted(review.update_reports.values_list("pk", flat=True)),
        "meetings": sorted(review.meetings.values_list("pk", flat=True)),
    }
rec = {"recommendation__review__slug": "hackney-school-exclusions", "recommendation__label": "3"}
print(json.dumps({
    "reviews": reviews,
    "lead": Lead.objects.filter(**rec).order_by("pk").first().pk,
    "update": ProgressUpdate.objects.filter(**rec).order_by("pk").first().pk,
}))
"""


@dataclass
class Deployment:
    base: str
    ids: dict
    logs: dict[str, Path]
    worker: subprocess.Popen  # to tell a dead worker from a slow one
    stack: ExitStack
    browsers: dict[str, Browser] = field(default_factory=dict)
    static_checked: set[str] = field(default_factory=set)

    def browser(self, username: str | None) -> Browser:
        """One signed-in session per user for the whole module (signing in hashes a
        password: seconds on a busy machine). ``None``: an anonymous visitor."""
        key = username or ""
        if key not in self.browsers:
            browser = Browser(self.base, timeout=60)
            if username:
                browser.sign_in(username)
            self.browsers[key] = browser
        return self.browsers[key]

    @property
    def reviews(self) -> dict[str, dict]:
        return self.ids["reviews"]

    def meeting(self, slug: str) -> int:
        return self.reviews[slug]["meetings"][-1]

    def stop(self) -> None:
        self.stack.close()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp("production")
    logs = {"gunicorn": tmp / "gunicorn.log", "worker": tmp / "worker.log"}
    with ExitStack() as stack:
        pg = stack.enter_context(running_postgres())
        static = stack.enter_context(static_root())
        env = production_env(pg.url, static, media_root=str(tmp / "media"))
        env["PDF_PACK_REQUEST_MAX_ROWS"] = str(PACK_REQUEST_MAX_ROWS)
        prepare_database(env, reviews=0)
        base = stack.enter_context(gunicorn(env, workers=2, threads=2, log=logs["gunicorn"]))
        process = stack.enter_context(worker(env, log=logs["worker"]))
        # A clerk records a meeting for East Sussex (the demo has meetings for Hackney only),
        # so there is a pack small enough to render within the request.
        clerk = Browser(base, timeout=60)
        clerk.sign_in("bench-clerk")
        url = f"/reviews/{EAST_SUSSEX}/meetings/new/"
        response = clerk.submit(url, {"date": "2025-03-10", "agenda_item": "Exclusions update"})
        assert response.status == 302, response.text
        ids = json.loads(manage(env, "shell", "-c", DEMO_IDS).strip().splitlines()[-1])
        deployment = Deployment(base, ids, logs, process, stack.pop_all())
        deployment.browsers["bench-clerk"] = clerk
    try:
        yield deployment
    finally:
        deployment.stop()


def check_static_files(deployment: Deployment, page: Response) -> None:
    """Every stylesheet, script and image the page references is served, under its hashed
    name (the manifest storage's; an unhashed name means the manifest missed the file)."""
    for path in set(STATIC_REF.findall(page.text)):
        path = html.unescape(path)
        if path in deployment.static_checked:
            continue
        assert HASHED.search(path.split("?")[0]), f"unhashed static file {path}"
        response = deployment.browser(None).get(path)
        assert response.status == 200, (path, response.status)
        assert response.body, path
        deployment.static_checked.add(path)


def get_page(deployment: Deployment, username: str | None, path: str) -> Response:
    response = deployment.browser(username).get(path)
    assert response.status == 200, (username, path, response.status, response.text[:300])
    assert response.content_type.startswith("text/html"), (path, response.content_type)
    assert "</html>" in response.text, path
    check_static_files(deployment, response)
    return response


def reading_pages(deployment: Deployment, *, every_recommendation: bool = True) -> list[str]:
    """Every page family any role may read, for each demo review; each recommendation's page,
    or (``every_recommendation=False``) the first two of each review's."""
    hackney = deployment.reviews[HACKNEY]
    pages = [
        "/",
        "/reviews/",
        "/labels/",
        "/recommendations/",
        "/recommendations/?q=exclusion",
        "/recommendations/?q=%22school+exclusions%22+-pilot",
        "/recommendations/?q=guidance+or+vacancies",
        f"/recommendations/?review={hackney['pk']}&decision=agreed&status=in_progress",
        "/recommendations/?overdue=true&closed=hide&sort=-review",
        "/recommendations/?page=2",
        "/trackers/",
        "/trackers/?group=committee&closed=",
    ]
    for slug, review in deployment.reviews.items():
        pages += [
            f"/reviews/{slug}/",
            f"/reviews/{slug}/changes/",
            f"/reviews/{slug}/appendix/",
        ]
        for report in review["reports"]:
            pages += [
                f"/reviews/{slug}/appendix/?report={report}",
                f"/reviews/{slug}/update-reports/{report}/",
            ]
        pages += [f"/meetings/{meeting}/" for meeting in review["meetings"]]
        # Each recommendation page holds its timeline and change history.
        labels = review["labels"] if every_recommendation else review["labels"][:2]
        pages += [f"/reviews/{slug}/recommendations/{label}/" for label in labels]
    return pages


def exports(deployment: Deployment) -> dict[str, str]:
    """Every download, by path, with its content type."""
    found = {
        "/recommendations/?_export=csv": CSV_TYPE,
        "/recommendations/?q=exclusion&status=in_progress&_export=xlsx": XLSX_TYPE,
        # East Sussex's pack is under PACK_REQUEST_MAX_ROWS: rendered within the request.
        f"/meetings/{deployment.meeting(EAST_SUSSEX)}/pack.pdf": "application/pdf",
        f"/meetings/{deployment.meeting(EAST_SUSSEX)}/pack.docx": DOCX_TYPE,
        "/trackers/tracker.csv": CSV_TYPE,
        "/trackers/tracker.xlsx?group=committee": XLSX_TYPE,
        "/trackers/tracker.docx?closed=": DOCX_TYPE,
    }
    for slug, review in deployment.reviews.items():
        found[f"/reviews/{slug}/appendix.csv"] = CSV_TYPE
        found[f"/reviews/{slug}/appendix.xlsx"] = XLSX_TYPE
        found[f"/reviews/{slug}/appendix.pdf"] = "application/pdf"
        found[f"/reviews/{slug}/appendix.docx"] = DOCX_TYPE
        found[f"/reviews/{slug}/appendix.csv?report={review['reports'][0]}"] = CSV_TYPE
    return found


def editing_pages(deployment: Deployment) -> dict[str, str]:
    """The permission matrix's editing pages (tests/recommendations/test_permissions.py),
    on the demo's Hackney review, with the appendix layout page beside them."""
    hackney = deployment.reviews[HACKNEY]
    urls = edit_urls(
        slug=HACKNEY, label="3", closed_label="3", lead=deployment.ids["lead"],
        update=deployment.ids["update"], report=hackney["reports"][0],
        final_report=hackney["reports"][0], meeting=hackney["meetings"][0],
    )  # fmt: skip
    urls["appendix_settings"] = f"/reviews/{HACKNEY}/appendix/settings/"
    return urls


def redirected_to_sign_in(response: Response) -> bool:
    return response.status == 302 and response.location.startswith("/accounts/login/")


@pytest.mark.parametrize("username", READERS)
def test_every_page_family_answers_each_role(deployment, username):
    # Members read every recommendation's page; the others' pages differ only in the links
    # their role gets, so two per review keep the module within its time budget.
    every = username == "bench-member"
    for path in reading_pages(deployment, every_recommendation=every):
        get_page(deployment, username, path)
    # Full-text search is PostgreSQL's own here: it finds something.
    search = get_page(deployment, username, "/recommendations/?q=exclusion")
    assert re.search(r'href="/reviews/[\w-]+/recommendations/\w+/"', search.text)
    # Each figure on the dashboard links to the list filtered to exactly what it counts.
    dashboard = get_page(deployment, username, "/")
    links = set(re.findall(r'href="(/recommendations/\?[^"]+)"', dashboard.text))
    assert links, "the dashboard links to no filtered list"
    for link in links:
        get_page(deployment, username, html.unescape(link))


def test_the_pages_reference_static_files_that_are_served(deployment):
    browser = deployment.browser(None)
    page = browser.get("/accounts/login/")
    assert page.status == 200
    check_static_files(deployment, page)
    get_page(deployment, "bench-member", "/")
    stylesheets = [path for path in deployment.static_checked if path.endswith(".css")]
    assert stylesheets, "no stylesheet found in the pages"
    for path in stylesheets:
        response = browser.get(path)
        assert response.content_type.startswith("text/css"), path
        # Far-future caching is what the hashed names are for.
        assert "max-age=315360000" in response.headers.get("Cache-Control", ""), path


@pytest.mark.parametrize("username", EXPORTERS)
def test_clerks_and_officers_download_every_export(deployment, username):
    browser = deployment.browser(username)
    for path, content_type in exports(deployment).items():
        response = browser.get(path)
        deadline = time.monotonic() + PACK_TIMEOUT_SECONDS
        while response.status == 302 and "/appendix/pdf/" in response.location:
            # An appendix over PACK_REQUEST_MAX_ROWS is made by the worker, with a progress
            # page; the download is ready when the worker is done.
            assert get_page(deployment, username, response.location).status == 200
            assert time.monotonic() < deadline, read_log(deployment, "worker")
            time.sleep(1)
            response = browser.get(path)
        assert response.status == 200, (username, path, response.status, response.text[:300])
        assert response.content_type == content_type, (path, response.content_type)
        assert response.headers.get("Content-Disposition", "").startswith("attachment"), path
        if content_type == "application/pdf":
            assert response.body.startswith(b"%PDF-"), path
            assert len(response.body) > 10_000, path
        elif content_type == XLSX_TYPE:
            assert response.body.startswith(b"PK\x03\x04"), path  # a zip, as XLSX is
        else:
            assert response.text.count("\n") > 3, path


def test_members_get_403_on_exports_packs_and_editing_pages(deployment):
    browser = deployment.browser("bench-member")
    hackney_meeting = deployment.meeting(HACKNEY)
    paths = [
        *exports(deployment),
        f"/meetings/{hackney_meeting}/pack.pdf",
        f"/meetings/{hackney_meeting}/pack/",
        *(url for name, url in editing_pages(deployment).items() if name not in POST_ONLY),
    ]
    for path in paths:
        response = browser.get(path)
        assert response.status == 403, (path, response.status)
        assert "You cannot do that" in response.text, path
    for name in POST_ONLY:
        url = editing_pages(deployment)[name]
        response = browser.submit(url, {"direction": "up"}, form_page="/")
        assert response.status == 403, (name, response.status)
    assert browser.get("/admin/").status == 302  # staff only: to the admin's own sign-in


def test_anonymous_visitors_are_sent_to_sign_in_from_every_page(deployment):
    browser = deployment.browser(None)
    paths = [
        *reading_pages(deployment),
        *exports(deployment),
        f"/meetings/{deployment.meeting(HACKNEY)}/pack/",
        *editing_pages(deployment).values(),
    ]
    for path in paths:
        response = browser.get(path)
        assert redirected_to_sign_in(response), (path, response.status, response.location)
    response = browser.get("/admin/")
    assert response.status == 302 and response.location.startswith("/admin/login/")


@pytest.mark.parametrize("username", EXPORTERS)
def test_editing_pages_open_for_those_who_may_edit(deployment, username):
    for name, url in editing_pages(deployment).items():
        if name in POST_ONLY:
            continue
        response = deployment.browser(username).get(url)
        if username == "bench-clerk" and name not in CLERK_ALLOWED:
            expected = 403
        else:
            expected = DEMO_REFUSALS.get(name, 200)
        assert response.status == expected, (username, name, response.status)
        if expected == 200:
            check_static_files(deployment, response)


def test_the_admin_opens_every_model_for_the_admin_user(deployment):
    index = get_page(deployment, "bench-admin", "/admin/")
    changelists = set(re.findall(r'href="(/admin/\w+/\w+/)"', index.text))
    assert len(changelists) > 10, changelists
    # The add forms the index offers (some models, such as axes' records, have none).
    for add in set(re.findall(r'href="(/admin/\w+/\w+/add/)"', index.text)):
        get_page(deployment, "bench-admin", add)
    for changelist in sorted(changelists):
        page = get_page(deployment, "bench-admin", changelist)
        # The first object of each list, and its history.
        change = re.search(rf'href="({re.escape(changelist)}\d+/change/)[^"]*"', page.text)
        if change:
            get_page(deployment, "bench-admin", change.group(1))
            get_page(deployment, "bench-admin", change.group(1).replace("/change/", "/history/"))


def test_a_large_pack_is_made_by_the_worker_and_downloaded(deployment):
    clerk = deployment.browser("bench-clerk")
    meeting = deployment.meeting(HACKNEY)
    pack_page = f"/meetings/{meeting}/pack/"
    # Too large to render within the request: pack.pdf sends the clerk to the pack's page.
    response = clerk.get(f"/meetings/{meeting}/pack.pdf")
    assert response.status == 302 and response.location == pack_page, response.location
    assert "Make the committee pack" in get_page(deployment, "bench-clerk", pack_page).text

    response = clerk.submit(f"/meetings/{meeting}/pack/render/", {}, form_page=pack_page)
    assert response.status == 302 and response.location == pack_page

    # The demo's meetings have passed, so the finished pack is also frozen as issued: the page
    # then links to pack.pdf, which serves the issued file.
    download = re.compile(rf'href="(/meetings/{meeting}/pack(?:/\d+)?\.pdf)"')
    deadline = time.monotonic() + PACK_TIMEOUT_SECONDS
    while not (link := download.search(get_page(deployment, "bench-clerk", pack_page).text)):
        worker_log = read_log(deployment, "worker")
        assert deployment.worker.poll() is None, "the worker died:\n" + worker_log
        assert time.monotonic() < deadline, "no pack after 120 s:\n" + worker_log
        time.sleep(1)
    bodies = set()
    for path in [link.group(1), f"/meetings/{meeting}/pack.pdf"]:  # now served as stored
        response = clerk.get(path)
        assert response.status == 200, (path, response.status)
        assert response.content_type == "application/pdf", path
        assert response.body.startswith(b"%PDF-"), path
        bodies.add(response.body)
    assert len(bodies) == 1
    assert "Frozen when the meeting passed" in get_page(deployment, "bench-clerk", pack_page).text


def read_log(deployment: Deployment, name: str) -> str:
    return deployment.logs[name].read_text(errors="replace")


def unexpected_tracebacks(log: str) -> list[str]:
    """Each traceback in the log but those of Django's warning about a 403 ("Forbidden
    (Permission denied): <path>", logged with the PermissionDenied it answered): the members'
    403s above are expected."""
    lines = log.splitlines()
    found = []
    for i, line in enumerate(lines):
        if not line.startswith("Traceback "):
            continue
        if i > 0 and lines[i - 1].startswith("Forbidden (Permission denied): "):
            continue
        end = next((j for j in range(i + 1, len(lines)) if not lines[j][:1].isspace()), i)
        found.append("\n".join(lines[max(i - 1, 0) : end + 1]))
    return found


def test_the_logs_hold_no_traceback_after_a_graceful_stop(deployment):
    # Last in the module: stops gunicorn and the worker, so their logs are complete.
    deployment.stop()
    for name in deployment.logs:
        log = read_log(deployment, name)
        assert log.strip(), f"the {name} log is empty: is it the right file?"
        found = unexpected_tracebacks(log)
        assert not found, f"{name} log:\n" + "\n\n".join(found)
