"""What reading slanted text a second time costs and finds, on the corpus's photos.

For every photo of `photo-queries.csv` and `photos-unlabeled/`, times the first OCR pass
alone and the whole read (first pass, plus the levelled pass when the text found runs at a
slant, engine.signals.ocr), and prints the text only the levelled pass found.

    .venv/bin/python benchmarks/bench_ocr_slant.py [--corpus PATH]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.signals.ocr import OcrEngine, _read_pass, _to_bgr, dominant_slant

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def photos(corpus: Path) -> list[Path]:
    with (corpus / "photo-queries.csv").open(encoding="utf-8") as f:
        queries = [corpus / row["photo"] for row in csv.DictReader(f)]
    return queries + sorted((corpus / "photos-unlabeled").glob("*"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    if not (args.corpus / "photo-queries.csv").is_file():
        print(f"SKIP: evaluation corpus not found at {args.corpus}")
        return 0
    engine = OcrEngine()
    if not engine.ready:
        print("SKIP: OCR engine unavailable")
        return 0
    total = {"one pass": 0.0, "with levelling": 0.0}
    slanted = {"one pass": 0.0, "with levelling": 0.0}
    n_slanted = 0
    found = photos(args.corpus)
    for path in found:
        img = Image.open(path)
        bgr, _ = _to_bgr(img, engine.max_side)
        start = time.perf_counter()
        first = _read_pass(engine._load(), bgr, engine.det_max_side, engine.precheck_side)
        one = time.perf_counter() - start
        start = time.perf_counter()
        result = engine.read(img)
        both = time.perf_counter() - start
        total["one pass"] += one
        total["with levelling"] += both
        angle = dominant_slant([box for box, _, _ in first])
        if angle is None:
            continue
        n_slanted += 1
        slanted["one pass"] += one
        slanted["with levelling"] += both
        before = {text for _, text, conf in first if conf >= engine.min_confidence}
        new = [line.text for line in result.lines if line.text not in before]
        print(f"{path.name[-48:]:48} slant {angle:6.1f}°  {one:.2f} s → {both:.2f} s  new: {new}")
    print(
        f"{len(found)} photos, levelled pass on {n_slanted}: OCR {total['one pass']:.1f} s one "
        f"pass, {total['with levelling']:.1f} s with levelling "
        f"({total['with levelling'] / max(total['one pass'], 1e-9):.2f}x); slanted photos "
        f"{slanted['one pass']:.1f} → {slanted['with levelling']:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
