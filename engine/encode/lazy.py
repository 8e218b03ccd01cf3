"""Load a model once, on first use, from whichever thread needs it first."""

from __future__ import annotations

import threading
from typing import Any


class LazyModel:
    """Double-checked locking around ``_load_locked``, which sets ``_model`` and ``_dim``.

    Models load on first use so start-up and ``--help`` stay instant; the lock makes two
    threads asking at once (the GUI's warm-up and a search) load it only once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: Any = None
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        self._ensure_loaded()
        assert self._dim is not None
        return self._dim

    def load(self) -> None:
        """Load now (e.g. at start-up on a worker thread) instead of on first use."""
        self._ensure_loaded()

    def _ensure_loaded(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._load_locked()
        return self._model

    def _load_locked(self) -> None:
        raise NotImplementedError
