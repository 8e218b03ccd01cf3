"""Hugging Face helpers: where its cache is, what it holds, and keeping its libraries off the
network.

Finding a model in the cache reads the file system only: importing huggingface_hub (with
httpx and asyncio) to look would cost ``sagasu status`` and a cold search about 0.5 s.
"""

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
    """Read at call time (huggingface_hub freezes its constant at import), with its rules:
    HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub,
    ~/.cache/huggingface/hub."""
    env = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if env:
        return Path(env).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(xdg).expanduser() / "huggingface" / "hub"


def cached_snapshot(repo_id: str, revision: str = "main") -> Path | None:
    """The cached snapshot folder of a model repo at ``revision`` (a branch resolved through
    refs/, or a commit), as huggingface_hub lays it out; None when it is not cached."""
    repo = hf_cache_dir() / ("models--" + repo_id.replace("/", "--"))
    ref = repo / "refs" / revision
    try:
        commit = ref.read_text(encoding="utf-8").strip() if ref.is_file() else revision
    except OSError:
        return None
    snapshot = repo / "snapshots" / commit
    return snapshot if commit and snapshot.is_dir() else None


def cached_file(repo_id: str, filename: str, revision: str = "main") -> Path | None:
    """A file of a model repo in the Hugging Face cache, or None (huggingface_hub's
    ``try_to_load_from_cache`` without importing it)."""
    snapshot = cached_snapshot(repo_id, revision)
    if snapshot is None:
        return None
    path = snapshot / filename
    return path if path.is_file() else None


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
