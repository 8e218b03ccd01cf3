"""Hugging Face helpers: where its cache is, and keeping its libraries off the network."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_OFFLINE_VARS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")

_offline_lock = threading.Lock()
_offline_depth = 0
_offline_saved: tuple[dict[str, str | None], bool] | None = None


def hf_cache_dir() -> Path:
    """Read at call time (huggingface_hub freezes its constant at import)."""
    env = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if env:
        return Path(env).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


@contextmanager
def hf_offline() -> Iterator[None]:
    """Keep Hugging Face libraries off the network while a model loads.

    huggingface_hub reads HF_HUB_OFFLINE once at import, so its constant is patched as well as
    the environment. Reference-counted, so overlapping loads on two threads (CLIP and text)
    restore the original state only when the last one finishes.
    """
    global _offline_depth, _offline_saved
    from huggingface_hub import constants

    with _offline_lock:
        if _offline_depth == 0:
            _offline_saved = (
                {k: os.environ.get(k) for k in _OFFLINE_VARS},
                constants.HF_HUB_OFFLINE,
            )
            os.environ.update(dict.fromkeys(_OFFLINE_VARS, "1"))
            constants.HF_HUB_OFFLINE = True
        _offline_depth += 1
    try:
        yield
    finally:
        with _offline_lock:
            _offline_depth -= 1
            if _offline_depth == 0 and _offline_saved is not None:
                env, const = _offline_saved
                constants.HF_HUB_OFFLINE = const
                for key, value in env.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
