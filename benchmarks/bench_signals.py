"""Benchmark the engineering-document signals on the real corpus (../shared/corpus).

Prints: OCR seconds per photo (with text vs without), Janome tokens/s, feature extraction
seconds per image, visual search latency p50/p95 (BoW shortlist vs brute force) over the
embedded images of datasheets/*.pdf, and photo-queries.csv Recall@1/5 of the visual signal.

    .venv/bin/python benchmarks/bench_signals.py [--corpus PATH] [--ocr-photos N] [--queries N]
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.signals.ocr import OcrEngine
from engine.signals.tokenize import token_list
from engine.signals.visual import Features, VisualIndex, extract_features, verify

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_ocr(corpus: Path, n: int) -> None:
    engine = OcrEngine()
    print(f"OCR load: {_timed(lambda: engine.ready):.2f} s (GPU: {engine.use_gpu})")
    groups = {
        "product photos (text)": sorted((corpus / "photos").iterdir())[:n],
        "flickr8k (no text)": sorted((corpus / "flickr8k").glob("*.jpg"))[:n],
    }
    for name, paths in groups.items():
        times, with_text = [], 0
        for path in paths:
            img = Image.open(path)
            img.load()
            start = time.perf_counter()
            result = engine.read(img)
            times.append(time.perf_counter() - start)
            with_text += result.had_text
        print(
            f"OCR {name}: n={len(times)} mean {np.mean(times):.2f} s, p50 {_pct(times, 50):.2f}, "
            f"p95 {_pct(times, 95):.2f}; had_text {with_text}/{len(times)}"
        )


def bench_tokenize(corpus: Path) -> None:
    import fitz

    text = ""
    for pdf in sorted((corpus / "ja-docs").glob("*.pdf"))[:5]:
        with fitz.open(pdf) as doc:
            text += "".join(page.get_text() for page in doc)
    token_list("ウォームアップ")  # load Janome outside the timing
    start = time.perf_counter()
    tokens = token_list(text)
    elapsed = time.perf_counter() - start
    print(
        f"Tokenise ja-docs (5 PDFs): {len(text)} chars, {len(tokens)} tokens in {elapsed:.2f} s "
        f"= {len(tokens) / elapsed:,.0f} tokens/s, {len(text) / elapsed:,.0f} chars/s"
    )


def embedded_images(corpus: Path, min_px: int = 96) -> list[tuple[str, Image.Image]]:
    """(document path relative to corpus, image) for every embedded image of datasheets/*.pdf."""
    import fitz

    out = []
    for pdf in sorted((corpus / "datasheets").glob("*.pdf")):
        rel = str(pdf.relative_to(corpus))
        with fitz.open(pdf) as doc:
            seen = set()
            for page in doc:
                for info in page.get_images(full=True):
                    xref = info[0]
                    if xref in seen:
                        continue
                    seen.add(xref)
                    try:
                        pix = fitz.Pixmap(doc, xref)
                        if pix.n - pix.alpha >= 4:
                            pix = fitz.Pixmap(fitz.csRGB, pix)
                        img = Image.open(io.BytesIO(pix.tobytes("png"))).convert("RGB")
                    except Exception:
                        continue
                    if min(img.size) >= min_px:
                        out.append((rel, img))
    return out


def bench_visual(corpus: Path, n_queries: int, n_brute: int) -> None:
    images = embedded_images(corpus)
    print(f"Embedded images (min side ≥ 96 px) in datasheets/*.pdf: {len(images)}")
    feats: dict[int, Features] = {}
    times = []
    for i, (_, img) in enumerate(images):
        start = time.perf_counter()
        feats[i] = extract_features(img)
        times.append(time.perf_counter() - start)
    keypoints = np.mean([len(f) for f in feats.values()])
    print(
        f"SIFT extraction: mean {np.mean(times) * 1000:.0f} ms/image, p95 "
        f"{_pct(times, 95) * 1000:.0f} ms; mean keypoints {keypoints:.0f}"
    )
    blobs = {i: f.to_bytes() for i, f in feats.items()}
    print(f"Feature blob size: mean {np.mean([len(b) for b in blobs.values()]) / 1024:.0f} KiB")

    index = VisualIndex()
    for i, f in feats.items():
        index.add(i, f)
    print(f"Vocabulary training + quantisation: {_timed(index.train):.1f} s")

    def load(i: int) -> Features:  # as the app would: decode the stored blob
        return Features.from_bytes(blobs[i])

    rows = list(csv.DictReader((corpus / "photo-queries.csv").open(encoding="utf-8")))[:n_queries]
    doc_of = {i: rel for i, (rel, _) in enumerate(images)}
    short_t, brute_t, hits = [], [], {"short": [0, 0], "brute": [0, 0]}
    for row in rows:
        relevant = set(row["relevant_documents"].split(";"))
        query = extract_features(Image.open(corpus / row["photo"]))
        start = time.perf_counter()
        found = index.search(query, load, k=10, shortlist_k=30)
        short_t.append(time.perf_counter() - start)
        runs = [("short", [m.item_id for m in found])]
        if len(brute_t) < n_brute:  # brute force costs ~30 s per query here: a few suffice
            start = time.perf_counter()
            brute = sorted(((verify(query, load(i)).inliers, i) for i in feats), reverse=True)
            brute_t.append(time.perf_counter() - start)
            runs.append(("brute", [i for n, i in brute[:10] if n >= 8]))
        for name, ids in runs:
            docs = list(dict.fromkeys(doc_of[i] for i in ids))
            hits[name][0] += bool(relevant & set(docs[:1]))
            hits[name][1] += bool(relevant & set(docs[:5]))
    n, nb = len(rows), max(1, len(brute_t))
    print(
        f"Visual search over {len(feats)} images, {n} photo queries:\n"
        f"  shortlist(30)+verify: p50 {_pct(short_t, 50) * 1000:.0f} ms, "
        f"p95 {_pct(short_t, 95) * 1000:.0f} ms; R@1 {hits['short'][0] / n:.2f}, "
        f"R@5 {hits['short'][1] / n:.2f}\n"
        f"  brute force verify:   p50 {_pct(brute_t, 50) * 1000:.0f} ms, "
        f"p95 {_pct(brute_t, 95) * 1000:.0f} ms; R@1 {hits['brute'][0] / nb:.2f}, "
        f"R@5 {hits['brute'][1] / nb:.2f} (first {len(brute_t)} queries)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--ocr-photos", type=int, default=12, help="photos per OCR group")
    parser.add_argument("--queries", type=int, default=1000, help="photo queries to run")
    parser.add_argument("--brute-queries", type=int, default=4, help="queries run brute force")
    parser.add_argument("--skip", nargs="*", default=[], choices=["ocr", "tokenize", "visual"])
    args = parser.parse_args()
    if not (args.corpus / "photo-queries.csv").exists():
        print(f"SKIP: evaluation corpus not found at {args.corpus}")
        return 0
    if "tokenize" not in args.skip:
        bench_tokenize(args.corpus)
    if "ocr" not in args.skip:
        bench_ocr(args.corpus, args.ocr_photos)
    if "visual" not in args.skip:
        bench_visual(args.corpus, args.queries, args.brute_queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
