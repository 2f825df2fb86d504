"""Load: 20 concurrent users for 60 s against the production setup on loopback.

gunicorn (3 workers x 4 threads) + PostgreSQL (throwaway) + whitenoise, with the demo
reviews and 100 generated ones. Members read pages; officers post progress updates.
Prints requests, errors, p95 and requests per second. Run: .venv/bin/python -m bench.load
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.server import (
    BENCH_PASSWORD,
    ROOT,
    gunicorn,
    prepare_database,
    production_env,
    static_root,
)
from tests.pgserver import running_postgres


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--reviews", type=int, default=100, help="generated reviews besides the demo"
    )
    args = parser.parse_args()

    with running_postgres() as pg, static_root() as static:
        env = production_env(pg.url, static)
        print(
            f"Preparing PostgreSQL {pg.version} with {args.reviews} generated reviews…", flush=True
        )
        prepare_database(env, reviews=args.reviews)
        with gunicorn(env) as base, tempfile.TemporaryDirectory() as out:
            print(f"Load: {args.users} users for {args.seconds}s against {base}", flush=True)
            prefix = str(Path(out) / "load")
            subprocess.run(
                [
                    sys.executable, "-m", "locust", "-f", str(ROOT / "bench/locustfile.py"),
                    "--headless", "--users", str(args.users), "--spawn-rate", str(args.users),
                    "--run-time", f"{args.seconds}s", "--host", base, "--csv", prefix,
                    "--only-summary", "--loglevel", "WARNING",
                ],
                env=dict(os.environ, BENCH_PASSWORD=BENCH_PASSWORD),
                check=False,
            )  # fmt: skip
            with open(prefix + "_stats.csv", newline="") as handle:
                rows = list(csv.DictReader(handle))
    print("\nper endpoint: requests, failures, median ms, p95 ms")
    for row in rows:
        print(
            f"  {row['Name']:<24} {row['Request Count']:>6} {row['Failure Count']:>4} "
            f"{row['Median Response Time']:>6} {row['95%']:>6}"
        )
    total = next(row for row in rows if row["Name"] == "Aggregated")
    errors = int(total["Failure Count"])
    print(
        f"\nLOAD RESULT: {total['Request Count']} requests, {errors} errors, "
        f"p95 {total['95%']} ms, {float(total['Requests/s']):.1f} requests/s "
        f"({args.users} users, {args.seconds}s, gunicorn 3x4 threads, PostgreSQL {pg.version})"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
