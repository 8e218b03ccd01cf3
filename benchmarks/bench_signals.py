"""Benchmark the engineering-document signals on the real corpus (../shared/corpus).

Prints: OCR seconds per photo (with text vs without), Janome tokens/s, feature extraction
seconds per image, visual search latency p50/p95 (BoW shortlist vs brute force) over the
embedded images of datasheets/*.pdf, and photo-queries.csv Recall@1/5 of the visual signal.

    .venv/bin/python benchmarks/bench_signals.py [--corpus PATH] [--ocr-photos N] [--queries N]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

from engine.signals.ocr import OcrEngine
from engine.signals.tokenize import token_list
from engine.signals.visual import (
    DEFAULT_MAX_SIDE,
    DEFAULT_N_FEATURES,
    MIN_INLIERS,
    Features,
    VisualIndex,
    extract_features,
    verify,
)
from engine.signals.visual.verification import _distinct, _plausible

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
                    img = common.pdf_image(doc, xref, page)
                    if img is not None and min(img.size) >= min_px:
                        out.append((rel, img))
    return out


def _verify_previous(query: Features, candidate: Features) -> int:
    """Verification as it was before RootSIFT, shortlist 10 and early exit (same-run baseline):
    OpenCV brute-force knnMatch on raw SIFT, ratio test, RANSAC homography."""
    if len(query) < 4 or len(candidate) < 4:
        return 0
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(
        query.descriptors.astype(np.float32), candidate.descriptors.astype(np.float32), k=2
    )
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < MIN_INLIERS:
        return 0
    src = query.keypoints[[m.queryIdx for m in good]].reshape(-1, 1, 2)
    dst = candidate.keypoints[[m.trainIdx for m in good]].reshape(-1, 1, 2)
    h, mask = cv2.findHomography(src, dst, cv2.RANSAC, 6.0, maxIters=500, confidence=0.995)
    if h is None or mask is None or not _plausible(h):
        return 0
    keep = mask.ravel().astype(bool)
    return min(_distinct(src[keep]), _distinct(dst[keep]))


def _features(
    corpus: Path, max_side: int, n_features: int, cache: Path | None
) -> tuple[list[str], list[bytes], list[float]]:
    """(document per image, feature blob per image, extraction seconds) for the embedded
    images; ``cache`` (an .npz) skips re-extraction on later runs with the same settings."""
    if cache is not None and cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            if (int(data["max_side"]), int(data["n_features"])) == (max_side, n_features):
                docs = [str(d) for d in data["docs"]]
                cuts = np.cumsum(data["lengths"])[:-1]
                blobs = [b.tobytes() for b in np.split(data["blobs"], cuts)]
                return docs, blobs, [float(t) for t in data["seconds"]]
    images = embedded_images(corpus)
    docs, blobs, times = [], [], []
    for rel, img in images:
        start = time.perf_counter()
        blobs.append(extract_features(img, max_side, n_features).to_bytes())
        times.append(time.perf_counter() - start)
        docs.append(rel)
    if cache is not None:
        np.savez(
            cache,
            max_side=max_side,
            n_features=n_features,
            docs=np.array(docs),
            lengths=np.array([len(b) for b in blobs]),
            blobs=np.frombuffer(b"".join(blobs), np.uint8),
            seconds=np.array(times),
        )
    return docs, blobs, times


def bench_visual(
    corpus: Path,
    n_queries: int,
    n_brute: int,
    max_side: int = DEFAULT_MAX_SIDE,
    n_features: int = DEFAULT_N_FEATURES,
    cache: Path | None = None,
) -> None:
    docs, blobs, times = _features(corpus, max_side, n_features, cache)
    print(f"Embedded images (min side ≥ 96 px) in datasheets/*.pdf: {len(blobs)}")
    feats = {i: Features.from_bytes(b) for i, b in enumerate(blobs)}
    keypoints = np.mean([len(f) for f in feats.values()])
    print(
        f"SIFT extraction (max_side {max_side}, {n_features} features): mean "
        f"{np.mean(times) * 1000:.0f} ms/image, p95 {_pct(times, 95) * 1000:.0f} ms; mean "
        f"keypoints {keypoints:.0f}; blob mean {np.mean([len(b) for b in blobs]) / 1024:.0f} KiB"
    )
    index = VisualIndex()
    for i, f in feats.items():
        if len(f):
            index.add(i, f)
    print(f"Vocabulary training + quantisation: {_timed(index.train):.1f} s")

    def load(i: int) -> Features:  # as the app would: decode the stored blob
        return Features.from_bytes(blobs[i])

    def previous(query: Features, shortlist_k: int) -> list[int]:
        found = [
            (_verify_previous(query, load(i)), i) for i, _ in index.shortlist(query, shortlist_k)
        ]
        return [i for n, i in sorted(found, reverse=True)[:10] if n >= MIN_INLIERS]

    settings: dict[str, Callable[[Features], list[int]]] = {
        "previous: BF matcher, shortlist 30": lambda q: previous(q, 30),
        "previous: BF matcher, shortlist 20": lambda q: previous(q, 20),
        "RootSIFT BF, shortlist 20": lambda q: [m.item_id for m in index.search(q, load, 10, 20)],
        "RootSIFT BF, shortlist 10": lambda q: [m.item_id for m in index.search(q, load, 10, 10)],
    }
    rows = list(csv.DictReader((corpus / "photo-queries.csv").open(encoding="utf-8")))[:n_queries]
    stats = {name: ([], [0, 0]) for name in [*settings, "brute force (RootSIFT verify)"]}
    query_t = []
    for row in rows:
        relevant = set(row["relevant_documents"].split(";"))
        img = Image.open(corpus / row["photo"])
        img.load()
        start = time.perf_counter()
        query = extract_features(img, max_side, n_features)
        query_t.append(time.perf_counter() - start)
        runs = list(settings.items())
        if len(stats["brute force (RootSIFT verify)"][0]) < n_brute:

            def brute(q: Features) -> list[int]:
                ranked = sorted(((verify(q, load(i)).inliers, i) for i in feats), reverse=True)
                return [i for n, i in ranked[:10] if n >= MIN_INLIERS]

            runs.append(("brute force (RootSIFT verify)", brute))
        for name, run in runs:  # interleaved per query: every setting sees the same load
            start = time.perf_counter()
            ids = run(query)
            stats[name][0].append(time.perf_counter() - start)
            found = list(dict.fromkeys(docs[i] for i in ids))
            stats[name][1][0] += bool(relevant & set(found[:1]))
            stats[name][1][1] += bool(relevant & set(found[:5]))
    print(
        f"Visual search over {len(feats)} images, {len(rows)} photo queries "
        f"(load {os.getloadavg()[0]:.1f}); query extraction p50 {_pct(query_t, 50) * 1000:.0f} "
        f"ms, p95 {_pct(query_t, 95) * 1000:.0f} ms, not included below:"
    )
    for name, (t, (r1, r5)) in stats.items():
        n = max(1, len(t))
        print(
            f"  {name:42s} p50 {_pct(t, 50) * 1000:6.0f} ms, p95 {_pct(t, 95) * 1000:6.0f} ms; "
            f"R@1 {r1 / n:.2f}, R@5 {r5 / n:.2f} (n={len(t)})"
        )
    _growth(index, feats, load, rows, corpus, max_side, n_features)


def _growth(
    index: VisualIndex,
    feats: dict[int, Features],
    load: Callable[[int], Features],
    rows: list[dict],
    corpus: Path,
    max_side: int,
    n_features: int,
) -> None:
    """Search time against a quarter, half and all of the images (same vocabulary)."""
    queries = [
        extract_features(Image.open(corpus / r["photo"]), max_side, n_features) for r in rows[:12]
    ]
    ids = [i for i in feats if len(feats[i])]
    line = []
    for share in (0.25, 0.5, 1.0):
        sub = VisualIndex()
        sub.kind, sub.vocab = index.kind, index.vocab
        sub.trained_on = len(ids)
        for i in ids[: int(len(ids) * share)]:
            sub.add(i, feats[i])
        t = [_timed(lambda q=q, s=sub: s.search(q, load, 10)) for q in queries]
        line.append(f"{len(sub)} images p50 {_pct(t, 50) * 1000:.0f} ms")
    print(f"  growth (default search, {len(queries)} queries): " + "; ".join(line))


def bench_index_cost(corpus: Path, n_pages: int, n_photos: int) -> None:
    """Seconds per item of each indexing stage: the base extraction (page render + text, or
    photo decode) against SIFT features and OCR, on the same items in the same run."""
    from engine.config import Settings
    from engine.extract.pdf import iter_pdf_pages
    from engine.indexing.ocr_pass import OCR_RENDER_DPI
    from engine.types import FileEntry, FileType, ItemKind

    settings = Settings()
    engine = OcrEngine()
    print(f"OCR ready: {engine.ready}")  # loads the ONNX sessions outside the timing
    pdfs = sorted((corpus / "datasheets").glob("*.pdf")) + sorted(
        (corpus / "ic-datasheets").glob("*.pdf")
    )
    stages: dict[str, list[float]] = {
        "page: base extraction (render + text + images)": [],
        "page: SIFT features": [],
        "page: OCR (150 dpi render, no text layer assumed)": [],
    }
    import pymupdf

    step = max(1, len(pdfs) // max(1, n_pages))
    for pdf in pdfs[::step][:n_pages]:  # first page of evenly spread PDFs
        entry = FileEntry(pdf, pdf.stat().st_size, 0, FileType.PDF)
        start = time.perf_counter()
        first = next(iter_pdf_pages(entry, settings), None)
        stages["page: base extraction (render + text + images)"].append(time.perf_counter() - start)
        items = first or []
        page = next((it for it in items if it.kind is ItemKind.PAGE and it.image), None)
        if page is None:
            continue
        stages["page: SIFT features"].append(_timed(lambda p=page: extract_features(p.image)))
        with pymupdf.open(pdf) as doc:
            pix = doc[0].get_pixmap(dpi=OCR_RENDER_DPI)
            img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
        stages["page: OCR (150 dpi render, no text layer assumed)"].append(
            _timed(lambda i=img: engine.read(i))
        )
    for group in ("photos", "flickr8k"):
        paths = sorted(p for p in (corpus / group).iterdir() if p.suffix.lower() != ".csv")
        base, sift, ocr = (
            f"photo ({group}): base decode",
            f"photo ({group}): SIFT features",
            f"photo ({group}): OCR",
        )
        stages.update({base: [], sift: [], ocr: []})
        for path in paths[:n_photos]:
            start = time.perf_counter()
            img = Image.open(path)
            img.load()
            img = img.convert("RGB")
            stages[base].append(time.perf_counter() - start)
            stages[sift].append(_timed(lambda i=img: extract_features(i)))
            stages[ocr].append(_timed(lambda i=img: engine.read(i)))
    print("Indexing cost per item (same items, same run):")
    for name, times in stages.items():
        if times:
            print(
                f"  {name:52s} n={len(times):3d} mean {np.mean(times):6.3f} s, "
                f"p50 {_pct(times, 50):6.3f} s"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--ocr-photos", type=int, default=12, help="photos per OCR group")
    parser.add_argument("--queries", type=int, default=1000, help="photo queries to run")
    parser.add_argument("--brute-queries", type=int, default=4, help="queries run brute force")
    parser.add_argument("--max-side", type=int, default=DEFAULT_MAX_SIDE, help="SIFT image side")
    parser.add_argument("--features", type=int, default=DEFAULT_N_FEATURES, help="SIFT features")
    parser.add_argument("--cache", type=Path, help="feature cache (.npz) for repeated runs")
    parser.add_argument("--cost-items", type=int, default=8, help="pages/photos for index cost")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["ocr", "tokenize", "visual", "cost"]
    )
    args = parser.parse_args()
    if not (args.corpus / "photo-queries.csv").exists():
        print(f"SKIP: evaluation corpus not found at {args.corpus}")
        return 0
    if "tokenize" not in args.skip:
        bench_tokenize(args.corpus)
    if "ocr" not in args.skip:
        bench_ocr(args.corpus, args.ocr_photos)
    if "cost" not in args.skip:
        bench_index_cost(args.corpus, args.cost_items, args.cost_items)
    if "visual" not in args.skip:
        bench_visual(
            args.corpus,
            args.queries,
            args.brute_queries,
            args.max_side,
            args.features,
            args.cache,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
