"""`make test`: the whole suite on SQLite, then on a throwaway PostgreSQL server.

The PostgreSQL server is created in a temporary directory, started on a free loopback
port, and stopped and deleted afterwards. PostgreSQL refuses to run as root, so when we
are root (as in CI) the server runs as the unprivileged user ``nobody``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.pgserver import running_postgres

ROOT = Path(__file__).resolve().parent.parent
# Both cores; a file's tests stay together so module-scoped fixtures (a rendered PDF) are shared.
PARALLEL = ["-n", os.environ.get("TEST_WORKERS", "2"), "--dist", "loadfile"]


def run_pytest(
    label: str, env: dict[str, str], extra_args: list[str]
) -> tuple[int, dict[str, int]]:
    print(f"\n======== Test run on {label} ========", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        code = subprocess.call(
            [sys.executable, "-m", "pytest", f"--junitxml={report}", *PARALLEL, *extra_args],
            cwd=ROOT,
            env=env,
        )
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if report.exists():
            for suite in ET.parse(report).getroot().iter("testsuite"):
                for key in counts:
                    counts[key] += int(suite.get(key, 0))
    return code, counts


@contextmanager
def sqlite_env() -> Iterator[dict[str, str]]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["TEST_DATABASE_LABEL"] = "SQLite"
    yield env


def main(argv: list[str]) -> int:
    results = []
    with sqlite_env() as env:
        results.append(("SQLite", *run_pytest("SQLite", env, argv)))
    with running_postgres() as server:
        env = dict(os.environ)
        env["DATABASE_URL"] = server.url
        env["TEST_DATABASE_LABEL"] = f"PostgreSQL {server.version}"
        env["TEST_PG_DATA_DIR"] = str(server.data_dir)
        label = f"PostgreSQL {server.version} (throwaway server on port {server.port})"
        results.append(("PostgreSQL", *run_pytest(label, env, argv)))

    print("\n======== Summary ========")
    passed = failed = skipped = 0
    worst = 0
    for label, code, counts in results:
        ok = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
        print(
            f"{label}: {ok} passed, {counts['failures'] + counts['errors']} failed, "
            f"{counts['skipped']} skipped (pytest exit code {code})"
        )
        passed += ok
        failed += counts["failures"] + counts["errors"]
        skipped += counts["skipped"]
        worst = worst or code
    if worst and not failed:
        failed = 1  # pytest failed without a test failing (collection error, crash)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if (worst or failed) else 0


if __name__ == "__main__":
    shutil.rmtree(ROOT / "test-artifacts", ignore_errors=True)
    sys.exit(main(sys.argv[1:]))
