"""No-op re-index of an unchanged tree of 10,000 files (issue #2, target: under 3 s).

Builds a tree of small files (mostly PNGs, a few one-page PDFs) in folders of 500, indexes it
once with the tiny random CLIP of the test suite (quick set-up; the model plays no part in a
no-op run), then times ``Library.index()`` again on the unchanged tree:

- warm: the same ``Library`` object runs again (models already loaded);
- fresh: a new ``Library`` on the same data directory, as after an app restart (construction
  plus ``index()``; models are not loaded because nothing needs encoding).

The fresh run is also split into phases (crawl+plan, the encode-missing check, alignment
refresh, vector save) and, with ``--profile``, the top functions of one run by cumulative time.

    .venv/bin/python benchmarks/bench_noop_reindex.py [--files 10000] [--pdf-share 0.02]
        [--repeats 3] [--profile] [--workdir /tmp/sagasu-bench-noop]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import time
from pathlib import Path

import common
import numpy as np
from PIL import Image

TARGET_S = 3.0


def make_tree(root: Path, files: int, pdf_share: float) -> Path:
    from tests.fixtures import make_pdf

    marker = root / f".made-{files}-{pdf_share}"
    if marker.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    rng = np.random.default_rng(0)
    pdf_every = round(1 / pdf_share) if pdf_share > 0 else 0
    for i in range(files):
        folder = root / f"folder-{i // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        if pdf_every and i % pdf_every == 0:
            make_pdf(folder / f"doc-{i:05d}.pdf", [f"Tiny document number {i}"])
        else:
            px = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
            img = Image.fromarray(px).resize((64, 48), Image.Resampling.NEAREST)
            img.save(folder / f"img-{i:05d}.png", format="PNG")
    marker.touch()
    return root


def timed_index(lib) -> tuple[float, object]:
    start = time.perf_counter()
    summary = lib.index()
    return time.perf_counter() - start, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--pdf-share", type=float, default=0.02)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sagasu-bench-noop"))
    parser.add_argument("--keep-index", action="store_true", help="reuse an existing index")
    args = parser.parse_args()

    from engine.align.state import AlignmentState
    from engine.config import FolderConfig
    from engine.indexing.indexer import Indexer
    from engine.library import Library
    from engine.signals.visual import VisualSearch
    from engine.store.catalog import Catalog
    from engine.store.vectors import VectorStore

    common.quiet()
    print(f"machine: {common.machine_line()}")
    started = time.perf_counter()
    tree = make_tree(args.workdir / "tree", args.files, args.pdf_share)
    print(f"tree: {args.files:,} files under {tree} ({time.perf_counter() - started:.1f} s)")

    data = args.workdir / "data"
    settings = common.bench_settings(
        common.tiny_clip_dir(),
        model="sagasu-tiny",
        batch_size=64,
        folders=[FolderConfig(str(tree))],
        # Only the set-up run extracts anything; skipping local features keeps it quick and
        # does not change what the timed (no-op) run does.
        visual_match_enabled=False,
    )
    if not args.keep_index:
        shutil.rmtree(data, ignore_errors=True)
    lib = Library(data, settings=settings)
    common.ensure_alignment_dir(lib)
    secs, summary = timed_index(lib)
    print(
        f"first index (tiny random CLIP + MiniLM): {secs:.1f} s, {summary.files_indexed:,} "
        f"indexed, {summary.files_unchanged:,} unchanged, {len(summary.skipped)} skipped "
        f"({summary.files_indexed / max(secs, 1e-9):.0f} files/s)"
    )

    warm = []
    for _ in range(args.repeats):
        secs, summary = timed_index(lib)
        assert summary.files_indexed == 0, summary.to_json()
        warm.append(secs)
    lib.close()
    print(
        f"no-op re-index, same Library (warm): median {statistics.median(warm):.2f} s "
        f"(runs: {', '.join(f'{s:.2f}' for s in warm)}); {summary.files_unchanged:,} unchanged"
    )

    sw = common.Stopwatch()
    fresh, opened = [], []
    with (
        common.patched(Indexer, "_plan", sw.wrap("crawl+plan", Indexer._plan)),
        common.patched(
            Library, "_encode_missing", sw.wrap("encode missing", Library._encode_missing)
        ),
        common.patched(
            AlignmentState, "refresh", sw.wrap("alignment.refresh", AlignmentState.refresh)
        ),
        common.patched(VectorStore, "save", sw.wrap("vectors.save", VectorStore.save)),
        common.patched(VisualSearch, "refresh", sw.wrap("visual.refresh", VisualSearch.refresh)),
        common.patched(Catalog, "finish_run", sw.wrap("start/finish run", Catalog.finish_run)),
        common.patched(Catalog, "start_run", sw.wrap("start/finish run", Catalog.start_run)),
    ):
        for _ in range(args.repeats):
            start = time.perf_counter()
            fresh_lib = Library(data, settings=settings)
            opened.append(time.perf_counter() - start)
            secs, summary = timed_index(fresh_lib)
            assert summary.files_indexed == 0, summary.to_json()
            fresh.append(secs)
            fresh_lib.close()
    total = [o + f for o, f in zip(opened, fresh, strict=True)]
    print(
        f"no-op re-index, fresh Library: index() median {statistics.median(fresh):.2f} s, "
        f"open+index median {statistics.median(total):.2f} s "
        f"(runs: {', '.join(f'{s:.2f}' for s in total)})"
    )
    print("  phases (mean per fresh run):")
    for name, seconds in sorted(sw.seconds.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<20} {seconds / args.repeats:7.3f} s")

    if args.profile:
        prof_lib = Library(data, settings=settings)
        prof = cProfile.Profile()
        prof.enable()
        prof_lib.index()
        prof.disable()
        prof_lib.close()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())

    best = statistics.median(total)
    print(f"{common.load_line()}")
    print(
        f"target: no-op re-index of {args.files:,} files < {TARGET_S:.0f} s: "
        f"{best:.2f} s (fresh, open+index, median) -> {common.verdict(best < TARGET_S)}"
    )


if __name__ == "__main__":
    main()
