"""The OCR engines bench_ocr_cer.py measures, each as one call: a crop in, its text out.

* ``rapidocr``: the product's ``engine.signals.ocr.OcrEngine`` as the indexer runs it.
* ``tess:LANG:PSM[:xS]``: Tesseract through pytesseract, as a product adapter would call it:
  ``LANG`` and page segmentation mode ``PSM`` for wide images, ``jpn_vert`` with PSM 5 (one
  block of vertical text) for images taller than wide; ``xS`` enlarges the image S times
  first. ``tesseract`` is ``tess:jpn+eng:6``, the default languages of issue #16.
* ``boxes:LANG:PSM``: RapidOCR's detector finds the text boxes (the product's own pass,
  levelled and rectified by RapidOCR), Tesseract reads each box: ``LANG`` with ``PSM`` for a
  wide box, ``jpn_vert`` with PSM 5 for a tall one.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

Read = Callable[[Image.Image], str]
TESSERACT = "tess:jpn+eng:6"


def rapidocr() -> Read:
    from engine.signals.ocr import OcrEngine

    engine = OcrEngine()

    def read(image: Image.Image) -> str:
        return engine.read(image).text

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
    """The box's print warped level, and whether it is a column (taller than 1.5x wide on
    the photo). RapidOCR's own crops lay a column on its side, and which side depends on
    the corner its box starts from: corners are ordered here by position instead."""
    pts = np.asarray(box, np.float32).reshape(4, 2)
    top, bottom = pts[np.argsort(pts[:, 1])][:2], pts[np.argsort(pts[:, 1])][2:]
    tl, tr = top[np.argsort(top[:, 0])]
    bl, br = bottom[np.argsort(bottom[:, 0])]
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array([(0, 0), (width, 0), (width, height), (0, height)], np.float32)
    m = cv2.getPerspectiveTransform(np.array([tl, tr, br, bl], np.float32), target)
    flat = cv2.warpPerspective(bgr, m, (max(width, 1), max(height, 1)), flags=cv2.INTER_CUBIC)
    xs, ys = pts[:, 0], pts[:, 1]
    tall = bool(ys.max() - ys.min() >= 1.5 * (xs.max() - xs.min()))
    return Image.fromarray(np.ascontiguousarray(flat[:, :, ::-1])), tall


def tesseract_ready() -> bool:
    try:
        import pytesseract

        return {"jpn", "jpn_vert", "eng"} <= set(pytesseract.get_languages(config=""))
    except Exception:
        return False


def available() -> dict[str, Read]:
    """The default engines that can run here."""
    readers = {"rapidocr": rapidocr()}
    if tesseract_ready():
        readers["tesseract"] = tesseract(TESSERACT)
    return readers


def reader(name: str) -> Read | None:
    """A default engine, or a Tesseract variant named ``tess:...``; None when unknown."""
    if name.startswith(("tess:", "boxes:")):
        if not tesseract_ready():
            return None
        return tesseract(name) if name.startswith("tess:") else boxes(name)
    return available().get(name)
