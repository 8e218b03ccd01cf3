"""Many recorded queries ranked at once under given parameters (numpy, no search): what makes
a grid search over weights and calibration cheap enough to cross-validate.

It ranks exactly as the searcher does (engine.search.fused_ranking): a similarity signal's
confidence is recomputed from its z-score when a calibration is given, semantic-text support
is capped at the lexical word coverage, signals combine by weighted noisy-OR, and a document
scores as its best item. Ties count against the confirmed document (a parameter setting that
gives every candidate the same score ranks it last, not first)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.adapt.ranking import RankingParams
from engine.adapt.record import RecordedQuery


@dataclass(frozen=True)
class QueryMetrics:
    """Per query: reciprocal rank of the first confirmed document, and hits at 1 and 5."""

    rr: np.ndarray
    r1: np.ndarray
    r5: np.ndarray

    @property
    def mrr(self) -> float:
        return float(self.rr.mean()) if len(self.rr) else 0.0


@dataclass(frozen=True)
class Pack:
    signals: tuple[str, ...]
    confidence: np.ndarray  # (items, signals), items of all queries, grouped per document
    z: np.ndarray
    cover: np.ndarray
    starts: np.ndarray  # first item of each document group (np.maximum.reduceat)
    group_query: np.ndarray  # (groups,) which query each document group belongs to
    group_target: np.ndarray  # (groups,) bool: a confirmed document
    n_queries: int

    @classmethod
    def of(cls, records: list[RecordedQuery]) -> Pack:
        signals = tuple(sorted({s for r in records for s in r.signals}))
        col = {s: n for n, s in enumerate(signals)}
        parts: dict[str, list[np.ndarray]] = {k: [] for k in ("c", "z", "cov", "gq", "gt", "n")}
        for q, rec in enumerate(records):
            order = np.argsort(rec.doc, kind="stable")
            cols = [col[s] for s in rec.signals]
            c = np.zeros((len(order), len(signals)))
            z = np.full((len(order), len(signals)), np.nan)
            c[:, cols] = rec.confidence[order]
            z[:, cols] = rec.z[order]
            docs, counts = np.unique(rec.doc[order], return_counts=True)
            parts["c"].append(c)
            parts["z"].append(z)
            parts["cov"].append(rec.cover[order])
            parts["n"].append(counts)
            parts["gq"].append(np.full(len(docs), q))
            parts["gt"].append(np.array([rec.docs[d] in rec.targets for d in docs], dtype=bool))
        counts = _cat(parts["n"], np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else counts
        width = len(signals)
        return cls(
            signals,
            _cat(parts["c"], np.float64, width),
            _cat(parts["z"], np.float64, width),
            _cat(parts["cov"], np.float64),
            starts.astype(np.int64),
            _cat(parts["gq"], np.int64),
            _cat(parts["gt"], np.bool_),
            len(records),
        )

    def metrics(self, params: RankingParams) -> QueryMetrics:
        q = self.n_queries
        if not len(self.starts):
            zeros = np.zeros(q)
            return QueryMetrics(zeros, zeros, zeros)
        doc_score = np.maximum.reduceat(self._item_scores(params), self.starts)
        best = np.full(q, -np.inf)
        np.maximum.at(best, self.group_query[self.group_target], doc_score[self.group_target])
        ahead = ~self.group_target & (doc_score >= best[self.group_query])
        rank = 1 + np.bincount(self.group_query[ahead], minlength=q)
        found = np.isfinite(best)
        rr = np.where(found, 1.0 / rank, 0.0)
        return QueryMetrics(rr, (found & (rank <= 1)).astype(float), (found & (rank <= 5)) * 1.0)

    def _item_scores(self, params: RankingParams) -> np.ndarray:
        conf = self.confidence.copy()
        for signal, (centre, width) in params.calibration.items():
            if signal in self.signals:
                j = self.signals.index(signal)
                has = ~np.isnan(self.z[:, j])
                conf[has, j] = _logistic(self.z[has, j], centre, width)
        if "semantic-text" in self.signals:
            j = self.signals.index("semantic-text")
            conf[:, j] = np.minimum(conf[:, j], self.cover)
        weights = params.fusion_weights()
        w = np.array([weights.get(s, 0.5) for s in self.signals])
        miss: np.ndarray = np.prod(1.0 - w[None, :] * np.clip(conf, 0.0, 1.0), axis=1)
        return 1.0 - miss

    def z_signals(self) -> list[str]:
        """Signals with standardised similarities to calibrate (the semantic ones)."""
        return [s for n, s in enumerate(self.signals) if (~np.isnan(self.z[:, n])).any()]


def _logistic(z: np.ndarray, centre: float, width: float) -> np.ndarray:
    out: np.ndarray = 0.5 * (1.0 + np.tanh((z - centre) / width / 2.0))  # overflow-free
    return out


def _cat(arrays: list[np.ndarray], dtype: type, width: int | None = None) -> np.ndarray:
    if not arrays:
        return np.zeros((0, width) if width is not None else 0, dtype=dtype)
    return np.concatenate(arrays).astype(dtype)
