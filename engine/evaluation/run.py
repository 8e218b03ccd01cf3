"""Built-in retrieval evaluation: run labelled query sets (engine.evaluation.records) against an
existing index.

Search results are already one per document, so a ranking here is a list of document paths;
a document counts as found when any of its items (page, image, chunk) was returned. The metric
functions (engine.evaluation.ranking) are pure and work on any ranked list of ids;
:func:`run_eval` is a plain synchronous call with progress / cancel callbacks (like
``Library.index``) so the GUI can run it on a worker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from engine.evaluation.ranking import first_rank
from engine.evaluation.records import (
    EvalConfig,
    EvalQuery,
    EvalResult,
    QueryRecord,
    read_query_csv,
)
from engine.messages import Phase
from engine.search import Query, SearchOutcome
from engine.types import CancelCheck, Progress, ProgressCallback, never_cancel, no_progress

if TYPE_CHECKING:
    from PIL import Image

    from engine.evaluation.subject import EvalSubject

TOP_RESULTS_KEPT = 3  # per query: what ranked first, for failure analysis


# --- running ---------------------------------------------------------------------------------


def run_eval(
    library: EvalSubject,
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
    library: EvalSubject,
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
    alignment.enabled = cfg.calibration  # restored below: the EvalSubject may be the GUI's own
    records: list[QueryRecord] = []
    cancelled = False
    indexed = indexed_paths(library)
    try:
        for n, q in enumerate(queries):
            if cancel():
                cancelled = True
                break
            progress(Progress(Phase.EVALUATE, n, len(queries), f"{cfg.label}: {q.label}"[:80]))
            rec = _run_query(library, q, cfg, top_k)
            rec.not_indexed = [d for d in rec.relevant if d not in indexed]
            records.append(rec)
        progress(Progress(Phase.EVALUATE, len(records), len(queries), cfg.label))
    finally:
        alignment.enabled = was_enabled
    config = describe_config(library, cfg, csv_paths, top_k)
    return EvalResult(config, records, index_info(library), cancelled)


def _run_query(library: EvalSubject, q: EvalQuery, cfg: EvalConfig, top_k: int) -> QueryRecord:
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
    query.features = q.features
    if q.photo is not None and q.features is None:
        try:
            query.image = _load_image(library, q.photo)
        except Exception as exc:  # any unreadable photo is this row's error, not the run's
            rec.error = f"cannot read photo {q.photo}: {getattr(exc, 'reason', None) or exc}"
            return rec
    outcome, seconds, first = timed_search(library, query)
    rec.latency_ms, rec.first_ms = seconds * 1000.0, first * 1000.0
    _fill_ranking(rec, outcome)
    return rec


def timed_search(library: EvalSubject, query: Query) -> tuple[SearchOutcome, float, float]:
    """The outcome, the seconds to it, and the seconds to the first ranking a window can
    show: the one handed out before a photo's text is read, else the final one."""
    started = time.perf_counter()
    shown: list[float] = []
    outcome = library.search(query, on_partial=lambda _p: shown.append(time.perf_counter()))
    finished = time.perf_counter()
    return outcome, finished - started, (shown[0] if shown else finished) - started


def _load_image(library: EvalSubject, path: Path) -> Image.Image:
    from engine.extract.images import load_query_image

    return load_query_image(path, library.settings.max_image_pixels)


def _fill_ranking(rec: QueryRecord, outcome: SearchOutcome) -> None:
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
            "reasons": [why.english() for why in r.reasons],
        }
        for r in outcome.results[:TOP_RESULTS_KEPT]
    ]
    rec.notes = [note.english() for note in outcome.notes]


def indexed_paths(library: EvalSubject) -> set[str]:
    """Every indexed document, as :func:`_doc_id` spells it (to flag unindexed labels)."""
    return {_doc_id(str(path)) for path in library.catalog.file_paths()}


def _doc_id(path: Path | str) -> str:
    return str(Path(path).resolve())


# --- configurations and context --------------------------------------------------------------


def present_signals(library: EvalSubject) -> list[str]:
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


def per_signal_configs(library: EvalSubject, base: EvalConfig | None = None) -> list[EvalConfig]:
    """Fused plus each present signal alone."""
    base = base or EvalConfig()
    alone = [EvalConfig(s, frozenset([s]), base.calibration) for s in present_signals(library)]
    return [base, *alone]


def compare_configs(library: EvalSubject) -> list[EvalConfig]:
    """The side-by-side set for ``--compare``: calibration on/off, per signal, bridge on/off."""
    configs = per_signal_configs(library)
    configs.insert(1, EvalConfig("fused, no calibration", None, calibration=False))
    present = present_signals(library)
    if "semantic-bridge" in present:
        rest = frozenset(s for s in present if s != "semantic-bridge")
        configs.insert(2, EvalConfig("fused, no bridge", rest, calibration=True))
    return configs


def run_configs(
    library: EvalSubject,
    csv_paths: Sequence[Path],
    configs: Sequence[EvalConfig],
    top_k: int = 10,
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancel,
) -> list[EvalResult]:
    """Evaluate several configurations on the same queries (the query sets are read once)."""
    queries = [q for p in csv_paths for q in read_query_csv(Path(p))]
    return run_configs_on(library, queries, configs, csv_paths, top_k, progress, cancel)


def run_configs_on(
    library: EvalSubject,
    queries: list[EvalQuery],
    configs: Sequence[EvalConfig],
    csv_paths: Sequence[Path] = (),
    top_k: int = 10,
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancel,
) -> list[EvalResult]:
    """Evaluate several configurations on already-parsed queries (a library's examples)."""
    results = []
    for cfg in configs:
        result = run_config(library, queries, cfg, csv_paths, top_k, progress, cancel)
        results.append(result)
        if result.cancelled:
            break
    return results


def describe_config(
    library: EvalSubject, cfg: EvalConfig, csv_paths: Sequence[Path], top_k: int
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


def index_info(library: EvalSubject) -> dict[str, object]:
    """Index size (bytes on disk, item counts) and how long the last indexing run took."""
    run = library.catalog.last_run()
    seconds = None
    if run and run.get("finished_at"):
        seconds = float(cast(float, run["finished_at"])) - float(cast(float, run["started_at"]))
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
