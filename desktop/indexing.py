"""Background indexing: one run at a time, pause/cancel, folder watching, periodic rescan.

Index runs go to a child process (desktop/index_process.py) so extraction never competes
with the GUI thread for Python's lock; other jobs (removing a folder, encoding stored images)
run on a worker thread. In synchronous mode (tests, screenshots) everything runs inline.
Pause is the engine's cancel callback blocking while paused (the engine checks it between
files), cancel is that callback returning True; work done so far is always kept, and the next
run picks up where this one stopped (the engine indexes incrementally).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from desktop.index_process import ChildIndexRun
from desktop.workers import Runner
from engine.library import Library
from engine.run_control import RunControl
from engine.types import Progress

WATCH_DEBOUNCE_MS = 5000  # a copy of many files triggers one re-index, not hundreds
MAX_WATCHED_DIRS = 2000  # OS limits on watches; the periodic rescan covers the rest
PROGRESS_INTERVAL = 0.1  # seconds between progress signals (the engine may report faster)

IndexJob = Callable[[Callable[[Progress], None], Callable[[], bool]], Any]


class IndexController(QObject):
    progressed = Signal(object)  # Progress
    tierDone = Signal(object)  # TierDone: e.g. after "lexical", word search covers every file
    finished = Signal(object)  # the job's result (IndexSummary for an index run)
    failed = Signal(str)
    runningChanged = Signal(bool)

    def __init__(
        self, library: Library, runner: Runner | None = None, parent: QObject | None = None
    ) -> None:
        # With a parent (the window) it is deleted with it, on the GUI thread. Without one,
        # Python's cycle collector deleted it, and its folder watcher's socket notifier, on
        # whichever thread happened to collect: a worker thread's collection aborted the
        # process (seen in the desktop tests while an adaptation ran).
        super().__init__(parent)
        self.library = library
        self.runner = runner or Runner(max_threads=1)
        self._lister = Runner(max_threads=1, synchronous=self.runner.synchronous)
        self._control = RunControl()  # the cancel callback of in-process jobs
        self.running = False
        self._child: ChildIndexRun | None = None
        self._queue: list[tuple[str, IndexJob | None]] = []  # jobs asked for while one was running
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._folder_changed)
        self._debounce = QTimer(self, singleShot=True, interval=WATCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.start)
        self._rescan = QTimer(self)
        self._rescan.timeout.connect(self.start)

    # --- runs ----------------------------------------------------------------------------

    def start(self) -> None:
        """Index the folders in the settings; if a run is going, run once more after it."""
        if not self.library.settings.folders or self.library.read_only:
            return  # a read-only library is searched as it is (the window's banner says so)
        if self.runner.synchronous:
            self.run_job(
                lambda progress, cancel: self.library.index(
                    progress=progress, cancel=cancel, on_tier=self.tierDone.emit
                ),
                "index",
            )
        else:
            self.run_job(None, "index")

    def run_job(self, job: IndexJob | None, key: str = "") -> None:
        """Run ``job(progress, cancel)`` now, or after the current run (once per ``key``);
        ``None`` is an index run in a child process."""
        if self.running:
            if not key or all(k != key for k, _ in self._queue):
                self._queue.append((key, job))
            return
        self.running = True
        self._control.reset()
        self.runningChanged.emit(True)
        if job is None:
            self._start_child()
            return
        self.runner.run(
            lambda report: job(_throttled(report), self._control),
            on_done=self._done,
            on_error=self._error,
            on_progress=self.progressed.emit,
        )

    def _start_child(self) -> None:
        # The child reads the settings from the data dir: make sure it sees this window's.
        self.library.persist_settings()
        child = ChildIndexRun(self.library.data_dir, self)
        child.progressed.connect(self.progressed.emit)
        child.tierDone.connect(self.tierDone.emit)
        child.finished.connect(self._child_done)
        child.failed.connect(self._error_text)
        self._child = child
        child.start()

    def _child_done(self, summary: Any) -> None:
        self.library.reload()  # its ANN indexes and calibration changed on disk
        self._child = None
        self._done(summary)

    def _error_text(self, message: str) -> None:
        self.library.reload()
        self._child = None
        self._finish()
        self.failed.emit(message)

    def _done(self, result: Any) -> None:
        self._finish()
        self.finished.emit(result)

    def _error(self, exc: BaseException) -> None:
        self._finish()
        self.failed.emit(str(exc) or type(exc).__name__)

    def _finish(self) -> None:
        self.running = False
        self.runningChanged.emit(False)
        if self._queue and not self._control.cancelled:
            key, job = self._queue.pop(0)
            self.run_job(job, key)

    # --- controls ------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._control.paused

    def pause(self) -> None:
        self._control.pause()
        if self._child is not None:
            self._child.pause()

    def resume(self) -> None:
        self._control.resume()
        if self._child is not None:
            self._child.resume()

    def cancel(self) -> None:
        self._queue.clear()
        self._control.cancel()
        if self._child is not None:
            self._child.cancel()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Window closing: stop the run and wait for the worker (the engine saves its work)."""
        self._debounce.stop()
        self._rescan.stop()
        self.cancel()
        child_done = self._child.wait(timeout_ms) if self._child is not None else True
        return self.runner.wait(timeout_ms) and child_done

    # --- watching ------------------------------------------------------------------------

    def watch(self) -> None:
        """(Re)start watching the configured folders and the periodic rescan."""
        settings = self.library.settings
        if self.library.read_only:
            return
        minutes = max(int(settings.rescan_minutes or 0), 0)
        if minutes:
            self._rescan.start(minutes * 60_000)
        else:
            self._rescan.stop()
        old = self._watcher.directories()
        if old:
            self._watcher.removePaths(old)
        if not settings.watch_folders:
            return
        roots = [f.path for f in settings.folders]
        # Listing a big tree can take seconds: do it off the GUI thread, add watches here.
        self._lister.run(lambda _r: folders_to_watch(roots), on_done=self._add_watches)

    def _add_watches(self, dirs: list[str]) -> None:
        if dirs:
            self._watcher.addPaths(dirs)

    def _folder_changed(self, _path: str) -> None:
        self._debounce.start()


def folders_to_watch(roots: list[str], limit: int = MAX_WATCHED_DIRS) -> list[str]:
    out: list[str] = []
    for root in roots:
        for current, dirs, _files in os.walk(Path(root).expanduser()):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            out.append(current)
            if len(out) >= limit:
                return out
    return out


def _throttled(report: Callable[[Progress], None]) -> Callable[[Progress], None]:
    """Forward at most one progress report per PROGRESS_INTERVAL (plus phase changes), so a
    fast engine cannot flood the GUI's event queue."""
    last = {"t": 0.0, "phase": ""}

    def forward(p: Progress) -> None:
        now = time.monotonic()
        if p.phase != last["phase"] or now - last["t"] >= PROGRESS_INTERVAL:
            last["t"], last["phase"] = now, p.phase
            report(p)

    return forward
