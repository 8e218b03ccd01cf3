"""The adopted ranking parameters the searcher applies to every query's hits.

Two adaptable parts, both cheap to apply per query and small to store:
- ``weights``: the per-signal weights of the noisy-OR fusion (engine.fusion);
- ``calibration``: per similarity signal, the (centre, width) of the logistic that turns a
  standardised similarity into a confidence (engine.fusion.logistic). Each semantic signal
  reads one embedding space (MiniLM, CLIP, the bridge), so this is per-space calibration.

A value is immutable: adoption replaces it whole (engine.adapt.state), so a search thread
that read it once ranks its whole query with one version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from engine.adapt.aligner import PhotoTextMap
from engine.fusion import DEFAULT_WEIGHTS, Fused, Hit, fuse, logistic

DEFAULT_CENTRE = 1.5  # engine.fusion.logistic's defaults: the unadapted calibration
DEFAULT_WIDTH = 0.75


@dataclass(frozen=True)
class RankingParams:
    """Fusion weights, per-signal calibration and the learned photo → text map (engine.adapt
    .aligner, its own signal); empty means "as shipped". One value, read once per query, so
    a query never mixes two versions' parts."""

    weights: Mapping[str, float] = field(default_factory=dict)
    calibration: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    # Stored in a file of its own beside the version's JSON (engine.adapt.state).
    photo_text_map: PhotoTextMap | None = field(default=None, compare=False)

    @property
    def is_default(self) -> bool:
        return not self.weights and not self.calibration and self.photo_text_map is None

    def fusion_weights(self) -> dict[str, float]:
        """The shipped weights with the adopted ones over them."""
        return {**DEFAULT_WEIGHTS, **self.weights}

    def calibrated(self, hits: Iterable[Hit]) -> list[Hit]:
        """Hits whose confidence is recomputed from their z-score with the adopted logistic
        (hits without a z-score, or of a signal with no adopted calibration, unchanged)."""
        out = []
        for hit in hits:
            params = self.calibration.get(hit.signal)
            if params is not None and hit.z is not None:
                hit = replace(hit, confidence=logistic(hit.z, *params))
            out.append(hit)
        return out

    def fuse(self, hits: Iterable[Hit]) -> list[Fused]:
        """Fused ranking of already calibrated hits with these weights."""
        return fuse(hits, self.fusion_weights())

    def to_json(self) -> dict[str, object]:
        return {
            "weights": dict(self.weights),
            "calibration": {s: list(p) for s, p in self.calibration.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> RankingParams:
        weights = data.get("weights") or {}
        calibration = data.get("calibration") or {}
        if not isinstance(weights, dict) or not isinstance(calibration, dict):
            raise ValueError("ranking parameters: weights and calibration must be objects")
        return cls(
            {str(k): float(v) for k, v in weights.items()},
            {str(k): (float(v[0]), float(v[1])) for k, v in calibration.items()},
        )


SHIPPED = RankingParams()
