"""Where the indexing time goes (issue #14, "Do less: profile"): per stage and per page type.

Indexes a sample of the corpus PDFs with today's pipeline taken apart into its stages
(benchmarks/profile_stages.py: the engine's own functions, one thread, OCR and CLIP off as in
bench_tiers.py's full run) and prints:

- per stage: CPU seconds over the sample, CPU ms per page, share, and the estimate for all the
  PDFs of the sampled folders;
- per page type (English / Japanese × text only / with a figure or photo / no text layer):
  CPU ms per page for the main stages, and the bytes of local features and thumbnails a page
  adds to the catalog;
- the counterfactual: a page rendered directly at ``render_dpi`` instead of at
  ``feature_dpi`` and scaled down.

Estimate for the whole folders: per folder, the sample's CPU seconds per page for each stage
times the folder's page count (every PDF of the folder opened for its count), summed. Files
are sampled evenly over each folder's sorted list, all pages of each.

    .venv/bin/python benchmarks/profile_index.py [--sample datasheets:10 ja-docs:5]
        [--json /tmp/profile.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import common
from measure import load_average

DEFAULT_SAMPLE = ("datasheets:10", "ic-datasheets:5", "ja-docs:5")
MAIN_STAGES = {  # columns of the per-page-type table: stage groups
    "render+scale": ("render at feature_dpi", "scale render to render_dpi"),
    "images": ("embedded images: list, place, decode",),
    "thumbs": ("thumbnails (JPEG)",),
    "SIFT": ("SIFT on page renders", "SIFT on embedded images"),
    "MiniLM": ("MiniLM encode",),
    "FTS tok": ("FTS tokens (Janome for ja)",),
}


def evenly(paths: list[Path], k: int) -> list[Path]:
    """``k`` paths spread evenly over the sorted list (not its first k: names cluster)."""
    if k >= len(paths):
        return paths
    return [paths[int((i + 0.5) * len(paths) / k)] for i in range(k)]


def page_counts(folder: Path) -> int:
    import pymupdf

    total = 0
    for pdf in sorted(folder.glob("*.pdf")):
        try:
            with pymupdf.open(pdf) as doc:
                total += doc.page_count
        except Exception:  # the pipeline skips it too: no pages to extrapolate to
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", nargs="+", default=list(DEFAULT_SAMPLE), help="FOLDER:N")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from profile_stages import STAGES, profile_pdf

    from engine.config import Settings
    from engine.encode.encoders import Encoders
    from engine.store.catalog import Catalog

    common.quiet()
    plan = [(name, int(n)) for name, n in (s.split(":") for s in args.sample)]
    names = [name for name, _ in plan]
    folders = {f.name: f for f in common.corpus_or_exit(*names)}
    plan = [(name, n) for name, n in plan if name in folders]
    settings = Settings(ocr_enabled=False, device="cpu")
    start = time.perf_counter()
    text = Encoders(settings).text()
    if text is None:
        raise SystemExit("MiniLM did not load: the profile needs the bundled text model")
    text.encode(["warm up"])
    print(f"MiniLM loaded in {time.perf_counter() - start:.1f} s (not counted below)")
    print(
        f"settings: render_dpi {settings.render_dpi}, feature_dpi {settings.feature_dpi}, "
        f"visual match {settings.visual_match_enabled}, OCR off, CLIP off"
    )
    print(f"machine: {common.machine_line()}")
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Path(tmp))
        for name, n in plan:
            for pdf in evenly(sorted(folders[name].glob("*.pdf")), n):
                began = time.perf_counter()
                got = profile_pdf(pdf, name, settings, text, catalog)
                print(f"  {name}/{pdf.name}: {len(got)} pages, {time.perf_counter() - began:.1f} s")
                records.extend(got)
        catalog.close()
    print(f"load avg after the sample: {load_average()}")
    totals = {name: page_counts(folders[name]) for name, _ in plan}
    result = report(records, totals, STAGES)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
        print(f"figures written to {args.json}")


def report(records: list, totals: dict[str, int], stages: tuple[str, ...]) -> dict[str, object]:
    from profile_stages import COUNTERFACTUAL

    pages = len(records)
    cpu = defaultdict(float)
    wall = defaultdict(float)
    per_folder = defaultdict(lambda: defaultdict(float))
    folder_pages = defaultdict(int)
    for r in records:
        folder_pages[r.folder] += 1
        for name, cost in r.costs.items():
            cpu[name] += cost.cpu
            wall[name] += cost.wall
            per_folder[r.folder][name] += cost.cpu
    estimate = {
        name: sum(per_folder[f][name] / folder_pages[f] * totals[f] for f in folder_pages)
        for name in (*stages, COUNTERFACTUAL)
    }
    sample_cpu = sum(cpu[s] for s in stages)
    all_pages = sum(totals.values())
    print(f"\nPer stage: {pages} pages sampled; estimate for {all_pages} pages")
    print(f"  {'stage':<38} {'CPU s':>7} {'wall s':>7} {'ms/page':>8} {'share':>6} {'est. s':>7}")
    for name in sorted(stages, key=lambda s: -cpu[s]):
        print(
            f"  {name:<38} {cpu[name]:7.1f} {wall[name]:7.1f} {cpu[name] / pages * 1000:8.0f} "
            f"{cpu[name] / sample_cpu:6.1%} {estimate[name]:7.0f}"
        )
    est_total = sum(estimate[s] for s in stages)
    print(
        f"  {'total':<38} {sample_cpu:7.1f} {sum(wall[s] for s in stages):7.1f} "
        f"{sample_cpu / pages * 1000:8.0f} {1:6.0%} {est_total:7.0f}"
    )
    direct = cpu[COUNTERFACTUAL]
    sharp = cpu["render at feature_dpi"] + cpu["scale render to render_dpi"]
    print(
        f"  counterfactual: {COUNTERFACTUAL}: {direct:.1f} CPU s ({direct / pages * 1000:.0f} "
        f"ms/page) against {sharp:.1f} s for the sharp render and its scaling"
    )
    by_type = page_types(records)
    return {
        "pages_sampled": pages,
        "pages_total": all_pages,
        "load_after": load_average(),
        "stages_cpu_s": dict(cpu),
        "stages_wall_s": dict(wall),
        "estimate_cpu_s": estimate,
        "estimate_total_cpu_s": est_total,
        "page_types": by_type,
    }


def page_types(records: list) -> dict[str, dict[str, float]]:
    groups: dict[str, list] = defaultdict(list)
    for r in records:
        groups[r.page_type].append(r)
    cols = list(MAIN_STAGES)
    print("\nPer page type (CPU ms per page; features and thumbnails in KB per page)")
    print(
        f"  {'page type':<22} {'pages':>5} "
        + " ".join(f"{c:>12}" for c in cols)
        + f" {'all':>6} {'feat KB':>8} {'thumb KB':>8}"
    )
    out = {}
    for name in sorted(groups):
        rs = groups[name]
        n = len(rs)
        ms = {
            col: sum(r.costs[s].cpu for r in rs for s in stages) / n * 1000
            for col, stages in MAIN_STAGES.items()
        }
        total = sum(c.cpu for r in rs for c in r.costs.values() if c) / n * 1000
        total -= sum(r.costs["render at render_dpi directly"].cpu for r in rs) / n * 1000
        feat = sum(r.feature_bytes for r in rs) / n / 1000
        thumb = sum(r.thumbnail_bytes for r in rs) / n / 1000
        print(
            f"  {name:<22} {n:5d} "
            + " ".join(f"{ms[c]:12.0f}" for c in cols)
            + f" {total:6.0f} {feat:8.1f} {thumb:8.1f}"
        )
        out[name] = {"pages": n, **ms, "all_ms": total, "features_kb": feat, "thumbs_kb": thumb}
    return out


if __name__ == "__main__":
    main()
