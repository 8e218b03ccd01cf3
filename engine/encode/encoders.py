"""The encoders a library needs, each loaded on first request, or the reason it is unavailable.

Each model fails alone: a missing or broken CLIP turns image search off, a missing or broken
text model turns semantic text search off, and neither stops the other, lexical search or an
index run. ``clip()`` and ``text()`` return an encoder only once its weights have really been
loaded, so an encoder they hand out never fails to load later; otherwise they return None and
``clip_problem()`` / ``text_problem()`` say why and what to do.

Models load on the first request (start-up and ``--help`` stay instant); the first call can
take seconds, so the desktop makes it on a worker thread.

A typed query needs one short text encoded: ``text_query()`` runs it through the numpy copy
of the sentence model (``text_numpy``, no torch import, a fraction of a second cold) unless
the torch encoder is already loaded or a GPU is named in settings, and falls back to the torch
encoder whenever the numpy one cannot load or fails. Indexing keeps ``text()``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from engine.config import Settings
from engine.encode.errors import ModelError, ModelLoadError, describe_exception
from engine.encode.lazy import LazyModel

if TYPE_CHECKING:  # the modules import torch: loaded with the models, not with the engine
    import numpy as np

    from engine.encode.clip import ClipEncoder
    from engine.encode.text import TextEncoder
    from engine.encode.text_numpy import NumpyTextEncoder

log = logging.getLogger(__name__)

M = TypeVar("M", bound=LazyModel)


class _Slot(Generic[M]):
    """One model: built and loaded once, or the message saying why it cannot be."""

    def __init__(
        self, kind: str, build: Callable[[], M], given: M | None, clock: _WaitClock
    ) -> None:
        self._kind = kind
        self._clock = clock
        self._build = build
        self._given = given
        self._model: M | None = None
        self._problem = ""
        self._tried = False
        self._lock = threading.Lock()  # one per model: CLIP and text load in parallel

    def get(self) -> M | None:
        pending = not self._tried  # loading now, or waiting for another thread's load
        started = time.perf_counter()
        with self._lock:
            if not self._tried:
                self._tried = True
                self._model, self._problem = self._load()
            model = self._model
        if pending:
            self._clock.add(time.perf_counter() - started)
        return model

    def peek(self) -> tuple[bool, M | None, str]:
        """(tried, model, problem) as they stand, never loading or waiting for a load (a
        load in progress reads as not tried)."""
        if not self._lock.acquire(blocking=False):
            return False, None, ""
        try:
            return self._tried, self._model, self._problem
        finally:
            self._lock.release()

    def problem(self) -> str:
        self.get()
        return self._problem

    def reset(self) -> None:
        with self._lock:
            self._given = None
            self._model = None
            self._problem = ""
            self._tried = False

    def _load(self) -> tuple[M | None, str]:
        try:
            model = self._given if self._given is not None else self._build()
            model.load()
        except ModelError as exc:
            log.warning("%s model unavailable: %s", self._kind, exc)
            return None, str(exc)
        except Exception as exc:  # the boundary: nothing a model does may escape to callers
            log.exception("%s model failed unexpectedly", self._kind)
            return None, f"The {self._kind} model could not be loaded ({describe_exception(exc)})."
        return model, ""


class _WaitClock(threading.local):
    """Seconds each thread spent loading models (or waiting for another thread's load)."""

    seconds = 0.0

    def add(self, seconds: float) -> None:
        self.seconds += seconds


def _build_clip(settings: Settings) -> ClipEncoder:
    from engine.encode.resolve import resolve_clip_weights

    # Missing weights are found from the file system alone: a text query on a machine
    # without CLIP weights then never imports the CLIP stack (open_clip, torchvision).
    resolve_clip_weights(settings)
    from engine.encode.clip import load_clip_encoder

    return load_clip_encoder(settings)


def _build_text(settings: Settings) -> TextEncoder:
    from engine.encode.text import load_text_encoder

    return load_text_encoder(settings)


def _build_text_query(settings: Settings) -> NumpyTextEncoder:
    from engine.encode.resolve import resolve_text_model
    from engine.encode.text_numpy import NumpyTextEncoder

    return NumpyTextEncoder(resolve_text_model(settings), name=settings.text_model)


class QueryTextEncoder(Protocol):
    """What a query needs of a sentence encoder (TextEncoder is one)."""

    @property
    def space_id(self) -> str: ...

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...


class _NumpyThenTorch:
    """The numpy query encoder; should it fail on a text, the torch encoder answers."""

    def __init__(self, fast: NumpyTextEncoder, encoders: Encoders) -> None:
        self._fast = fast
        self._encoders = encoders

    @property
    def space_id(self) -> str:
        return self._fast.space_id

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        try:
            return self._fast.encode(texts, batch_size)
        except Exception:
            log.warning("numpy text query encoder failed; using torch", exc_info=True)
        torch_encoder = self._encoders.text()
        if torch_encoder is None:
            raise ModelLoadError(self._encoders.text_problem())
        return torch_encoder.encode(texts, batch_size)


class Encoders:
    """Holds the CLIP and text encoders for one library; thread-safe, each loaded once."""

    def __init__(
        self,
        settings: Settings,
        clip: ClipEncoder | None = None,
        text: TextEncoder | None = None,
    ) -> None:
        self.settings = settings
        self._waits = _WaitClock()
        self._clip = _Slot("CLIP", lambda: _build_clip(self.settings), clip, self._waits)
        self._text = _Slot("text", lambda: _build_text(self.settings), text, self._waits)
        self._query = _Slot(
            "text query (numpy)", lambda: _build_text_query(self.settings), None, self._waits
        )

    def model_wait_seconds(self) -> float:
        """Seconds the calling thread has spent so far loading models (or waiting for
        another thread's load): the difference around a call is its model-load time."""
        return self._waits.seconds

    def loaded_state(self) -> dict[str, tuple[bool, str]]:
        """Per model ("clip", "text") that a load was tried: (usable, problem). Models not
        tried yet are absent; nothing is loaded here."""
        state: dict[str, tuple[bool, str]] = {}
        for name, slot in (("clip", self._clip), ("text", self._text)):
            tried, model, problem = slot.peek()
            if tried:
                state[name] = (model is not None, problem)
        return state

    def peek_clip(self) -> ClipEncoder | None:
        """The CLIP encoder if it has already loaded; never loads it."""
        return self._clip.peek()[1]

    def peek_text(self) -> TextEncoder | None:
        """The text encoder if it has already loaded; never loads it."""
        return self._text.peek()[1]

    def clip(self) -> ClipEncoder | None:
        """The loaded CLIP encoder, or None when its weights are missing or broken."""
        return self._clip.get()

    def clip_problem(self) -> str:
        """Why clip() is None (what to do about it); "" when CLIP is usable."""
        return self._clip.problem()

    def text(self) -> TextEncoder | None:
        """The loaded text encoder, or None when its model is missing or broken."""
        return self._text.get()

    def text_query(self) -> QueryTextEncoder | None:
        """The encoder for a typed query: vectors in the same space as ``text()``'s.

        The numpy encoder (no torch import) on the CPU, unless the torch encoder is already
        loaded (a warm process keeps using it) or settings name a GPU; the torch encoder
        when the numpy one cannot load. None when neither can (``text_problem()`` says why).
        """
        if self._text.peek()[1] is not None or not self._numpy_query_allowed():
            return self.text()
        fast = self._query.get()
        if fast is None:
            return self.text()
        return _NumpyThenTorch(fast, self)

    def _numpy_query_allowed(self) -> bool:
        device = (self.settings.device or "auto").strip().lower()
        return device in ("auto", "cpu")

    def text_problem(self) -> str:
        """Why text() is None (what to do about it); "" when the text model is usable."""
        return self._text.problem()

    def reset_clip(self) -> None:
        """Forget the CLIP model (after fetch/import or a model switch) so it loads again."""
        self._clip.reset()

    def reset_text(self) -> None:
        """Forget the text model (device, precision or model changed) so it loads again."""
        self._text.reset()
        self._query.reset()
