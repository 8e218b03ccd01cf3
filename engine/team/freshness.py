"""A server's library stays in step with an index run in another process: the catalog is
read live (SQLite WAL), and the vector indexes and calibration are reloaded once a run has
committed new vectors (the catalog's per-space sequence numbers moved)."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.library import Library

CHECK_EVERY_S = 2.0  # a query costs one small catalog read at most this often


class Freshness:
    def __init__(self, library: Library) -> None:
        self.library = library
        self._lock = threading.Lock()
        self._checked = 0.0
        self._seen = self._state()

    def check(self) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._checked < CHECK_EVERY_S:
                return
            self._checked = now
            state = self._state()
            if state == self._seen:
                return
            self._seen = state
        self.library.reload()

    def _state(self) -> list[tuple[object, ...]]:
        return [tuple(r) for r in self.library.catalog.query("SELECT space, seq FROM spaces")]
