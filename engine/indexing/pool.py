"""Extraction in worker processes, with limits per file: :class:`ExtractPool`.

PyMuPDF holds the GIL and is not thread-safe (one lock serialised it), so extraction threads
gave a many-core machine little more than two cores. Here each worker is a process running a
task function (a top-level function, ``fn(task, settings)``, that yields payloads: one per
page) on one task at a time, and the parent gets the payloads as they come, in order, as
events: :class:`Chunk` per payload, then :class:`Done` (the function's return value) or
:class:`Failed` (a typed reason). At most ``WorkLimits.window`` payloads per worker are in
flight: a worker whose consumer is behind waits, so memory does not grow with a document.

A task that gives no payload for ``stall_seconds``, or runs longer than ``file_seconds`` (time
spent waiting on the consumer not counted), is failed with a reason naming the setting, and
its worker killed and replaced; a worker that dies (a crash in a parser, the OOM killer) fails
only its task. Workers are replaced after ``max_files`` tasks or once their resident memory
passes ``max_rss_mb``. On cancel the workers are stopped at once and ``run`` returns: tasks in
hand get no event, so nothing is reported for a cancelled file.

Workers start from a forkserver on Linux (a clean, single-threaded server with the extraction
modules imported once: cheap starts, no threads or torch state inherited), spawned elsewhere.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any, Generic, TypeVar

from engine.config import Settings
from engine.indexing.pool_worker import worker_main
from engine.messages import Reason, ReasonCode, reason
from engine.types import CancelCheck

log = logging.getLogger(__name__)

TaskT = TypeVar("TaskT")
PayloadT = TypeVar("PayloadT")

MAX_AUTO_WORKERS = 8
POLL_SECONDS = 0.05  # how often cancel and the limits are checked while nothing arrives
STOP_GRACE_SECONDS = 0.5  # a worker asked to stop (SIGTERM) gets this long before SIGKILL
# Modules the forkserver imports once, so each worker starts with them loaded.
PRELOAD = ["engine.indexing.pool_worker", "engine.indexing.extract_task"]


@dataclass(frozen=True)
class Chunk(Generic[PayloadT]):
    """One payload of task ``number``, in the order the task function yielded them."""

    number: int
    payload: PayloadT


@dataclass(frozen=True)
class Done:
    """Task ``number`` finished; ``result`` is what its function returned."""

    number: int
    result: object


@dataclass(frozen=True)
class Failed:
    """Task ``number`` could not be finished; its chunks so far are to be discarded."""

    number: int
    reason: Reason


PoolEvent = Chunk[PayloadT] | Done | Failed


@dataclass(frozen=True)
class WorkLimits:
    """What one task and one worker may cost before they are stopped or replaced."""

    stall_seconds: float = 120.0
    file_seconds: float = 1800.0
    max_files: int = 200
    max_rss_mb: int = 1024
    window: int = 4  # payloads in flight per worker

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkLimits:
        return cls(
            stall_seconds=settings.extract_stall_seconds,
            file_seconds=settings.extract_file_seconds,
            max_files=settings.extract_worker_files,
            max_rss_mb=settings.extract_worker_rss_mb,
        )


def auto_workers(setting: int = 0) -> int:
    """Worker processes for ``extract_workers``: itself when positive, else one per core,
    leaving one to the encoder on machines with more than two cores, at most 8. On two cores
    both read: without CLIP the parent only commits, and one worker left a core idle (the
    whole run on 10 datasheets took 776 s against 514 s for the threads it replaced)."""
    if setting > 0:
        return setting
    cores = os.cpu_count() or 2
    return max(1, min(cores - 1 if cores > 2 else cores, MAX_AUTO_WORKERS))


@dataclass
class _Slot:
    """One worker process and the task in its hands."""

    process: BaseProcess
    conn: Connection
    files: int = 0
    number: int | None = None  # the task in hand, None when idle
    seq: int = 0
    started: float = 0.0
    last_heard: float = 0.0  # when its last payload came
    ready: bool = False  # started up: until then the file limit does not run


class ExtractPool(Generic[TaskT, PayloadT]):
    """Runs ``fn`` on tasks in worker processes; see the module's documentation."""

    def __init__(
        self,
        fn: Callable[[TaskT, Settings], Iterator[PayloadT]],
        settings: Settings,
        workers: int,
        limits: WorkLimits,
    ) -> None:
        self.fn = fn
        self.settings = settings
        self.workers = max(1, workers)
        self.limits = limits
        self._context = _context(fn)
        self._slots: list[_Slot] = []
        self._events: deque[tuple[_Slot | None, int, PoolEvent[PayloadT]]] = deque()

    def __enter__(self) -> ExtractPool[TaskT, PayloadT]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker now (tasks in hand are abandoned)."""
        slots, self._slots = self._slots, []
        self._events.clear()
        for slot in slots:
            _terminate(slot, grace=0.0)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for slot in slots:
            slot.process.join(max(0.0, deadline - time.monotonic()))
            _kill(slot)

    def run(
        self, tasks: Iterable[tuple[int, TaskT]], cancel: CancelCheck
    ) -> Iterator[PoolEvent[PayloadT]]:
        """Events for ``tasks`` (numbered by the caller) until all are done, or until
        ``cancel()`` turns true (then the workers are stopped and no more events come)."""
        pending = iter(tasks)
        more = True
        try:
            while True:
                if self._cancelled(cancel):
                    self.close()
                    return
                more = more and self._hand_out(pending)
                if not more and not self._events and not self._busy():
                    return
                if not self._events:
                    self._receive()
                    self._enforce_limits()
                while self._events:
                    slot, seq, event = self._events.popleft()
                    away = time.monotonic()
                    yield event
                    # The consumer's time is not the workers': their windows may have filled.
                    self._shift(time.monotonic() - away)
                    if isinstance(event, Chunk) and slot is not None:
                        self._acknowledge(slot, seq)
        except GeneratorExit:
            self.close()
            raise

    # --- handing out tasks ------------------------------------------------------------------

    def _hand_out(self, pending: Iterator[tuple[int, TaskT]]) -> bool:
        """Give idle workers tasks (starting workers up to the limit); False once the tasks
        are exhausted."""
        while True:
            slot = next((s for s in self._slots if s.number is None), None)
            if slot is not None and not slot.process.is_alive():
                self._retire(slot, grace=0.0)  # died while idle: no task of its to fail
                continue
            if slot is None and len(self._slots) >= self.workers:
                return True
            try:
                number, task = next(pending)
            except StopIteration:
                return False
            if slot is None:
                slot = self._start()
            self._assign(slot, number, task)

    def _start(self) -> _Slot:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main,
            args=(child, self.fn, self.settings, self.limits.window),
            name="sagasu-extract",
            daemon=True,
        )
        process.start()
        child.close()
        slot = _Slot(process, parent)
        self._slots.append(slot)
        return slot

    def _assign(self, slot: _Slot, number: int, task: TaskT) -> None:
        now = time.monotonic()
        slot.seq += 1
        slot.number = number
        slot.started = slot.last_heard = now
        try:
            slot.conn.send(("task", slot.seq, task))
        except (OSError, ValueError) as exc:  # the worker is gone: it fails this task
            self._died(slot, f"could not be given the file: {exc}")

    def _busy(self) -> bool:
        return any(s.number is not None for s in self._slots)

    # --- receiving ----------------------------------------------------------------------------

    def _receive(self) -> None:
        busy = [s for s in self._slots if s.number is not None]
        waitables: list[Any] = [s.conn for s in busy] + [s.process.sentinel for s in busy]
        ready = set(wait(waitables, timeout=POLL_SECONDS))
        for slot in busy:
            if slot.conn in ready:
                self._read(slot)
            elif slot.process.sentinel in ready and slot.number is not None:
                self._died(slot, _how_it_ended(slot.process))

    def _read(self, slot: _Slot) -> None:
        """Everything ``slot`` has sent so far."""
        try:
            while slot.number is not None and slot.conn.poll():
                self._handle(slot, slot.conn.recv())
        except (EOFError, OSError):
            slot.process.join(STOP_GRACE_SECONDS)
            self._died(slot, _how_it_ended(slot.process))

    def _handle(self, slot: _Slot, message: tuple[Any, ...]) -> None:
        kind, seq = message[0], message[1]
        number = slot.number
        now = time.monotonic()
        if kind == "ready":  # a start under load can take seconds: not the file's time
            slot.ready = True
            slot.started = slot.last_heard = now
            return
        if seq != slot.seq or number is None:
            return  # from a task already failed
        slot.last_heard = now
        if kind == "chunk":
            self._events.append((slot, seq, Chunk(number, message[2])))
            return
        slot.number = None
        slot.files += 1
        if kind == "done":
            self._events.append((slot, seq, Done(number, message[2])))
        else:
            why: Reason = message[2]
            if why.code is ReasonCode.EXTRACT_FAILED:  # a bug, not a bad file: keep its trace
                log.error("task %d failed in its worker:\n%s", number, message[4])
            self._events.append((slot, seq, Failed(number, why)))
        self._maybe_recycle(slot, rss=int(message[3]))

    def _acknowledge(self, slot: _Slot, seq: int) -> None:
        if slot.seq != seq or slot not in self._slots:
            return
        with contextlib.suppress(OSError, ValueError):  # a dead worker: _receive notices
            slot.conn.send(("ack", seq))

    # --- limits, deaths and recycling --------------------------------------------------------

    def _enforce_limits(self) -> None:
        now = time.monotonic()
        for slot in [s for s in self._slots if s.number is not None]:
            if now - slot.last_heard > self.limits.stall_seconds:
                self._stop_task(slot, reason(ReasonCode.STALLED, seconds=self.limits.stall_seconds))
            elif slot.ready and now - slot.started > self.limits.file_seconds:
                self._stop_task(
                    slot, reason(ReasonCode.TIMED_OUT, seconds=self.limits.file_seconds)
                )

    def _stop_task(self, slot: _Slot, why: Reason) -> None:
        """Fail the task in hand and replace its worker (a stuck parser cannot be reasoned
        with: the process is killed)."""
        assert slot.number is not None
        self._events.append((None, slot.seq, Failed(slot.number, why)))
        slot.number = None
        self._retire(slot, grace=STOP_GRACE_SECONDS)

    def _died(self, slot: _Slot, how: str) -> None:
        if slot.number is not None:
            why = reason(ReasonCode.WORKER_DIED, detail=how)
            self._events.append((None, slot.seq, Failed(slot.number, why)))
            slot.number = None
        self._retire(slot, grace=0.0)

    def _maybe_recycle(self, slot: _Slot, rss: int) -> None:
        over_files = slot.files >= self.limits.max_files
        over_memory = rss > self.limits.max_rss_mb * 1024 * 1024
        if over_files or over_memory:
            log.info("replacing an extraction worker (%d files, %d MB)", slot.files, rss >> 20)
            self._retire(slot, grace=STOP_GRACE_SECONDS, politely=True)

    def _retire(self, slot: _Slot, grace: float, politely: bool = False) -> None:
        if slot in self._slots:
            self._slots.remove(slot)
        if politely:
            with contextlib.suppress(OSError, ValueError):
                slot.conn.send(("stop",))
            slot.process.join(grace)
        else:
            _terminate(slot, grace)
        _kill(slot)

    def _cancelled(self, cancel: CancelCheck) -> bool:
        """``cancel()``, with the time it blocked (a paused run) kept off the clocks."""
        before = time.monotonic()
        stop = cancel()
        self._shift(time.monotonic() - before)
        return stop

    def _shift(self, seconds: float) -> None:
        """Keep ``seconds`` of the parent's own time (the consumer's work, a pause) off
        every limit's clock: the limits measure the workers, and a worker can only wait then."""
        for slot in self._slots:
            slot.started += seconds
            slot.last_heard += seconds


def _context(fn: Callable[..., object]) -> Any:
    """forkserver on Linux (with the extraction modules preloaded), spawn elsewhere."""
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        # Only heeded before the server starts; tests' own task modules load on first use.
        context.set_forkserver_preload([*PRELOAD, fn.__module__])
        return context
    return multiprocessing.get_context("spawn")


def _terminate(slot: _Slot, grace: float) -> None:
    with contextlib.suppress(OSError):
        slot.conn.close()
    if slot.process.is_alive():
        slot.process.terminate()
        if grace > 0:
            slot.process.join(grace)


def _kill(slot: _Slot) -> None:
    if slot.process.is_alive():
        slot.process.kill()
    slot.process.join()
    slot.process.close()


def _how_it_ended(process: BaseProcess) -> str:
    code = process.exitcode
    if code is None:
        return "no answer"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = "; out of memory?" if -code == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exit code {code}"
