"""Exact visual match under photo distortions, on the real corpus (../shared/corpus).

Takes PDFs from datasheets/ and ic-datasheets/ (or --folders), indexes them with the real
pipeline into a temporary data directory (Library, OCR off unless --ocr, no model weights:
lexical + visual signals), then turns embedded images and crops of rendered pages into
synthetic phone photos (perspective, rotation, crop, rescale, blur, uneven light, noise,
JPEG) and queries with each one for its page. Prints Recall@1/@5 (page and document level)
of the visual signal alone and of fused search, and their latency p50/p95 (query feature
extraction included), with the p95 of the time to the first ranking (shown before the
photo's text is read).

    .venv/bin/python benchmarks/bench_distortion.py [--pdfs 30] [--queries 100] [--seed 0] [--ocr]
        [--folders ja-docs] [--ocr-engines auto rapidocr]

With --ocr, --ocr-engines runs the fused search once per OCR engine (setting ocr_engine) on
the same photos: "fused" is the app's default engine, "fused:NAME" each one named.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from photo import photograph

from engine.config import FolderConfig, Settings
from engine.evaluation.run import timed_search
from engine.extract.pdf import is_stencil_mask
from engine.library import Library
from engine.search import Query
from engine.signals.ocr_choice import OCR_ENGINES, reader_for

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DEFAULT_FOLDERS = ("datasheets", "ic-datasheets")
MIN_SOURCE_PX = 150  # embedded images smaller than this are icons, not figures to photograph
BORDER_TOLERANCE = 24  # grey levels from the corner pixel that still count as border


@dataclass
class Case:
    doc: str  # file name of the PDF
    pages: set[int]  # 1-based pages where the source appears (any counts as found)
    source: Image.Image
    origin: str  # "image" or "region"
    digest: np.ndarray | None = None  # embedded images: 16x16 average hash (256 bools)
    box: tuple[int, int, int, int] | None = None  # page regions: where, on the 150-dpi render


# Page renders at 1/RENDER_SCALE, grey: what a region is compared with on other pages.
PageRenders = dict[tuple[str, int], np.ndarray]
RENDER_SCALE = 4
# Two page regions are one print when every block (8 px here: a word at 150 dpi) differs by
# less than this mean grey level; identical prints differ by 0, a changed title by ~50.
SAME_BLOCK = 8.0
BLOCK = 8


def targets(case: Case, others: list[Case], renders: PageRenders) -> set[tuple[str, int]]:
    """(document, page) pairs showing the case's picture: datasheets of one product family
    share photos and logos (re-encoded, so not byte-identical), and any copy is a correct
    answer. Same picture: average hashes differ in at most 8 of 256 bits. A page region is
    likewise found on any page that prints it identically, in the same place (two editions
    of one manual)."""
    found = {(case.doc, p) for p in case.pages}
    if case.digest is not None:
        for other in others:
            if other.digest is not None and (other.digest != case.digest).sum() <= 8:
                found |= {(other.doc, p) for p in other.pages}
    if case.box is not None:
        found |= same_region_pages(case, renders)
    return found


def same_region_pages(case: Case, renders: PageRenders) -> set[tuple[str, int]]:
    own = renders[(case.doc, min(case.pages))]
    x0, y0, x1, y1 = (v // RENDER_SCALE for v in case.box or (0, 0, 0, 0))
    y1, x1 = y0 + (y1 - y0) // BLOCK * BLOCK, x0 + (x1 - x0) // BLOCK * BLOCK
    region = own[y0:y1, x0:x1].astype(np.float32)
    found = set()
    for key, page in renders.items():
        if page.shape != own.shape:
            continue
        diff = np.abs(page[y0:y1, x0:x1].astype(np.float32) - region)
        h, w = diff.shape
        blocks = diff.reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK).mean(axis=(1, 3))
        if blocks.size and blocks.max() < SAME_BLOCK:
            found.add(key)
    return found


def average_hash(img: Image.Image) -> np.ndarray:
    """16x16 average hash of the picture inside any uniform border: a datasheet places one
    product photo with wide white margins on its first page and cropped tight further on."""
    grey = img.convert("L")
    ink = ImageChops.difference(grey, Image.new("L", grey.size, grey.getpixel((0, 0))))
    box = ink.point(lambda v: 255 if v > BORDER_TOLERANCE else 0).getbbox()
    small = grey.crop(box or (0, 0, *grey.size)).resize((16, 16), Image.Resampling.BOX)
    values = np.asarray(small, np.float32)
    return (values > values.mean()).ravel()


def pick_pdfs(
    corpus: Path, n: int, rng: np.random.Generator, folders: Sequence[str] = DEFAULT_FOLDERS
) -> list[Path]:
    pdfs = [pdf for folder in folders for pdf in sorted((corpus / folder).glob("*.pdf"))]
    chosen = rng.choice(len(pdfs), min(n, len(pdfs)), replace=False)
    return [pdfs[i] for i in sorted(chosen)]


def sources(
    pdf: Path, rng: np.random.Generator, renders: PageRenders, max_pages: int = 40
) -> list[Case]:
    """Embedded images (with every page they appear on) and inked page regions of ``pdf``;
    its page renders (small, grey) are added to ``renders``."""
    import pymupdf

    cases: list[Case] = []
    with pymupdf.open(stream=pdf.read_bytes(), filetype="pdf") as doc:
        pages_of: dict[int, set[int]] = {}
        for page in doc:
            for info in page.get_images(full=True):
                if is_stencil_mask(info):
                    # A 1-bit /ImageMask is not a picture: it is painted in the fill colour as
                    # part of the page (converted drawings hold hundreds of such fragments:
                    # rotated labels, pieces of a figure). The engine indexes it with the page
                    # render, and a photo of it is a photo of a page region, drawn below.
                    continue
                pages_of.setdefault(info[0], set()).add(page.number + 1)
        for xref, pages in pages_of.items():
            img = common.pdf_image(doc, xref, doc[min(pages) - 1])
            if img is None:
                continue
            grey = np.asarray(img.convert("L"), np.float32)
            if min(img.size) >= MIN_SOURCE_PX and grey.std() > 20:
                cases.append(Case(pdf.name, pages, img, "image", average_hash(img)))
        for page in list(doc)[:max_pages]:
            pix = page.get_pixmap(dpi=150)
            img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
            w, h = img.size
            small = img.convert("L").resize((w // RENDER_SCALE, h // RENDER_SCALE))
            renders[(pdf.name, page.number + 1)] = np.asarray(small)
            for _ in range(4):  # a few tries for a region with enough ink to be a figure
                rw, rh = int(w * rng.uniform(0.35, 0.7)), int(h * rng.uniform(0.2, 0.45))
                x, y = int(rng.integers(0, w - rw)), int(rng.integers(0, h - rh))
                crop = img.crop((x, y, x + rw, y + rh))
                if np.asarray(crop.convert("L"), np.float32).std() > 35:
                    box = (x, y, x + rw, y + rh)
                    cases.append(Case(pdf.name, {page.number + 1}, crop, "region", box=box))
                    break
    return cases


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pdfs", type=int, default=30, help="PDFs to index")
    parser.add_argument("--queries", type=int, default=100, help="distorted photo queries")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep the temporary data here (inspection)")
    parser.add_argument(
        "--ocr",
        action="store_true",
        help="OCR on, as in the app: the fused run also reads the query photo's text",
    )
    parser.add_argument(
        "--folders",
        nargs="+",
        default=list(DEFAULT_FOLDERS),
        help="corpus folders to take PDFs from (e.g. ja-docs for Japanese manuals)",
    )
    parser.add_argument(
        "--ocr-engines",
        nargs="+",
        choices=OCR_ENGINES,
        default=[],
        help="with --ocr: a fused run per OCR engine, on the same photos",
    )
    args = parser.parse_args()
    if not all((args.corpus / folder).is_dir() for folder in args.folders):
        print(f"SKIP: evaluation corpus not found at {args.corpus}")
        return 0
    rng = np.random.default_rng(args.seed)
    pdfs = pick_pdfs(args.corpus, args.pdfs, rng, args.folders)
    work = Path(tempfile.mkdtemp(prefix="sagasu-distortion-"))
    try:
        docs = work / "docs"
        docs.mkdir()
        for pdf in pdfs:  # a temporary copy outside the repository: the index sees only these
            shutil.copyfile(pdf, docs / pdf.name)
        settings = Settings(ocr_enabled=args.ocr, models_dir=str(work / "models"))
        with Library(work / "data", settings) as lib:
            start = time.perf_counter()
            summary = lib.index([FolderConfig(str(docs))])
            index_s = time.perf_counter() - start
            print(
                f"Indexed {len(pdfs)} PDFs: {summary.pages} pages, {summary.images} images in "
                f"{index_s:.0f} s (load {os.getloadavg()[0]:.1f})"
            )
            renders: PageRenders = {}
            cases = [c for pdf in pdfs for c in sources(pdf, rng, renders)]
            pictures = [c for c in cases if c.digest is not None]
            picks = rng.choice(len(cases), min(args.queries, len(cases)), replace=False)
            cases = [cases[i] for i in picks]
            kinds = {o: sum(c.origin == o for c in cases) for o in ("image", "region")}
            print(
                f"Queries: {len(cases)} ({kinds['image']} embedded images, "
                f"{kinds['region']} page regions)"
            )
            runs: dict[str, set[str] | None] = {"visual": {"visual"}, "fused": None}
            readers = {
                f"fused:{e}": reader_for(settings.replace(ocr_engine=e)) for e in args.ocr_engines
            }
            runs.update(dict.fromkeys(readers))
            default_ocr = lib.searcher.ocr
            stats = {r: {"t": [], "first": [], "p1": 0, "p5": 0, "d1": 0, "d5": 0} for r in runs}
            by_origin = {(r, o): [0, 0] for r in runs for o in kinds}
            for case in cases:
                photo = photograph(case.source, rng)
                good = targets(case, pictures, renders)
                good_docs = {d for d, _ in good}
                for run, signals in runs.items():
                    reader = readers.get(run)
                    lib.searcher.ocr = (lambda r=reader: r) if reader else default_ocr
                    query = Query(image=photo, top_k=10, signals=signals)
                    outcome, seconds, first = timed_search(lib, query)
                    results = outcome.results
                    stats[run]["t"].append(seconds)
                    stats[run]["first"].append(first)
                    pages = [(r.path.name, r.page) for r in results]
                    page_hits = [pg in good for pg in pages]
                    docs_found = list(dict.fromkeys(d for d, _ in pages))
                    s = stats[run]
                    s["p1"] += any(page_hits[:1])
                    s["p5"] += any(page_hits[:5])
                    s["d1"] += bool(good_docs & set(docs_found[:1]))
                    s["d5"] += bool(good_docs & set(docs_found[:5]))
                    by_origin[(run, case.origin)][0] += any(page_hits[:1])
                    by_origin[(run, case.origin)][1] += 1
            n = max(1, len(cases))
            print(f"Load average after queries: {os.getloadavg()[0]:.1f}")
            for run, s in stats.items():
                split = ", ".join(
                    f"{o} {by_origin[(run, o)][0]}/{by_origin[(run, o)][1]}" for o in kinds
                )
                print(
                    f"{run:14s}: page R@1 {s['p1'] / n:.2f} R@5 {s['p5'] / n:.2f} | document "
                    f"R@1 {s['d1'] / n:.2f} R@5 {s['d5'] / n:.2f} | latency p50 "
                    f"{_pct(s['t'], 50) * 1000:.0f} ms p95 {_pct(s['t'], 95) * 1000:.0f} ms "
                    f"(first ranking p95 {_pct(s['first'], 95) * 1000:.0f} ms) "
                    f"| page R@1 by source: {split}"
                )
    finally:
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
