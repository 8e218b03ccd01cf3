"""Indexing throughput, end to end through ``Library.index()`` (issue #2).

Target on CPU: end-to-end image throughput ≥ 0.85 × the raw encoder throughput of the same
model in the same run (the encoder never waits on decoding or extraction).

- end-to-end: files/s, pages/s and visual items/s (pages + embedded images + photos, each
  one CLIP forward pass) over the wall time of the indexing pipeline (``Indexer.run``), and
  also over the whole ``Library.index()`` call (which adds the alignment fit);
- raw: ``ClipEncoder.encode_image_tensors`` on pre-made tensors, batch = settings.batch_size,
  same encoder object, same torch threads (the engine's default), measured after the run;
- phases: the CLIP preprocessing on the feeder thread (extraction itself, PDF parsing,
  rendering, thumbnails and features, runs in worker processes and is not timed here), and
  on the calling thread CLIP encode, MiniLM encode
  and catalog/vector commit; ``idle`` is the calling thread's time not spent in any of them
  (mostly waiting for extracted items).

Corpora: ``generated`` (40 PDFs × 5 pages with 2 images each + 200 photos, made with the test
fixture helpers) and/or ``corpus`` (../shared/corpus: datasheets/, ic-datasheets/, ja-docs/,
photos/; ``--limit`` files per folder keeps it under the time budget).

CLIP ``--model`` (default ViT-B-32) has RANDOM weights: timing only. MiniLM is real.

    .venv/bin/python benchmarks/bench_index.py [--corpus generated,corpus] [--limit 8]
        [--model ViT-B-32] [--workdir /tmp/sagasu-bench-index]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

import common

TARGET_RATIO = 0.85
CORPUS_FOLDERS = ("datasheets", "ic-datasheets", "ja-docs", "photos")


def raw_encoder_rate(clip, batch: int, batches: int) -> tuple[float, float]:
    """Images/s of encode_image_tensors on pre-made tensors (median of ``batches`` batches)."""
    import torch

    from tests.fixtures import pattern_image

    tensors = torch.stack(
        [clip.preprocess(pattern_image((256, 256), seed=i)) for i in range(batch)]
    )
    clip.encode_image_tensors(tensors)  # warm-up
    walls, cpus = [], []
    for _ in range(batches):
        cpu = time.process_time()
        start = time.perf_counter()
        clip.encode_image_tensors(tensors)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return batch / statistics.median(walls), batch / statistics.median(cpus)


def corpus_subset(workdir: Path, limit: int | None) -> list[Path]:
    """Symlink farms of the first ``limit`` files of each corpus folder (never copies)."""
    folders = common.corpus_or_exit(*CORPUS_FOLDERS)
    if limit is None:
        return folders
    out = []
    for folder in folders:
        link_dir = workdir / "corpus-subset" / folder.name
        shutil.rmtree(link_dir, ignore_errors=True)
        link_dir.mkdir(parents=True)
        for path in sorted(p for p in folder.iterdir() if p.is_file())[:limit]:
            (link_dir / path.name).symlink_to(path)
        out.append(link_dir)
    return out


def run_one(
    label: str, folders: list[Path], settings, encoders, workdir: Path, raw_batches: int
) -> dict[str, float]:
    import engine.indexing.indexer as index_mod
    import engine.indexing.work as work_mod
    from engine.align.state import AlignmentState
    from engine.config import FolderConfig
    from engine.encode.clip import ClipEncoder
    from engine.encode.text import TextEncoder
    from engine.indexing.indexer import Indexer
    from engine.library import Library
    from engine.store.catalog import Catalog
    from engine.store.vectors import VectorSpace

    data = workdir / f"data-{label}"
    shutil.rmtree(data, ignore_errors=True)
    lib = Library(data, settings=settings, encoders=encoders)
    common.ensure_alignment_dir(lib)
    sw = common.Stopwatch()
    run_wall: list[float] = []

    def timed_run(self, *a, **kw):
        start = time.perf_counter()
        try:
            return orig_run(self, *a, **kw)
        finally:
            run_wall.append(time.perf_counter() - start)

    orig_run = Indexer.run
    patches = [
        (Indexer, "run", timed_run),
        (Indexer, "_plan", sw.wrap("plan (crawl, hash)", Indexer._plan)),
        # Extraction runs in worker processes (engine.indexing.pool), out of a stopwatch's
        # reach; the parent's share is the encoder's preprocessing on the feeder thread.
        (index_mod, "pixels_for", sw.wrap("CLIP preprocess (feeder)", work_mod.pixels_for)),
        (
            ClipEncoder,
            "encode_image_tensors",
            sw.wrap("CLIP image encode", ClipEncoder.encode_image_tensors),
        ),
        (TextEncoder, "encode", sw.wrap("MiniLM encode", TextEncoder.encode)),
        (Catalog, "replace_file", sw.wrap("catalog write", Catalog.replace_file)),
        (VectorSpace, "add", sw.wrap("usearch add", VectorSpace.add)),
        (AlignmentState, "refresh", sw.wrap("alignment fit", AlignmentState.refresh)),
    ]
    cms = [common.patched(o, n, v) for o, n, v in patches]
    for cm in cms:
        cm.__enter__()
    try:
        cpu = time.process_time()
        start = time.perf_counter()
        summary = lib.index([FolderConfig(str(f)) for f in folders])
        total = time.perf_counter() - start
        cpu = time.process_time() - cpu
    finally:
        for cm in reversed(cms):
            cm.__exit__(None, None, None)
    lib.close()
    clip = encoders.clip()
    raw, raw_cpu = raw_encoder_rate(clip, settings.batch_size, raw_batches)
    pipeline = run_wall[0]
    visual = summary.pages + summary.images + summary.photos
    e2e = visual / pipeline
    ratio = e2e / raw
    # CLIP encodes inside alignment.fit (text probes) do not run through encode_image_tensors.
    busy = sw.seconds.get("CLIP image encode", 0.0)
    print(f"\n[{label}] {', '.join(str(f) for f in folders)}")
    print(
        f"  files {summary.files_indexed} indexed, {len(summary.skipped)} skipped; pages "
        f"{summary.pages}, embedded images {summary.images}, photos {summary.photos}, "
        f"chunks {summary.chunks}"
    )
    print(
        f"  pipeline (Indexer.run) {pipeline:.1f} s: {summary.files_indexed / pipeline:.2f} "
        f"files/s, {summary.pages / pipeline:.2f} pages/s, {e2e:.2f} visual items/s "
        f"(images/s, pages+images+photos)"
    )
    print(
        f"  Library.index() {total:.1f} s (+ alignment fit): {visual / total:.2f} images/s; "
        f"process CPU {cpu:.1f} s"
    )
    print(
        f"  raw encoder (encode_image_tensors, batch {settings.batch_size}): {raw:.2f} images/s "
        f"wall ({raw_cpu:.2f} per CPU-second)"
    )
    print(
        f"  RATIO end-to-end / raw = {e2e:.2f} / {raw:.2f} = {ratio:.2f} "
        f"(target >= {TARGET_RATIO}) -> {common.verdict(ratio >= TARGET_RATIO)}"
    )
    print(f"  CLIP busy {busy:.1f} s = {busy / pipeline:.0%} of the pipeline wall time")
    calling = (
        "CLIP image encode",
        "MiniLM encode",
        "catalog write",
        "usearch add",
        "plan (crawl, hash)",
    )
    print("  phases (s; the feeder's are thread-seconds, extraction processes not timed):")
    for name, secs in sorted(sw.seconds.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<28} {secs:8.1f}  ({sw.calls[name]} calls)")
    on_calling = sum(sw.seconds.get(n, 0.0) for n in calling)
    # catalog write includes nothing else timed; MiniLM runs inside commit before it.
    print(f"    {'idle/other on calling thread':<28} {pipeline - on_calling:8.1f}")
    print(f"  {common.load_line()}")
    return {"ratio": ratio, "e2e": e2e, "raw": raw}


def main() -> None:
    from engine.encode.device import PRECISION_CHOICES  # after common put the project on the path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="generated,corpus")
    parser.add_argument("--limit", type=int, default=8, help="files per corpus folder; 0 = all")
    parser.add_argument("--model", default="ViT-B-32")
    parser.add_argument("--batch-size", type=int, default=None, help="default: Settings()")
    parser.add_argument(
        "--no-visual",
        action="store_true",
        help="without local visual features (their cost is measured in bench_signals.py)",
    )
    parser.add_argument("--pdfs", type=int, default=40)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--raw-batches", type=int, default=5)
    parser.add_argument(
        "--cpu-precision", default="auto", choices=PRECISION_CHOICES, help="Settings field"
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sagasu-bench-index"))
    args = parser.parse_args()

    import torch

    common.quiet()
    print(f"machine: {common.machine_line()}")
    overrides: dict[str, object] = {
        "visual_match_enabled": not args.no_visual,
        "cpu_precision": args.cpu_precision,
    }
    if args.batch_size:
        overrides["batch_size"] = args.batch_size
    settings = common.bench_settings(
        common.random_clip_dir(args.model), model=args.model, **overrides
    )
    encoders = common.load_encoders(settings)
    print(
        f"CLIP {args.model} ({common.RANDOM_LABEL}) via ClipEncoder; MiniLM-L6 real; "
        f"batch_size={settings.batch_size}; torch threads {torch.get_num_threads()}; "
        f"OCR off; render_dpi={settings.render_dpi}; cpu_precision {args.cpu_precision} "
        f"(bf16 weights: {encoders.clip().bf16})"
    )
    results = {}
    for which in [c.strip() for c in args.corpus.split(",") if c.strip()]:
        if which == "generated":
            start = time.perf_counter()
            root = common.make_generated_corpus(
                args.workdir / "generated", pdfs=args.pdfs, pages=args.pages, photos=args.photos
            )
            print(f"generated corpus ready in {time.perf_counter() - start:.1f} s: {root}")
            results[which] = run_one(
                which, [root], settings, encoders, args.workdir, args.raw_batches
            )
        elif which == "corpus":
            folders = corpus_subset(args.workdir, args.limit or None)
            results[which] = run_one(
                which, folders, settings, encoders, args.workdir, args.raw_batches
            )
        else:
            raise SystemExit(f"unknown corpus {which!r}")
    print()
    for which, r in results.items():
        print(f"{which}: ratio {r['ratio']:.2f} -> {common.verdict(r['ratio'] >= TARGET_RATIO)}")


if __name__ == "__main__":
    main()
