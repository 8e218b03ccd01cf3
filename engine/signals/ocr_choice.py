"""Which OCR engine reads what: RapidOCR, Tesseract, or both ("auto").

RapidOCR (engine.signals.ocr) finds text well on photos (boards at a slant, small
silkscreen) and reads Latin print well, but its model is Chinese and English: it skips kana
and reads kanji in simplified Chinese forms. Tesseract (engine.signals.ocr_tesseract) reads
Japanese print as Japanese, vertical columns included, but finds text on a distorted photo
poorly. So in "auto":

* a photo: RapidOCR detects and reads every box; the boxes that hold Japanese (kana or kanji
  in RapidOCR's reading) or that it read with little confidence are read again by Tesseract,
  straightened (tall boxes as vertical text), and the better reading of each box is kept
  (:func:`better_reading`);
* a scanned page (no text layer): Tesseract reads the whole page with its own layout analysis
  (columns, 縦書き in order); RapidOCR only if Tesseract is not usable or finds nothing.

Measured on the distortion benchmark and scanned pages: docs/SIGNALS.md section 2.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from PIL import Image

from engine.config import Settings
from engine.signals.ocr import DEFAULT_MIN_CONFIDENCE, OcrEngine, OcrLine, OcrResult
from engine.signals.ocr_tesseract import TesseractEngine

log = logging.getLogger(__name__)

OCR_ENGINES = ("auto", "rapidocr", "tesseract")
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]")
_CJK = re.compile(r"[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A Tesseract reading this confident replaces RapidOCR's reading of a Japanese box even
# without kana: its kanji are Japanese forms, RapidOCR's often simplified Chinese ones.
TESSERACT_TRUSTED = 0.75
TESSERACT_MIN = 0.5  # below this a Tesseract reading is noise, whatever it holds
TALL = 1.5  # a box this many times taller than wide holds vertical text (縦書き)


class TextReader(Protocol):
    """What the search reads a query photo with (an OcrEngine or an OcrReader)."""

    def read(self, image: Image.Image) -> OcrResult: ...


def has_kana(text: str) -> bool:
    return bool(_KANA.search(text))


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def better_reading(rapid: OcrLine, tess: OcrLine | None) -> OcrLine | None:
    """The reading of one box to keep, or None when neither is confident enough.

    Tesseract wins a box when its reading has kana that RapidOCR's lacks (RapidOCR drops
    kana, it does not invent them), when it is confident on a Japanese box (its kanji are
    Japanese forms), or when it is simply more confident."""
    rapid_ok = rapid.confidence >= DEFAULT_MIN_CONFIDENCE
    if tess is None or tess.confidence < TESSERACT_MIN:
        return rapid if rapid_ok else None
    if has_kana(tess.text) and not has_kana(rapid.text):
        return tess
    if has_cjk(tess.text) and has_cjk(rapid.text) and tess.confidence >= TESSERACT_TRUSTED:
        return tess
    if tess.confidence > rapid.confidence or not rapid_ok:
        return tess
    return rapid


def wants_second_reading(line: OcrLine) -> bool:
    """A box worth reading with Tesseract: Japanese in RapidOCR's reading, read badly or not
    at all (a line of kana), or a column of vertical text, which RapidOCR's model reads
    poorly whatever it returns."""
    return has_cjk(line.text) or line.confidence < DEFAULT_MIN_CONFIDENCE or is_tall(line.box)


def is_tall(box: Sequence[tuple[float, float]]) -> bool:
    p = np.asarray(box, np.float64)
    width = float(np.linalg.norm(p[1] - p[0]))
    height = float(np.linalg.norm(p[3] - p[0]))
    return height > TALL * width


def result_of(lines: list[OcrLine]) -> OcrResult:
    if not lines:
        return OcrResult()
    return OcrResult(
        lines=lines,
        text="\n".join(line.text for line in lines),
        mean_confidence=float(np.mean([line.confidence for line in lines])),
        had_text=True,
    )


class OcrReader:
    """The OCR the indexer and the search use, per the settings' engine choice.

    ``engine``: "auto" (both, as the module says), "rapidocr" or "tesseract". Tesseract is
    used only when it is usable; otherwise RapidOCR reads everything and :meth:`problem`
    says why (shown as a note, never raised)."""

    def __init__(
        self,
        engine: str = "auto",
        rapid: OcrEngine | None = None,
        tesseract: TesseractEngine | None = None,
    ) -> None:
        # A hand-edited settings file must not stop OCR: an unknown choice reads as "auto",
        # and problem() says so.
        self._unknown = "" if engine in OCR_ENGINES else engine
        self.engine = engine if engine in OCR_ENGINES else "auto"
        # Every box, however doubtful or unread: those are what Tesseract reads again.
        self.rapid = rapid or OcrEngine(min_confidence=0.0, keep_unread=True)
        self.tesseract = tesseract

    def problem(self) -> str:
        """Why Tesseract is not used although the settings want it, or why the engine
        setting is not followed ("" when all is well)."""
        if self._unknown:
            choices = ", ".join(OCR_ENGINES)
            return f"ocr_engine “{self._unknown}” is not one of {choices}; auto is used"
        if self.engine == "rapidocr" or self.tesseract is None:
            return ""
        problem = self.tesseract.problem()
        return f"{problem}; RapidOCR reads everything, Japanese less well" if problem else ""

    def _tesseract(self) -> TesseractEngine | None:
        if self.engine == "rapidocr" or self.tesseract is None or self.tesseract.problem():
            return None
        return self.tesseract

    def read(self, image: Image.Image) -> OcrResult:
        """A photo's text (a query photo, an indexed photo); never raises."""
        tess = self._tesseract()
        if tess is not None and self.engine == "tesseract":
            return tess.read(image)
        first = self.rapid.read(image)
        if first.error or not first.lines or tess is None:
            return _confident(first)
        return self._second_reading(tess, image, first.lines)

    def read_scan(self, image: Image.Image) -> OcrResult:
        """A page without a text layer: Tesseract's whole-page layout when it is usable."""
        tess = self._tesseract()
        if tess is None:
            return _confident(self.rapid.read(image))
        whole = tess.read(image)
        if whole.had_text or self.engine == "tesseract":
            return whole
        return self.read(image)

    def _second_reading(
        self, tess: TesseractEngine, image: Image.Image, lines: list[OcrLine]
    ) -> OcrResult:
        picked = [n for n, line in enumerate(lines) if wants_second_reading(line)]
        boxes = [np.asarray(lines[n].box, np.float32) for n in picked]
        tall = [is_tall(lines[n].box) for n in picked]
        again = dict(zip(picked, tess.read_regions(image, boxes, tall), strict=True))
        kept = []
        for n, line in enumerate(lines):
            chosen = better_reading(line, again.get(n)) if n in again else line
            if chosen is not None and chosen.confidence >= _floor(chosen, line):
                kept.append(chosen)
        return result_of(reading_order(kept))


def reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Vertical columns (縦書き) read right to left; other lines keep the detector's order
    (top to bottom). RapidOCR lists columns left to right."""
    if not lines or not all(is_tall(line.box) for line in lines):
        return lines
    return sorted(lines, key=lambda line: -float(np.mean([x for x, _ in line.box])))


def _floor(chosen: OcrLine, rapid: OcrLine) -> float:
    """The confidence a kept line needs: RapidOCR's own threshold for its readings."""
    return DEFAULT_MIN_CONFIDENCE if chosen is rapid else TESSERACT_MIN


def _confident(result: OcrResult) -> OcrResult:
    """RapidOCR's result without the doubtful lines the reader asked it for."""
    if result.error:
        return result
    return result_of([ln for ln in result.lines if ln.confidence >= DEFAULT_MIN_CONFIDENCE])


def reader_for(settings: Settings) -> OcrReader:
    """The reader the settings ask for (nothing is loaded or run until the first read)."""
    tesseract = None
    if settings.ocr_engine != "rapidocr":
        tesseract = TesseractEngine(
            settings.ocr_languages, settings.tesseract_command, settings.tessdata_dir
        )
    return OcrReader(settings.ocr_engine, tesseract=tesseract)


def ocr_choice(settings: Settings) -> tuple[object, ...]:
    """The settings a reader is built from: a change to any of them needs a new reader."""
    s = settings
    return (s.ocr_engine, s.ocr_languages, s.tesseract_command, s.tessdata_dir)
