"""Score mapping and fusion (engine.fusion)."""

from __future__ import annotations

import math

import pytest

from engine.fusion import Hit, fuse, logistic
from engine.messages import ReasonCode, reason


@pytest.mark.parametrize("z", [-1e6, -800.0, -3.0, 0.0, 1.5, 3.0, 800.0, 1e6])
def test_logistic_is_a_finite_confidence_for_any_z(z: float) -> None:
    value = logistic(z)
    assert 0.0 <= value <= 1.0 and math.isfinite(value)


def test_logistic_is_monotonic_and_centred() -> None:
    assert logistic(1.5) == pytest.approx(0.5)
    values = [logistic(z) for z in (-900.0, -2.0, 0.0, 3.0, 900.0)]
    assert values == sorted(values) and values[0] == 0.0 and values[-1] == 1.0


def test_fused_item_keeps_every_signal_reason() -> None:
    terms = reason(ReasonCode.TERMS, terms="relay")
    figure = reason(ReasonCode.FIGURE_MATCHED, inliers=40)
    fused = fuse([Hit(1, "lexical", 0.9, terms), Hit(1, "visual", 0.8, figure)])
    assert len(fused) == 1 and len(fused[0].reasons) == 2


def test_reasons_are_ordered_by_weighted_confidence_with_each_signals_best() -> None:
    weak = reason(ReasonCode.TERMS, terms="relay")
    strong = reason(ReasonCode.TERMS, terms="relay module")
    figure = reason(ReasonCode.FIGURE_MATCHED, inliers=40)
    hits = [Hit(1, "lexical", 0.2, weak), Hit(1, "visual", 0.9, figure)]
    hits.append(Hit(1, "lexical", 0.5, strong))
    (fused,) = fuse(hits)
    assert fused.reasons == [figure, strong]
    assert str(fused.reasons[0]) == "figure matched (40 inliers)"
