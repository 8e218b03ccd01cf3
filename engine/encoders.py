"""Lazy access to the encoders a library needs, with the reason when one is unavailable.

Models load on first use (start-up and ``--help`` stay instant). A missing CLIP model is not an
error for indexing: text, page renders and thumbnails are still stored, and image-semantic
search is reported as off with what to do about it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from engine.config import Settings
from engine.encode.weights import ModelError

if TYPE_CHECKING:  # the modules import torch: loaded with the models, not with the engine
    from engine.encode.clip import ClipEncoder
    from engine.encode.text import TextEncoder


class Encoders:
    """Holds the CLIP and text encoders for one library; thread-safe lazy loading."""

    def __init__(
        self,
        settings: Settings,
        clip: ClipEncoder | None = None,
        text: TextEncoder | None = None,
    ) -> None:
        self.settings = settings
        self._clip = clip
        self._text = text
        self._clip_problem: str | None = None
        self._clip_tried = clip is not None
        self._lock = threading.Lock()

    def clip(self) -> ClipEncoder | None:
        """The CLIP encoder, or None when its weights are missing or broken (see clip_problem)."""
        with self._lock:
            if not self._clip_tried:
                self._clip_tried = True
                try:
                    from engine.encode.clip import load_clip_encoder

                    self._clip = load_clip_encoder(self.settings)
                except ModelError as exc:
                    self._clip_problem = str(exc)
            return self._clip

    def clip_problem(self) -> str:
        self.clip()
        return self._clip_problem or ""

    def text(self) -> TextEncoder:
        with self._lock:
            if self._text is None:
                from engine.encode.text import load_text_encoder

                self._text = load_text_encoder(self.settings)
            return self._text

    def reset_clip(self) -> None:
        """Forget the CLIP model (after fetch/import or a model switch) so it loads again."""
        with self._lock:
            self._clip = None
            self._clip_tried = False
            self._clip_problem = None

    def reset_text(self) -> None:
        """Forget the text model (device or precision changed) so it loads again with them."""
        with self._lock:
            self._text = None
