"""Indexing cost against Recoll, in one run on the same folders (issue #14, "Targets").

Runs ``recollindex`` (Debian's Recoll, default settings, a private configuration folder), then
``python -m engine.cli index --progress-jsonl`` on a fresh data folder, once per ``--workers``
value, and compares:

- time to each tier: when the CLI's ``{"event": "tier_done", "tier": ..., "elapsed_s": ...}``
  line arrived (seconds since the command was launched, so Python's start and the model
  loading count, as they do for a user), with the engine's own ``elapsed_s`` next to it. An
  engine without tier events gives the total only, and the report says so;
- total wall time of the command, index size (``du`` of the data folder, the catalog and its
  largest tables) and peak resident memory of the process tree (sampled from /proc);
- the ratios against the issue's targets: lexical tier ≤ 2× Recoll's full index time, the
  full index without OCR and CLIP ≤ 8×, the index ≤ 20× Recoll's.

OCR is off unless ``--ocr``. CLIP is off (an empty models folder and Hugging Face cache, as on
a machine without weights) unless ``--clip-random``: ViT-B-32 with RANDOM weights, timing only
(benchmarks/common.py). MiniLM is the real bundled model.

    .venv/bin/python benchmarks/bench_tiers.py                 # the three corpus folders
    .venv/bin/python benchmarks/bench_tiers.py --sample datasheets:10 ic-datasheets:5 ja-docs:5
    .venv/bin/python benchmarks/bench_tiers.py --folders resources/samples --json /tmp/t.json
        [--workers 1 2] [--ocr] [--clip-random] [--skip-recoll | --skip-sagasu]
        [--workdir /tmp/sagasu-tiers]
        [--engine SOURCE_TREE]   # e.g. an export of another branch: git archive BRANCH | tar -x
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import common
from measure import Watched, du_bytes, load_average, mb, peak_between, run_watched, table_bytes
from profile_index import evenly
from recoll_run import RecollRun, ensure_recoll, run_recoll

FOLDERS = ("datasheets", "ic-datasheets", "ja-docs")
TIERS = ("lexical", "text-vectors", "visual", "ocr")
LEXICAL_TARGET, FULL_TARGET, SIZE_TARGET = 2.0, 8.0, 20.0


@dataclass
class SagasuRun:
    workers: int | None  # None: the engine's default (it has no such setting)
    watched: Watched
    load_before: str
    load_after: str
    tier_at: dict[str, float] = field(default_factory=dict)  # seen by the benchmark
    tier_elapsed: dict[str, float] = field(default_factory=dict)  # the engine's elapsed_s
    phase_at: dict[str, float] = field(default_factory=dict)  # first progress line per phase
    summary: dict[str, object] = field(default_factory=dict)
    error: str = ""
    data_bytes: int = 0
    catalog_bytes: int = 0
    tables: dict[str, int] = field(default_factory=dict)


def sample_folders(workdir: Path, specs: list[str]) -> list[Path]:
    """Copies of ``N`` PDFs of each corpus ``FOLDER`` (``FOLDER:N``), chosen as
    profile_index.py chooses them. Copies, not links: Recoll skips symbolic links."""
    plan = [(name, int(n)) for name, n in (s.split(":") for s in specs)]
    found = {f.name: f for f in common.corpus_or_exit(*[name for name, _ in plan])}
    out = []
    for name, n in plan:
        if name not in found:
            continue
        target = workdir / "sample" / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for pdf in evenly(sorted(found[name].glob("*.pdf")), n):
            shutil.copy2(pdf, target / pdf.name)
        out.append(target)
    return out


def read_events(run: SagasuRun) -> None:
    """Tier events, phase starts, the summary and any error from the CLI's JSON lines."""
    for at, line in run.watched.lines:
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        if data.get("event") == "tier_done" and data.get("tier") in TIERS:
            run.tier_at.setdefault(str(data["tier"]), at)
            if isinstance(data.get("elapsed_s"), int | float):
                run.tier_elapsed.setdefault(str(data["tier"]), float(data["elapsed_s"]))
        elif isinstance(data.get("progress"), dict):
            run.phase_at.setdefault(str(data["progress"].get("phase")), at)
        elif isinstance(data.get("summary"), dict):
            run.summary = data["summary"]
        elif "error" in data:
            run.error = str(data["error"])


def settings_for(args: argparse.Namespace, workers: int | None, models: Path) -> dict[str, object]:
    values: dict[str, object] = {"ocr_enabled": args.ocr, "models_dir": str(models)}
    if workers is not None:
        values[args.workers_setting] = workers
    for assignment in args.set:  # e.g. extract_worker_rss_mb=400 (a JSON value)
        key, _, raw = assignment.partition("=")
        values[key] = json.loads(raw)
    if args.clip_random:
        values.update(
            clip_model="ViT-B-32",
            clip_pretrained="",
            clip_weights_path=str(common.random_clip_dir("ViT-B-32")),
        )
    return values


