"""The OCR engines bench_ocr_cer.py measures, each as one call: a crop in, its text out.

The product's three engine choices (``Settings.ocr_engine``, engine.signals.ocr_choice), with
the default languages (Japanese and English), reading a photo as the indexer and the search do
(``OcrReader.read``):
* ``rapidocr``: RapidOCR alone;
* ``tesseract``: Tesseract alone, on the whole image (its layout analysis, psm 3);
* ``auto``: the combination: RapidOCR detects and reads, Tesseract reads again the boxes
  holding Japanese or read with little confidence, the better reading of each box is kept.

Variants, for choosing settings (by name with ``--engines``):
* ``scan:ENGINE``: the product's reading of a page without a text layer
  (``OcrReader.read_scan``);
* ``tess:LANG:PSM[:xS]``: Tesseract through pytesseract on the whole image: ``LANG`` and page
  segmentation mode ``PSM`` for wide images, ``jpn_vert`` with PSM 5 (one block of vertical
  text) for images taller than wide; ``xS`` enlarges the image S times first;
* ``boxes:LANG:PSM``: RapidOCR's detector finds the text boxes, each is warped upright (corners
  ordered by position, see ``_upright``) and read by Tesseract: ``LANG`` with ``PSM`` for a
  wide box, ``jpn_vert`` with PSM 5 for a tall one.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

Read = Callable[[Image.Image], str]
PRODUCT = ("rapidocr", "tesseract", "auto")


def product(choice: str, scan: bool = False) -> Read:
    """The product's reader for the engine ``choice``, default settings otherwise."""
    from engine.config import Settings
    from engine.signals.ocr_choice import reader_for

    reader = reader_for(Settings(ocr_engine=choice))

    def read(image: Image.Image) -> str:
        return (reader.read_scan(image) if scan else reader.read(image)).text

    return read


def tesseract(spec: str) -> Read:
    """A reader for ``tess:LANG:PSM[:xS]`` (module docstring)."""
    import pytesseract

    _, lang, psm, *rest = spec.split(":")
    scale = float(rest[0].lstrip("x")) if rest else 1.0

    def read(image: Image.Image) -> str:
        if scale != 1.0:
            size = (round(image.width * scale), round(image.height * scale))
            image = image.resize(size, Image.Resampling.BICUBIC)
        if image.height > image.width:
            return str(pytesseract.image_to_string(image, lang="jpn_vert", config="--psm 5"))
        return str(pytesseract.image_to_string(image, lang=lang, config=f"--psm {psm}"))

    return read


def boxes(spec: str) -> Read:
    """A reader for ``boxes:LANG:PSM`` (module docstring)."""
    import pytesseract

    from engine.signals.ocr import OcrEngine, _detect, _to_bgr

    _, lang, psm = spec.split(":")
    engine = OcrEngine()

    def read_box(img: np.ndarray, box: np.ndarray) -> str:
        crop, tall = _upright(img, box)
        margin = max(8, min(crop.size) // 4)  # Tesseract wants paper around the print
        sheet = Image.new("RGB", (crop.width + 2 * margin, crop.height + 2 * margin), "white")
        sheet.paste(crop, (margin, margin))
        if tall:
            return str(pytesseract.image_to_string(sheet, lang="jpn_vert", config="--psm 5"))
        return str(pytesseract.image_to_string(sheet, lang=lang, config=f"--psm {psm}"))

    def read(image: Image.Image) -> str:
        bgr, _ = _to_bgr(image, engine.max_side)
        found, img, _ = _detect(engine._load(), bgr)
        return "\n".join(read_box(img, box) for box in found)

    return read


def _upright(bgr: np.ndarray, box: np.ndarray) -> tuple[Image.Image, bool]:
    """The box's print warped level, and whether it is a column (its extent on the photo
    1.5 times taller than wide). Corners are named by position along the box's long axis:
    RapidOCR's own corner order starts at another corner once a column leans more than a
    few degrees, and its crops lay a column on one side or the other."""
    pts = np.asarray(box, np.float32).reshape(4, 2)
    xs, ys = pts[:, 0], pts[:, 1]
    tall = bool(ys.max() - ys.min() >= 1.5 * (xs.max() - xs.min()))
    if tall:  # the two top corners, then the two bottom ones, each pair left to right
        top, bottom = pts[np.argsort(ys)][:2], pts[np.argsort(ys)][2:]
        tl, tr = top[np.argsort(top[:, 0])]
        bl, br = bottom[np.argsort(bottom[:, 0])]
    else:  # the two left corners, then the two right ones, each pair top to bottom
        left, right = pts[np.argsort(xs)][:2], pts[np.argsort(xs)][2:]
        tl, bl = left[np.argsort(left[:, 1])]
        tr, br = right[np.argsort(right[:, 1])]
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array([(0, 0), (width, 0), (width, height), (0, height)], np.float32)
    m = cv2.getPerspectiveTransform(np.array([tl, tr, br, bl], np.float32), target)
    flat = cv2.warpPerspective(bgr, m, (max(width, 1), max(height, 1)), flags=cv2.INTER_CUBIC)
    return Image.fromarray(np.ascontiguousarray(flat[:, :, ::-1])), tall


def tesseract_ready() -> bool:
    try:
        import pytesseract

        return {"jpn", "jpn_vert", "eng"} <= set(pytesseract.get_languages(config=""))
    except Exception:
        return False


def available() -> dict[str, Read]:
    """The product's engines that can run here (RapidOCR alone without Tesseract)."""
    names = PRODUCT if tesseract_ready() else PRODUCT[:1]
    return {name: product(name) for name in names}


def reader(name: str) -> Read | None:
    """An engine or a variant by name (module docstring); None when unknown or when it
    needs Tesseract and Tesseract is missing."""
    kind, _, rest = name.partition(":")
    if name == "rapidocr" or (kind == "scan" and rest == "rapidocr"):
        return product("rapidocr", scan=kind == "scan")
    if not tesseract_ready():
        return None
    variants = {"tess": tesseract, "boxes": boxes}
    if name in PRODUCT:
        return product(name)
    if kind == "scan" and rest in PRODUCT:
        return product(rest, scan=True)
    return variants[kind](name) if kind in variants and rest else None
