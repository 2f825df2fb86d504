"""``manage.py run_worker``: django-tasks-db's worker that outlives database outages, stops
gracefully on SIGTERM, and recovers pack renders whose worker died."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from recommendations.models import Meeting
from reports import tasks
from reports.management.commands import run_worker
from reports.models import PackRender
from reports.pdf import sandbox

# The worker and the recovery thread use their own connections: data must be committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_packs")]


@pytest.fixture
def meeting(layouts, settings) -> Meeting:
    settings.PDF_PACK_REQUEST_MAX_ROWS = 5  # the Hackney pack's 18 rows are "large"
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    return Meeting.objects.get(date=dt.date(2023, 1, 16))


@pytest.fixture(autouse=True)
def _restore_signals():
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


@pytest.fixture
def fake_render(monkeypatch):
    rendered = []

    def render_pdf(html, **kwargs):
        rendered.append(kwargs)
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(sandbox, "render_pdf", render_pdf)
    return rendered


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """The worker's back-off pauses, recorded instead of waited for."""
    recorded: list[float] = []
    monkeypatch.setattr(run_worker.time, "sleep", recorded.append)
    return recorded


def _queue(meeting: Meeting) -> PackRender:
    return tasks.start_pack_render(meeting=meeting, user=None)


def _worker(**options) -> None:
    options = {"startup_delay": False, "reload": False, "verbosity": 0, **options}
    call_command("run_worker", **options)


def test_it_completes_a_queued_render_at_low_priority(meeting, fake_render, settings):
    settings.PDF_WORKER_NICENESS = 10
    job = _queue(meeting)
    assert job.status == PackRender.Status.QUEUED
    _worker(batch=True)
    job.refresh_from_db()
    assert job.status == PackRender.Status.DONE and job.attempts == 1, job.error
    assert fake_render[0]["niceness"] == 10 and callable(fake_render[0]["heartbeat"])
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


@pytest.mark.parametrize(
    "failures",
    [
        [OperationalError("server closed the connection unexpectedly")],
        [OperationalError("connection refused"), InterfaceError("connection already closed")],
        [OperationalError("the database system is starting up")] * 3,
    ],
    ids=["one-outage", "operational-then-interface", "three-failures"],
)
def test_it_survives_a_database_outage_backing_off_then_runs_the_task(
    meeting, fake_render, sleeps, monkeypatch, caplog, failures
):
    job = _queue(meeting)
    real_get_locked = DBTaskResultQuerySet.get_locked
    pending = list(failures)

    def get_locked(self):
        if pending:
            raise pending.pop(0)
        return real_get_locked(self)

    monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", get_locked)
    with caplog.at_level(logging.ERROR, logger="django_tasks_db"):
        _worker(batch=True, verbosity=1)
    assert sleeps == [1, 2, 4][: len(failures)]
    assert caplog.text.count("Database unavailable") == len(failures)
    job.refresh_from_db()
    assert job.status == PackRender.Status.DONE, job.error


