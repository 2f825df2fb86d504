"""Loaded with ``-p``: the order the test files run in, longest first, so that both of
``make test``'s workers finish together.

The workers (pytest-xdist, ``--dist loadfile``) take the next file from one queue whenever
they run short. xdist's own order puts the files with the most tests first, so the browser
files, a single slow test or two each, came last: one worker ran them alone while the other
core sat idle (a quarter of the PostgreSQL pass's last minutes, ``vmstat``). Here the queue
is ordered by each file's time in an earlier run (``tests/durations.json``), the longest
first, and the short ones fill in at the end. A file without a recorded time counts as one
second a test. ``run_all`` turns xdist's reordering off (``--no-loadscope-reorder``).

``--record-durations`` writes the times of the files that ran to ``tests/durations.json``
(the others are kept). Times only order the queue: a stale one costs balance, never a result.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

DURATIONS = Path(__file__).with_name("durations.json")
UNRECORDED_SECONDS_PER_TEST = 1.0


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def recorded() -> dict[str, float]:
    try:
        return json.loads(DURATIONS.read_text())
    except (FileNotFoundError, ValueError):
        return {}


def longest_first(nodeids: list[str], seconds: dict[str, float]) -> list[str]:
    """The files of ``nodeids``, longest first (by name when level)."""
    tests = Counter(_file(nodeid) for nodeid in nodeids)

    def cost(name: str) -> float:
        return seconds.get(name, tests[name] * UNRECORDED_SECONDS_PER_TEST)

    return sorted(tests, key=lambda name: (-cost(name), name))


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--record-durations",
        action="store_true",
        help=f"write each file's time in this run to {DURATIONS.name} (orders later runs)",
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items) -> None:
    position = {
        name: number
        for number, name in enumerate(longest_first([item.nodeid for item in items], recorded()))
    }
    # A stable sort: a file's tests keep their order (and their module's fixtures).
    items.sort(key=lambda item: position[_file(item.nodeid)])


class _Recorder:
    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report) -> None:
        self.seconds[_file(report.nodeid)] += report.duration

    def pytest_sessionfinish(self, session) -> None:
        if not self.seconds or session.testsfailed:
            return
        merged = recorded() | {name: round(value, 1) for name, value in self.seconds.items()}
        DURATIONS.write_text(json.dumps(dict(sorted(merged.items())), indent=1) + "\n")


def pytest_configure(config) -> None:
    # In the controller only: it sees every worker's reports.
    if config.getoption("record_durations") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Recorder(), "record-durations")
