"""usearch ANN indexes, one per embedding space, derived from the catalog's raw vectors.

Each index file carries a stamp (the space's ``seq`` in the catalog when it was saved). If the
stamp does not match — a crash between a catalog commit and an index save, say — the index is
rebuilt from the raw vectors, so the catalog and the vectors always agree.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from pathlib import Path

import numpy as np
from usearch.index import Index

from engine.store.atomic import write_atomic
from engine.store.catalog import Catalog

log = logging.getLogger(__name__)

# Connectivity/expansion chosen on benchmarks/bench_ann.py: recall@10 ≥ 0.99 at 1M vectors.
CONNECTIVITY = 32
EXPANSION_ADD = 128
EXPANSION_SEARCH = 128
# Below this size exact search is both faster and perfectly accurate.
EXACT_BELOW = 20_000


def slug(space: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", space)


def new_index(dim: int) -> Index:
    return Index(
        ndim=dim,
        metric="cos",
        dtype="f32",
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )


class VectorSpace:
    """The ANN index of one space, kept in step with the catalog."""

    def __init__(self, space: str, dim: int, index: Index) -> None:
        self.space = space
        self.dim = dim
        self.index = index
        self.dirty = False
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.index)

    def add(self, keys: list[int], vectors: np.ndarray) -> None:
        if not keys:
            return
        with self._lock:
            self.remove(keys)  # re-adding an existing key would duplicate it
            self.index.add(np.asarray(keys, dtype=np.uint64), vectors.astype(np.float32))
            self.dirty = True

    def remove(self, keys: list[int]) -> None:
        with self._lock:
            present = [k for k in keys if self.index.contains(k)]
            if present:
                self.index.remove(np.asarray(present, dtype=np.uint64))
                self.dirty = True

    def vectors(self, keys: list[int]) -> np.ndarray:
        """The stored vectors of ``keys`` (candidates to re-score with calibration)."""
        with self._lock:
            out = self.index.get(np.asarray(keys, dtype=np.uint64))
            return np.asarray(out, dtype=np.float32).reshape(len(keys), self.dim)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (keys, cosine similarities) for one query vector."""
        with self._lock:
            n = len(self.index)
            if n == 0 or k <= 0:
                return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.float32)
            k = min(k, n)
            matches = self.index.search(query.astype(np.float32), k, exact=n < EXACT_BELOW)
            return np.asarray(matches.keys), 1.0 - np.asarray(matches.distances)


class VectorStore:
    """Opens, reconciles and saves the usearch index of every space in the catalog."""

    def __init__(self, catalog: Catalog, directory: Path) -> None:
        self.catalog = catalog
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._spaces: dict[str, VectorSpace] = {}
        self._lock = threading.Lock()

    def get(self, space: str) -> VectorSpace | None:
        """The index of ``space``, loaded or rebuilt on first use; None if it has no vectors."""
        with self._lock:
            if space not in self._spaces:
                dim = self.catalog.space_dims().get(space)
                if not dim:  # unknown, or a space without vectors (local visual features)
                    return None
                self._spaces[space] = self._open(space, dim)
            return self._spaces[space]

    def ensure(self, space: str, dim: int) -> VectorSpace:
        existing = self.get(space)
        if existing is not None:
            return existing
        with self._lock:
            vs = VectorSpace(space, dim, new_index(dim))
            self._spaces[space] = vs
            return vs

    def save(self) -> None:
        """Persist every changed index atomically with its catalog stamp."""
        with self._lock:
            spaces = list(self._spaces.values())
        for vs in spaces:
            if vs.dirty:
                self._save(vs)

    def remove_items(self, removed: list[tuple[int, str]]) -> None:
        """Drop the (item id, space) pairs the catalog just deleted from their indexes."""
        for space in {s for _, s in removed}:
            vs = self.get(space)
            if vs is not None:
                vs.remove([i for i, s in removed if s == space])

    def forget(self) -> None:
        """Drop every loaded index (another process indexed): each reloads, checked against
        the catalog's stamps, on next use."""
        with self._lock:
            self._spaces.clear()

    def invalidate(self, space: str) -> None:
        with self._lock:
            self._spaces.pop(space, None)
        for path in self._paths(space):
            path.unlink(missing_ok=True)

    def _paths(self, space: str) -> tuple[Path, Path]:
        base = self.directory / slug(space)
        return base.with_suffix(".usearch"), base.with_suffix(".stamp.json")

    def _open(self, space: str, dim: int) -> VectorSpace:
        index_path, stamp_path = self._paths(space)
        seq = self.catalog.space_seq(space)
        try:
            stamp = json.loads(stamp_path.read_text())
            if stamp.get("seq") == seq and stamp.get("dim") == dim and index_path.exists():
                index = new_index(dim)
                index.load(str(index_path))
                return VectorSpace(space, dim, index)
        except (OSError, ValueError, RuntimeError) as exc:
            log.info("index for %s unusable (%s); rebuilding", space, exc)
        return self._rebuild(space, dim)

    def _rebuild(self, space: str, dim: int) -> VectorSpace:
        vs = VectorSpace(space, dim, self._rebuild_index(space, dim))
        vs.dirty = True
        self._save(vs)
        return vs

    def _save(self, vs: VectorSpace) -> None:
        index_path, stamp_path = self._paths(vs.space)
        with vs._lock:
            seq = self.catalog.space_seq(vs.space)
            if len(vs.index) != self._catalog_count(vs.space):
                # Memory and catalog disagree (a failed write); the catalog wins.
                fresh = self._rebuild_index(vs.space, vs.dim)
                vs.index = fresh
            tmp = index_path.with_name(f".{index_path.name}.{os.getpid()}.tmp")
            vs.index.save(str(tmp))
            os.replace(tmp, index_path)
            stamp = {"seq": seq, "dim": vs.dim, "count": len(vs.index)}
            write_atomic(stamp_path, json.dumps(stamp))
            vs.dirty = False

    def _rebuild_index(self, space: str, dim: int) -> Index:
        keys, vecs = self.catalog.vectors(space)
        index = new_index(dim)
        if len(keys):
            index.add(keys, vecs, threads=os.cpu_count() or 1)
        return index

    def _catalog_count(self, space: str) -> int:
        return int(
            self.catalog.query("SELECT COUNT(*) FROM embeddings WHERE space = ?", (space,))[0][0]
        )
