"""Pause, resume and cancel a long engine call from another thread.

A ``RunControl`` is the call's cancel callback: the engine calls it between files, and it
blocks while the run is paused (waiting on a condition, not polling) and returns True once
the run is cancelled. The desktop's in-process jobs and the indexing child's stdin reader
(engine.protocol.ControlReader) both use it.
"""

from __future__ import annotations

import threading


class RunControl:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._paused = False
        self._cancelled = False

    def __call__(self) -> bool:
        """The cancel check: waits while paused; True once cancelled."""
        with self._changed:
            self._changed.wait_for(lambda: not self._paused or self._cancelled)
            return self._cancelled

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def pause(self) -> None:
        self._set(paused=True)

    def resume(self) -> None:
        self._set(paused=False)

    def cancel(self) -> None:
        """Stop the run (a paused run stops too); work committed so far is kept."""
        self._set(paused=False, cancelled=True)

    def reset(self) -> None:
        """Ready for the next run: neither paused nor cancelled."""
        self._set(paused=False, cancelled=False)

    def _set(self, paused: bool, cancelled: bool | None = None) -> None:
        with self._changed:
            self._paused = paused
            if cancelled is not None:
                self._cancelled = cancelled
            self._changed.notify_all()
