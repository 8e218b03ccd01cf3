"""Tiny randomly initialised open_clip models for tests.

They are saved in the Hugging Face folder layout (open_clip_config.json + safetensors) so tests
load them through exactly the same code path as production weights. Random weights: never
present these as a real model.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

TINY_EMBED_DIM = 32
TINY_IMAGE_SIZE = 64

TINY_CONFIG: dict[str, object] = {
    "model_cfg": {
        "embed_dim": TINY_EMBED_DIM,
        "vision_cfg": {
            "image_size": TINY_IMAGE_SIZE,
            "layers": 2,
            "width": 64,
            "head_width": 32,
            "patch_size": 16,
        },
        # Standard 49408-token vocabulary so open_clip's bundled tokenizer works offline.
        "text_cfg": {
            "context_length": 77,
            "vocab_size": 49408,
            "width": 32,
            "heads": 2,
            "layers": 2,
        },
    },
    "preprocess_cfg": {
        "mean": [0.48145466, 0.4578275, 0.40821073],
        "std": [0.26862954, 0.26130258, 0.27577711],
        "interpolation": "bicubic",
        "resize_mode": "shortest",
    },
}


def make_tiny_clip(dir: Path, name: str = "sagasu-tiny", seed: int = 0) -> Path:
    """Build a tiny CLIP in ``dir/name`` and return that folder (well under a second)."""
    import open_clip
    from safetensors.torch import save_file

    folder = Path(dir) / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "open_clip_config.json").write_text(json.dumps(TINY_CONFIG), encoding="utf-8")
    torch.manual_seed(seed)
    with _quiet():  # open_clip's "initialized randomly" warning is the point here
        model = open_clip.create_model(f"local-dir:{folder}", load_weights=False)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / "open_clip_model.safetensors"))
    return folder


@contextmanager
def _quiet() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