def run_sagasu(
    folders: list[Path], workdir: Path, args: argparse.Namespace, workers: int | None
) -> SagasuRun:
    data = workdir / f"sagasu-data-w{workers or 'default'}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    models, hf = workdir / "empty-models", workdir / "empty-hf-cache"
    models.mkdir(exist_ok=True)
    hf.mkdir(exist_ok=True)
    (data / "settings.json").write_text(json.dumps(settings_for(args, workers, models)))
    env = {
        **os.environ,
        "PYTHONPATH": str(args.engine),
        "SAGASU_WARM": "off",  # this process must do the work, not a warm one it forwards to
        "HF_HUB_CACHE": str(hf),  # no CLIP weights found unless --clip-random
    }
    cmd = [sys.executable, "-m", "engine.cli", "index", "--data-dir", str(data)]
    cmd += ["--progress-jsonl", *map(str, folders)]
    before = load_average()
    log = workdir / f"sagasu-w{workers}.log"
    # cwd too: ``python -m`` puts the working folder first on sys.path
    watched = run_watched(cmd, env=env, stderr_path=log, cwd=args.engine)
    run = SagasuRun(workers, watched, before, load_average())
    read_events(run)
    catalog = data / "catalog.sqlite3"
    run.data_bytes = du_bytes(data)
    run.catalog_bytes = sum(du_bytes(p) for p in data.glob("catalog.sqlite3*"))
    run.tables = table_bytes(catalog) if catalog.exists() else {}
    return run


def worker_counts(args: argparse.Namespace) -> list[int | None]:
    """The ``--workers`` values when the engine run has the setting, else one default run."""
    code = "import dataclasses as d, engine.config as c; "
    code += "print(*(f.name for f in d.fields(c.Settings)))"
    env = {**os.environ, "PYTHONPATH": str(args.engine)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=args.engine,  # ``python -c`` puts the working folder first on sys.path
        capture_output=True,
        text=True,
        check=False,
    )
    if args.workers_setting in done.stdout.split():
        return list(args.workers)
    print(
        f"note: this engine has no {args.workers_setting!r} setting; one run with its default "
        f"extraction threads (--workers {' '.join(map(str, args.workers))} ignored)"
    )
    return [None]


def ratio_line(name: str, value: float, base: float, target: float) -> dict[str, object]:
    ratio = value / base if base > 0 else float("inf")
    met = common.verdict(ratio <= target)
    print(f"  {name:<34} {ratio:7.2f}x  (target <= {target:g}x) -> {met}")
    return {"ratio": round(ratio, 3), "target": target, "met": ratio <= target}


def report_run(run: SagasuRun, recoll: RecollRun | None) -> dict[str, object]:
    w = run.watched
    label = f"workers {run.workers}" if run.workers is not None else "default workers"
    s = run.summary
    failed = f"  ERROR: {run.error}" if run.error else ""
    print(f"\nSagasu ({label}): exit {w.returncode}{failed}")
    print(
        f"  files {s.get('files_indexed')} indexed, {s.get('files_skipped')} skipped; "
        f"pages {s.get('pages')}, images {s.get('images')}, chunks {s.get('chunks')}; "
        f"image search: {str(s.get('image_search', '?'))[:40]}; "
        f"text search: {str(s.get('text_search', '?'))[:40]}"
    )
    print(f"  load avg before {run.load_before}; after {run.load_after}")
    tier_peaks: dict[str, int] = {}
    if run.tier_at:
        since = 0.0
        for tier in TIERS:
            if tier in run.tier_at:
                own = run.tier_elapsed.get(tier)
                own_text = f" (engine elapsed_s {own:.1f})" if own is not None else ""
                # Memory while this tier ran: from the previous tier's end to this one's.
                tier_peaks[tier] = peak_between(w.rss, since, run.tier_at[tier])
                since = run.tier_at[tier]
                print(
                    f"  tier {tier:<14} done at {run.tier_at[tier]:8.1f} s{own_text}; "
                    f"peak RSS in it {mb(tier_peaks[tier])}"
                )
    else:
        print("  no tier_done events from this engine: total time only")
    for phase, at in run.phase_at.items():
        print(f"  phase {phase:<13} first seen at {at:8.1f} s")
    own = s.get("seconds")
    print(f"  total wall {w.wall_s:.1f} s (engine's summary: {own} s); CPU {w.cpu_s:.1f} s")
    print(f"  peak RSS (process tree) {mb(w.peak_rss_bytes)}")
    print(f"  index: data folder {mb(run.data_bytes)}, catalog {mb(run.catalog_bytes)}")
    for name, size in list(run.tables.items())[:5]:
        print(f"    {name:<28} {mb(size)}")
    out: dict[str, object] = {
        "workers": run.workers,
        "returncode": w.returncode,
        "error": run.error,
        "load_before": run.load_before,
        "load_after": run.load_after,
        "tier_at_s": run.tier_at,
        "tier_elapsed_s": run.tier_elapsed,
        "phase_first_seen_s": run.phase_at,
        "total_s": round(w.wall_s, 2),
        "cpu_s": round(w.cpu_s, 2),
        "peak_rss_bytes": w.peak_rss_bytes,
        "tier_peak_rss_bytes": tier_peaks,
        "data_bytes": run.data_bytes,
        "catalog_bytes": run.catalog_bytes,
        "tables": run.tables,
        "summary": s,
    }
    if recoll is not None:
        out["ratios"] = ratios(run, recoll)
    return out


