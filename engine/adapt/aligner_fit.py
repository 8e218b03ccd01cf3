"""Cross-validating part (c), the learned photo → text map (engine.adapt.aligner): per fold,
the map is fitted on the training folds' photo → document pairs, its signal is added to the
held-out photo queries' recorded candidates, and they are ranked with and without it."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from engine.adapt.aligner import (
    ALIGNED_SIGNAL,
    ALIGNED_WEIGHT,
    PhotoTextMap,
    document_vector,
    spaces_for,
)
from engine.adapt.fit import MIN_MRR_GAIN, figures, fold_indices
from engine.adapt.pack import Pack, QueryMetrics
from engine.adapt.ranking import RankingParams
from engine.adapt.record import RECORD_TOP_K, RecordedQuery, recorded
from engine.adapt.report import Fold, Outcome, Part, PartReport
from engine.feedback.store import StoredQuery
from engine.search import Searcher
from engine.types import CancelCheck

RIDGE_ALPHA = 0.1  # strong: a few dozen pairs against a 512 x 384 map


@dataclass(frozen=True)
class _Pair:
    stored: StoredQuery
    record: RecordedQuery
    x: np.ndarray  # the photo's image vector
    y: np.ndarray  # its documents' mean text vector


def cross_validate_aligner(
    searcher: Searcher,
    queries: list[StoredQuery],
    records: list[RecordedQuery],
    baseline: RankingParams,
    minimum: int,
    cancel: CancelCheck,
    folds: int,
    seed: int = 0,
) -> tuple[PartReport, RankingParams]:
    """The report of part (c) and the parameters to adopt (``baseline`` unless adopted)."""
    photos = [(q, r) for q, r in zip(queries, records, strict=True) if q.features is not None]
    with_vectors = [(q, r) for q, r in photos if q.features is not None and q.features.vectors]
    if photos and not with_vectors:
        return PartReport(Part.ALIGNER, Outcome.NO_IMAGE_ENCODER, 0, minimum), baseline
    spaces = spaces_for(
        searcher.catalog,
        [s for q, _ in with_vectors if q.features is not None for s in q.features.vectors],
    )
    pairs = _pairs(searcher, with_vectors, spaces) if spaces else []
    if len(pairs) < minimum or spaces is None:
        return PartReport(Part.ALIGNER, Outcome.NEEDS_MORE, len(pairs), minimum), baseline
    with_signal = replace(baseline, weights={**baseline.weights, ALIGNED_SIGNAL: ALIGNED_WEIGHT})
    done, before_all, after_all = [], [], []
    for k, held in enumerate(fold_indices(len(pairs), min(folds, len(pairs)), seed), 1):
        if cancel():
            return PartReport(Part.ALIGNER, Outcome.CANCELLED, len(pairs), minimum), baseline
        train = [p for i, p in enumerate(pairs) if i not in set(held)]
        learned = _fit(train, spaces)
        test = [pairs[i] for i in held]
        before = Pack.of([p.record for p in test]).metrics(baseline)
        after = Pack.of([_with_signal(searcher, p, learned) for p in test]).metrics(with_signal)
        before_all.append(before)
        after_all.append(after)
        done.append(Fold(k, len(train), figures(before), figures(after)))
    return _decide(pairs, spaces, with_signal, baseline, minimum, done, before_all, after_all)


def _decide(
    pairs: list[_Pair],
    spaces: tuple[str, str],
    with_signal: RankingParams,
    baseline: RankingParams,
    minimum: int,
    done: list[Fold],
    before_all: list[QueryMetrics],
    after_all: list[QueryMetrics],
) -> tuple[PartReport, RankingParams]:
    before, after = figures(*before_all), figures(*after_all)
    adopted = after.mrr >= before.mrr + MIN_MRR_GAIN
    outcome = Outcome.ADOPTED if adopted else Outcome.NOT_BETTER
    params = {"clip_space": spaces[0], "text_space": spaces[1], "pairs": len(pairs)}
    report = PartReport(
        Part.ALIGNER, outcome, len(pairs), minimum, tuple(done), before, after, params
    )
    if not adopted:
        return report, baseline
    return report, replace(with_signal, photo_text_map=_fit(pairs, spaces))


def _pairs(
    searcher: Searcher,
    photos: list[tuple[StoredQuery, RecordedQuery]],
    spaces: tuple[str, str],
) -> list[_Pair]:
    out = []
    for stored, record in photos:
        x = stored.features.vectors.get(spaces[0]) if stored.features else None
        y = document_vector(searcher.catalog, spaces[1], stored.targets)
        if x is not None and y is not None:
            out.append(_Pair(stored, record, x, y))
    return out


def _fit(pairs: list[_Pair], spaces: tuple[str, str]) -> PhotoTextMap:
    x = np.stack([p.x for p in pairs])
    y = np.stack([p.y for p in pairs])
    return fit_map(x, y, *spaces)


def fit_map(x: np.ndarray, y: np.ndarray, clip_space: str, text_space: str) -> PhotoTextMap:
    """Ridge least squares from photo vectors ``x`` to text vectors ``y`` (paired rows)."""
    from engine.evaluation.aligners import LeastSquares  # torch: only when fitting

    fitted = LeastSquares(alpha=RIDGE_ALPHA).fit(x, y).params()
    return PhotoTextMap(
        clip_space, text_space, fitted["weight"], fitted["src_mean"], fitted["tgt_mean"]
    )


def _with_signal(searcher: Searcher, pair: _Pair, learned: PhotoTextMap) -> RecordedQuery:
    """The held-out query's candidates with the learned signal's hits added."""
    pool = max(50, RECORD_TOP_K * 8)  # as the searcher's pool for the recorded queries
    extra = learned.hits(searcher.vectors, searcher.catalog, pair.x, pool)
    return recorded(searcher, pair.stored, [*pair.record.hits, *extra])
