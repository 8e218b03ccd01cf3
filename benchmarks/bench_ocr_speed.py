"""Seconds per photo for each OCR engine (issue #16): RapidOCR alone, Tesseract alone, and
"auto" (RapidOCR, with Tesseract re-reading the boxes that hold Japanese).

Photos: the product photos of ../shared/corpus/photos (English silkscreen) and ja-photos, and
synthetic phone photos of Japanese page regions of ja-docs, made as bench_distortion.py makes
them. Each engine reads every photo, interleaved per photo (the machine's load changes
alike for all), after one warm-up read.

    .venv/bin/python benchmarks/bench_ocr_speed.py [--regions 12] [--photos 0] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_distortion import DEFAULT_CORPUS, photograph, pick_pdfs, sources

from engine.signals.ocr_choice import OCR_ENGINES, OcrReader
from engine.signals.ocr_tesseract import TesseractEngine


def japanese_photos(corpus: Path, n: int, rng: np.random.Generator) -> list[Image.Image]:
    pdfs = pick_pdfs(corpus, 6, rng, ["ja-docs"])
    regions = [c for pdf in pdfs for c in sources(pdf, rng, {}) if c.origin == "region"]
    picks = rng.choice(len(regions), min(n, len(regions)), replace=False)
    return [photograph(regions[i].source, rng) for i in picks]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--regions", type=int, default=12, help="photos of ja-docs regions")
    parser.add_argument("--photos", type=int, default=0, help="product photos (0: all 23)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    products = sorted((args.corpus / "photos").iterdir())[: args.photos or None]
    sets = {
        "product photos": [Image.open(p).convert("RGB") for p in products],
        "ja-photos": [
            Image.open(p).convert("RGB") for p in sorted((args.corpus / "ja-photos").iterdir())
        ],
        "ja-docs regions": japanese_photos(args.corpus, args.regions, rng),
    }
    readers = {e: OcrReader(e, tesseract=TesseractEngine()) for e in OCR_ENGINES}
    for reader in readers.values():  # load the models before timing
        reader.read(sets["ja-photos"][0])
    for name, photos in sets.items():
        seconds: dict[str, list[float]] = {e: [] for e in readers}
        with_text = dict.fromkeys(readers, 0)
        for photo in photos:
            for engine, reader in readers.items():
                start = time.perf_counter()
                result = reader.read(photo)
                seconds[engine].append(time.perf_counter() - start)
                with_text[engine] += result.had_text
        print(f"{name} ({len(photos)} photos, load {os.getloadavg()[0]:.1f}):")
        for engine, values in seconds.items():
            print(
                f"  {engine:9s}: mean {np.mean(values):.2f} s, p50 {np.median(values):.2f} s, "
                f"p95 {np.percentile(values, 95):.2f} s per photo; text on {with_text[engine]}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
