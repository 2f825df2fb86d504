"""The renderer's sandbox: each document is laid out in a forked child with a wall-clock and a
memory limit, which dies with its parent and keeps none of its sockets."""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import resource
import signal
import stat
import sys
import time
from collections.abc import Callable

from django.conf import settings
from django.templatetags.static import static
from weasyprint import HTML

from reports.pdf import pydyf_patch
from reports.pdf.breaks import add_break_opportunities
from reports.pdf.fetcher import BASE_URL, StaticFilesURLFetcher

pydyf_patch.apply()

PDF_VARIANT = "pdf/ua-1"
# A renderer child lives for one document and has a memory cap, so it can afford to collect
# garbage rarely: the default thresholds made collection ~15% of a 500-row render (bench/README).
CHILD_GC_THRESHOLD = (50_000, 20, 1_000)
# How often a waiting parent hears from ``heartbeat`` even when the child reports no progress.
HEARTBEAT_SECONDS = 5.0
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class PDFRenderError(Exception):
    """The renderer failed (or ran out of memory) on this document."""


class PDFRenderTimeout(PDFRenderError):
    """The render overran its wall-clock limit and was stopped."""


class PDFDocumentError(PDFRenderError):
    """The renderer raised on this document (a recursion or another layout error): unlike a
    timeout or running out of memory, rendering the same HTML again fails again."""

    def __init__(self, message: str, *, detail: str = "", explained: bool = False) -> None:
        super().__init__(message)
        self.detail = detail or message  # what the renderer raised, for the log
        self.explained = explained  # the message names what to fix (reports.pdf.documents)


DOCUMENT_ERROR = "The PDF cannot be laid out: trying again will not help."


def write_pdf(html: str) -> bytes:
    """Render in this process, without limits. Use ``render_pdf`` for anything user-facing."""
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesURLFetcher())
    add_break_opportunities(document.etree_element)  # before layout: see reports.pdf.breaks
    return document.write_pdf(pdf_variant=PDF_VARIANT, attachments=[], uncompressed_pdf=False)


class _ProgressToPipe(logging.Handler):
    """Sends WeasyPrint's "Creating layout - Page N" steps to the parent as page counts."""

    def __init__(self, connection) -> None:
        super().__init__(logging.INFO)
        self.connection = connection

    def emit(self, record: logging.LogRecord) -> None:
        if "Creating layout" in record.msg and record.args:
            self.connection.send(("progress", int(record.args[0])))


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process when the thread that forked it ends (a gunicorn or
    task worker killed mid-render), instead of rendering on for nobody. Linux only."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the line above took effect
        os._exit(1)


def _release_inherited(keep: int) -> None:
    """Close, in this child, every socket and pipe it inherited but ``keep`` (its own pipe to
    the parent): the client's connection, the listening socket, database connections. Each is
    pointed at /dev/null rather than closed, so the Python objects that still hold those
    numbers in this copy of the parent's memory can never write into a file opened later."""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else []:
            fd = int(name)
            if fd in (keep, devnull) or fd <= 2:
                continue
            try:
                mode = os.fstat(fd).st_mode
            except OSError:
                continue
            if stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode):
                os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _render_in_child(
    html: str, connection, parent_end, parent_pid: int, memory_bytes: int, progress: bool,
    niceness: int,
) -> None:  # fmt: skip
    _die_with_parent(parent_pid)
    # Holding the parent's end too would keep the pipe open after the parent died, and the
    # final send would then block for ever on a full pipe.
    parent_end.close()
    _release_inherited(keep=connection.fileno())
    if niceness:
        os.nice(niceness)
    gc.set_threshold(*CHILD_GC_THRESHOLD)
    if progress:
        progress_logger = logging.getLogger("weasyprint.progress")
        progress_logger.setLevel(logging.INFO)
        progress_logger.propagate = False
        progress_logger.addHandler(_ProgressToPipe(connection))
    try:
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        connection.send(("done", write_pdf(html)))
    except (MemoryError, SystemExit, KeyboardInterrupt) as error:
        connection.send(("failed", f"{type(error).__name__}: {error}"))
    except BaseException as error:  # noqa: BLE001 -- reported to the parent, which raises
        # Anything else came from laying out this HTML (RecursionError above all), so the
        # same HTML would fail the same way again.
        connection.send(("broken", f"{type(error).__name__}: {error}"[:500]))
    finally:
        connection.close()


