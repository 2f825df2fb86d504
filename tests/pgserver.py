"""A throwaway PostgreSQL server for the test suite (and for benchmarks)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

UNPRIVILEGED_USER = "nobody"


@dataclass
class PostgresServer:
    data_dir: Path
    port: int
    version: str

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/tracker"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", UNPRIVILEGED_USER, "--", *command]
    return command


def pg_ctl(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        _as_server_user(["pg_ctl", "-D", str(data_dir), *args]),
        check=check,
        capture_output=True,
        text=True,
    )


def start(data_dir: Path, port: int) -> None:
    options = f"-p {port} -k {data_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl(data_dir, "-o", options, "-l", str(data_dir / "server.log"), "-w", "start")


def stop(data_dir: Path) -> None:
    pg_ctl(data_dir, "-m", "fast", "-w", "stop", check=False)


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    if not shutil.which("initdb") or not shutil.which("pg_ctl"):
        raise RuntimeError("initdb and pg_ctl must be on PATH to run the PostgreSQL tests")
    base = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    data_dir = base / "data"
    data_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, UNPRIVILEGED_USER)
        shutil.chown(data_dir, UNPRIVILEGED_USER)
        base.chmod(0o755)
    port = _free_port()
    try:
        subprocess.run(
            _as_server_user(
                ["initdb", "-D", str(data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8"]
            ),
            check=True,
            capture_output=True,
            text=True,
        )  # fmt: skip
        start(data_dir, port)
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "tracker"],
            check=True,
        )
        banner = subprocess.run(
            ["postgres", "--version"], capture_output=True, text=True, check=False
        ).stdout  # "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        match = re.search(r"\d+(?:\.\d+)+", banner)
        version = match.group(0) if match else "unknown version"
        yield PostgresServer(data_dir=data_dir, port=port, version=version)
    finally:
        stop(data_dir)
        shutil.rmtree(base, ignore_errors=True)
