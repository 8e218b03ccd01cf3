"""Built-in retrieval evaluation: run a labelled query set against an existing index.

A query set is a CSV (the format of the real corpus' ``text-queries.csv`` / ``photo-queries.csv``):
a ``query`` column with text or a ``photo`` column with an image path, and
``relevant_documents`` with ``;``-separated paths, both relative to the CSV's folder.

Search results are already one per document, so a ranking here is a list of document paths;
a document counts as found when any of its items (page, image, chunk) was returned. The metric
functions are pure and work on any ranked list of ids; :func:`run_eval` is a plain synchronous
call with progress / cancel callbacks (like ``Library.index``) so the GUI can run it on a worker.
"""

from __future__ import annotations

import csv
import math
import os
import time
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from engine.search import Query, SearchOutcome
from engine.types import CancelCheck, Progress, ProgressCallback, never_cancel, no_progress

KS = (1, 5, 10)
NDCG_K = 10
TOP_RESULTS_KEPT = 3  # per query: what ranked first, for failure analysis

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


# --- metric math -----------------------------------------------------------------------------


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

    @property
    def label(self) -> str:
        return self.text or (self.photo.name if self.photo else f"row {self.row}")

    @property
    def modality(self) -> str:
        return "image" if self.photo is not None else "text"


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
        top_k = int(self.config.get("top_k", 10))  # type: ignore[call-overload]
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


# --- running ---------------------------------------------------------------------------------


def run_eval(
    library,
    csv_paths: Sequence[Path],
    top_k: int = 10,
    signals: Iterable[str] | None = None,
    calibration: bool = True,
    label: str = "",
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancel,
) -> EvalResult:
    """Run every query of ``csv_paths`` against ``library`` (an engine.library.Library)."""
    cfg = EvalConfig(label or "fused", frozenset(signals) if signals else None, calibration)
    queries = [q for p in csv_paths for q in read_query_csv(Path(p))]
    return run_config(library, queries, cfg, csv_paths, top_k, progress, cancel)


def run_config(
    library,
    queries: list[EvalQuery],
    cfg: EvalConfig,
    csv_paths: Sequence[Path],
    top_k: int = 10,
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancel,
) -> EvalResult:
    """Evaluate one configuration on already-parsed queries."""
    alignment = library.alignment
    was_enabled = alignment.enabled
    alignment.enabled = cfg.calibration  # restored below: the Library may be the GUI's own
    records: list[QueryRecord] = []
    cancelled = False
    indexed = indexed_paths(library)
    try:
        for n, q in enumerate(queries):
            if cancel():
                cancelled = True
                break
            progress(Progress("eval", n, len(queries), f"{cfg.label}: {q.label}"[:80]))
            rec = _run_query(library, q, cfg, top_k)
            rec.not_indexed = [d for d in rec.relevant if d not in indexed]
            records.append(rec)
        progress(Progress("eval", len(records), len(queries), cfg.label))
    finally:
        alignment.enabled = was_enabled
    config = describe_config(library, cfg, csv_paths, top_k)
    return EvalResult(config, records, index_info(library), cancelled)


def _run_query(library, q: EvalQuery, cfg: EvalConfig, top_k: int) -> QueryRecord:
    rec = QueryRecord(
        q.set_name,
        q.row,
        q.label,
        q.modality,
        [str(p) for p in q.relevant],
        photo=str(q.photo) if q.photo else None,
        error=q.error,
    )
    if q.error:
        return rec
    if not cfg.answers(q.modality):
        rec.skipped = True
        return rec
    query = Query(text=q.text, top_k=top_k, signals=set(cfg.signals) if cfg.signals else None)
    if q.photo is not None:
        try:
            query.image = _load_image(library, q.photo)
        except Exception as exc:  # any unreadable photo is this row's error, not the run's
            rec.error = f"cannot read photo {q.photo}: {getattr(exc, 'reason', None) or exc}"
            return rec
    outcome, seconds, first = timed_search(library, query)
    rec.latency_ms, rec.first_ms = seconds * 1000.0, first * 1000.0
    _fill_ranking(rec, outcome)
    return rec


def timed_search(library, query: Query) -> tuple[SearchOutcome, float, float]:
    """The outcome, the seconds to it, and the seconds to the first ranking a window can
    show: the one handed out before a photo's text is read, else the final one."""
    started = time.perf_counter()
    shown: list[float] = []
    outcome = library.search(query, on_partial=lambda _p: shown.append(time.perf_counter()))
    finished = time.perf_counter()
    return outcome, finished - started, (shown[0] if shown else finished) - started


def _load_image(library, path: Path):
    from engine.extract.images import load_query_image

    return load_query_image(path, library.settings.max_image_pixels)


