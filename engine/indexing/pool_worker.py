"""The worker-process half of :mod:`engine.indexing.pool`: reads one task at a time from its
pipe, runs the task function on it and streams each payload back, waiting for the parent's
acknowledgements so that at most ``window`` payloads are ever in flight (back-pressure: a
worker whose consumer is behind waits instead of filling memory).

Messages, worker → parent: ``("ready", 0)`` once started, ``("chunk", seq, payload)``,
``("done", seq, result, rss)``, ``("fail", seq, reason, rss, traceback)``. Parent → worker:
``("task", seq, task)``, ``("ack", seq)``, ``("stop",)``. ``seq`` numbers the worker's
tasks, so a late acknowledgement of a finished task never opens the window of the next.

Kept light on imports: the forkserver preloads it, and it must not pull in torch.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from engine.config import Settings
from engine.extract import ExtractError
from engine.messages import Reason, ReasonCode, reason

TaskFn = Callable[[Any, Settings], Iterator[Any]]


class _Stop(Exception):
    """The parent asked this worker to stop while it waited for acknowledgements."""


def worker_main(conn: Connection, fn: TaskFn, settings: Settings, window: int) -> None:
    """A worker process's whole life: tasks until the parent stops it or goes away."""
    # Ctrl-C reaches the whole terminal's process group: the parent turns it into a cancel
    # and stops the workers itself, so a worker must not die with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        conn.send(("ready", 0))  # the task's clocks start now, not while this process started
        while True:
            message = conn.recv()
            if message[0] == "stop":
                return
            if message[0] == "task":
                _run_task(conn, fn, settings, window, message[1], message[2])
            # anything else is a late acknowledgement of a finished task
    except (_Stop, EOFError, OSError):
        return  # stopped, or the parent went away: nothing to report to


def _run_task(
    conn: Connection, fn: TaskFn, settings: Settings, window: int, seq: int, task: Any
) -> None:
    in_flight = 0
    try:
        payloads = fn(task, settings)
        while True:
            try:
                payload = next(payloads)
            except StopIteration as end:
                conn.send(("done", seq, end.value, rss_bytes()))
                return
            while in_flight >= window:
                in_flight -= _await_ack(conn, seq)
            conn.send(("chunk", seq, payload))
            in_flight += 1
    except (_Stop, EOFError, BrokenPipeError):
        raise
    except Exception as exc:  # a bug or an exotic file fails its task, never the worker
        conn.send(("fail", seq, failure_reason(exc), rss_bytes(), traceback.format_exc()))


def _await_ack(conn: Connection, seq: int) -> int:
    """Block until the parent acknowledges a payload of task ``seq``: 1, or 0 for another
    message that needs nothing."""
    message = conn.recv()
    if message[0] == "stop":
        raise _Stop
    return 1 if message[0] == "ack" and message[1] == seq else 0


def failure_reason(exc: BaseException) -> Reason:
    """Why a task failed, as the user will read it."""
    if isinstance(exc, ExtractError):
        return reason(ReasonCode.UNREADABLE, detail=exc.reason)
    return reason(ReasonCode.EXTRACT_FAILED, error=f"{type(exc).__name__}: {exc}")


def rss_bytes() -> int:
    """This process's resident memory now (0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource
    except ImportError:  # Windows: no limit by memory, only by files
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # the peak: a safe stand-in
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024
