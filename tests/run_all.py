"""`make test`: the whole suite on SQLite, then on a throwaway PostgreSQL server.

The PostgreSQL server is created in a temporary directory, started on a free loopback
port, and stopped and deleted afterwards. PostgreSQL refuses to run as root, so when we
are root (as in CI) the server runs as the unprivileged user ``nobody``.

The production tests (``tests/production``: a deployment of gunicorn, the task worker and
its own PostgreSQL server, driven over HTTP) run on PostgreSQL only and spend most of their
time waiting, for a killed worker's lease to run out or a server to come back. So for the
whole suite they run beside the SQLite pass, on a server of their own, rather than inside the
PostgreSQL pass; their results are counted with PostgreSQL's.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

from tests.pgserver import running_postgres

ROOT = Path(__file__).resolve().parent.parent
# Both cores; a file's tests stay together so module-scoped fixtures (a rendered PDF) are shared.
# The files are queued longest first (tests/scheduling.py), not xdist's most-tests-first.
PARALLEL = [
    "-n", os.environ.get("TEST_WORKERS", "2"), "--dist", "loadfile", "--no-loadscope-reorder",
]  # fmt: skip
PRODUCTION = "tests/production"


def _pytest(label: str, env: dict[str, str], args: list[str], report: Path, **popen):
    print(f"\n======== Test run on {label} ========", flush=True)
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", f"--junitxml={report}", *PARALLEL, *args],
        cwd=ROOT,
        env=env,
        **popen,
    )


def _counts(report: Path) -> dict[str, int]:
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if report.exists():
        for suite in ET.parse(report).getroot().iter("testsuite"):
            for key in counts:
                counts[key] += int(suite.get(key, 0))
    return counts


def _children_cpu() -> float:
    """CPU seconds used by this process's finished children and the descendants they waited
    for (pytest, its workers, forked PDF renderers, the HTML checker)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_pytest(
    label: str, env: dict[str, str], extra_args: list[str]
) -> tuple[int, dict[str, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        code = _pytest(label, env, extra_args, report).wait()
        return code, _counts(report)


def _postgres_env(server, env: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if env is None else env)
    env["DATABASE_URL"] = server.url
    env["TEST_DATABASE_LABEL"] = f"PostgreSQL {server.version}"
    env["TEST_PG_DATA_DIR"] = str(server.data_dir)
    return env


def _add(counts: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    return {key: counts[key] + more[key] for key in counts}


@contextmanager
def sqlite_env() -> Iterator[dict[str, str]]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["TEST_DATABASE_LABEL"] = "SQLite"
    yield env


def _beside(
    stack: ExitStack, tmp: Path, name: str, label: str, env: dict[str, str], args: list[str]
) -> tuple[subprocess.Popen, IO[str], Path]:
    """A pytest run started in the background, its output kept for printing afterwards."""
    log = stack.enter_context(open(tmp / f"{name}.log", "w+"))  # noqa: SIM115 -- the stack closes it
    process = _pytest(label, env, args, tmp / f"{name}.xml", stdout=log, stderr=subprocess.STDOUT)
    # Interrupted (Ctrl-C in the SQLite pass): the run beside it stops too.
    stack.callback(lambda: process.poll() is None and process.kill())
    return process, log, tmp / f"{name}.xml"


def _finish(run: tuple[subprocess.Popen, IO[str], Path], heading: str) -> tuple[int, dict]:
    process, log, report = run
    code = process.wait()
    log.seek(0)
    print(f"\n======== {heading} ========", flush=True)
    sys.stdout.write(log.read())
    return code, _counts(report)


def main(argv: list[str]) -> int:
    """``argv`` (pytest's arguments) given: both passes run them, one after the other.

    Without: the production tests run beside the SQLite pass (see the module's docstring),
    then the PostgreSQL pass. Not all three at once: the passes keep both cores busy on their
    own (the summary prints how busy), and beside two busy passes the production worker's
    low-priority renders starved past the production tests' time limits."""
    results = []
    started, cpu_before = time.monotonic(), _children_cpu()
    with ExitStack() as stack:
        production = None
        if not argv:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            server = stack.enter_context(running_postgres())
            production = _beside(
                stack, tmp, "production",
                f"PostgreSQL {server.version}: the production tests, beside SQLite's pass "
                "(their output follows it)",
                _postgres_env(server), [PRODUCTION],
            )  # fmt: skip
        with sqlite_env() as env:
            results.append(("SQLite", *run_pytest("SQLite", env, argv)))
        extra: tuple[int, dict[str, int]] | None = None
        if production is not None:
            extra = _finish(production, "The production tests (PostgreSQL)")
        with running_postgres() as server:
            label = f"PostgreSQL {server.version} (throwaway server on port {server.port})"
            args = [f"--ignore={PRODUCTION}"] if production is not None else argv
            code, counts = run_pytest(label, _postgres_env(server), args)
            if extra is not None:
                code, counts = code or extra[0], _add(counts, extra[1])
            results.append(("PostgreSQL", code, counts))

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
    wall, cpu = time.monotonic() - started, _children_cpu() - cpu_before
    print(
        f"{wall:.0f} s; the test processes used {cpu:.0f} s of CPU, "
        f"{cpu / wall / (os.cpu_count() or 1):.0%} of {os.cpu_count()} cores "
        "(PostgreSQL's servers not counted)"
    )
    return 1 if (worst or failed) else 0


if __name__ == "__main__":
    shutil.rmtree(ROOT / "test-artifacts", ignore_errors=True)
    sys.exit(main(sys.argv[1:]))
