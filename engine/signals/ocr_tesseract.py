"""OCR with Tesseract 5 (Debian's ``tesseract-ocr`` with ``jpn``, ``jpn_vert``, ``eng``).

The bundled RapidOCR model is trained on Chinese and English: it skips most kana and reads
kanji in their simplified Chinese forms. Tesseract's ``jpn`` model reads Japanese print as
Japanese, and its page layout analysis finds vertical columns (縦書き) and reads them right to
left. It runs as a separate program (through ``pytesseract``), so a missing install is a
problem to report, never an exception: :meth:`TesseractEngine.problem` says what is missing.

Two ways in:
* :meth:`TesseractEngine.read`: a whole image (a scanned page), layout found by Tesseract;
* :meth:`TesseractEngine.read_regions`: text regions another detector found (RapidOCR's boxes
  on a photo), each straightened, read in one Tesseract call per orientation.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from engine.signals.ocr import OcrLine, OcrResult

log = logging.getLogger(__name__)

# Sagasu's language codes → Tesseract's models. Japanese brings its vertical model too:
# Tesseract uses it for the columns its layout analysis finds vertical.
TESSERACT_MODELS: dict[str, tuple[str, ...]] = {
    "ja": ("jpn", "jpn_vert"),
    "en": ("eng",),
}
DEFAULT_LANGUAGES = ("ja", "en")
MIN_CONFIDENCE = 0.5  # a line's mean word confidence; Tesseract's own scale is 0–100
CALL_SECONDS = 60  # one Tesseract call; a page at 150 dpi takes 1–4 s on one core
_CROP_HEIGHT = 48  # horizontal crops are scaled to this height (Tesseract likes ~30 px glyphs)
_CROP_GAP = 24  # white space between stacked crops: Tesseract must not join two lines
_WINDOWS_PATHS = (
    r"C:\Program Files\Tesseract-OCR\tesseract.exe",
    r"C:\Program Files (x86)\Tesseract-OCR\tesseract.exe",
)
_CALL_LOCK = threading.Lock()  # pytesseract keeps the program path in a module global


def tesseract_models(languages: Sequence[str]) -> list[str]:
    """Tesseract model names for Sagasu's language codes (an unknown code is taken as a
    Tesseract model name itself, e.g. ``deu``)."""
    models: list[str] = []
    for code in languages:
        for model in TESSERACT_MODELS.get(code, (code,)):
            if model not in models:
                models.append(model)
    return models


def find_tesseract(command: str | None = None) -> str | None:
    """The Tesseract program: the given path or name, else ``tesseract`` on PATH, else the
    usual Windows install folder (the UB-Mannheim installer does not add itself to PATH)."""
    if command:
        return shutil.which(command) or (command if Path(command).is_file() else None)
    found = shutil.which("tesseract")
    if found:
        return found
    return next((p for p in _WINDOWS_PATHS if os.name == "nt" and Path(p).is_file()), None)


@dataclass(frozen=True)
class _Word:
    text: str
    confidence: float  # 0–1
    left: int
    top: int
    width: int
    height: int
    line: tuple[int, int, int]  # (block, paragraph, line) as Tesseract numbers them


class TesseractEngine:
    """Tesseract through pytesseract, for ``languages`` (Sagasu codes, e.g. ``("ja", "en")``).

    ``command`` is the program (default: found on PATH), ``tessdata_dir`` the folder of its
    ``.traineddata`` files (default: Tesseract's own, or ``TESSDATA_PREFIX``)."""

    def __init__(
        self,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
        command: str | None = None,
        tessdata_dir: str | None = None,
        min_confidence: float = MIN_CONFIDENCE,
    ) -> None:
        self.languages = tuple(languages)
        self.command = command
        self.tessdata_dir = tessdata_dir
        self.min_confidence = min_confidence
        self._program: str | None = None
        self._installed: set[str] | None = None
        self._problem: str | None = None
        self._checked = False
        self._lock = threading.Lock()

    # --- is it usable? ---------------------------------------------------------------------

    def problem(self) -> str:
        """Why Tesseract cannot read ``languages`` here ("" when it can). Checked once."""
        with self._lock:
            if not self._checked:
                self._problem = self._check()
                self._checked = True
            return self._problem or ""

    @property
    def ready(self) -> bool:
        return not self.problem()

    def has_language(self, code: str) -> bool:
        """Whether the models of one Sagasu language code are installed."""
        if self.problem() and self._installed is None:
            return False
        return all(m in (self._installed or set()) for m in TESSERACT_MODELS.get(code, (code,)))

    def _check(self) -> str:
        program = find_tesseract(self.command)
        if program is None:
            where = f"“{self.command}”" if self.command else "“tesseract” on PATH"
            return f"the Tesseract program {where} was not found (setting tesseract_command)"
        self._program = program
        try:
            listing = subprocess.run(
                [program, *self._data_args(), "--list-langs"],
                capture_output=True,
                text=True,
                timeout=CALL_SECONDS,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return f"the Tesseract program {program} could not run ({exc})"
        lines = (listing.stdout or "").splitlines()
        self._installed = {ln.strip() for ln in lines[1:] if ln.strip()}
        missing = [m for m in tesseract_models(self.languages) if m not in self._installed]
        if missing:
            return (
                f"Tesseract lacks the language data {', '.join(missing)}"
                " (install tesseract-ocr-jpn / tesseract-ocr-jpn-vert, or set tessdata_dir)"
            )
        return ""

    def _data_args(self) -> list[str]:
        return ["--tessdata-dir", self.tessdata_dir] if self.tessdata_dir else []

    # --- reading ---------------------------------------------------------------------------

    def read(self, image: Image.Image) -> OcrResult:
        """Every text line in ``image`` in reading order (vertical columns right to left);
        never raises."""
        words = self._words(image, psm=3)
        if isinstance(words, str):
            return OcrResult.failed(words)
        return self._result(_lines_of(words))

    def read_regions(
        self, image: Image.Image, boxes: Sequence[np.ndarray], vertical: Sequence[bool]
    ) -> list[OcrLine | None]:
        """One reading per box (4 corner points in ``image``'s pixels, clockwise from the
        top-left of the text), or None where nothing was read. Horizontal boxes are
        straightened and stacked into one image read as lines; vertical ones (縦書き) side
        by side, read as one vertical block."""
        out: list[OcrLine | None] = [None] * len(boxes)
        if not boxes or self.problem():
            return out
        rgb = np.asarray(image.convert("RGB"))
        for want_vertical in (False, True):
            picked = [i for i, v in enumerate(vertical) if v == want_vertical]
            if picked:
                crops = [_straighten(rgb, boxes[i], want_vertical) for i in picked]
                texts = self._read_stack(crops, want_vertical)
                for i, reading in zip(picked, texts, strict=True):
                    if reading is not None:
                        pts = tuple((float(x), float(y)) for x, y in boxes[i])
                        out[i] = OcrLine(reading[0], reading[1], pts)
        return out

    def _read_stack(
        self, crops: list[np.ndarray], vertical: bool
    ) -> list[tuple[str, float] | None]:
        canvas, spans = _stack(crops, vertical)
        words = self._words(Image.fromarray(canvas), psm=5 if vertical else 6)
        if isinstance(words, str):
            log.info("Tesseract failed on text regions: %s", words)
            return [None] * len(crops)
        per_crop: list[list[_Word]] = [[] for _ in crops]
        for word in words:
            centre = word.left + word.width / 2 if vertical else word.top + word.height / 2
            hit = next((n for n, (a, b) in enumerate(spans) if a <= centre < b), None)
            if hit is not None:
                per_crop[hit].append(word)
        readings: list[tuple[str, float] | None] = []
        for found in per_crop:
            found.sort(key=lambda w: w.top if vertical else w.left)
            text = join_words([w.text for w in found])
            readings.append((text, _mean_conf(found)) if text else None)
        return readings

    def _words(self, image: Image.Image, psm: int) -> list[_Word] | str:
        """Tesseract's words with their confidence and box, or the reason it failed."""
        problem = self.problem()
        if problem:
            return problem
        import pytesseract

        config = " ".join([f"--psm {psm}", *_quoted(self._data_args())])
        try:
            with _CALL_LOCK:
                pytesseract.pytesseract.tesseract_cmd = self._program or "tesseract"
                data = pytesseract.image_to_data(
                    image.convert("RGB"),
                    lang="+".join(tesseract_models(self.languages)),
                    config=config,
                    output_type=pytesseract.Output.DICT,
                    timeout=CALL_SECONDS,
                )
        except Exception as exc:  # the program crashed, timed out or vanished
            return f"Tesseract failed: {str(exc).strip() or type(exc).__name__}"
        return _words_of(data)

    def _result(self, lines: list[tuple[str, float, tuple[tuple[float, float], ...]]]) -> OcrResult:
        kept = [OcrLine(t, c, box) for t, c, box in lines if t and c >= self.min_confidence]
        if not kept:
            return OcrResult()
        return OcrResult(
            lines=kept,
            text="\n".join(line.text for line in kept),
            mean_confidence=float(np.mean([line.confidence for line in kept])),
            had_text=True,
        )


def _quoted(args: list[str]) -> list[str]:
    # pytesseract splits its config with shlex: a folder with spaces must be quoted.
    return [f'"{a}"' if " " in a else a for a in args]


def _words_of(data: dict[str, list[Any]]) -> list[_Word]:
    words = []
    for n, text in enumerate(data["text"]):
        text = str(text).strip()
        conf = float(data["conf"][n])
        if not text or conf < 0:
            continue
        words.append(
            _Word(
                text,
                conf / 100.0,
                int(data["left"][n]),
                int(data["top"][n]),
                int(data["width"][n]),
                int(data["height"][n]),
                (int(data["block_num"][n]), int(data["par_num"][n]), int(data["line_num"][n])),
            )
        )
    return words


def _lines_of(words: list[_Word]) -> list[tuple[str, float, tuple[tuple[float, float], ...]]]:
    """Words grouped into Tesseract's lines, in its reading order."""
    groups: dict[tuple[int, int, int], list[_Word]] = {}
    for word in words:
        groups.setdefault(word.line, []).append(word)
    lines = []
    for group in groups.values():
        x0 = min(w.left for w in group)
        y0 = min(w.top for w in group)
        x1 = max(w.left + w.width for w in group)
        y1 = max(w.top + w.height for w in group)
        box = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
        text = join_words([w.text for w in group])
        lines.append((text, _mean_conf(group), tuple((float(x), float(y)) for x, y in box)))
    return lines


def _mean_conf(words: list[_Word]) -> float:
    """Mean word confidence weighted by length: one doubtful particle does not sink a line."""
    total = sum(len(w.text) for w in words)
    return sum(w.confidence * len(w.text) for w in words) / total if total else 0.0


def is_cjk(ch: str) -> bool:
    """Kana, kanji, CJK punctuation and full-width forms: written without spaces."""
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "FULLWIDTH", "IDEOGRAPHIC"))


