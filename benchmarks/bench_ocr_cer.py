"""Character error rate of the OCR engines on Japanese and English print with known text.

Crops of text lines of real PDF pages with a text layer (benchmarks/ocr_crops.py): Japanese
lines of ../shared/corpus/ja-docs (ja-horizontal), the same lines typeset as one vertical
column (ja-vertical), English lines of datasheets/ and ic-datasheets/ (en). Each crop is read
as rendered (clean) and as synthetic phone photos at three severities (benchmarks/photo.py:
perspective, rotation, blur, uneven light, noise, JPEG). Prints, per set, severity and
engine, the character error rate (benchmarks/cer.py: NFKC, whitespace removed; kanji variants
not folded, and folded as the passage signal folds them) and the seconds per crop; --out
writes it all, with every reading, as JSON.

    .venv/bin/python benchmarks/bench_ocr_cer.py [--crops 30] [--seed 0] [--out cer.json]
        [--sets ja-horizontal ja-vertical en] [--severities clean mild moderate phone]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import ocr_crops
import ocr_engines
from cer import Errors, errors
from ocr_crops import EN, JA, JA_VERTICAL, Crop
from photo import PHONE, Distortion, photograph

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FOLDERS = {JA: ("ja-docs",), EN: ("datasheets", "ic-datasheets")}
# Gentler photos than the distortion benchmark's (PHONE), and no rescale or crop at any
# severity: the crop is rendered at a photo's scale already, and cutting off part of a line
# would change the text there is to read.
_KEEP_ALL = {"size": None, "keep": None}
SEVERITIES: dict[str, Distortion | None] = {
    "clean": None,
    "mild": Distortion(
        **_KEEP_ALL, pad=0.03, rotation=3, blur=0.6, shade=(0.05, 0.15), noise=(1, 3), jpeg=(70, 90)
    ),
    "moderate": Distortion(
        **_KEEP_ALL, pad=0.07, rotation=10, blur=1.0, shade=(0.1, 0.3), noise=(2, 5), jpeg=(50, 85)
    ),
    "phone": Distortion(**_KEEP_ALL, pad=PHONE.pad, rotation=PHONE.rotation, blur=PHONE.blur),
}
SETS = (JA, JA_VERTICAL, EN)

Read = Callable[[Image.Image], str]


def make_crops(corpus: Path, sets: Sequence[str], n: int, seed: int) -> dict[str, list[Crop]]:
    """``n`` crops per set; the vertical set typesets the horizontal set's lines. Each set
    draws from its own random stream: a set's crops are the same whichever others run."""
    crops: dict[str, list[Crop]] = {}
    for kind in (JA, EN):
        if kind in sets or (kind == JA and JA_VERTICAL in sets):
            pdfs = [p for f in FOLDERS[kind] for p in sorted((corpus / f).glob("*.pdf"))]
            rng = np.random.default_rng([seed, SETS.index(kind)])
            crops[kind] = ocr_crops.line_crops(pdfs, kind, n, rng)
    if JA_VERTICAL in sets:
        rng = np.random.default_rng([seed, SETS.index(JA_VERTICAL)])
        crops[JA_VERTICAL] = list(ocr_crops.vertical_crops(crops[JA], rng))
    return {kind: crops[kind] for kind in sets}


def photo_of(crop: Crop, severity: str, seed: int, key: tuple[int, int]) -> Image.Image:
    """The crop as photographed at ``severity``: the same photo for every engine and run."""
    how = SEVERITIES[severity]
    if how is None:
        return crop.image
    rng = np.random.default_rng([seed, *key, list(SEVERITIES).index(severity)])
    return photograph(crop.image, rng, how)


@dataclass
class Cell:
    """One engine's figures on one set at one severity."""

    strict: Errors = field(default_factory=lambda: Errors(0, 0))
    folded: Errors = field(default_factory=lambda: Errors(0, 0))
    seconds: list[float] = field(default_factory=list)

    def add(self, reference: str, reading: str, seconds: float) -> None:
        self.strict += errors(reference, reading)
        self.folded += errors(reference, reading, fold_variants=True)
        self.seconds.append(seconds)

    def figures(self) -> dict[str, float]:
        return {
            "cer": round(self.strict.rate, 4),
            "cer_folded": round(self.folded.rate, 4),
            "seconds_per_crop": round(float(np.mean(self.seconds)), 3) if self.seconds else 0.0,
            "crops": len(self.seconds),
            "reference_chars": self.strict.length,
        }


