"""Load: 60 concurrent users, 60 s after they have all signed in, against the production
setup on loopback.

gunicorn (3 workers x 4 threads) + a task worker + PostgreSQL (throwaway) + whitenoise, with
the demo reviews and 100 generated ones. Members read pages, officers post progress updates,
clerks (1 user in 6) download appendix PDFs, CSV, XLSX and a committee pack (bench/locustfile.py).

Every user signs in at once at the start (password hashing takes a core for most of a second
each), so the run is measured in two parts: the sign-in burst, until the last user is in
(its length and sign-in times reported on their own), then --seconds of everything else, which
the overall figures count.

Run: .venv/bin/python -m bench.load               (one run: --users, --seconds)
     .venv/bin/python -m bench.load --capacity    (10, 20, 40, 60, 80 users, 30 s each
                                                  after the sign-ins: where the overall p95
                                                  passes 1 s)
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.server import (
    BENCH_PASSWORD,
    ROOT,
    gunicorn,
    prepare_database,
    production_env,
    static_root,
    worker,
)
from tests.pgserver import running_postgres

SIGN_IN = {"login page", "sign in"}
CAPACITY_P95_MS = 1000
SIGN_IN_ALLOWANCE_SECONDS = 300


@dataclass
class Result:
    users: int
    seconds: int
    requests: int = 0
    errors: int = 0
    burst_seconds: float = 0.0  # from the first request to the last sign-in's end
    steady_requests: int = 0  # those that started after the burst, in the next `seconds`
    p95_ms: float = math.nan  # of those
    sign_in_ms: list[float] = field(default_factory=list)
    page_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    @property
    def per_second(self) -> float:
        return self.steady_requests / self.seconds


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value at least ``fraction`` of the values do not exceed."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def run_locust(base: str, users: int, seconds: int) -> Result:
    with tempfile.TemporaryDirectory() as out:
        timings = Path(out) / "timings.csv"
        subprocess.run(
            [
                sys.executable, "-m", "locust", "-f", str(ROOT / "bench/locustfile.py"),
                "--headless", "--users", str(users), "--spawn-rate", str(users),
                # The locustfile ends the run `seconds` after the last sign-in; this only
                # stops a run whose sign-ins never finish.
                "--run-time", f"{seconds + SIGN_IN_ALLOWANCE_SECONDS}s", "--host", base,
                "--only-summary", "--loglevel", "WARNING",
            ],
            env=dict(
                os.environ,
                BENCH_PASSWORD=BENCH_PASSWORD,
                BENCH_TIMINGS=str(timings),
                BENCH_STEADY_SECONDS=str(seconds),
            ),
            stdout=subprocess.DEVNULL,
            check=False,
        )  # fmt: skip
        with timings.open(newline="") as handle:
            rows = [
                (float(start), name, float(ms), failed == "1")
                for start, name, ms, failed in csv.reader(handle)
            ]
    result = Result(users=users, seconds=seconds, requests=len(rows))
    result.errors = sum(failed for *_, failed in rows)
    sign_ins = [(start, ms) for start, name, ms, _ in rows if name in SIGN_IN]
    burst_end = max((start + ms / 1000 for start, ms in sign_ins), default=0.0)
    result.burst_seconds = burst_end - min((start for start, *_ in rows), default=burst_end)
    result.sign_in_ms = [ms for start, name, ms, _ in rows if name == "sign in"]
    steady = [
        (name, ms)
        for start, name, ms, _ in rows
        if name not in SIGN_IN and burst_end <= start < burst_end + seconds
    ]
    result.steady_requests = len(steady)
    for name, ms in steady:
        result.page_ms[name].append(ms)
    result.p95_ms = percentile([ms for _, ms in steady], 0.95)
    return result


def table(results: list[Result]) -> str:
    """A Markdown table, one column per run."""

    def ms(value: float) -> str:
        return "n/a" if math.isnan(value) else f"{value:,.0f} ms"

    lines = [
        "| | " + " | ".join(f"{r.users} users" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    # Per page: the requests after the burst.

    row("requests (sign-ins included)", [f"{r.requests:,}" for r in results])
    row("errors", [str(r.errors) for r in results])
    row("sign-in burst (all users signing in)", [f"{r.burst_seconds:.0f} s" for r in results])
    row("requests after it", [f"{r.steady_requests:,}" for r in results])
    row("requests/s after it", [f"{r.per_second:.1f}" for r in results])
    row("**p95 overall** after it", [f"**{ms(r.p95_ms)}**" for r in results])
    row("sign-in p50", [ms(percentile(r.sign_in_ms, 0.5)) for r in results])
    row("sign-in p95", [ms(percentile(r.sign_in_ms, 0.95)) for r in results])
    for name in sorted({name for r in results for name in r.page_ms}):
        row(f"p95 {name}", [ms(percentile(r.page_ms.get(name, []), 0.95)) for r in results])
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--reviews", type=int, default=100, help="generated reviews besides the demo"
    )
    parser.add_argument(
        "--capacity",
        action="store_true",
        help="run --steps users for --step-seconds each and report where p95 passes 1 s",
    )
    parser.add_argument("--steps", default="10,20,40,60,80", help="user counts for --capacity")
    parser.add_argument("--step-seconds", type=int, default=30)
    args = parser.parse_args()
    if args.capacity:
        runs = [(int(users), args.step_seconds) for users in args.steps.split(",")]
    else:
        runs = [(args.users, args.seconds)]

    results = []
    with (
        running_postgres() as pg,
        static_root() as static,
        tempfile.TemporaryDirectory(prefix="tracker-media-") as media,
    ):
        env = production_env(pg.url, static, media_root=media)
        print(
            f"Preparing PostgreSQL {pg.version} with {args.reviews} generated reviews…", flush=True
        )
        prepare_database(env, reviews=args.reviews)
        with gunicorn(env) as base, worker(env):
            for users, seconds in runs:
                print(f"Load: {users} users for {seconds}s against {base}", flush=True)
                results.append(run_locust(base, users, seconds))
                time.sleep(2)  # let the last requests drain before the next step

    print(
        f"\ngunicorn 3 workers x 4 threads, one task worker, PostgreSQL {pg.version}, "
        f"{args.reviews} generated reviews besides the demo, {os.cpu_count()} CPUs\n"
    )
    print(table(results))
    for r in results:
        print(
            f"\nLOAD RESULT: {r.users} users: {r.requests} requests, {r.errors} errors; sign-ins "
            f"{r.burst_seconds:.0f} s (p50 {percentile(r.sign_in_ms, 0.5):,.0f} ms); then "
            f"{r.seconds} s: {r.per_second:.1f} requests/s, p95 {r.p95_ms:,.0f} ms"
        )
    if args.capacity:
        over = next((r for r in results if r.p95_ms > CAPACITY_P95_MS), None)
        if over is None:
            print(f"\nCAPACITY: overall p95 stays under 1 s up to {results[-1].users} users")
        elif over is results[0]:
            print(
                f"\nCAPACITY: overall p95 is over 1 s already at {over.users} users, the "
                f"smallest step ({over.p95_ms:,.0f} ms): try smaller --steps"
            )
        else:
            print(
                f"\nCAPACITY: overall p95 passes 1 s at {over.users} users ({over.p95_ms:,.0f} ms)"
            )
        return 0
    return 1 if results[0].errors else 0


if __name__ == "__main__":
    sys.exit(main())
