"""Load a model once, on first use, from whichever thread needs it first.

This is the loader boundary: whatever a load raises (a safetensors or torch error, a
transformers error for a bad folder, ...) leaves it as a ModelLoadError whose message is meant
for the user, and the failure is kept, so a broken file is not read again on every call.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from engine.encode.errors import ModelError, ModelLoadError, describe_exception

log = logging.getLogger(__name__)


class LazyModel:
    """Double-checked locking around ``_load_locked``, which sets ``_model`` and ``_dim``.

    Models load on first use so start-up and ``--help`` stay instant; the lock makes two
    threads asking at once (the GUI's warm-up and a search) load it only once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: Any = None
        self._dim: int | None = None
        self._failure: str | None = None

    @property
    def dim(self) -> int:
        self._ensure_loaded()
        assert self._dim is not None
        return self._dim

    def load(self) -> None:
        """Load now (e.g. at start-up on a worker thread) instead of on first use.

        Raises ModelLoadError (or another ModelError) when the model cannot be loaded."""
        self._ensure_loaded()

    def _ensure_loaded(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._load_once()
        return self._model

    def _load_once(self) -> None:
        if self._failure is not None:
            raise ModelLoadError(self._failure)
        try:
            self._load_locked()
        except ModelError as exc:
            self._model = None
            self._failure = str(exc)
            raise
        except Exception as exc:
            self._model = None
            self._failure = self._failure_message(exc)
            log.warning("model load failed: %s", self._failure, exc_info=True)
            raise ModelLoadError(self._failure) from exc

    def _load_locked(self) -> None:
        raise NotImplementedError

    def _failure_message(self, exc: Exception) -> str:
        """The user-facing message for an unexpected exception raised while loading."""
        return f"The model could not be loaded ({describe_exception(exc)})."
