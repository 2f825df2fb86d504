"""Faults injected on purpose into a real deployment on loopback (gunicorn, a task worker,
PostgreSQL, collected static files, DEBUG off), each ending in a state a user can see and act
on: nothing stuck, nothing lost, nothing left behind. README "Operations" says what a user
sees in each. PostgreSQL pass only; the full-disk test needs root (to mount a small tmpfs).

The database outage under live saves is tests/exclusions_tracker/test_database_outage.py.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from bench.server import gunicorn, prepare_database, production_env, static_root, worker
from tests import pgserver
from tests.production.client import Browser, Response

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="drives a deployment on its own PostgreSQL server",
)

HACKNEY = "hackney-school-exclusions"
EAST_SUSSEX = "east-sussex-school-exclusions"
# A worker's lease runs out 30 s after its last renewal, and workers look for expired leases
# every 10 s: a dead worker's job is retried or failed within a minute.
RECOVERY_SECONDS = 75
DOWNLOAD_LINK = re.compile(r'href="(/meetings/\d+/pack/\d+\.pdf)"')


@dataclass
class Deployment:
    base: str
    env: dict[str, str]
    database_url: str
    data_dir: Path
    port: int
    media: Path
    logs: Path
    gunicorn_pid: int

    def sql(self, query: str, *args) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            cursor = connection.execute(query, args)
            return cursor.fetchall() if cursor.description else []

    def browser(self, username: str) -> Browser:
        browser = Browser(self.base, timeout=60)
        browser.sign_in(username)
        return browser


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (command) state ppid ...": the command may hold spaces and parentheses.
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else int(fields[1])


def children(pid: int) -> list[int]:
    return [
        int(name) for name in os.listdir("/proc") if name.isdigit() and _parent_of(int(name)) == pid
    ]


def alive(pid: int) -> bool:
    return _parent_of(pid) is not None


def wait_until(condition: Callable[[], object], *, timeout: float, every: float = 0.2) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s: {condition.__doc__ or condition}")


def _gunicorn_master(test_pid: int) -> int:
    found = [
        pid
        for pid in children(test_pid)
        if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    media = tmp_path_factory.mktemp("media")
    logs = tmp_path_factory.mktemp("logs")
    with pgserver.running_postgres() as pg, static_root() as static:
        env = production_env(pg.url, static, media_root=str(media))
        # The demo's packs are small (18 rows and fewer); production sends packs and appendices
        # over 200 rows to the worker. Between the two, so that Hackney's pack (18) takes the
        # worker's path and East Sussex's appendix (12) is still rendered by a web worker.
        env["PDF_PACK_REQUEST_MAX_ROWS"] = "15"
        prepare_database(env, reviews=0)
        with gunicorn(env, workers=2, threads=2, log=logs / "gunicorn.log") as base:
            yield Deployment(
                base, env, pg.url, pg.data_dir, pg.port, media, logs, _gunicorn_master(os.getpid())
            )


@pytest.fixture
def meeting_id(deployment) -> int:
    """The meeting whose pack holds Hackney's 18 recommendations, with no render yet, moved a
    century ahead: a meeting still to come, whose pack is live (one that has passed is frozen
    as issued on its first render, and never rendered again)."""
    deployment.sql("DELETE FROM reports_packrender")
    deployment.sql("DELETE FROM reports_issuedpack")
    deployment.sql("DELETE FROM django_tasks_database_dbtaskresult")
    deployment.sql("DELETE FROM tracker_cache")
    [(pk,)] = deployment.sql(
        "SELECT id FROM recommendations_meeting WHERE date IN ('2023-01-16', '2123-01-16')"
    )
    deployment.sql("UPDATE recommendations_meeting SET date = '2123-01-16' WHERE id = %s", pk)
    return pk


def _job(deployment: Deployment, meeting: int) -> tuple | None:
    rows = deployment.sql(
        "SELECT status, attempts, error, file FROM reports_packrender WHERE meeting_id = %s "
        "ORDER BY id DESC LIMIT 1",
        meeting,
    )
    return rows[0] if rows else None


def _running(deployment: Deployment, meeting: int, attempt: int) -> Callable[[], bool]:
    def running() -> bool:
        """the render is running"""
        job = _job(deployment, meeting)
        return job is not None and job[0] == "running" and job[1] == attempt

    return running


def _kill_mid_render(process: subprocess.Popen) -> list[int]:
    """SIGKILL a task worker once its renderer child is at work; returns the child's pid."""
    renderers = wait_until(lambda: children(process.pid), timeout=30, every=0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return renderers


def test_a_worker_killed_mid_render_is_retried_then_failed_with_try_again(deployment, meeting_id):
    clerk = deployment.browser("bench-clerk")
    page = f"/meetings/{meeting_id}/pack/"
    log = deployment.logs / "worker.log"

    with worker(deployment.env, log=log) as first:
        assert clerk.submit(f"{page}render/", {}, form_page=page).status == 302
        wait_until(_running(deployment, meeting_id, 1), timeout=30, every=0.05)
        renderers = _kill_mid_render(first)
    # The renderer dies with its worker: it does not go on rendering for nobody, holding
    # a database connection.
    wait_until(lambda: not any(alive(pid) for pid in renderers), timeout=5)

    with worker(deployment.env, log=log) as second:
        # The job is taken up again once the dead worker's lease runs out.
        wait_until(_running(deployment, meeting_id, 2), timeout=RECOVERY_SECONDS, every=0.1)
        _kill_mid_render(second)

    with worker(deployment.env, log=log):
        job = wait_until(
            lambda: (job := _job(deployment, meeting_id)) and job[0] == "failed" and job,
            timeout=RECOVERY_SECONDS,
        )
        assert "The worker stopped while making this pack, twice" in job[2]
        response = clerk.get(page)
        assert "The worker stopped while making this pack, twice" in response.text
        assert "Try again" in response.text
        assert not list((deployment.media / "packs").rglob("*.pdf")), "a partial pack was kept"

        assert clerk.submit(f"{page}render/", {}, form_page=page).status == 302
        _wait_for_download(clerk, page)


def _wait_for_download(clerk: Browser, page: str) -> Response:
    def link() -> str | None:
        """the pack's download link appears"""
        text = clerk.get(page).text
        assert "could not be produced" not in text, text
        found = DOWNLOAD_LINK.search(text)
        return found.group(1) if found else None

    download = clerk.get(wait_until(link, timeout=RECOVERY_SECONDS, every=1))
    assert download.status == 200 and download.body.startswith(b"%PDF"), download.status
    return download


def test_the_worker_rides_out_a_database_outage(deployment, meeting_id):
    clerk = deployment.browser("bench-clerk")
    page = f"/meetings/{meeting_id}/pack/"
    with worker(deployment.env, log=deployment.logs / "worker.log") as process:
        time.sleep(3)
        pgserver.stop(deployment.data_dir)
        time.sleep(8)  # several polls of the queue fail meanwhile
        pgserver.start(deployment.data_dir, deployment.port)
        assert process.poll() is None, "the worker exited during the outage"
        wait_until(lambda: clerk.get("/healthz").status == 200, timeout=20)
        assert clerk.submit(f"{page}render/", {}, form_page=page).status == 302
        _wait_for_download(clerk, page)


def _connections(deployment: Deployment) -> int:
    [(count,)] = deployment.sql(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = 'tracker' AND pid <> pg_backend_pid()"
    )
    return count


def test_a_web_worker_killed_during_a_pdf_leaves_no_renderer_and_no_connection(deployment):
    clerk = deployment.browser("bench-clerk")
    # So the PDF is rendered, not served cached or as stored by the worker.
    deployment.sql("DELETE FROM tracker_cache")
    deployment.sql("DELETE FROM reports_storedpdf")
    before = _connections(deployment)
    answers: list[Response] = []
    started = time.monotonic()
    request = threading.Thread(
        target=lambda: answers.append(clerk.get(f"/reviews/{EAST_SUSSEX}/appendix.pdf"))
    )
    request.start()

    def rendering() -> tuple[int, int] | None:
        """a web worker is rendering the PDF"""
        for web_worker in children(deployment.gunicorn_pid):
            for renderer in children(web_worker):
                return web_worker, renderer
        return None

    web_worker, renderer = wait_until(rendering, timeout=30, every=0.02)
    os.kill(web_worker, signal.SIGKILL)
    request.join(timeout=30)
    # The clerk is told at once (the connection closes); no minute-long hang.
    assert answers and answers[0].status == 0 and time.monotonic() - started < 30
    wait_until(lambda: not alive(renderer), timeout=5)
    wait_until(lambda: _connections(deployment) <= before, timeout=15)
    # gunicorn replaced the worker. The killed render still holds the document until its
    # lease (the render limit and 30 s) runs out, so the next clicks get the progress page,
    # never an error; then the task worker, as deployed beside gunicorn, makes the PDF.
    path = f"/reviews/{EAST_SUSSEX}/appendix.pdf"

    def the_pdf() -> Response | None:
        """the PDF, once the dead render's lease ran out"""
        retry = clerk.get(path)
        if retry.status == 302:
            assert "/appendix/pdf/" in retry.location, retry.location
            assert clerk.get(retry.location).status == 200
            return None
        return retry

    with worker(deployment.env, log=deployment.logs / "worker.log"):
        retry = wait_until(the_pdf, timeout=settings.PDF_RENDER_TIMEOUT + 90, every=2)
    assert retry.status == 200 and retry.body.startswith(b"%PDF")


def test_thirty_clicks_make_one_render(deployment, meeting_id):
    clerks = [deployment.browser("bench-clerk") for _ in range(3)]
    page = f"/meetings/{meeting_id}/pack/"
    tokens = [clerk.get(page).csrf_token() for clerk in clerks]
    with worker(deployment.env, log=deployment.logs / "worker.log"):
        statuses: list[int] = []

        def click(n: int) -> None:
            clerk, token = clerks[n % 3], tokens[n % 3]
            statuses.append(clerk.request(f"{page}render/", {"csrfmiddlewaretoken": token}).status)

        threads = [threading.Thread(target=click, args=(n,)) for n in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert statuses == [302] * 30
        _wait_for_download(clerks[0], page)
        # A click after it is ready reuses the finished render.
        assert clerks[1].request(f"{page}render/", {"csrfmiddlewaretoken": tokens[1]}).status == 302
    rows = deployment.sql(
        "SELECT status, attempts FROM reports_packrender WHERE meeting_id = %s", meeting_id
    )
    assert rows == [("done", 1)], rows


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _post_multipart(browser: Browser, path: str, body: bytes, content_type: str) -> Response:
    request = urllib.request.Request(browser.base + path, data=body)
    request.add_header("Content-Type", content_type)
    request.add_header("Referer", browser.base + path)
    try:
        with browser.opener.open(request, timeout=60) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


@pytest.fixture
def full_disk(deployment) -> Iterator[Callable[[], None]]:
    """MEDIA_ROOT's packs/ and documents/ on a 2 MB tmpfs, filled to the last few kilobytes.
    Yields a function that frees the space again."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounts = []
    for folder in ("packs", "documents"):
        target = deployment.media / folder
        target.mkdir(exist_ok=True)
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(target)], capture_output=True
        )
        if result.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
        mounts.append(target)
        (target / "filler").write_bytes(b"\0" * (2 * 1024 * 1024 - 16 * 1024))
    try:
        yield lambda: [(target / "filler").unlink() for target in mounts]
    finally:
        for target in mounts:
            subprocess.run(["umount", "-l", str(target)], check=False)


def _stray_files(deployment: Deployment) -> list[Path]:
    """Files on the full disk (packs/ and documents/) other than the filler. Pre-rendered
    appendices in pdfs/ are not on it: earlier tests on this deployment may have made them."""
    return [
        path
        for folder in ("packs", "documents")
        for path in (deployment.media / folder).rglob("*")
        if path.is_file() and path.name != "filler"
    ]


def test_a_full_disk_gives_clear_messages_and_leaves_no_files(deployment, meeting_id, full_disk):
    admin = deployment.browser("bench-admin")
    add = "/admin/recommendations/supportingdocument/add/"
    [(review_id,)] = deployment.sql(
        "SELECT id FROM recommendations_review WHERE slug = %s", HACKNEY
    )
    title = f"Minutes <b>{uuid.uuid4().hex[:6]}</b>"
    body, content_type = _multipart(
        {
            "csrfmiddlewaretoken": admin.get(add).csrf_token(),
            "review": str(review_id),
            "title": title,
            "description": "Typed before the disk filled up",
        },
        {"file": ("minutes.pdf", b"%PDF-1.4\n" + b"x" * 300_000)},
    )
    upload = _post_multipart(admin, add, body, content_type)
    assert upload.status == 200, upload.status
    assert "storage is full" in upload.text
    assert "Typed before the disk filled up" in upload.text  # what was typed is kept
    assert "Minutes &lt;b&gt;" in upload.text
    assert deployment.sql("SELECT count(*) FROM recommendations_supportingdocument") == [(0,)]
    assert _stray_files(deployment) == []

    clerk = deployment.browser("bench-clerk")
    page = f"/meetings/{meeting_id}/pack/"
    with worker(deployment.env, log=deployment.logs / "worker.log"):
        assert clerk.submit(f"{page}render/", {}, form_page=page).status == 302
        wait_until(
            lambda: (job := _job(deployment, meeting_id)) and job[0] == "failed",
            timeout=90,
        )
        response = clerk.get(page)
        assert "storage is full or not writable" in response.text
        assert "Try again" in response.text
        assert _stray_files(deployment) == [], "a truncated pack was left in media"

        full_disk()  # space is freed: trying again works
        assert clerk.submit(f"{page}render/", {}, form_page=page).status == 302
        _wait_for_download(clerk, page)
