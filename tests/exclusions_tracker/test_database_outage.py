"""PostgreSQL stopped in the middle of real traffic: gunicorn with production settings keeps
answering with a friendly 503, writes nothing by halves, and recovers once PostgreSQL is back,
without a restart. Runs in the PostgreSQL pass of `make test`, against its own server."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings

from bench.server import (
    gunicorn,
    manage,
    prepare_database,
    production_env,
    static_root,
)
from tests import pgserver
from tests.production.client import Browser

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="stops and restarts a PostgreSQL server",
)

UPDATE_URL = "/reviews/hackney-school-exclusions/recommendations/3/updates/new/"


def post_update(browser: Browser, marker: str) -> int:
    page = browser.request(UPDATE_URL)
    if page.status != 200:
        return page.status
    return browser.request(
        UPDATE_URL,
        {
            "csrfmiddlewaretoken": page.csrf_token(),
            "as_at": "2024-06-30",
            "as_at_precision": "day",
            "status": "in_progress",
            "text": marker,
        },
    ).status


def test_a_database_outage_gives_503s_loses_nothing_and_recovers(tmp_path):
    with pgserver.running_postgres() as pg, static_root() as static:
        env = production_env(pg.url, static)
        prepare_database(env, reviews=0)
        with gunicorn(env, workers=2, threads=2) as base:
            browser = Browser(base)
            browser.sign_in("bench-officer")
            results: list[tuple[str, int, str]] = []
            stop = threading.Event()

            def traffic() -> None:
                n = 0
                while not stop.is_set():
                    n += 1
                    page = browser.request("/reviews/hackney-school-exclusions/")
                    results.append(("read", page.status, page.text))
                    marker = f"outage-test-{n}"
                    results.append((marker, post_update(browser, marker), ""))
                    time.sleep(0.05)

            worker = threading.Thread(target=traffic)
            worker.start()
            try:
                time.sleep(2)
                before_outage = len(results)
                pgserver.stop(pg.data_dir)
                time.sleep(3)
                during = results[before_outage:]
                pgserver.start(pg.data_dir, pg.port)
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    if browser.request("/healthz").status == 200:
                        break
                    time.sleep(0.25)
                time.sleep(2)
                after = len(results)
                time.sleep(2)
            finally:
                stop.set()
                worker.join(timeout=30)

            statuses = [status for _, status, _ in results]
            assert 500 not in statuses, "a request failed with a 500 during the outage"
            assert 0 not in statuses, "a request got no answer (a user would see a timeout)"
            assert not any("Traceback" in body for _, _, body in results)
            outage_reads = [(s, b) for kind, s, b in during if kind == "read"]
            assert any(s == 503 for s, _ in outage_reads), "no 503 seen while PostgreSQL was down"
            assert all("unavailable for a moment" in b for s, b in outage_reads if s == 503), (
                "the 503 page is not the friendly one"
            )
            recovered = [status for kind, status, _ in results[after:] if kind == "read"]
            assert recovered and set(recovered) == {200}, f"did not recover: {recovered}"

            # Nothing by halves: each saved update has exactly its one creation history row,
            # and every update the app said it saved (302) is there.
            saved = {kind for kind, status, _ in results if kind != "read" and status == 302}
            check = manage(
                env,
                "shell",
                "-c",
                "from recommendations.models import ProgressUpdate as P\n"
                "rows = P.objects.filter(text__startswith='outage-test-')\n"
                "print(sorted(rows.values_list('text', flat=True)))\n"
                "print(P.history.filter(text__startswith='outage-test-', history_type='+')"
                ".count(), rows.count())",
            )
            texts_line, counts_line = check.strip().splitlines()[-2:]
            history_count, row_count = map(int, counts_line.split())
            assert history_count == row_count
            stored = set(eval(texts_line))  # noqa: S307 -- our own printed list of strings
            assert saved <= stored
            assert len(stored) == row_count, "an update was saved twice"