def test_its_back_off_doubles_up_to_thirty_seconds(sleeps, monkeypatch):
    outages = [OperationalError("down")] * 7

    def run(self):
        if outages:
            raise outages.pop()

    monkeypatch.setattr(run_worker.db_worker.Worker, "run", run)
    worker = run_worker.ResilientWorker(
        queue_names=["default"],
        interval=1,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    worker.run()
    assert sleeps == [1, 2, 4, 8, 16, 30, 30]


def test_other_errors_still_stop_it(monkeypatch, sleeps):
    def run(self):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(run_worker.db_worker.Worker, "run", run)
    with pytest.raises(RuntimeError):
        _worker(batch=True)
    assert sleeps == []


def _safety_net(seconds: float = 30) -> threading.Timer:
    """If the worker ignored SIGTERM, a later SIGINT forces it out (and the test fails)."""
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_sigterm_during_a_render_finishes_it_then_stops(meeting, monkeypatch):
    job = _queue(meeting)

    def render_pdf(html, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)  # systemd stops the service mid-render
        time.sleep(0.2)
        return b"%PDF-1.7 finished"

    monkeypatch.setattr(sandbox, "render_pdf", render_pdf)
    safety = _safety_net()
    try:
        _worker(batch=False, interval=0.1)  # returns instead of waiting for more tasks
    finally:
        safety.cancel()
    job.refresh_from_db()
    assert job.status == PackRender.Status.DONE


@pytest.mark.parametrize("state", ["idle", "backing off after an outage"])
def test_sigterm_stops_it_at_once_when_no_task_is_running(meeting, monkeypatch, state):
    if state != "idle":

        def get_locked(self):
            raise OperationalError("the database is down")

        monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", get_locked)
    # The worker's pauses (the poll interval, the back-off) that ran to their end after the
    # SIGTERM: stopping at once means none, the pause it was in is cut short.
    sleep, signalled = time.sleep, threading.Event()
    waited_out: list[float] = []

    def watched_sleep(seconds: float) -> None:
        sleep(seconds)
        if signalled.is_set() and threading.current_thread() is threading.main_thread():
            waited_out.append(seconds)

    def terminate() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        signalled.set()

    monkeypatch.setattr(time, "sleep", watched_sleep)
    timer = threading.Timer(0.5, terminate)
    timer.start()
    with pytest.raises(SystemExit) as stopped:
        _worker(batch=False, interval=0.2)
    assert stopped.value.code == 0 and waited_out == []


def _killed_mid_render(job: PackRender, *, attempts: int) -> None:
    """What a worker killed mid-render leaves: its task RUNNING (django-tasks never clears
    it) and its job RUNNING under a lease that has run out."""
    DBTaskResult.objects.filter(id=job.task_id).update(status="RUNNING", started_at=timezone.now())
    PackRender.objects.filter(pk=job.pk).update(
        status=PackRender.Status.RUNNING,
        attempts=attempts,
        leased_by="old-host:123",
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1),
    )


def _wait_for(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError as error:
            # The test database on SQLite is in memory with a shared cache, which locks a
            # table while the other thread writes it ("database table is locked").
            assert "locked" in str(error)
        time.sleep(0.05)
    return False


def test_its_recovery_thread_requeues_a_dead_workers_render_which_then_completes(
    meeting, fake_render
):
    job = _queue(meeting)
    dead_task = job.task_id
    _killed_mid_render(job, attempts=1)
    recovery = run_worker.Recovery(interval=0.05)
    recovery.start()
    try:
        assert _wait_for(
            lambda: PackRender.objects.get(pk=job.pk).status == PackRender.Status.QUEUED
        )
    finally:
        recovery.stop()
        recovery.join(5)
    assert not recovery.is_alive()
    job.refresh_from_db()
    assert job.task_id != dead_task
    # The dead attempt's task is no longer RUNNING for ever; the new one waits.
    assert DBTaskResult.objects.get(id=dead_task).status == "FAILED"
    assert DBTaskResult.objects.get(id=job.task_id).status == "READY"

    _worker(batch=True)
    job.refresh_from_db()
    assert job.status == PackRender.Status.DONE and job.attempts == 2


def test_the_command_fails_a_render_whose_worker_died_twice(meeting, fake_render):
    job = _queue(meeting)
    _killed_mid_render(job, attempts=2)
    _worker(batch=True)  # a recovery pass runs as it starts
    job.refresh_from_db()
    assert job.status == PackRender.Status.FAILED
    assert job.error == tasks.WORKER_DIED and fake_render == []
    assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"


def test_the_command_requeues_and_renders_a_render_whose_worker_died_once(meeting, fake_render):
    job = _queue(meeting)
    _killed_mid_render(job, attempts=1)
    _worker(batch=True)
    job.refresh_from_db()
    assert job.status == PackRender.Status.DONE and job.attempts == 2 and len(fake_render) == 1


def test_its_recovery_thread_survives_a_database_error(meeting, monkeypatch):
    job = _queue(meeting)
    _killed_mid_render(job, attempts=1)
    real = tasks.recover_expired_renders
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("the database is down")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "recover_expired_renders", flaky)
    recovery = run_worker.Recovery(interval=0.05)
    recovery.start()
    try:
        assert _wait_for(
            lambda: PackRender.objects.get(pk=job.pk).status == PackRender.Status.QUEUED
        )
    finally:
        recovery.stop()
        recovery.join(5)
    assert len(calls) >= 2


@pytest.mark.parametrize("value", ["0", "-1", "nan", "soon"])
def test_a_bad_recovery_interval_is_refused(value):
    with pytest.raises(CommandError):
        call_command("run_worker", "--recovery-interval", value, "--batch")