def _fill_ranking(rec: QueryRecord, outcome) -> None:
    rel = set(rec.relevant)
    rec.ranking = list(dict.fromkeys(_doc_id(r.path) for r in outcome.results))
    rec.first_rank = first_rank(rec.ranking, rel)
    rec.relevant_ranks = [
        rec.ranking.index(d) + 1 if d in rec.ranking else None for d in rec.relevant
    ]
    rec.scores = [(r.kind.value, float(r.score), _doc_id(r.path) in rel) for r in outcome.results]
    rec.top = [
        {
            "path": str(r.path),
            "kind": r.kind.value,
            "page": r.page,
            "score": round(float(r.score), 4),
            "relevant": _doc_id(r.path) in rel,
            "reasons": list(r.reasons),
        }
        for r in outcome.results[:TOP_RESULTS_KEPT]
    ]
    rec.notes = list(outcome.notes)


def indexed_paths(library) -> set[str]:
    """Every indexed document, as :func:`_doc_id` spells it (to flag unindexed labels)."""
    rows = library.catalog.query("SELECT path FROM files")
    return {_doc_id(os.fsdecode(bytes(r[0]) if not isinstance(r[0], str) else r[0])) for r in rows}


def _doc_id(path: Path | str) -> str:
    return str(Path(path).resolve())


# --- configurations and context --------------------------------------------------------------


def present_signals(library) -> list[str]:
    """Signals this library can produce now (e.g. no semantic-image without CLIP weights)."""
    clip = library.encoders.clip()
    out = ["lexical", "part-number", "semantic-text"]
    if clip is not None:
        out.append("semantic-image")
        if library.alignment.bridge_space(clip.space_id):
            out.append("semantic-bridge")
    if library.searcher.visual is not None:
        out.append("visual")
    if library.ocr_engine() is not None:
        out += ["ocr-lexical", "ocr-part-number", "ocr-passage"]
    return out


def per_signal_configs(library, base: EvalConfig | None = None) -> list[EvalConfig]:
    """Fused plus each present signal alone."""
    base = base or EvalConfig()
    alone = [EvalConfig(s, frozenset([s]), base.calibration) for s in present_signals(library)]
    return [base, *alone]


def compare_configs(library) -> list[EvalConfig]:
    """The side-by-side set for ``--compare``: calibration on/off, per signal, bridge on/off."""
    configs = per_signal_configs(library)
    configs.insert(1, EvalConfig("fused, no calibration", None, calibration=False))
    present = present_signals(library)
    if "semantic-bridge" in present:
        rest = frozenset(s for s in present if s != "semantic-bridge")
        configs.insert(2, EvalConfig("fused, no bridge", rest, calibration=True))
    return configs


def run_configs(
    library,
    csv_paths: Sequence[Path],
    configs: Sequence[EvalConfig],
    top_k: int = 10,
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancel,
) -> list[EvalResult]:
    """Evaluate several configurations on the same queries (the query sets are read once)."""
    queries = [q for p in csv_paths for q in read_query_csv(Path(p))]
    results = []
    for cfg in configs:
        result = run_config(library, queries, cfg, csv_paths, top_k, progress, cancel)
        results.append(result)
        if result.cancelled:
            break
    return results


def describe_config(
    library, cfg: EvalConfig, csv_paths: Sequence[Path], top_k: int
) -> dict[str, object]:
    """Everything needed to reproduce a figure: models, switches, query sets."""
    from engine import __version__

    s = library.settings
    clip = library.encoders.clip()
    return {
        "label": cfg.label,
        "signals": sorted(cfg.signals) if cfg.signals else "all",
        "calibration": cfg.calibration,
        "top_k": top_k,
        "data_dir": str(library.data_dir),
        "query_sets": [str(Path(p).resolve()) for p in csv_paths],
        "clip_model": f"{s.clip_model}/{s.clip_pretrained}" if clip else "off",
        "clip_problem": "" if clip else library.encoders.clip_problem(),
        "text_model": s.text_model,
        "ocr": s.ocr_enabled,
        "visual_match": s.visual_match_enabled,
        "sagasu_version": __version__,
        "evaluated_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def index_info(library) -> dict[str, object]:
    """Index size (bytes on disk, item counts) and how long the last indexing run took."""
    run = library.catalog.last_run()
    seconds = None
    if run and run.get("finished_at"):
        seconds = float(run["finished_at"]) - float(run["started_at"])
    return {
        "bytes": dir_bytes(Path(library.data_dir), skip=("reports",)),
        "counts": library.catalog.counts(),
        "vectors": library.catalog.vector_counts(),
        "last_run_status": run["status"] if run else None,
        "indexing_seconds": seconds,
    }


def dir_bytes(root: Path, skip: Sequence[str] = ()) -> int:
    """Bytes of every file under ``root`` (the index's footprint), leaving out ``skip`` dirs."""
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == root:
            dirnames[:] = [d for d in dirnames if d not in skip]
        for name in filenames:
            try:
                total += (Path(dirpath) / name).stat().st_size
            except OSError:
                continue  # a file replaced mid-walk (the index is live)
    return total
