"""The visual index on disk: an .npz of arrays and a JSON sidecar (no pickle).

Both files are replaced atomically (engine.store.atomic) and carry the same random token: a
reader that catches a writer between the two renames sees files that disagree and gets a
ValueError, as for any unreadable index, never an index put together from two saves.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from engine.signals.visual.features import COMPACT_KIND, descriptor_dim, descriptor_dtype
from engine.signals.visual.index import VisualIndex, _Bag
from engine.signals.visual.vocabulary import VocabularyTree
from engine.store.atomic import atomic_path, write_atomic

FORMAT = "sagasu-visual-index"
# 3: RootSIFT-PCA words and sample (2: raw SIFT; 1: flat k-means); an older file is rebuilt,
# not read.
FORMAT_VERSION = 3


def save_index(index: VisualIndex, path: str | Path) -> None:
    """Write ``path`` (.npz) and ``path`` with .json; trains first if items are pending."""
    path = Path(path)
    token = uuid.uuid4().hex
    with index._lock:
        if index._pending:
            index.train()
        ids, bags = index._rows()
        samples = index._sample
        kind = index.kind or COMPACT_KIND
        arrays: dict[str, Any] = {  # Any: savez's stubs take ** of arrays for allow_pickle
            **_vocab_arrays(index.vocab),
            "ids": ids,
            "lengths": np.array([len(b.words) for b in bags], np.int64),
            "words": _cat([b.words for b in bags], np.int32),
            "counts": _cat([b.counts for b in bags], np.float32),
            "sample_ids": np.array(list(samples), np.int64),
            "sample_lengths": np.array([len(s) for s in samples.values()], np.int64),
            "sample": _cat(list(samples.values()), descriptor_dtype(kind), descriptor_dim(kind)),
            "token": np.array(token),
        }
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "kind": index.kind,
            "vocab_size": index.vocab_size,
            "trained_on": index.trained_on,
            "max_train_descriptors": index.max_train_descriptors,
            "seed": index.seed,
            "token": token,
        }
        # np.savez appends ".npz" to a file name without it: hand it the open file instead.
        with atomic_path(path) as tmp, tmp.open("wb") as out:
            np.savez_compressed(out, **arrays)
        write_atomic(path.with_suffix(".json"), json.dumps(meta))


def load_index(path: str | Path) -> VisualIndex:
    """The index saved at ``path``; ValueError when it is missing, unreadable, of another
    format or version, or its two files come from different saves."""
    path = Path(path)
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
            raise ValueError("unknown format or version")
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        token = str(arrays.pop("token")) if "token" in arrays else None
        if token != meta.get("token"):
            raise ValueError("the .npz and its .json come from different saves")
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise ValueError(f"visual index at {path} is unreadable: {exc}") from exc
    index = VisualIndex(meta["vocab_size"], meta["max_train_descriptors"], meta["seed"])
    index.kind = meta["kind"]
    index.trained_on = int(meta["trained_on"])
    if arrays["leaves"].size:
        index.vocab = VocabularyTree(arrays["coarse"], arrays["leaves"], arrays["starts"])
    words = _split(arrays["words"], arrays["lengths"])
    counts = _split(arrays["counts"], arrays["lengths"])
    for item_id, w, c in zip(arrays["ids"], words, counts, strict=True):
        index._bags.setdefault(int(item_id), []).append(_Bag(w, c))  # whole, then tiles
    samples = _split(arrays["sample"], arrays["sample_lengths"])
    for item_id, s in zip(arrays["sample_ids"], samples, strict=True):
        index._sample[int(item_id)] = s
    return index


def _vocab_arrays(tree: VocabularyTree | None) -> dict[str, np.ndarray[Any, Any]]:
    if tree is None:
        empty = np.zeros((0, 0), np.float32)
        return {"coarse": empty, "leaves": empty, "starts": np.zeros(0, np.int64)}
    return {"coarse": tree.coarse, "leaves": tree.leaves, "starts": tree.starts}


def _cat(
    parts: list[np.ndarray[Any, Any]], dtype: type[np.generic], dim: int | None = None
) -> np.ndarray[Any, Any]:
    if parts:
        return np.concatenate(parts).astype(dtype)
    return np.zeros((0, dim) if dim else 0, dtype)


def _split(values: np.ndarray[Any, Any], lengths: np.ndarray[Any, Any]) -> list[Any]:
    """``values`` cut into consecutive runs of ``lengths`` (none for no lengths: an empty
    index, which np.split alone would turn into one empty run)."""
    if not len(lengths):
        return []
    return np.split(values, np.cumsum(lengths)[:-1])
