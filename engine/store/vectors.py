"""Vector indexes, one per embedding space, derived from the catalog's raw vectors.

Each space keeps its vectors as one in-memory matrix, searched exactly (a matrix-vector
product: 3 ms at 50k 512-d vectors, 10 ms at 100k on a 2-core CPU), and — once it holds
``EXACT_BELOW`` vectors or more — a usearch HNSW graph for approximate search. Below that
size exact search is faster than the graph and perfectly accurate, and not building the graph
saves most of the indexing cost of a mid-size library (graph insertion slows to a few hundred
vectors/s on 2 cores; docs/BENCHMARKS.md).

The files on disk carry a stamp (the space's ``seq`` in the catalog when they were saved). If
the stamp does not match — a crash between a catalog commit and an index save, say — the space
is rebuilt from the catalog's raw vectors, so the catalog and the vectors always agree.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.align.geometry import l2_normalise
from engine.offline import import_onnxruntime
from engine.store.atomic import atomic_path, write_atomic
from engine.store.catalog import Catalog
from engine.store.vector_search import ItemFilter, Neighbours

if TYPE_CHECKING:
    from usearch.index import Index

log = logging.getLogger(__name__)

# HNSW parameters (benchmarks/bench_ann.py). Only used for spaces of EXACT_BELOW or more.
CONNECTIVITY = 32
EXPANSION_ADD = 128
EXPANSION_SEARCH = 128
# Below this size exact search is both fast enough for interactive queries and exact.
EXACT_BELOW = 100_000
# Stored layout: v2 = matrix file + optional graph file (v1 stored only a usearch index).
FORMAT = 2


def slug(space: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", space)


def _usearch_index_class() -> type[Index]:
    """usearch's Index, imported only when a graph is needed.

    onnxruntime (the OCR engine, also loaded by PyMuPDF's layout module) crashes the process
    with a segmentation fault when its native library loads after usearch's (onnxruntime 1.32
    with usearch 2.26: ``import usearch.index, onnxruntime`` is enough); in the other order
    both work, so onnxruntime, when installed, goes first.
    """
    with contextlib.suppress(ImportError):
        import_onnxruntime()
    from usearch.index import Index

    return Index


def new_index(dim: int) -> Index:
    return _usearch_index_class()(
        ndim=dim,
        metric="cos",
        dtype="f32",
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )


def build_graph(dim: int, keys: np.ndarray, vectors: np.ndarray) -> Index:
    graph = new_index(dim)
    if len(keys):
        graph.add(keys.astype(np.uint64), vectors, threads=os.cpu_count() or 1)
    return graph


class VectorSpace:
    """The vectors of one space, kept in step with the catalog (thread-safe)."""

    def __init__(
        self,
        space: str,
        dim: int,
        keys: np.ndarray | None = None,
        vectors: np.ndarray | None = None,
        graph: Index | None = None,
    ) -> None:
        self.space = space
        self.dim = dim
        self.dirty = False
        self.graph = graph  # the HNSW graph, present only for large spaces
        self._lock = threading.RLock()
        self._fill(keys, vectors)

    def _fill(self, keys: np.ndarray | None, vectors: np.ndarray | None) -> None:
        keys = np.zeros(0, np.uint64) if keys is None else np.asarray(keys, np.uint64)
        self._n = len(keys)
        self._keys = keys.copy()
        self._matrix = np.zeros((self._n, self.dim), np.float32)
        if self._n:
            if vectors is None:
                raise ValueError(f"{self._n} keys but no vectors for {self.space}")
            self._matrix[:] = l2_normalise(np.reshape(vectors, (self._n, self.dim)), np.float32)
        self._row = {int(k): n for n, k in enumerate(self._keys)}

    def reset(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Replace everything held (the catalog's vectors win after a failed write)."""
        with self._lock:
            self._fill(keys, vectors)
            self.graph = None
            self.dirty = True

    def __len__(self) -> int:
        return self._n

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """(keys, vectors) currently held, as copies (for saving)."""
        with self._lock:
            return self._keys[: self._n].copy(), self._matrix[: self._n].copy()

    def add(self, keys: list[int], vectors: np.ndarray) -> None:
        if not keys:
            return
        vectors = l2_normalise(np.reshape(vectors, (len(keys), self.dim)), np.float32)
        with self._lock:
            self.remove(keys)  # re-adding an existing key would duplicate it
            self._reserve(self._n + len(keys))
            end = self._n + len(keys)
            self._matrix[self._n : end] = vectors
            self._keys[self._n : end] = keys
            self._row.update((int(k), self._n + i) for i, k in enumerate(keys))
            self._n = end
            if self.graph is not None:
                self.graph.add(np.asarray(keys, np.uint64), vectors)
            self.dirty = True

    def _reserve(self, size: int) -> None:
        if size <= len(self._keys):
            return
        capacity = max(size, 2 * len(self._keys), 1024)
        matrix = np.zeros((capacity, self.dim), np.float32)
        matrix[: self._n] = self._matrix[: self._n]
        keys = np.zeros(capacity, np.uint64)
        keys[: self._n] = self._keys[: self._n]
        self._matrix, self._keys = matrix, keys

    def remove(self, keys: list[int]) -> None:
        with self._lock:
            present = [int(k) for k in keys if int(k) in self._row]
            for key in present:
                # Fill the hole with the last row so the matrix stays contiguous.
                row, last = self._row.pop(key), self._n - 1
                if row != last:
                    moved = int(self._keys[last])
                    self._matrix[row] = self._matrix[last]
                    self._keys[row] = moved
                    self._row[moved] = row
                self._n = last
            if present and self.graph is not None:
                self.graph.remove(np.asarray(present, np.uint64))
            if present:
                self.dirty = True

    def vectors(self, keys: list[int]) -> np.ndarray:
        """The stored vectors of ``keys`` (candidates to re-score with calibration)."""
        with self._lock:
            rows = [self._row[int(k)] for k in keys]
            return self._matrix[rows].copy()

    def search_with_vectors(
        self, query: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Top-k (keys, cosines, stored vectors) read under one lock, so a folder removed
        between the search and the read cannot leave a key without its vector."""
        with self._lock:
            keys, sims = self.search(query, k)
            known = np.array([int(key) in self._row for key in keys], dtype=bool)
            keys, sims = keys[known], sims[known]
            return keys, sims, self._matrix[[self._row[int(key)] for key in keys]].copy()

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (keys, cosine similarities) for one query vector (normalised here)."""
        with self._lock:
            n = self._n
            if n == 0 or k <= 0:
                return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.float32)
            k = min(k, n)
            query = l2_normalise(np.reshape(query, (1, self.dim)), np.float32)[0]
            if self.graph is None or n < EXACT_BELOW:
                return self._exact(query, k)
            matches = self.graph.search(query, k)
            return np.asarray(matches.keys), 1.0 - np.asarray(matches.distances)

    def search_among(
        self, query: np.ndarray, k: int, allowed: set[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Top-k (keys, cosines, stored vectors) among the ``allowed`` keys, exactly: a
        restricted search must find the allowed items the graph's first candidates miss."""
        with self._lock:
            rows = np.array(sorted(self._row[key] for key in allowed if key in self._row), int)
            if k <= 0 or not len(rows):
                return np.zeros(0, np.uint64), np.zeros(0, np.float32), np.zeros((0, self.dim))
            query = l2_normalise(np.reshape(query, (1, self.dim)), np.float32)[0]
            sims = self._matrix[rows] @ query
            top = np.argsort(-sims, kind="stable")[:k]
            picked = rows[top]
            return self._keys[picked].copy(), sims[top], self._matrix[picked].copy()

    def _exact(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        sims = self._matrix[: self._n] @ query
        top = np.argpartition(-sims, k - 1)[:k] if k < self._n else np.arange(self._n)
        top = top[np.argsort(-sims[top], kind="stable")]
        return self._keys[top].copy(), sims[top]

    def ensure_graph(self) -> None:
        """Build the HNSW graph once the space is large enough to need one."""
        with self._lock:
            if self.graph is None and self._n >= EXACT_BELOW:
                log.info("building the ANN graph of %s (%d vectors)", self.space, self._n)
                self.graph = build_graph(self.dim, *self.snapshot())


class VectorStore:
    """Opens, reconciles and saves the vectors (and graphs) of every space in the catalog."""

    def __init__(self, catalog: Catalog, directory: Path, read_only: bool = False) -> None:
        self.catalog = catalog
        self.directory = directory
        # In a read-only data folder what is missing or stale is rebuilt in memory only.
        self.read_only = read_only
        if not read_only:
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

    def nearest(
        self, space: str, query: np.ndarray, k: int, allowed: ItemFilter | None = None
    ) -> Neighbours:
        """engine.store.vector_search.VectorSearch: the ``k`` nearest items of ``space``."""
        index = self.get(space)
        if index is None:
            return Neighbours.none(0)
        if allowed is None or allowed == ItemFilter():
            keys, sims, stored = index.search_with_vectors(query, k)
        else:
            keys, sims, stored = index.search_among(query, k, self._allowed(allowed))
        return Neighbours(keys, np.asarray(sims, np.float32), np.asarray(stored, np.float32))

    def _allowed(self, allowed: ItemFilter) -> set[int]:
        if allowed.roots is None:
            return set(allowed.item_ids or ())
        under = self.catalog.query_ids(
            "SELECT i.id FROM items i JOIN files f ON f.id = i.file_id WHERE f.root IN ({})",
            list(allowed.roots),
        )
        found = {int(i) for (i,) in under}
        return found if allowed.item_ids is None else found & allowed.item_ids

    def ensure(self, space: str, dim: int) -> VectorSpace:
        existing = self.get(space)
        if existing is not None:
            return existing
        with self._lock:
            vs = VectorSpace(space, dim)
            self._spaces[space] = vs
            return vs

    def save(self) -> None:
        """Persist every changed index atomically with its catalog stamp."""
        if self.read_only:
            return
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

    def _paths(self, space: str) -> tuple[Path, Path, Path]:
        """Matrix, graph and stamp files of ``space``."""
        base = slug(space)
        names = (f"{base}.vectors.npz", f"{base}.usearch", f"{base}.stamp.json")
        return tuple(self.directory / n for n in names)  # type: ignore[return-value]

    def _open(self, space: str, dim: int) -> VectorSpace:
        matrix_path, graph_path, stamp_path = self._paths(space)
        seq = self.catalog.space_seq(space)
        try:
            stamp = json.loads(stamp_path.read_text())
            if (stamp.get("format"), stamp.get("seq"), stamp.get("dim")) == (FORMAT, seq, dim):
                return self._load(space, dim, stamp, matrix_path, graph_path)
        except (OSError, ValueError, RuntimeError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            log.info("vectors of %s unusable (%s); rebuilding", space, exc)
        return self._rebuild(space, dim)

    def _load(
        self, space: str, dim: int, stamp: dict[str, Any], matrix_path: Path, graph_path: Path
    ) -> VectorSpace:
        with np.load(matrix_path, allow_pickle=False) as stored:
            keys, vectors = stored["keys"], stored["vectors"]
        if len(keys) != stamp["count"] or vectors.shape != (len(keys), dim):
            raise ValueError("stored vectors do not match their stamp")
        graph = None
        if stamp.get("graph"):
            graph = new_index(dim)
            graph.load(str(graph_path))
            if len(graph) != len(keys):
                raise ValueError("stored graph does not match the vectors")
        return VectorSpace(space, dim, keys, vectors, graph)

    def _rebuild(self, space: str, dim: int) -> VectorSpace:
        keys, vectors = self.catalog.vectors(space)
        vs = VectorSpace(space, dim, keys, vectors)
        vs.dirty = True
        if not self.read_only:
            self._save(vs)
        return vs

    def _save(self, vs: VectorSpace) -> None:
        matrix_path, graph_path, stamp_path = self._paths(vs.space)
        with vs._lock:
            seq = self.catalog.space_seq(vs.space)
            if len(vs) != self._catalog_count(vs.space):
                # Memory and catalog disagree (a failed write); the catalog wins.
                vs.reset(*self.catalog.vectors(vs.space))
            vs.ensure_graph()
            keys, vectors = vs.snapshot()
            # Stamp last, after both files are in place: a crash in between leaves a stamp
            # that no longer matches, and the space is rebuilt from the catalog.
            stamp_path.unlink(missing_ok=True)
            # np.savez appends ".npz" to a file name without it: hand it the open file.
            with atomic_path(matrix_path) as tmp, tmp.open("wb") as out:
                np.savez(out, keys=keys, vectors=vectors)
            if vs.graph is not None:
                with atomic_path(graph_path) as tmp:
                    vs.graph.save(str(tmp))
            else:
                graph_path.unlink(missing_ok=True)
            stamp = {
                "format": FORMAT,
                "seq": seq,
                "dim": vs.dim,
                "count": len(keys),
                "graph": vs.graph is not None,
            }
            write_atomic(stamp_path, json.dumps(stamp))
            vs.dirty = False

    def _catalog_count(self, space: str) -> int:
        return int(
            self.catalog.query("SELECT COUNT(*) FROM embeddings WHERE space = ?", (space,))[0][0]
        )
