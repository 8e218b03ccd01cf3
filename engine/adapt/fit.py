"""Fitting the ranking parameters to recorded examples, and cross-validating each fit.

Both parts are grid coordinate ascent on MRR over the recorded candidates (engine.adapt.pack):
- fusion weights: one signal's weight at a time over WEIGHT_GRID, the others held, a few
  sweeps (learning to rank over the signals' confidences, with the ranking function the
  searcher uses, so what is fitted is exactly what search will do);
- calibration: per similarity signal (one embedding space each), the centre and width of the
  logistic from standardised similarity to confidence, over CENTRE_GRID x WIDTH_GRID.

A part is adopted only when k-fold cross-validation says so: each fold is fitted on the other
folds' queries and measured on its own, never on what it was fitted on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from engine.adapt.pack import Pack, QueryMetrics
from engine.adapt.ranking import DEFAULT_CENTRE, DEFAULT_WIDTH, RankingParams
from engine.adapt.record import RecordedQuery
from engine.adapt.report import Figures, Fold, Outcome, Part, PartReport
from engine.types import CancelCheck

# Minimum labelled queries per part. Fusion weights: with FOLDS folds each fold then holds out
# at least two queries, and one query moving by a rank changes MRR by under 0.05; below that
# the cross-validated figure is mostly the luck of the split. Calibration fits two numbers
# per similarity signal (up to 6) where the weights fit one per signal (up to 9) but acts only
# on the semantic signals' candidates: twice as many. The aligner learns a 512 x 384 map from
# photo vectors to text vectors; even ridge-regularised, fewer pairs than this fit noise.
MIN_QUERIES_WEIGHTS = 10
MIN_QUERIES_CALIBRATION = 20
MIN_PAIRS_ALIGNER = 50
FOLDS = 5
# A part must raise held-out MRR by at least this much to be adopted: smaller gains are one
# or two queries swapping ranks on ties, within what another split of the folds gives.
MIN_MRR_GAIN = 0.01
WEIGHT_GRID = (0.0, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.75, 0.85, 0.9, 0.95, 0.98, 1.0)
CENTRE_GRID = tuple(float(c) for c in np.arange(0.0, 3.01, 0.25))
WIDTH_GRID = (0.4, 0.55, 0.75, 1.0, 1.4)
SWEEPS = 2

Fitter = Callable[[Pack, RankingParams], RankingParams]


def fit_weights(pack: Pack, start: RankingParams) -> RankingParams:
    """Fusion weights that maximise MRR on ``pack``, from ``start``'s (ties keep the old)."""
    params, best = start, pack.metrics(start).mrr
    for _ in range(SWEEPS):
        improved = False
        for signal in pack.signals:
            for value in WEIGHT_GRID:
                candidate = replace(params, weights={**params.weights, signal: value})
                score = pack.metrics(candidate).mrr
                if score > best + 1e-9:
                    params, best, improved = candidate, score, True
        if not improved:
            break
    return params


def fit_calibration(pack: Pack, start: RankingParams) -> RankingParams:
    """Per-signal (centre, width) of the logistic that maximise MRR on ``pack``."""
    params, best = start, pack.metrics(start).mrr
    for _ in range(SWEEPS):
        improved = False
        for signal in pack.z_signals():
            for centre in CENTRE_GRID:
                for width in WIDTH_GRID:
                    cal = {**params.calibration, signal: (centre, width)}
                    candidate = replace(params, calibration=cal)
                    score = pack.metrics(candidate).mrr
                    if score > best + 1e-9:
                        params, best, improved = candidate, score, True
        if not improved:
            break
    return params


@dataclass(frozen=True)
class CrossValidated:
    report: PartReport
    fitted: RankingParams  # fitted on every query (what is adopted when the report says so)


def cross_validate(
    part: Part,
    records: list[RecordedQuery],
    baseline: RankingParams,
    fitter: Fitter,
    minimum: int,
    cancel: CancelCheck,
    folds: int = FOLDS,
    seed: int = 0,
    have: int | None = None,
) -> CrossValidated:
    """Fit ``part`` on k-1 folds, measure on the held-out fold, for every fold; adopt when the
    pooled held-out MRR gains MIN_MRR_GAIN over ``baseline``. ``have``: the queries this part
    can learn from (default: all of them), checked against ``minimum``."""
    n = len(records)
    have = n if have is None else have
    if have < minimum:
        return CrossValidated(PartReport(part, Outcome.NEEDS_MORE, have, minimum), baseline)
    split = fold_indices(n, min(folds, n), seed)
    done: list[Fold] = []
    before_all: list[QueryMetrics] = []
    after_all: list[QueryMetrics] = []
    for k, held in enumerate(split, 1):
        if cancel():
            return CrossValidated(PartReport(part, Outcome.CANCELLED, have, minimum), baseline)
        held_out = set(held)
        train = [records[i] for i in range(n) if i not in held_out]
        test = Pack.of([records[i] for i in held])
        fitted = fitter(Pack.of(train), baseline)
        before, after = test.metrics(baseline), test.metrics(fitted)
        before_all.append(before)
        after_all.append(after)
        done.append(Fold(k, len(train), figures(before), figures(after)))
    pooled_before, pooled_after = figures(*before_all), figures(*after_all)
    adopted = pooled_after.mrr >= pooled_before.mrr + MIN_MRR_GAIN
    final = fitter(Pack.of(records), baseline) if adopted else baseline
    outcome = Outcome.ADOPTED if adopted else Outcome.NOT_BETTER
    params = final.to_json() if adopted else {}
    report = PartReport(
        part, outcome, have, minimum, tuple(done), pooled_before, pooled_after, params
    )
    return CrossValidated(report, final)


def fold_indices(n: int, k: int, seed: int = 0) -> list[list[int]]:
    """``k`` disjoint held-out folds covering ``range(n)``, shuffled with ``seed``."""
    order = np.random.default_rng(seed).permutation(n)
    return [sorted(int(i) for i in order[f::k]) for f in range(k)]


def figures(*metrics: QueryMetrics) -> Figures:
    """Recall@1/5 and MRR of the queries of ``metrics`` together."""
    rr = np.concatenate([m.rr for m in metrics]) if metrics else np.zeros(0)
    r1 = np.concatenate([m.r1 for m in metrics]) if metrics else np.zeros(0)
    r5 = np.concatenate([m.r5 for m in metrics]) if metrics else np.zeros(0)
    if not len(rr):
        return Figures(0, 0.0, 0.0, 0.0)
    return Figures(len(rr), float(r1.mean()), float(r5.mean()), float(rr.mean()))


def default_calibration(signals: list[str]) -> dict[str, tuple[float, float]]:
    """The shipped logistic for each signal (the calibration fit's starting point)."""
    return {s: (DEFAULT_CENTRE, DEFAULT_WIDTH) for s in signals}
