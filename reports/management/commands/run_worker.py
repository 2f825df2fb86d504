"""``db_worker``, made to survive: it recovers pack and PDF renders whose worker died, and it
outlives a database outage instead of exiting.

Takes every option of django-tasks-db's ``db_worker`` (whose ``Worker`` and arguments it
reuses), plus ``--recovery-interval``. A daemon thread, with its own database connection,
runs ``reports.tasks.recover_expired_renders`` every ``--recovery-interval`` seconds. When the
database goes away (OperationalError, InterfaceError) the worker logs it, closes its
connections and tries again after 1, 2, 4 … up to 30 seconds. SIGTERM and SIGINT stop it as
they stop ``db_worker``: the task in hand is finished first.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from argparse import ArgumentParser, ArgumentTypeError

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from reports import prerender, tasks

logger = logging.getLogger("django_tasks_db")

BACKOFF_MIN_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
RECOVERY_SECONDS = 10.0


class ResilientWorker(db_worker.Worker):
    """The upstream worker loop, restarted with a growing pause when the database fails."""

    def run(self) -> None:
        delay = BACKOFF_MIN_SECONDS
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return  # --batch or --max-tasks: done
            except (OperationalError, InterfaceError) as error:
                if not self.running:
                    return
                # It had been working for a while: this is a new outage, start small again.
                if time.monotonic() - started > BACKOFF_MAX_SECONDS:
                    delay = BACKOFF_MIN_SECONDS
                logger.error(
                    "Database unavailable (%s: %s); worker %s retries in %g s.",
                    type(error).__name__,
                    error,
                    self.worker_id,
                    delay,
                )
                connections.close_all()
                self.startup_delay = False
                # SIGTERM meanwhile exits at once (nothing is running), as in db_worker.
                time.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX_SECONDS)


class Recovery(threading.Thread):
    """Recovers pack renders whose worker died, every ``interval`` seconds."""

    def __init__(self, interval: float):
        super().__init__(name="pack-render-recovery", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.run_once()

    def run_once(self) -> None:
        try:
            recovered = tasks.recover_expired_renders()
            if recovered:
                logger.warning("Recovered %d pack render(s) whose worker stopped.", recovered)
            recovered = prerender.recover_expired()
            if recovered:
                logger.warning("Recovered %d PDF render(s) whose worker stopped.", recovered)
        except (OperationalError, InterfaceError) as error:
            # An outage is expected now and then: one line, not a traceback every 10 s.
            logger.error("Recovering pack renders failed (%s); trying again shortly.", error)
        except Exception:  # noqa: BLE001 -- a bug: log it, and keep the worker running
            logger.exception("Recovering pack renders failed; trying again shortly.")
        finally:
            # Never held open between passes (in the thread, this is its own connection).
            connections.close_all()

    def stop(self) -> None:
        self.stopped.set()


def valid_recovery_interval(value: str) -> float:
    number = db_worker.valid_interval(value)
    if number <= 0:
        raise ArgumentTypeError("Must be greater than zero")
    return number


class Command(db_worker.Command):
    help = (
        "Run a database task worker that survives database outages and recovers pack renders "
        "whose worker died"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--recovery-interval",
            type=valid_recovery_interval,
            default=RECOVERY_SECONDS,
            help="Seconds between passes that recover stalled pack renders (default: %(default)r)",
        )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        recovery_interval: float,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be specified together: no autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        recovery = Recovery(recovery_interval)
        if reload:
            # Only the reloader's child configures signals and works; the parent watches files.
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
                recovery.run_once()
                recovery.start()
            run_with_reloader(worker.run)
            return
        worker.configure_signals()
        # First pass before the worker starts, so a job left by a dead worker is queued
        # again in time for this worker (and for --batch) to render it.
        recovery.run_once()
        recovery.start()
        try:
            worker.run()
        finally:
            recovery.stop()
