"""One adaptation run: record the examples' candidates, cross-validate each part in order of
how little data it needs, adopt what beat the current ranking, report everything.

A plain synchronous call with progress and cancel (a window runs it on a worker thread);
search goes on meanwhile with the version adopted before (engine.adapt.state)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from engine.adapt.aligner_fit import cross_validate_aligner
from engine.adapt.fit import (
    FOLDS,
    MIN_PAIRS_ALIGNER,
    MIN_QUERIES_CALIBRATION,
    MIN_QUERIES_WEIGHTS,
    cross_validate,
    fit_calibration,
    fit_weights,
)
from engine.adapt.record import RecordedQuery, record_queries
from engine.adapt.report import AdaptReport, Outcome, Part
from engine.adapt.state import AdaptationState, AdoptedVersion
from engine.feedback import store
from engine.feedback.store import StoredQuery
from engine.messages import Phase
from engine.search import Searcher
from engine.types import CancelCheck, Progress, ProgressCallback, never_cancel, no_progress


@dataclass(frozen=True)
class PartNeed:
    """How many labelled queries a part has and needs (``more``: still missing)."""

    part: Part
    have: int
    minimum: int

    @property
    def more(self) -> int:
        return max(0, self.minimum - self.have)


@dataclass(frozen=True)
class AdaptationStatus:
    enabled: bool  # the adaptation_enabled setting
    current: AdoptedVersion | None  # what search uses when enabled (None: shipped ranking)
    can_roll_back: bool
    examples: int  # labelled queries (is-it examples grouped per query)
    needs: tuple[PartNeed, ...]  # per part, in order of how little data each needs
    last_report: AdaptReport | None


def needs_of(queries: list[StoredQuery]) -> tuple[PartNeed, ...]:
    """Per part, the examples it can learn from now. Calibration counts every query (whether
    a semantic signal answers it is only known once it is searched again); the aligner counts
    photo queries stored with an image-encoder vector."""
    n = len(queries)
    pairs = sum(1 for q in queries if q.features is not None and q.features.vectors)
    return (
        PartNeed(Part.FUSION_WEIGHTS, n, MIN_QUERIES_WEIGHTS),
        PartNeed(Part.CALIBRATION, n, MIN_QUERIES_CALIBRATION),
        PartNeed(Part.ALIGNER, pairs, MIN_PAIRS_ALIGNER),
    )


def adaptation_status(searcher: Searcher, state: AdaptationState) -> AdaptationStatus:
    queries = store.queries(searcher.catalog)
    current = state.current
    return AdaptationStatus(
        state.enabled,
        current,
        current is not None,
        len(queries),
        needs_of(queries),
        state.last_report(),
    )


def run_adaptation(
    searcher: Searcher,
    state: AdaptationState,
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancel,
    folds: int = FOLDS,
    seed: int = 0,
) -> AdaptReport:
    """Fit, cross-validate and adopt (engine.adapt.fit); the report says what happened."""
    started = time.time()
    queries = store.queries(searcher.catalog)
    records = record_queries(searcher, queries, progress, cancel)
    if records is None:
        return AdaptReport(started, len(queries), (), None, time.time() - started, folds, True)
    progress(Progress(Phase.EVALUATE, 0, 3, "fitting fusion weights"))
    baseline = state.params()
    weights = cross_validate(
        Part.FUSION_WEIGHTS, records, baseline, fit_weights, MIN_QUERIES_WEIGHTS, cancel, folds,
        seed,
    )  # fmt: skip
    progress(Progress(Phase.EVALUATE, 1, 3, "fitting calibration"))
    calibration = cross_validate(
        Part.CALIBRATION, records, weights.fitted, fit_calibration, MIN_QUERIES_CALIBRATION,
        cancel, folds, seed, have=sum(1 for r in records if _has_z(r)),
    )  # fmt: skip
    progress(Progress(Phase.EVALUATE, 2, 3, "fitting the photo → text aligner"))
    aligner, adopted_params = cross_validate_aligner(
        searcher, queries, records, calibration.fitted, MIN_PAIRS_ALIGNER, cancel, folds, seed
    )
    parts = (weights.report, calibration.report, aligner)
    adopted = [p for p in parts if p.outcome is Outcome.ADOPTED]
    version = None
    if adopted:
        last = adopted[-1]
        mrr = (last.before.mrr if last.before else None, last.after.mrr if last.after else None)
        version = state.adopt(
            adopted_params, tuple(p.part.value for p in adopted), len(records), mrr
        ).version
    cancelled = any(p.outcome is Outcome.CANCELLED for p in parts)
    report = AdaptReport(
        started, len(records), parts, version, time.time() - started, folds, cancelled
    )
    state.save_report(report)
    progress(Progress(Phase.EVALUATE, 3, 3, "done"))
    return report


def _has_z(record: RecordedQuery) -> bool:
    return bool((~np.isnan(record.z)).any())
