"""The one way background work is run: a callable off the GUI thread, results back on it.

``run_task(fn, on_done=..., on_error=..., on_progress=...)`` runs ``fn(report)`` on a thread
pool, where ``report(value)`` forwards progress. Results, errors and progress come back as
queued signals, so callbacks always run on the GUI thread and never touch widgets from a
worker. Tests (and screenshot mode) can set ``synchronous=True`` to run the same job inline.
"""

from __future__ import annotations

import logging
import traceback
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

log = logging.getLogger(__name__)

Report = Callable[[Any], None]
Job = Callable[[Report], Any]

# Live tasks: a Task must outlive its runnable or its queued signals would go nowhere.
_live: set[Task] = set()


class Task(QObject):
    """Signals of one background job. Lives on the GUI thread; emitted from the worker."""

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        on_progress: Callable[[Any], None] | None,
        owner: QObject | None = None,
    ) -> None:
        super().__init__()
        self._owner = owner
        self._on_done = on_done
        self._on_error = on_error
        self._on_progress = on_progress
        self.finished = False
        # Bound methods of a GUI-thread QObject: Qt queues these calls onto the GUI thread.
        self.progressed.connect(self._progress)
        self.succeeded.connect(self._done)
        self.failed.connect(self._error)

    def _owner_gone(self) -> bool:
        """The window that asked was closed while the job ran (a model load, say): its
        callbacks would touch deleted widgets, so the result is dropped."""
        return self._owner is not None and not shiboken6.isValid(self._owner)

    @Slot(object)
    def _progress(self, value: Any) -> None:
        if self._on_progress is not None and not self._owner_gone():
            self._on_progress(value)

    def _release(self) -> None:
        """Let go of this task on the GUI thread, after the slot that finished it returned.

        Dropping the last reference inside its own slot deleted the QObject while Qt was still
        delivering to it, and a worker thread dropping it deleted it from the wrong thread:
        both crashed the event loop now and then (segfaults in the desktop tests)."""
        QTimer.singleShot(0, lambda: _live.discard(self))

    @Slot(object)
    def _done(self, value: Any) -> None:
        self.finished = True
        self._release()
        if self._on_done is not None and not self._owner_gone():
            self._on_done(value)

    @Slot(object)
    def _error(self, exc: BaseException) -> None:
        self.finished = True
        self._release()
        if self._owner_gone():
            log.debug("background task failed after its window closed: %s", exc)
        elif self._on_error is not None:
            self._on_error(exc)
        else:
            log.error("background task failed: %s", exc)


class _Runnable(QRunnable):
    """The worker side holds its task weakly: the GUI thread (``_live``) owns it, so it is
    never deleted on a worker thread when Qt deletes the runnable there."""

    def __init__(self, job: Job, task: Task) -> None:
        super().__init__()
        self.job = job
        self.task = weakref.ref(task)

    def run(self) -> None:
        _execute(self.job, self.task)


def _execute(job: Job, task: Task | Callable[[], Task | None]) -> None:
    """Run ``job`` and emit its outcome on ``task`` (or on the task a weak reference still
    reaches: a task already let go of has no one left to tell)."""
    find = task if callable(task) and not isinstance(task, Task) else (lambda: task)
    try:
        result = job(lambda value: _emit(find(), "progressed", value))
    except BaseException as exc:  # the GUI decides what to show; never lose an error
        log.debug("task failed:\n%s", traceback.format_exc())
        _emit(find(), "failed", exc)
    else:
        _emit(find(), "succeeded", result)


def _emit(task: Task | None, signal: str, value: Any) -> None:
    """Emit unless Qt already destroyed the task: a job still running when the application
    quits outlives its QObject, and emitting then raises in the worker thread."""
    if task is None or not shiboken6.isValid(task):
        log.debug("background task finished after the application shut down")
        return
    try:
        getattr(task, signal).emit(value)
    except RuntimeError:  # destroyed between the check and the emit
        log.debug("background task finished after the application shut down")


class Runner:
    """Runs jobs on its own pool (one pool per kind of work keeps them from starving)."""

    def __init__(
        self,
        max_threads: int = 1,
        synchronous: bool = False,
        owner: QObject | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(max_threads)
        self.synchronous = synchronous
        self.owner = owner  # callbacks are dropped once this object is deleted
        # Where a job's failure goes when the job names no handler of its own: a window
        # shows it (never silently dropped).
        self.on_error = on_error

    def run(
        self,
        job: Job,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
    ) -> Task:
        task = Task(on_done, on_error or self.on_error, on_progress, self.owner)
        if self.synchronous:
            # Same job, same callbacks, no thread: direct signal delivery on this thread.
            _execute(job, task)
            return task
        _live.add(task)
        self.pool.start(_Runnable(job, task))
        return task

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)
