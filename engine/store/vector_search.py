"""Nearest-neighbour search per embedding space behind a small protocol, so semantic search runs
on the local vector files (engine.store.vectors.VectorStore: a matrix, usearch HNSW above a
size) or on pgvector (engine.store.postgres.vectors.PgVectorSearch) alike.

A search may be restricted to the items a user may see (the team server restricts by the roots
a user's groups may read): by item ids, or by roots, which the store resolves itself (on
PostgreSQL a join, so a million allowed ids never travel as a list).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class ItemFilter:
    """The items a search may return: those in ``item_ids`` and under one of ``roots`` (a
    root as the catalog stores it, ``files.root``); None leaves that side open."""

    item_ids: frozenset[int] | None = None
    roots: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Neighbours:
    """The nearest items, best first: their ids, cosine similarities and stored vectors (the
    search re-scores candidates with the alignment state)."""

    keys: np.ndarray  # uint64 item ids
    sims: np.ndarray  # float32 cosine similarities
    vectors: np.ndarray  # float32 unit vectors, one row per key

    @staticmethod
    def none(dim: int) -> Neighbours:
        return Neighbours(
            np.zeros(0, np.uint64), np.zeros(0, np.float32), np.zeros((0, dim), np.float32)
        )

    def __len__(self) -> int:
        return len(self.keys)


class VectorSearch(Protocol):
    def nearest(
        self, space: str, query: np.ndarray, k: int, allowed: ItemFilter | None = None
    ) -> Neighbours:
        """The ``k`` items of ``space`` nearest ``query`` by cosine (exact below a size,
        HNSW above), among ``allowed`` when given; none for an unknown space."""
        ...
