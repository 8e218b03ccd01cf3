"""Adaptation from confirmations, measured on the real corpus (issue #17).

The corpus' labelled queries (``text-queries.csv``, ``photo-queries.csv``) are imported into a
COPY of a corpus index as confirmations, each example query is searched once to record its
candidates (engine.adapt.record), and then, per query set and per adapted part:
- k-fold cross-validated Recall@1/5 and MRR before and after (each fold fitted on the other
  folds, measured on its own: engine.adapt.fit.cross_validate, exactly what ``Library.adapt``
  runs);
- a learning curve: held-out figures against the number of training queries (random subsets
  of each fold's training part, several draws), saved as a PNG in the report folder;
- adaptation time for 50, 200 and 1,000 examples: the corpus has 49 labelled queries, so the
  larger sets are the recorded queries RESAMPLED with replacement (timing only: recall figures
  come from the real queries alone); recording time is the measured per-query search time
  times the count;
- search latency with the shipped and with the adapted parameters.

    cp -a /tmp/bt/sagasu-data-w2 /tmp/fb-data     # never the original: opening it migrates it
    .venv/bin/python benchmarks/bench_adapt.py --data /tmp/fb-data --out /tmp/fb-report [--ocr]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import common
import numpy as np

from engine.adapt.fit import cross_validate, figures, fit_calibration, fit_weights, fold_indices
from engine.adapt.pack import Pack
from engine.adapt.ranking import SHIPPED, RankingParams
from engine.adapt.record import RecordedQuery, record_queries
from engine.adapt.report import Part, PartReport
from engine.config import load_settings
from engine.feedback import store
from engine.library import Library
from engine.search import Query
from engine.types import never_cancel, no_progress

SETS = ("text-queries.csv", "photo-queries.csv")
CURVE_SIZES = (4, 8, 12, 16, 24, 32, 39)
CURVE_DRAWS = 5
TIMING_SIZES = (50, 200, 1000)
LATENCY_ROUNDS = 3


def main() -> None:
    args = parse_args()
    common.quiet()
    args.out.mkdir(parents=True, exist_ok=True)
    settings = load_settings(args.data).replace(ocr_enabled=args.ocr)
    print(common.machine_line())
    with Library(args.data, settings) as lib:
        imported = import_sets(lib, args.corpus)
        queries = store.queries(lib.catalog)
        started = time.perf_counter()
        records = record_queries(lib.searcher, queries, no_progress, never_cancel)
        assert records is not None
        per_query = (time.perf_counter() - started) / max(1, len(records))
        print(f"recorded {len(records)} queries in {per_query * len(records):.1f} s")
        results = {
            "imported": imported,
            "queries": {m: sum(1 for r in records if r.modality == m) for m in ("text", "image")},
            "ocr_at_query_time": args.ocr,
            "signals": sorted({s for r in records for s in r.signals}),
            "cv": cross_validated(records, args.folds),
            "curve": learning_curve(records, args.folds, args.out / "learning-curve.png"),
            "timing": timing(records, per_query, args.folds),
            "latency": latency(lib, queries, records, args.folds),
            "machine": common.machine_line(),
        }
        started = time.perf_counter()
        report = lib.adapt(folds=args.folds)  # the engine's own decision, as the window runs it
        print(f"\nLibrary.adapt ({time.perf_counter() - started:.1f} s):\n{report.text()}")
        results["library_adapt"] = report.to_json()
    (args.out / "bench_adapt.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nReport folder: {args.out}")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, required=True, help="a COPY of a corpus index")
    p.add_argument("--corpus", type=Path, default=common.CORPUS)
    p.add_argument("--out", type=Path, required=True, help="report folder (JSON, PNG)")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--ocr", action="store_true", help="read the query photos' text (RapidOCR)")
    return p.parse_args()


def import_sets(lib: Library, corpus: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in SETS:
        started = time.perf_counter()
        summary = lib.import_examples(corpus / name)
        seconds = time.perf_counter() - started
        out[name] = {**asdict(summary), "seconds": round(seconds, 1)}
        print(
            f"import {name}: {summary.added} added, {summary.duplicates} already there, "
            f"{len(summary.problems)} problems, {seconds:.1f} s"
        )
        for row, why in summary.problems:
            print(f"  row {row}: {why}")
    return out


# --- cross-validation per set and part -------------------------------------------------------


def subsets(records: list[RecordedQuery]) -> dict[str, list[RecordedQuery]]:
    return {
        "text": [r for r in records if r.modality == "text"],
        "photo": [r for r in records if r.modality == "image"],
        "all": records,
    }


def cross_validated(records: list[RecordedQuery], folds: int) -> dict[str, object]:
    """Per query set: weights alone, calibration alone, both (calibration on the weights),
    every fold's held-out figures (minimums set aside: the figures are reported whatever)."""
    out: dict[str, object] = {}
    print(f"\n{folds}-fold cross-validation, held-out R@1 / R@5 / MRR (shipped -> adapted)")
    for name, recs in subsets(records).items():
        weights = cross_validate(
            Part.FUSION_WEIGHTS, recs, SHIPPED, fit_weights, 0, never_cancel, folds
        )
        calib = cross_validate(
            Part.CALIBRATION, recs, SHIPPED, fit_calibration, 0, never_cancel, folds
        )
        both = cross_validate(Part.CALIBRATION, recs, SHIPPED, fit_both, 0, never_cancel, folds)
        rows = {"weights": weights.report, "calibration": calib.report, "both": both.report}
        for label, report in rows.items():
            print_part(f"{name} ({len(recs)}) {label}", report)
        out[name] = {k: part_json(v) for k, v in rows.items()}
    return out


def fit_both(pack: Pack, start: RankingParams) -> RankingParams:
    return fit_calibration(pack, fit_weights(pack, start))


