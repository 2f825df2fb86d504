"""How long importing a 500-row table takes, on SQLite and on PostgreSQL in one run: reading
and the preview, the save as a new review, and the save of an edited copy as a new update
report of that review.

    DEBUG=1 .venv/bin/python -m bench.importing [--rows 500] [--format xlsx] [--runs 3]

Each database is measured in a child process of its own: SQLite in a throwaway test database,
PostgreSQL on a throwaway server (``tests/pgserver.py``). Each run imports into a new
authority, so its people are new too. Goals (issue 15): preview < 5 s, save < 10 s on
PostgreSQL. Prints the median of the runs, the worst, and the queries each save made.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exclusions_tracker.settings")
os.environ.setdefault("DEBUG", "true")

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"preview": 5.0, "save": 10.0, "update report": 10.0}
HEADINGS = ["Ref", "Recommendation", "Agreed Yes/No", "Response", "Lead Officer",
            "Action taken", "Status", "Timescale"]  # fmt: skip


def table(rows: int, *, progress: str = "half done", run: int = 0) -> list[list[str]]:
    """``run``: texts of their own for each run, so no cache of a text rendered before helps."""
    body = [HEADINGS]
    for n in range(1, rows + 1):
        body.append([
            str(n),
            f"The council should do thing {n} ({run}).\n"
            "It should report on it:\n- yearly\n- to members",
            ["Yes", "No", "Partly"][n % 3],
            f"Agreed. We will do thing {n} by the spring, with partners ({run}). " * 3,
            f"Officer {n % 40}, Head of Service {n % 7} / Cllr Member {n % 9}",
            f"Progress on thing {n} ({run}): {progress}.\n1. first step\n2. second step",
            ["Completed", "In progress", "Amber", "Not started"][n % 4],
            "March 2027",
        ])  # fmt: skip
    return body


def as_file(rows: list[list[str]], kind: str) -> bytes:
    if kind == "csv":
        import csv

        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode()
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure(rows: int, kind: str, runs: int) -> dict:
    """In this process, on the configured database: seconds per run of each step."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from recommendations import services
    from recommendations.importing.preview import build_preview
    from recommendations.importing.readers import read_tables
    from recommendations.models import Review, UpdateReport

    name = f"bench.{kind}"
    seconds: dict[str, list[float]] = {step: [] for step in GOALS}
    queries: dict[str, int] = {}
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        for run in range(runs):
            content = as_file(table(rows, run=run), kind)
            edited = as_file(table(rows, progress="three quarters done", run=run), kind)
            authority = services.authority_get_or_create(slug=f"bench-{run}", name=f"Bench {run}")
            committee = services.committee_get_or_create(
                authority=authority, slug=f"bench-{run}", name="Bench Committee"
            )
            started = time.perf_counter()
            _, tables = read_tables(content, name)
            preview = build_preview(tables[0])
            seconds["preview"].append(time.perf_counter() - started)
            assert not preview.errors, [row.errors for row in preview.rows if row.errors][:3]
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                result = services.import_table(
                    rows=preview.rows,
                    review=Review(committee=committee, title="Bench import"),
                    report=UpdateReport(title="Bench update"),
                    columns=preview.columns,
                    file_name=name,
                    content=content,
                    user=None,
                )
                seconds["save"].append(time.perf_counter() - started)
            queries["save"] = len(captured)
            assert result.recommendations == rows and result.updates == rows
            _, tables = read_tables(edited, name)
            preview = build_preview(tables[0])
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                result = services.import_table(
                    rows=preview.rows,
                    review=result.review,
                    report=UpdateReport(title="Bench update 2"),
                    columns=preview.columns,
                    file_name=name,
                    content=edited,
                    user=None,
                )
                seconds["update report"].append(time.perf_counter() - started)
            queries["update report"] = len(captured)
            assert result.updates == rows, result.updates
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return {"vendor": connection.vendor, "seconds": seconds, "queries": queries}


def _child(env: dict, args: argparse.Namespace) -> dict:
    command = [sys.executable, "-m", "bench.importing", "--one", "--rows", str(args.rows),
               "--format", args.format, "--runs", str(args.runs)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", action="store_true", help="measure the configured database")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.rows, args.format, args.runs)))
        return

    from tests.pgserver import running_postgres

    base = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    results = [_child(base, args)]
    with running_postgres() as pg:
        results.append(_child(dict(base, DATABASE_URL=pg.url), args))
    print(f"{args.rows} rows ({args.format}), median of {args.runs} runs (worst), load average "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    for result in results:
        for step, goal in GOALS.items():
            times = result["seconds"][step]
            queries = result["queries"].get(step)
            print(
                f"  {result['vendor']:<10} {step:<14} {statistics.median(times):6.2f} s "
                f"({max(times):.2f})  goal < {goal:.0f} s  "
                f"{'met' if max(times) < goal else 'MISSED'}"
                + (f"  {queries} queries" if queries else "")
            )


if __name__ == "__main__":
    main()
