"""The Library's model calls: list, download, install and warm up weights (a base class of
engine.library.Library, kept apart so the front door stays one screenful per concern)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.library_status import ModelReadiness
from engine.types import CancelCheck

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.encode.encoders import Encoders
    from engine.encode.status import ModelState

BytesProgress = Callable[[int, int], None]


class ModelsFront:
    """Weights: what is installed, fetching, importing, loading in the background."""

    encoders: Encoders
    _settings: Settings

    def models(self, settings: Settings | None = None) -> list[ModelState]:
        """Known models and whether each is installed (for ``settings``: default, these)."""
        from engine.encode.status import model_status

        return model_status(settings or self._settings)

    def fetch_model(
        self, name: str, progress: BytesProgress | None = None, cancel: CancelCheck | None = None
    ) -> Path:
        """Download weights (``MODEL/PRETRAINED``); then :meth:`encode_pending`."""
        from engine.encode.fetch import fetch_weights
        from engine.encode.specs import find_spec

        model, _, tag = name.partition("/")
        spec = find_spec(model, tag or None)
        path = fetch_weights(spec, self._settings.resolved_models_dir, progress, cancel)
        self.encoders.reset_clip()
        return path

    def import_model(self, path: Path, model: str | None = None) -> Path:
        """Install a weights file the user has (default: for the configured CLIP model);
        then :meth:`encode_pending` adds image search to what is already indexed."""
        from engine.encode.importing import import_weights

        model = model or f"{self._settings.clip_model}/{self._settings.clip_pretrained}"
        installed = import_weights(path, model, self._settings.resolved_models_dir)
        self.encoders.reset_clip()
        return installed

    def warm_up(self) -> ModelReadiness:
        """Load the models now (a window does this in the background after its first paint,
        so the first search is fast) and say which are usable."""
        from engine.encode.preload import no_gc_pauses, preload_native

        preload_native()
        with no_gc_pauses():
            clip = self.encoders.clip()
            text = self.encoders.text()
        return ModelReadiness(
            clip_problem="" if clip is not None else self.encoders.clip_problem(),
            text_problem="" if text is not None else self.encoders.text_problem(),
        )