def join_words(words: Sequence[str]) -> str:
    """Tesseract's words joined as print has them: a space only between two Latin words
    (Tesseract splits Japanese into words: 縦 書き の → 縦書きの)."""
    out = ""
    for word in words:
        if out and not (is_cjk(out[-1]) or is_cjk(word[0])):
            out += " "
        out += word
    return out


def _straighten(rgb: np.ndarray, box: np.ndarray, vertical: bool) -> np.ndarray:
    """The box's content as an upright rectangle, scaled so its line is _CROP_HEIGHT thick
    (vertical text: its column _CROP_HEIGHT wide), with a white margin."""
    p = np.asarray(box, np.float32).reshape(4, 2)
    width = float(max(np.linalg.norm(p[0] - p[1]), np.linalg.norm(p[3] - p[2])))
    height = float(max(np.linalg.norm(p[0] - p[3]), np.linalg.norm(p[1] - p[2])))
    thickness = width if vertical else height
    scale = _CROP_HEIGHT / max(thickness, 1.0)
    w, h = max(8, round(width * scale)), max(8, round(height * scale))
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    warp = cv2.getPerspectiveTransform(p, target)
    crop = cv2.warpPerspective(
        rgb, warp, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    margin = _CROP_GAP // 2
    return cv2.copyMakeBorder(
        crop, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=(255, 255, 255)
    )


def _stack(crops: list[np.ndarray], vertical: bool) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Crops on one white canvas: one under the other (horizontal text), or side by side
    (vertical columns); with each crop's span along the stacking axis."""
    axis = 1 if vertical else 0
    other = 1 - axis
    size = [0, 0]
    size[axis] = sum(c.shape[axis] for c in crops)
    size[other] = max(c.shape[other] for c in crops)
    canvas = np.full((size[0], size[1], 3), 255, np.uint8)
    spans, at = [], 0
    for crop in crops:
        if vertical:
            canvas[: crop.shape[0], at : at + crop.shape[1]] = crop
        else:
            canvas[at : at + crop.shape[0], : crop.shape[1]] = crop
        spans.append((at, at + crop.shape[axis]))
        at += crop.shape[axis]
    return canvas, spans
