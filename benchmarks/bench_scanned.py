"""Scanned Japanese pages found by their words, per OCR engine (issue #16).

Takes pages of ../shared/corpus/ja-docs that have a Japanese text layer, renders each at
--dpi, and rebuilds it as a one-page image-only PDF (a scan: no text layer). The scans are
indexed with the real pipeline (Library, OCR on, no model weights) once per OCR engine, and
each page is searched with a Japanese phrase taken from its original text layer (lexical
signal). Prints page Recall@1/@5 per engine, and the OCR pass's seconds per scanned page.

    .venv/bin/python benchmarks/bench_scanned.py [--pages 20] [--seed 0] [--dpi 200]
        [--engines auto rapidocr]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.config import FolderConfig, Settings
from engine.library import Library
from engine.search import Query
from engine.signals.ocr_choice import OCR_ENGINES

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
# A phrase: a run of Japanese (kana, kanji, the long-vowel mark) of this many characters.
_JAPANESE = re.compile(r"[\u3041-\u30ff\u4e00-\u9fff]{8,}")
PHRASE_CHARS = 10


def pick_pages(corpus: Path, n: int, rng: np.random.Generator) -> list[tuple[Path, int, str]]:
    """(pdf, 1-based page, phrase): up to ``n`` random pages with a Japanese text layer, the
    phrase the start of the page's longest Japanese run, found on no other chosen page (two
    editions of a manual share pages: only one of them is taken)."""
    import pymupdf

    candidates: list[tuple[Path, int, str, str]] = []
    for pdf in sorted((corpus / "ja-docs").glob("*.pdf")):
        with pymupdf.open(pdf) as doc:
            for page in doc:
                text = page.get_text()
                runs = sorted(_JAPANESE.findall(text), key=len, reverse=True)
                if runs:
                    candidates.append((pdf, page.number + 1, runs[0][:PHRASE_CHARS], text))
    chosen: list[tuple[Path, int, str, str]] = []
    for i in rng.permutation(len(candidates)):
        pdf, page, phrase, text = candidates[int(i)]
        if all(phrase not in t and p not in text for _, _, p, t in chosen):
            chosen.append((pdf, page, phrase, text))
        if len(chosen) == n:
            break
    return [(pdf, page, phrase) for pdf, page, phrase, _ in chosen]


def make_scan(pdf: Path, page: int, out: Path, dpi: int) -> None:
    import pymupdf

    with pymupdf.open(pdf) as doc, pymupdf.open() as scan:
        src = doc[page - 1]
        png = src.get_pixmap(dpi=dpi).tobytes("png")
        target = scan.new_page(width=src.rect.width, height=src.rect.height)
        target.insert_image(target.rect, stream=png)
        scan.save(out)


def run_engine(
    engine: str, docs: Path, work: Path, cases: list[tuple[str, str]]
) -> tuple[float, float, float]:
    """(R@1, R@5, OCR seconds per page) of ``engine`` over the scans in ``docs``."""
    settings = Settings(
        ocr_engine=engine,
        models_dir=str(work / "no-models"),
        text_model_path=str(work / "no-text-model"),
        visual_match_enabled=False,
    )
    with Library(work / f"data-{engine}", settings) as lib:
        summary = lib.index([FolderConfig(str(docs))])
        ocr = summary.ocr
        per_page = ocr.seconds / max(1, ocr.items) if ocr else float("nan")
        r1 = r5 = 0
        for name, phrase in cases:
            outcome = lib.search(Query(text=phrase, top_k=5, signals={"lexical"}))
            names = [r.path.name for r in outcome.results]
            r1 += names[:1] == [name]
            r5 += name in names[:5]
    n = max(1, len(cases))
    return r1 / n, r5 / n, per_page


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dpi", type=int, default=200, help="scan resolution")
    parser.add_argument("--engines", nargs="+", choices=OCR_ENGINES, default=["auto", "rapidocr"])
    args = parser.parse_args()
    if not (args.corpus / "ja-docs").is_dir():
        print(f"SKIP: evaluation corpus not found at {args.corpus}")
        return 0
    picks = pick_pages(args.corpus, args.pages, np.random.default_rng(args.seed))
    work = Path(tempfile.mkdtemp(prefix="sagasu-scanned-"))
    try:
        docs = work / "docs"
        docs.mkdir()
        cases = []
        for n, (pdf, page, phrase) in enumerate(picks):
            name = f"scan-{n:03d}.pdf"
            make_scan(pdf, page, docs / name, args.dpi)
            cases.append((name, phrase))
        print(
            f"{len(cases)} scanned pages of ja-docs at {args.dpi} dpi; phrases e.g. "
            + ", ".join(p for _, p in cases[:3])
        )
        for engine in args.engines:
            start = time.perf_counter()
            r1, r5, per_page = run_engine(engine, docs, work, cases)
            print(
                f"{engine:9s}: page R@1 {r1:.2f} R@5 {r5:.2f} | OCR {per_page:.2f} s per "
                f"scanned page | {time.perf_counter() - start:.0f} s in all "
                f"(load {os.getloadavg()[0]:.1f})"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
