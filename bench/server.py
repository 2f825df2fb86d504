"""Shared by the benchmarks and the production tests: a production-configured app on loopback.

gunicorn with production settings (DEBUG off, whitenoise serving collected static files) and
a task worker, against a throwaway PostgreSQL server. Only loopback addresses are used.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
# The task worker command production runs (README "Deployment", step 4).
WORKER_COMMAND = "run_worker"
BENCH_PASSWORD = "bench-" + secrets.token_urlsafe(12)

CREATE_USERS = """
from django.contrib.auth.models import Group, User
from recommendations.roles import CLERKS, COMMISSION_MEMBERS, SCRUTINY_OFFICERS
for name, group in [
    ("bench-officer", SCRUTINY_OFFICERS),
    ("bench-member", COMMISSION_MEMBERS),
    ("bench-clerk", CLERKS),
]:
    user, _ = User.objects.get_or_create(username=name)
    user.set_password({password!r})
    user.save()
    user.groups.set([Group.objects.get(name=group)])
admin, _ = User.objects.get_or_create(username="bench-admin", defaults={{"is_staff": True}})
admin.is_staff = admin.is_superuser = True
admin.set_password({password!r})
admin.save()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(
    database_url: str, static_root: str, *, media_root: str | None = None
) -> dict[str, str]:
    """What every app server and worker gets (README "Deployment"), for plain HTTP on loopback.

    ``media_root`` is shared by gunicorn and the worker (rendered packs land there); without
    it the app's default, ``media/`` in the checkout, is used."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on loopback: no TLS proxy in front of this bench server.
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        STATIC_ROOT=static_root,
        AXES_FAILURE_LIMIT="1000",
        # One cache for every process, as deployed: a PDF rendered by one gunicorn worker is
        # served by the others (prepare_database creates the table).
        CACHE_URL="dbcache://tracker_cache",
    )
    if media_root is not None:
        env["MEDIA_ROOT"] = media_root
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def prepare_database(env: dict[str, str], *, reviews: int) -> None:
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "createcachetable")
    manage(env, "load_demo_data")
    if reviews:
        manage(env, "generate_demo_data", "--reviews", str(reviews), "--seed", "1")
    manage(env, "shell", "-c", CREATE_USERS.format(password=BENCH_PASSWORD))


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 -- loopback
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout}s")
        time.sleep(0.2)


@contextmanager
def _log_file(log: Path | None, prefix: str) -> Iterator[IO[bytes]]:
    """The given log file, kept for the caller to read; else a temporary one, deleted after.

    A server's output goes to a file: a pipe nobody reads would fill up and block it as soon
    as it logs a few errors."""
    if log is not None:
        with log.open("ab") as handle:
            yield handle
        return
    handle = tempfile.NamedTemporaryFile(prefix=prefix, suffix=".log", delete=False)  # noqa: SIM115
    try:
        yield handle
    finally:
        handle.close()
        Path(handle.name).unlink(missing_ok=True)


def _stop(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM (a graceful stop: the current request or task is finished), then SIGKILL."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def gunicorn(
    env: dict[str, str], *, workers: int = 3, threads: int = 4, log: Path | None = None
) -> Iterator[str]:
    """Serve the app; yields its base URL. ``log``: where its output goes (else discarded)."""
    port = free_port()
    manage(env, "collectstatic", "--no-input", "-v0")
    server_env = dict(
        env,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(workers),
        GUNICORN_THREADS=str(threads),
        GUNICORN_ACCESS_LOG="/dev/null",
    )
    with _log_file(log, "gunicorn-") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "exclusions_tracker.wsgi"],
            cwd=ROOT,
            env=server_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + "/healthz")
            yield base
        finally:
            _stop(process, timeout=20)


@contextmanager
def worker(
    env: dict[str, str], *, log: Path | None = None, stop_timeout: float = 20
) -> Iterator[subprocess.Popen]:
    """A task worker as production runs it (README "Deployment", step 4), stopped gracefully.

    Yields the process. ``log``: where its output goes (else discarded). SIGTERM lets it finish
    the task in hand; after ``stop_timeout`` seconds it is killed."""
    command = [
        sys.executable, "manage.py", WORKER_COMMAND,
        "--queue-name", "default", "--interval", "2", "--no-reload",
    ]  # fmt: skip
    with _log_file(log, "worker-") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            _stop(process, timeout=stop_timeout)


@contextmanager
def static_root() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="tracker-static-") as path:
        yield path
