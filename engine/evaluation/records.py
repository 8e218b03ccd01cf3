"""Labelled query sets and evaluation results: what a run reads and what it records.

A query set is a CSV (the format of the real corpus' ``text-queries.csv`` / ``photo-queries.csv``):
a ``query`` column with text or a ``photo`` column with an image path, and
``relevant_documents`` with ``;``-separated paths, both relative to the CSV's folder.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import cast

import numpy as np

from engine.evaluation.ranking import (
    KS,
    NDCG_K,
    average_precision,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
)
from engine.query_features import QueryFeatures

# Which query modality can produce each fusion signal (engine.search); a signal is evaluated
# alone only on the query sets it can answer.
TEXT_SIGNALS = ("lexical", "part-number", "semantic-text", "semantic-image")
IMAGE_SIGNALS = (
    "semantic-image",
    "semantic-bridge",
    "visual",
    "ocr-lexical",
    "ocr-part-number",
    "ocr-passage",
)


# --- query sets ------------------------------------------------------------------------------


@dataclass
class EvalQuery:
    """One labelled row of a query-set CSV."""

    set_name: str  # the CSV's file stem, e.g. "text-queries"
    row: int  # 1-based data row, for messages
    text: str = ""
    photo: Path | None = None
    relevant: list[Path] = field(default_factory=list)
    error: str = ""  # why this row cannot be run (reported, not raised)
    # A stored example's photo, kept as its features (engine.feedback): searched from them.
    features: QueryFeatures | None = None

    @property
    def label(self) -> str:
        if self.text:
            return self.text
        return self.photo.name if self.photo else f"photo example {self.row}"

    @property
    def modality(self) -> str:
        return "image" if self.photo is not None or self.features is not None else "text"


def read_query_csv(path: Path) -> list[EvalQuery]:
    """Parse one query set; bad rows come back with ``error`` set instead of raising."""
    path = Path(path)
    base = path.resolve().parent
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [_parse_row(path.stem, n, row, base) for n, row in enumerate(rows, 1)]


def _parse_row(set_name: str, n: int, row: dict[str, str | None], base: Path) -> EvalQuery:
    text = (row.get("query") or "").strip()
    photo = (row.get("photo") or "").strip()
    rel = [p.strip() for p in (row.get("relevant_documents") or "").split(";") if p.strip()]
    q = EvalQuery(set_name, n, text=text, relevant=[(base / p).resolve() for p in rel])
    if photo:
        q.photo = (base / photo).resolve()
    if bool(text) == bool(photo):
        q.error = "row needs exactly one of a query text or a photo"
    elif not rel:
        q.error = "row has no relevant_documents"
    elif q.photo is not None and not q.photo.is_file():
        q.error = f"photo not found: {q.photo}"
    return q


# --- results ---------------------------------------------------------------------------------


@dataclass
class QueryRecord:
    """What one query returned and how it scored."""

    set_name: str
    row: int
    query: str
    modality: str
    relevant: list[str]
    photo: str | None = None  # the query photo's path (image queries)
    ranking: list[str] = field(default_factory=list)  # document paths, best first
    first_rank: int | None = None
    relevant_ranks: list[int | None] = field(default_factory=list)  # per relevant document
    latency_ms: float | None = None
    # Until the first ranking a window can show: a photo query's fusion before its text is
    # read (Searcher.search's on_partial), else the whole search.
    first_ms: float | None = None
    top: list[dict[str, object]] = field(default_factory=list)  # first results, with reasons
    scores: list[tuple[str, float, bool]] = field(default_factory=list)  # (kind, score, relevant)
    notes: list[str] = field(default_factory=list)
    not_indexed: list[str] = field(default_factory=list)  # relevant documents not in the index
    error: str = ""
    skipped: bool = False  # the configuration's signals cannot answer this query modality

    def metrics(self) -> dict[str, float]:
        rel = set(self.relevant)
        out = {f"recall@{k}": recall_at_k(self.ranking, rel, k) for k in KS}
        out["mrr"] = reciprocal_rank(self.ranking, rel)
        out["map"] = average_precision(self.ranking, rel)
        out[f"ndcg@{NDCG_K}"] = ndcg_at_k(self.ranking, rel, NDCG_K)
        return out

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["scores"] = [list(s) for s in self.scores]
        return data


@dataclass
class EvalConfig:
    """One configuration to evaluate: which signals fuse, and whether calibration is on."""

    label: str = "fused"
    signals: frozenset[str] | None = None  # None: every signal
    calibration: bool = True

    def answers(self, modality: str) -> bool:
        """Can these signals produce anything for a query of this modality?"""
        if self.signals is None:
            return True
        known = set(TEXT_SIGNALS) | set(IMAGE_SIGNALS)
        usable = set(TEXT_SIGNALS if modality == "text" else IMAGE_SIGNALS)
        return any(s in usable or s not in known for s in self.signals)


@dataclass
class EvalResult:
    config: dict[str, object]
    queries: list[QueryRecord]
    index: dict[str, object]
    cancelled: bool = False

    @property
    def label(self) -> str:
        return str(self.config.get("label", "fused"))

    def evaluated(self, set_name: str | None = None) -> list[QueryRecord]:
        return [
            q
            for q in self.queries
            if not q.error and not q.skipped and (set_name is None or q.set_name == set_name)
        ]

    def set_names(self) -> list[str]:
        return list(dict.fromkeys(q.set_name for q in self.queries))

    def summary(self, set_name: str | None = None) -> dict[str, float | int | None]:
        """Mean metrics and latency percentiles over the evaluated queries (of one set)."""
        qs = self.evaluated(set_name)
        out: dict[str, float | int | None] = {"n": len(qs)}
        pool = [q for q in self.queries if set_name is None or q.set_name == set_name]
        out["errors"] = sum(1 for q in pool if q.error)
        for key in (*(f"recall@{k}" for k in KS), "mrr", "map", f"ndcg@{NDCG_K}"):
            out[key] = float(np.mean([q.metrics()[key] for q in qs])) if qs else None
        lat = [q.latency_ms for q in qs if q.latency_ms is not None]
        out["latency_ms_p50"] = float(np.percentile(lat, 50)) if lat else None
        out["latency_ms_p95"] = float(np.percentile(lat, 95)) if lat else None
        first = [q.first_ms for q in qs if q.first_ms is not None]
        out["first_ms_p95"] = float(np.percentile(first, 95)) if first else None
        return out

    def recall_curve(self, set_name: str | None = None) -> list[float]:
        """Hit rate at K = 1..top_k."""
        qs = self.evaluated(set_name)
        top_k = int(cast(int, self.config.get("top_k", 10)))
        if not qs:
            return []
        return [
            float(np.mean([recall_at_k(q.ranking, q.relevant, k) for q in qs]))
            for k in range(1, top_k + 1)
        ]

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = dict(self.summary())
        data["sets"] = {s: self.summary(s) for s in self.set_names()}
        data["index"] = self.index
        data["config"] = self.config
        data["cancelled"] = self.cancelled
        data["queries"] = [q.to_json() for q in self.queries]
        return data
