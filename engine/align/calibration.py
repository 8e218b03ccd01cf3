"""Make scores from different modalities comparable in one ranked list, without labels.

Why: a contrastive encoder puts each modality in its own narrow cone (the *modality gap*).
A photo query then has cosine ~0.6 with every photo and ~0.25 with every text chunk, so in a
mixed list all photos outrank even the best paragraph. Two fixes, both estimated from the
user's own index:

1. Centring: subtract each modality's mean vector and renormalise. The cone offsets are the
   gap; what is left is the direction that carries meaning.
2. Standardisation: for each (query modality, item modality) pair, the mean and spread of
   scores between probe queries and items of that modality. ``z = (s - mean) / std`` says
   "how unusually similar for this pair of modalities", which is comparable across lists.

Scores passed to :meth:`ModalityCalibration.standardise` must be cosines between *centred*
vectors (that is what the statistics describe); :meth:`ModalityCalibration.score` does all
three steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np

from engine.align.geometry import l2_normalise

_MIN_STD = 1e-6  # a modality with one item (or identical items) has no spread


def _sample(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    return x if len(x) <= k else x[rng.choice(len(x), size=k, replace=False)]


@dataclass
class ModalityCalibration:
    """Per-modality mean vectors and per-(query, item) modality score statistics."""

    means: dict[str, np.ndarray] = field(default_factory=dict)
    stats: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        items_by_modality: dict[str, np.ndarray],
        probes_by_modality: dict[str, np.ndarray] | None = None,
        seed: int = 0,
        max_samples: int = 2000,
    ) -> Self:
        """Estimate means and score statistics from the index itself.

        ``probes_by_modality`` are example queries per query modality (e.g. typical text
        queries); a probe modality with no items gets its mean from the probes. Without probes,
        each modality's items act as probes (image items probe text items and vice versa),
        which is what a photo-as-query or paragraph-as-query search looks like. At most
        ``max_samples`` vectors per modality are used so fitting stays fast on a big index.
        """
        rng = np.random.default_rng(seed)
        items = {
            m: _sample(l2_normalise(v), max_samples, rng) for m, v in items_by_modality.items()
        }
        own_probes = probes_by_modality is None
        probes = (
            items
            if probes_by_modality is None
            else {
                m: _sample(l2_normalise(v), max_samples, rng) for m, v in probes_by_modality.items()
            }
        )
        calib = cls(means={m: v.mean(0) for m, v in items.items()})
        for m, v in probes.items():
            calib.means.setdefault(m, v.mean(0))
        centred_items = {m: calib.center(v, m) for m, v in items.items()}
        for qm, pv in probes.items():
            centred_probes = calib.center(pv, qm)
            for im, iv in centred_items.items():
                sims = centred_probes @ iv.T
                if own_probes and qm == im:
                    # An item probing its own modality would find itself at cosine 1.
                    sims = sims[~np.eye(len(pv), dtype=bool)] if len(pv) > 1 else sims.ravel()
                calib.stats[(qm, im)] = (float(sims.mean()), max(float(sims.std()), _MIN_STD))
        return calib

    def center(self, vecs: np.ndarray, modality: str) -> np.ndarray:
        """Unit vectors with the modality's mean removed, renormalised."""
        if modality not in self.means:
            raise KeyError(f"no mean for modality {modality!r}; known: {sorted(self.means)}")
        return l2_normalise(l2_normalise(vecs) - self.means[modality])

    def standardise(
        self, scores: np.ndarray, query_modality: str, item_modality: str
    ) -> np.ndarray:
        """z-scores of centred-cosine ``scores`` for this (query, item) modality pair."""
        key = (query_modality, item_modality)
        if key not in self.stats:
            raise KeyError(f"no statistics for {key}; known: {sorted(self.stats)}")
        mean, std = self.stats[key]
        return (np.asarray(scores, dtype=np.float64) - mean) / std

    def score(
        self, queries: np.ndarray, query_modality: str, items: np.ndarray, item_modality: str
    ) -> np.ndarray:
        """Centre both sides, take cosines, standardise: (q, n) scores comparable across
        item modalities."""
        sims = self.center(queries, query_modality) @ self.center(items, item_modality).T
        return self.standardise(sims, query_modality, item_modality)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (lists and floats only)."""
        return {
            "means": {m: v.tolist() for m, v in self.means.items()},
            "stats": [
                {"query": q, "item": i, "mean": mu, "std": sd}
                for (q, i), (mu, sd) in self.stats.items()
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> Self:
        """Inverse of :meth:`to_json`; also accepts the JSON text itself."""
        obj = json.loads(data) if isinstance(data, str) else data
        return cls(
            means={m: np.asarray(v, dtype=np.float64) for m, v in obj["means"].items()},
            stats={
                (s["query"], s["item"]): (float(s["mean"]), float(s["std"])) for s in obj["stats"]
            },
        )
