"""The suite's own queue (tests/scheduling.py): the longest files first."""

from tests.scheduling import longest_first, recorded


def test_files_are_queued_longest_first_and_unrecorded_ones_by_their_tests():
    nodeids = [
        "tests/a.py::test_1",
        "tests/b.py::test_1",
        "tests/b.py::test_2",
        "tests/c.py::test_1",
        "tests/new.py::test_1",
        "tests/new.py::test_2",
        "tests/new.py::test_3",
        "tests/tie.py::test_1",
    ]
    seconds = {"tests/a.py": 2.0, "tests/b.py": 40.0, "tests/c.py": 0.5, "tests/tie.py": 2.0}
    # new.py has no recorded time: one second a test, three tests.
    assert longest_first(nodeids, seconds) == [
        "tests/b.py",
        "tests/new.py",
        "tests/a.py",
        "tests/tie.py",
        "tests/c.py",
    ]


def test_this_run_queues_its_files_longest_first_each_files_tests_together(pytestconfig):
    nodeids = [item.nodeid for item in pytestconfig.pluginmanager.get_plugin("session").items]
    files = [
        name for number, name in enumerate(_files(nodeids)) if name not in _files(nodeids)[:number]
    ]
    assert files == _files(nodeids), "a file's tests are split in the queue"
    assert files == longest_first(nodeids, recorded())


def _files(nodeids: list[str]) -> list[str]:
    """Each run of consecutive tests of one file, by its file."""
    runs: list[str] = []
    for nodeid in nodeids:
        name = nodeid.split("::", 1)[0]
        if not runs or runs[-1] != name:
            runs.append(name)
    return runs