def run(
    crops: dict[str, list[Crop]], readers: dict[str, Read], severities: Sequence[str], seed: int
) -> tuple[dict[tuple[str, str, str], Cell], list[dict[str, Any]]]:
    """Every engine on every crop at every severity; the cells and every reading."""
    cells: dict[tuple[str, str, str], Cell] = {}
    readings: list[dict[str, Any]] = []
    for kind, items in crops.items():
        for c, crop in enumerate(items):
            for severity in severities:
                image = photo_of(crop, severity, seed, (SETS.index(kind), c))
                row: dict[str, Any] = {"set": kind, "severity": severity, "doc": crop.doc}
                row |= {"page": crop.page, "text": crop.text, "em_px": round(crop.em_px, 1)}
                for name, read in readers.items():
                    start = time.perf_counter()
                    text = read(image)
                    seconds = time.perf_counter() - start
                    cells.setdefault((kind, severity, name), Cell()).add(crop.text, text, seconds)
                    row[name] = text
                readings.append(row)
        print(f"  {kind}: {len(items)} crops read ({os.getloadavg()[0]:.1f} load)", flush=True)
    return cells, readings


def table(cells: dict[tuple[str, str, str], Cell], names: Sequence[str]) -> str:
    """Per set and severity, each engine's CER (variants folded in brackets) and seconds."""
    head = f"{'set':14} {'severity':9} {'n':>4}  " + "  ".join(f"{n:>24}" for n in names)
    lines = [head, "-" * len(head)]
    for kind, severity in dict.fromkeys((k, s) for k, s, _ in cells):
        row = [cells[(kind, severity, n)] for n in names]
        figures = [c.figures() for c in row]
        lines.append(
            f"{kind:14} {severity:9} {figures[0]['crops']:>4}  "
            + "  ".join(
                f"{f['cer']:6.3f} ({f['cer_folded']:.3f}) {f['seconds_per_crop']:6.2f} s"
                for f in figures
            )
        )
    for kind in dict.fromkeys(k for k, _, _ in cells):  # all severities together
        figures = [_sum(cells, kind, name).figures() for name in names]
        lines.append(
            f"{kind:14} {'all':9} {figures[0]['crops']:>4}  "
            + "  ".join(
                f"{f['cer']:6.3f} ({f['cer_folded']:.3f}) {f['seconds_per_crop']:6.2f} s"
                for f in figures
            )
        )
    return "\n".join(lines)


def _sum(cells: dict[tuple[str, str, str], Cell], kind: str, name: str) -> Cell:
    """One engine's figures on one set, all severities together."""
    total = Cell()
    for (k, _, n), cell in cells.items():
        if (k, n) != (kind, name):
            continue
        total.strict += cell.strict
        total.folded += cell.folded
        total.seconds += cell.seconds
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--crops", type=int, default=30, help="crops per set")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument(
        "--severities", nargs="+", choices=list(SEVERITIES), default=list(SEVERITIES)
    )
    parser.add_argument(
        "--engines", nargs="+", help="engines (default: all available; see ocr_engines.py)"
    )
    parser.add_argument("--out", type=Path, help="write the figures and every reading as JSON")
    args = parser.parse_args()
    folders = {f for kind in args.sets for f in FOLDERS[EN if kind == EN else JA]}
    missing = [f for f in sorted(folders) if not (args.corpus / f).is_dir()]
    if missing:
        print(f"SKIP: corpus folders {', '.join(missing)} not found under {args.corpus}")
        return 0
    readers = ocr_engines.available()
    if args.engines:
        chosen = {name: ocr_engines.reader(name) for name in args.engines}
        unknown = [name for name, read in chosen.items() if read is None]
        if unknown:
            print(f"unknown or unavailable engines: {', '.join(unknown)}")
            return 2
        readers = {name: read for name, read in chosen.items() if read is not None}
    load_before = os.getloadavg()
    crops = make_crops(args.corpus, args.sets, args.crops, args.seed)
    sizes = ", ".join(f"{kind} {len(items)}" for kind, items in crops.items())
    print(
        f"crops: {sizes}; severities: {', '.join(args.severities)}; engines: "
        f"{', '.join(readers)}; load {load_before[0]:.1f}"
    )
    start = time.perf_counter()
    cells, readings = run(crops, readers, args.severities, args.seed)
    load_after = os.getloadavg()
    print(table(cells, list(readers)))
    print(
        f"CER: edits / reference characters (NFKC, whitespace removed); in brackets with "
        f"simplified kanji folded. {time.perf_counter() - start:.0f} s, load "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after, {os.cpu_count()} cores"
    )
    if args.out:
        report = {
            "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "load": {"before": load_before, "after": load_after, "cores": os.cpu_count()},
            "figures": [
                {"set": k, "severity": s, "engine": n, **cell.figures()}
                for (k, s, n), cell in cells.items()
            ],
            "readings": readings,
        }
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