def print_part(label: str, report: PartReport) -> None:
    if report.before is None or report.after is None:
        print(f"{label:28s} {report.outcome.value}")
        return
    folds = "  ".join(f"{f.before.mrr:.2f}->{f.after.mrr:.2f}" for f in report.folds)
    print(
        f"{label:28s} {fmt(report.before)} -> {fmt(report.after)}   "
        f"[{report.outcome.value}]  per fold MRR: {folds}"
    )


def fmt(f: object) -> str:
    return f"{f.recall_at_1:.3f} / {f.recall_at_5:.3f} / {f.mrr:.3f}"  # type: ignore[attr-defined]


def part_json(report: PartReport) -> dict[str, object]:
    data = asdict(report)
    data["outcome"] = report.outcome.value
    data["part"] = report.part.value
    return data


# --- learning curve ---------------------------------------------------------------------------


def learning_curve(records: list[RecordedQuery], folds: int, png: Path) -> dict[str, object]:
    """Held-out MRR / R@1 with weights+calibration fitted on m training queries (all sets
    together), m = CURVE_SIZES, CURVE_DRAWS random subsets per fold."""
    rng = np.random.default_rng(0)
    split = fold_indices(len(records), folds)
    base = figures(*(Pack.of([records[i] for i in held]).metrics(SHIPPED) for held in split))
    points = []
    for m in CURVE_SIZES:
        held_metrics = []
        for held in split:
            train_all = [i for i in range(len(records)) if i not in set(held)]
            if m > len(train_all):
                continue
            test = Pack.of([records[i] for i in held])
            for _ in range(CURVE_DRAWS):
                pick = rng.choice(train_all, size=m, replace=False)
                fitted = fit_both(Pack.of([records[i] for i in pick]), SHIPPED)
                held_metrics.append(test.metrics(fitted))
        if held_metrics:
            f = figures(*held_metrics)
            points.append(
                {
                    "train": m,
                    "recall_at_1": f.recall_at_1,
                    "recall_at_5": f.recall_at_5,
                    "mrr": f.mrr,
                }
            )
            print(f"learning curve: {m:3d} training queries: {fmt(f)}  (shipped {fmt(base)})")
    plot_curve(points, base, png)
    return {"shipped": asdict(base), "points": points, "draws": CURVE_DRAWS, "png": str(png)}


def plot_curve(points: list[dict[str, float]], base: object, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=110)
    xs = [p["train"] for p in points]
    ax.plot(xs, [p["mrr"] for p in points], "o-", label="MRR, adapted (held out)")
    ax.plot(xs, [p["recall_at_1"] for p in points], "s-", label="R@1, adapted (held out)")
    ax.axhline(base.mrr, color="C0", ls="--", lw=1, label="MRR, shipped")  # type: ignore[attr-defined]
    ax.axhline(base.recall_at_1, color="C1", ls="--", lw=1, label="R@1, shipped")  # type: ignore[attr-defined]
    ax.set_xlabel("training queries (corpus, text + photo)")
    ax.set_ylabel("held-out figure")
    ax.set_title("Adaptation learning curve (fusion weights + calibration)")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)


# --- time and latency -------------------------------------------------------------------------


def timing(records: list[RecordedQuery], per_query: float, folds: int) -> list[dict[str, float]]:
    """What ``Library.adapt`` spends for N examples: recording (per-query search time x N,
    estimated) and fitting (measured on N records resampled from the real ones)."""
    rng = np.random.default_rng(1)
    out = []
    for n in TIMING_SIZES:
        sample = [records[i] for i in rng.integers(0, len(records), size=n)]
        sample = [replace(r, key=f"{r.key}#{k}") for k, r in enumerate(sample)]
        started = time.perf_counter()
        weights = cross_validate(
            Part.FUSION_WEIGHTS, sample, SHIPPED, fit_weights, 0, never_cancel, folds
        )
        cross_validate(
            Part.CALIBRATION, sample, weights.fitted, fit_calibration, 0, never_cancel, folds
        )
        fit = time.perf_counter() - started
        out.append(
            {"examples": n, "fit_s": round(fit, 2), "record_s_estimated": round(per_query * n, 1)}
        )
        print(
            f"adaptation time, {n:4d} examples (resampled): fit + CV {fit:6.1f} s, "
            f"recording ~{per_query * n:6.1f} s ({per_query * 1000:.0f} ms per query, measured)"
        )
    return out


def latency(
    lib: Library, queries: list[store.StoredQuery], records: list[RecordedQuery], folds: int
) -> dict[str, object]:
    """Search latency of every example query (text; photo from its stored features) with
    the shipped and the adapted parameters, LATENCY_ROUNDS rounds, rounds interleaved."""
    adapted = fit_both(Pack.of(records), SHIPPED)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(LATENCY_ROUNDS):
        for label, params in (("shipped", SHIPPED), ("adapted", adapted)):
            lib.searcher.params = lambda p=params: p
            for q in queries:
                modality = "photo" if q.features is not None else "text"
                started = time.perf_counter()
                lib.search(Query(text=q.text, features=q.features, top_k=10))
                times.setdefault((label, modality), []).append(time.perf_counter() - started)
    lib.searcher.params = lib.adaptation.params
    out: dict[str, object] = {"adapted_params": adapted.to_json()}
    for (label, modality), seconds in sorted(times.items()):
        ms = [t * 1000 for t in seconds]
        out[f"{label}/{modality}"] = {
            "p50_ms": common.percentile(ms, 50),
            "p95_ms": common.percentile(ms, 95),
            "n": len(ms),
        }
        print(f"search latency, {label:8s} {modality:5s}: {common.summary_ms(seconds)}")
    return out


if __name__ == "__main__":
    main()
