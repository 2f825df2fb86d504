"""30 clicks on "make the committee pack": does the rest of the site stay fast meanwhile?

The production setup on loopback (gunicorn 3 workers x 4 threads, one task worker,
PostgreSQL, collected static files) with the demo data. A member reads the dashboard in a loop,
first with nothing else happening, then while 30 clerks' clicks on one large pack arrive
together and their progress pages refresh every 5 seconds, until the pack is ready. Prints the
dashboard's median and p95 in each phase and their ratio, and how many renders ran (goal: 1).

    .venv/bin/python -m bench.clicks [--requests 200]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import threading
import time

import psycopg

from bench.server import gunicorn, prepare_database, production_env, static_root, worker
from tests.pgserver import running_postgres
from tests.production.client import Browser

DOWNLOAD_LINK = re.compile(r'href="(/meetings/\d+/pack/\d+\.pdf)"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def dashboard_times(member: Browser, stop: threading.Event, limit: int) -> list[float]:
    times: list[float] = []
    while not stop.is_set() and len(times) < limit:
        started = time.perf_counter()
        assert member.get("/").status == 200
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(0.05)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="dashboard reads per phase")
    parser.add_argument("--clicks", type=int, default=30)
    args = parser.parse_args()

    with (
        running_postgres() as pg,
        static_root() as static,
        tempfile.TemporaryDirectory(prefix="tracker-media-") as media,
    ):
        env = production_env(pg.url, static, media_root=media)
        # The demo packs are small; production sends packs over 200 rows to the worker.
        env["PDF_PACK_REQUEST_MAX_ROWS"] = "5"
        prepare_database(env, reviews=0)
        with gunicorn(env) as base, worker(env) as _:
            member = Browser(base)
            member.sign_in("bench-member")
            clerks = [Browser(base) for _ in range(args.clicks)]
            for clerk in clerks:
                clerk.sign_in("bench-clerk")
            with psycopg.connect(pg.url) as connection:
                [(meeting,)] = connection.execute(
                    "SELECT id FROM recommendations_meeting WHERE date = '2023-01-16'"
                ).fetchall()
            page = f"/meetings/{meeting}/pack/"
            tokens = [clerk.get(page).csrf_token() for clerk in clerks]

            idle = dashboard_times(member, threading.Event(), args.requests)

            ready = threading.Event()
            statuses: list[int] = []

            def clerk_clicks(clerk: Browser, token: str) -> None:
                click = clerk.request(f"{page}render/", {"csrfmiddlewaretoken": token})
                statuses.append(click.status)
                while not ready.is_set():  # the progress page refreshes every 5 s
                    if DOWNLOAD_LINK.search(clerk.get(page).text):
                        ready.set()
                    ready.wait(5)

            started = time.perf_counter()
            pairs = zip(clerks, tokens, strict=True)
            threads = [threading.Thread(target=clerk_clicks, args=pair) for pair in pairs]
            for thread in threads:
                thread.start()
            busy = dashboard_times(member, ready, 10_000)
            for thread in threads:
                thread.join()
            took = time.perf_counter() - started
            with psycopg.connect(pg.url) as connection:
                [(jobs, renders)] = connection.execute(
                    "SELECT count(*), sum(attempts) FROM reports_packrender"
                ).fetchall()

    print(f"\n{args.clicks} clicks: statuses {sorted(set(statuses))}, pack ready in {took:.1f} s")
    print("| dashboard | reads | median | p95 |")
    print("|---|---|---|---|")
    for name, times in (("idle", idle), (f"during {args.clicks} clicks", busy)):
        median, p95 = statistics.median(times), percentile(times, 0.95)
        print(f"| {name} | {len(times)} | {median:.0f} ms | {p95:.0f} ms |")
    ratio = percentile(busy, 0.95) / percentile(idle, 0.95)
    print(f"p95 during / idle: {ratio:.2f}x (goal: p95 under 150 ms during the clicks)")
    print(f"pack jobs: {jobs}, renders started: {renders} (goal: 1 and 1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