_warmed = False
# Uses our stylesheet, so the fonts, weights and sizes the documents use are the ones loaded.
_WARM_UP_HTML = (
    '<!DOCTYPE html><html lang="en"><head><title>Warm up</title>'
    '<link rel="stylesheet" href="{stylesheet}"></head><body>'
    '<h1 class="running">Warm up</h1><table class="appendix"><thead><tr><th>Heading</th></tr>'
    "</thead><tbody><tr><td><p><strong>Bold</strong> and <em>italic</em> text</p><ul><li>Item"
    "</li></ul></td></tr></tbody></table></body></html>"
)


def _warm_up() -> None:
    """Load fonts and our stylesheet once in the parent, so each forked renderer starts with
    them in memory; then freeze what the parent holds so a child's collections skip it."""
    global _warmed
    if not _warmed:
        write_pdf(_WARM_UP_HTML.format(stylesheet=static("reports/pdf.css")))
        gc.collect()
        gc.freeze()
        _warmed = True


def _reap(process, *, grace: float) -> None:
    """Wait up to ``grace`` seconds for the child to exit, then kill it. Not
    ``process.join(grace)``: the child points its end of the exit sentinel at /dev/null
    (``_release_inherited``), so that join would see the sentinel close at once and then wait,
    unbounded, for a render that overran its limit to finish."""
    deadline = time.monotonic() + grace
    while process.exitcode is None and time.monotonic() < deadline:
        time.sleep(0.005)
    if process.exitcode is None:
        process.kill()
        process.join()


def render_pdf(
    html: str,
    *,
    timeout: float | None = None,
    memory_bytes: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    heartbeat: Callable[[], None] | None = None,
    niceness: int = 0,
) -> bytes:
    """Render in a forked child that is killed if it overruns ``timeout`` seconds, and that
    cannot grow beyond ``memory_bytes``: a runaway document gives an error, not a hung worker.
    ``on_progress`` is called in this process with the number of pages laid out so far;
    ``heartbeat`` at least every ``HEARTBEAT_SECONDS`` while the child works (a background
    job renews its lease with it). ``niceness`` lowers the child's CPU priority.

    The child dies with the thread that forked it and keeps none of its sockets, so a killed
    web or task worker leaves no renderer behind holding a client or database connection."""
    timeout = settings.PDF_RENDER_TIMEOUT if timeout is None else timeout
    memory_bytes = settings.PDF_RENDER_MEMORY_BYTES if memory_bytes is None else memory_bytes
    _warm_up()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_render_in_child,
        args=(html, sender, receiver, os.getpid(), memory_bytes, on_progress is not None, niceness),
        daemon=True,
    )
    deadline = time.monotonic() + timeout
    process.start()
    sender.close()
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PDFRenderTimeout(f"The PDF took longer than {timeout:g} seconds to render.")
            if not receiver.poll(min(remaining, HEARTBEAT_SECONDS)):
                if heartbeat is not None:
                    heartbeat()
                continue
            try:
                kind, payload = receiver.recv()
            except EOFError as error:
                raise PDFRenderError("The PDF renderer stopped (out of memory?).") from error
            if kind != "progress":
                break
            if on_progress is not None:
                on_progress(payload)
    finally:
        # Whatever ended the wait (a result, a timeout, an exception in a callback, a signal),
        # the child does not outlive it.
        receiver.close()
        _reap(process, grace=0.5)
    if kind == "broken":
        raise PDFDocumentError(DOCUMENT_ERROR, detail=payload)
    if kind != "done":
        raise PDFRenderError(payload)
    return payload
