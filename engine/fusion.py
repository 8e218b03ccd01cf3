"""Fusing evidence from several signals into one ranking that explains itself.

Every signal turns its raw score into a *confidence* in [0, 1] (how sure it is that this item
is what the user wants), and confidences combine by a weighted noisy-OR:

    fused = 1 - Π_s (1 - w_s · c_s)

A single strong signal (a figure matched with 40 inliers, an exact part number) is enough to
put an item on top, several weak ones add up, and a weak noisy signal (OCR pin labels) can
only nudge a ranking, never bury a strong match — the failure plain reciprocal-rank fusion
showed on the photo queries.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from engine.messages import Reason


@dataclass(frozen=True)
class Hit:
    """One signal's opinion about one item."""

    item_id: int
    signal: str  # e.g. "semantic-image", "semantic-text", "lexical", "part-number", "visual"
    confidence: float  # in [0, 1]
    reason: Reason  # shown to the user: why this signal thinks the item matches
    # Lexical signals: the share of the query's terms the item contains (1.0 for the others).
    coverage: float = 1.0
    # Similarity signals: the standardised similarity the confidence came from (logistic), so
    # an adapted calibration can recompute it (engine.adapt.ranking); None for the others.
    z: float | None = None


@dataclass
class Fused:
    item_id: int
    score: float
    reasons: list[Reason] = field(default_factory=list)  # strongest evidence first
    signals: dict[str, float] = field(default_factory=dict)


# Weights were set from per-signal measurements on ../shared/corpus (docs/EVALUATION.md):
# there BM25 with Japanese<->English expansion alone reached text R@1 0.82, MiniLM (English-only)
# 0.68, and fusing them at equal weight *lowered* R@1 to 0.68; MiniLM as a supporting signal
# (0.3) gave 0.86. A coarse grid on 22 queries: revisit with more labelled queries.
DEFAULT_WEIGHTS: dict[str, float] = {
    "semantic-image": 0.85,
    "semantic-text": 0.3,
    "semantic-bridge": 0.6,
    "lexical": 0.9,
    "part-number": 0.97,
    "visual": 0.98,
    # Text read off a query photo is noisy (pin labels, misreads): it may nudge, not bury.
    "ocr-lexical": 0.45,
    "ocr-part-number": 0.9,
    # A page showing most of a photo's printed text: near-certain, but a page's own picture
    # matched by local features (visual) is more so, and the passage cannot see layout.
    "ocr-passage": 0.95,
}


def fuse(hits: Iterable[Hit], weights: dict[str, float] | None = None) -> list[Fused]:
    """Combine hits into one list sorted by fused score (best first); ties keep item order."""
    weights = weights or DEFAULT_WEIGHTS
    by_item: dict[int, Fused] = {}
    best_reason: dict[tuple[int, str], Reason] = {}
    for hit in hits:
        fused = by_item.setdefault(hit.item_id, Fused(hit.item_id, 0.0))
        previous = fused.signals.get(hit.signal, 0.0)
        if hit.confidence <= previous:
            continue  # one signal counts once per item: its best evidence
        fused.signals[hit.signal] = hit.confidence
        best_reason[hit.item_id, hit.signal] = hit.reason
    for fused in by_item.values():
        miss = 1.0
        for signal, conf in fused.signals.items():
            miss *= 1.0 - weights.get(signal, 0.5) * _clip01(conf)
        fused.score = 1.0 - miss
        order = sorted(fused.signals, key=lambda s: -weights.get(s, 0.5) * fused.signals[s])
        fused.reasons = [best_reason[fused.item_id, s] for s in order]
    return sorted(by_item.values(), key=lambda f: (-f.score, f.item_id))


def logistic(z: float, centre: float = 1.5, width: float = 0.75) -> float:
    """Map a standardised similarity (z-score within its modality pair) to a confidence.

    z = 0 is an average item for this kind of query: confidence ≈ 0.12; z = 3 (far above
    the crowd) ≈ 0.88. Centre and width were set on the sample folder and the corpus
    evaluation (docs/EVALUATION.md).
    """
    x = (z - centre) / width
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    # Same value, written so that a far-below-average item (z of -1000 from a degenerate
    # spread) gives 0 instead of overflowing exp().
    e = math.exp(x)
    return e / (1.0 + e)


def _clip01(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x
