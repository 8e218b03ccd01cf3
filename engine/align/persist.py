"""Fitted models (aligners, learned metrics) as one safetensors file each: the arrays, plus
the model's kind and config as JSON in the header metadata. No pickle, so loading a file cannot
run code. numpy only: the runtime reads and writes its text bridge without torch.

Files are replaced atomically (engine.store.atomic): a search process loading a bridge while
the indexing process refits it sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save

from engine.store.atomic import write_atomic


def save_arrays(
    path: str | Path, kind: str, config: dict[str, Any], arrays: dict[str, np.ndarray]
) -> None:
    """Write ``arrays``, with ``kind`` and ``config`` in the header, atomically to ``path``."""
    tensors = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    data = save(tensors, metadata={"kind": kind, "config": json.dumps(config)})
    write_atomic(Path(path), data)


def read_arrays(path: str | Path) -> tuple[str, dict[str, Any], dict[str, np.ndarray]]:
    """Inverse of :func:`save_arrays`: (kind, config, arrays)."""
    with safe_open(str(path), framework="numpy") as f:
        meta = f.metadata() or {}
        arrays = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open is no dict)
    if "kind" not in meta:
        raise ValueError(f"{path} has no 'kind' in its metadata; not saved by engine.align")
    return meta["kind"], json.loads(meta.get("config", "{}")), arrays
