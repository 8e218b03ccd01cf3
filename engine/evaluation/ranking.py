"""Retrieval metrics over one ranked list of document ids: pure functions, any hashable ids.

Recall@K here is the top-K hit rate (one relevant document found is enough), what the corpus
README asks for; :func:`coverage_at_k` is the classic set recall.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence

KS = (1, 5, 10)
NDCG_K = 10


def recall_at_k(ranking: Sequence[Hashable], relevant: Iterable[Hashable], k: int) -> float:
    """Top-K hit rate: 1 when any relevant document is among the first ``k``, else 0.

    This is the "Recall@K" of the retrieval literature with one target per query (and what the
    corpus README asks for); the fraction of *all* relevant documents is :func:`coverage_at_k`.
    """
    rel = set(relevant)
    return 1.0 if any(d in rel for d in ranking[:k]) else 0.0


def coverage_at_k(ranking: Sequence[Hashable], relevant: Iterable[Hashable], k: int) -> float:
    """Fraction of the relevant documents found in the first ``k`` (classic set recall)."""
    rel = set(relevant)
    return len(rel.intersection(ranking[:k])) / len(rel) if rel else 0.0


def reciprocal_rank(ranking: Sequence[Hashable], relevant: Iterable[Hashable]) -> float:
    """1 / rank of the first relevant document (0 when none was returned)."""
    first = first_rank(ranking, relevant)
    return 1.0 / first if first else 0.0


def first_rank(ranking: Sequence[Hashable], relevant: Iterable[Hashable]) -> int | None:
    """1-based rank of the first relevant document, or None."""
    rel = set(relevant)
    return next((i for i, d in enumerate(ranking, 1) if d in rel), None)


def average_precision(ranking: Sequence[Hashable], relevant: Iterable[Hashable]) -> float:
    """Mean of precision@rank over the relevant documents; unreturned ones count as 0."""
    rel = set(relevant)
    if not rel:
        return 0.0
    hits, total = 0, 0.0
    for i, d in enumerate(ranking, 1):
        if d in rel:
            hits += 1
            total += hits / i
    return total / len(rel)


def ndcg_at_k(ranking: Sequence[Hashable], relevant: Iterable[Hashable], k: int = NDCG_K) -> float:
    """Binary-gain nDCG@k: DCG of the ranking over the DCG of a perfect one."""
    rel = set(relevant)
    if not rel:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, d in enumerate(ranking[:k], 1) if d in rel)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(rel), k) + 1))
    return dcg / ideal