def ratios(run: SagasuRun, recoll: RecollRun) -> dict[str, object]:
    base = recoll.watched.wall_s
    print(f"  against Recoll ({base:.1f} s, {mb(recoll.index_bytes)}):")
    out: dict[str, object] = {}
    if "lexical" in run.tier_at:
        lexical = "lexical tier / Recoll time"
        out["lexical"] = ratio_line(lexical, run.tier_at["lexical"], base, LEXICAL_TARGET)
    else:
        print(f"  {'lexical tier / Recoll time':<34} n/a (no tier events)")
    full = "full index / Recoll time"
    out["full"] = ratio_line(full, run.watched.wall_s, base, FULL_TARGET)
    size = "index size / Recoll index"
    out["size"] = ratio_line(size, run.data_bytes, recoll.index_bytes, SIZE_TARGET)
    cpu = "full index CPU / Recoll CPU (no target)"
    out["cpu"] = round(run.watched.cpu_s / max(recoll.watched.cpu_s, 1e-9), 3)
    print(f"  {cpu:<34} {out['cpu']:7.2f}x  (the load-independent comparison)")
    return out


def report_recoll(recoll: RecollRun) -> dict[str, object]:
    w = recoll.watched
    print(f"\n{recoll.version}: recollindex, default settings, private configuration")
    print(f"  wall {w.wall_s:.1f} s; CPU {w.cpu_s:.1f} s; peak RSS {mb(w.peak_rss_bytes)}")
    print(f"  index (xapiandb) {mb(recoll.index_bytes)}; {recoll.documents} PDF documents")
    found = "found" if recoll.probe_found else "NOT FOUND"
    print(f"  text check: word {recoll.probe_word!r} from a PDF's text layer: {found}")
    return {
        "version": recoll.version,
        "wall_s": round(w.wall_s, 2),
        "cpu_s": round(w.cpu_s, 2),
        "peak_rss_bytes": w.peak_rss_bytes,
        "index_bytes": recoll.index_bytes,
        "pdf_documents": recoll.documents,
        "probe_word": recoll.probe_word,
        "probe_found": recoll.probe_found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", nargs="+", type=Path, default=None)
    parser.add_argument("--sample", nargs="+", default=None, help="FOLDER:N of the corpus")
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument(
        "--set", action="append", default=[], help="a setting for Sagasu's run: KEY=JSON"
    )
    parser.add_argument(
        "--workers-setting", default="extract_workers", help="the Settings field (branch pool)"
    )
    parser.add_argument("--ocr", action="store_true", help="OCR on (default: off)")
    parser.add_argument("--clip-random", action="store_true", help="random ViT-B-32 (timing)")
    parser.add_argument("--skip-recoll", action="store_true")
    parser.add_argument("--skip-sagasu", action="store_true", help="Recoll's figures only")
    parser.add_argument(
        "--engine", type=Path, default=common.ROOT, help="source tree whose engine to run"
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sagasu-bench-tiers"))
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args()

    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.sample:
        folders = sample_folders(args.workdir, args.sample)
    else:
        folders = args.folders or common.corpus_or_exit(*FOLDERS)
    print(f"folders: {' '.join(map(str, folders))}")
    print(f"engine: {args.engine} (commit {_commit(args.engine)})")
    print(f"machine: {os.cpu_count()} cores; load avg {load_average()}")
    recoll = None
    result: dict[str, object] = {"folders": [str(f) for f in folders]}
    result["engine"] = {"path": str(args.engine), "commit": _commit(args.engine)}
    if not args.skip_recoll:
        ensure_recoll()
        load = load_average()
        recoll = run_recoll(folders, args.workdir / "recoll-config")
        result["recoll"] = {**report_recoll(recoll), "load_before": load}
    counts = [] if args.skip_sagasu else worker_counts(args)
    result["sagasu"] = [
        report_run(run_sagasu(folders, args.workdir, args, w), recoll) for w in counts
    ]
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
        print(f"\nfigures written to {args.json}")


def _commit(tree: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
