"""What SIFT on a page costs at other sizes and budgets (issue #14, "Do less").

SIFT on page renders is the largest stage of today's index (profile_index.py). This renders
pages of the same even sample at ``feature_dpi`` as extraction does and times
``engine.signals.visual.features.extract_features`` on each, once per variant: today's (long
side 1600 px, 2,000 keypoints spread over the page from 4× candidates), without the spreading,
and on a smaller image. CPU ms per page and keypoints kept; recall is not measured here (the
distortion benchmark, docs/SIGNALS.md, decides whether a cheaper variant is good enough).

    .venv/bin/python benchmarks/profile_sift.py [--pages 24]
"""

from __future__ import annotations

import argparse
import time

import common
from measure import load_average
from profile_index import DEFAULT_SAMPLE, evenly

VARIANTS = (  # (label, long side, keypoints, spread)
    ("today: 1600 px, 2000 spread", 1600, 2000, True),
    ("1600 px, 2000 strongest", 1600, 2000, False),
    ("1200 px, 2000 spread", 1200, 2000, True),
    ("1024 px, 1000 spread", 1024, 1000, True),
    ("1024 px, 800 strongest (images)", 1024, 800, False),
)


def sample_renders(count: int) -> list:
    """``count`` page renders at feature_dpi, spread over the sampled PDFs' pages."""
    from engine.config import Settings
    from engine.extract import pdf as pdfx

    settings = Settings()
    plan = [(name, int(n)) for name, n in (s.split(":") for s in DEFAULT_SAMPLE)]
    folders = {f.name: f for f in common.corpus_or_exit(*[name for name, _ in plan])}
    pages = []
    for name, n in plan:
        for path in evenly(sorted(folders[name].glob("*.pdf")), n):
            with pdfx._open_pdf(path) as doc:
                pages += [(path, i) for i in range(doc.page_count)]
    renders = []
    for path, index in evenly(pages, count):
        with pdfx._open_pdf(path) as doc:
            page = doc.load_page(index)
            item = pdfx._render_page(page, settings.feature_dpi, 0, [], pdfx.FEATURE_MAX_SIDE)
        if item is not None and item.image is not None:
            renders.append(item.image)
    return renders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=24)
    args = parser.parse_args()
    from engine.signals.visual.features import extract_features

    renders = sample_renders(args.pages)
    print(f"{len(renders)} page renders at feature_dpi; load avg {load_average()}")
    print(f"  {'variant':<34} {'CPU ms/page':>11} {'wall ms/page':>12} {'keypoints':>9}")
    for label, side, budget, spread in VARIANTS:
        cpu, wall, kept = time.process_time(), time.perf_counter(), 0
        for img in renders:
            kept += len(extract_features(img, side, budget, spread=spread))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        n = max(1, len(renders))
        print(f"  {label:<34} {cpu / n * 1000:11.0f} {wall / n * 1000:12.0f} {kept / n:9.0f}")
    print(f"load avg after: {load_average()}")


if __name__ == "__main__":
    main()
