"""Print with known text, for the OCR benchmark (bench_ocr_cer.py).

Horizontal crops are lines of real PDF pages that have a text layer: the line's text is what
PyMuPDF extracts (``page.get_text("dict")``), the picture its box rendered at the scale of
the distortion benchmark's page-region photos. A line is taken only when its text is what
the crop shows: written left to right, no other line reaching into the crop, no unreadable
characters (private-use glyphs, U+FFFD), ink on the render.

Vertical crops typeset the same Japanese lines as one column, top to bottom (縦書き), with
PyMuPDF's built-in CJK font: the corpus holds little vertical print.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

JA, JA_VERTICAL, EN = "ja-horizontal", "ja-vertical", "en"
PAD = 0.35  # crop margin around a line, in line heights
MIN_PAD = 0.08  # a line closer than this to another is not cropped alone
MIN_CHARS = {JA: 4, EN: 8}
MAX_CHARS = 40  # longer lines are left out: as a column they would outgrow a photo
# The scale of bench_distortion.py's page-region photos: a region 35-70 % of the page wide
# shown 700-1400 px wide.
REGION_SHARE = (0.35, 0.7)
REGION_PX = (700, 1400)
MIN_EM_PX = 16.0  # smaller print is photographed closer: below this no engine reads it
MIN_INK_STD = 12.0  # grey-level spread of a crop that shows print (blank: ~0)
FONT = "japan"  # PyMuPDF's built-in CJK font (Droid Sans Fallback)


@dataclass
class Crop:
    kind: str  # JA, JA_VERTICAL or EN
    doc: str  # the PDF's file name
    page: int  # 1-based
    text: str  # what the crop shows
    image: Image.Image  # the line on a sheet of its paper: what is photographed
    box: tuple[int, int, int, int]  # where the line is on ``image``
    em_px: float  # the font size on the image, in pixels
    region_px: float  # the longer side of the page region photographed


def on_sheet(
    line: Image.Image, region_px: float, rng: np.random.Generator, tall: bool = False
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """``line`` at a random place on a blank sheet of its paper colour, as large as the page
    region a photo shows (``region_px`` by 0.6 of it; turned for a column): the engines see a
    photo of the size they read in use, not a strip (RapidOCR's detector scales an image's
    shorter side to 736 px, and a 60 px strip would grow to characters 400 px high)."""
    long, short = round(region_px), round(0.6 * region_px)
    size = (short, long) if tall else (long, short)
    width, height = max(size[0], line.width), max(size[1], line.height)
    x = int(rng.integers(0, width - line.width + 1))
    y = int(rng.integers(0, height - line.height + 1))
    paper = line.getpixel((0, 0))
    sheet = Image.new("RGB", (width, height), paper)
    sheet.paste(line, (x, y))
    return sheet, (x, y, x + line.width, y + line.height)


def is_japanese(ch: str) -> bool:
    """Kana or kanji (CJK unified ideographs and extension A, iteration mark 々)."""
    return (
        "\u3040" <= ch <= "\u30ff"
        or "\u4e00" <= ch <= "\u9fff"
        or "\u3400" <= ch <= "\u4dbf"
        or ch in "々〆ヵヶ"
        or "\uff66" <= ch <= "\uff9f"  # half-width katakana
    )


def kind_of(text: str) -> str | None:
    """JA for a line that is mostly Japanese, EN for a line of Latin print, else None."""
    chars = [ch for ch in text if not ch.isspace()]
    if not chars or not all(_readable(ch) for ch in chars):
        return None
    japanese = sum(map(is_japanese, chars))
    if japanese >= 3 and japanese >= 0.5 * len(chars) and len(chars) >= MIN_CHARS[JA]:
        return JA
    latin = sum(ch.isascii() and ch.isalnum() for ch in chars)
    if japanese == 0 and latin >= 0.7 * len(chars) and len(chars) >= MIN_CHARS[EN]:
        return EN
    return None


def _readable(ch: str) -> bool:
    """A character a reader could put on the page: not a private-use glyph (icon fonts),
    not U+FFFD (a font without a text mapping), not a control."""
    return ch != "\ufffd" and unicodedata.category(ch) not in ("Co", "Cc", "Cf", "Cn")


def _line_text(line: dict[str, Any]) -> str | None:
    """The line's text when its spans run left to right (extraction order is reading order),
    else None."""
    spans = [s for s in line["spans"] if s["text"].strip()]
    lefts = [s["bbox"][0] for s in spans]
    if not spans or lefts != sorted(lefts):
        return None
    return " ".join("".join(s["text"] for s in spans).split())


def page_lines(page: Any, kind: str) -> list[tuple[str, Any, float]]:
    """(text, crop rectangle, font size) of every line of ``kind`` on ``page`` whose crop
    shows that line alone."""
    lines = [
        line
        for block in page.get_text("dict")["blocks"]
        for line in block.get("lines", [])
        if line["spans"]
    ]
    found = []
    for line in lines:
        text = _line_text(line)
        if text is None or line["dir"][0] < 0.999 or len(text) > MAX_CHARS:
            continue
        if kind_of(text) != kind:
            continue
        crop = _crop_box(line, [other for other in lines if other is not line])
        if crop is not None and page.rect.contains(crop):
            found.append((text, crop, max(s["size"] for s in line["spans"])))
    return found


def _crop_box(line: dict[str, Any], others: list[dict[str, Any]]) -> Any:
    """The line's box with a margin of PAD line heights, narrowed to half the gap to any
    neighbouring line (line boxes may be as tight as the print); None when a margin would be
    under MIN_PAD or another line's box reaches into the crop."""
    import pymupdf

    box = pymupdf.Rect(line["bbox"])
    pad = [PAD * box.height] * 4  # left, top, right, bottom
    for other in others:
        o = pymupdf.Rect(other["bbox"])
        if o.x0 < box.x1 and box.x0 < o.x1:  # above or below
            if o.y1 <= box.y0:
                pad[1] = min(pad[1], (box.y0 - o.y1) / 2)
            elif o.y0 >= box.y1:
                pad[3] = min(pad[3], (o.y0 - box.y1) / 2)
        elif o.y0 < box.y1 and box.y0 < o.y1:  # beside
            if o.x1 <= box.x0:
                pad[0] = min(pad[0], (box.x0 - o.x1) / 2)
            elif o.x0 >= box.x1:
                pad[2] = min(pad[2], (o.x0 - box.x1) / 2)
    if min(pad) < MIN_PAD * box.height:
        return None
    crop = pymupdf.Rect(box.x0 - pad[0], box.y0 - pad[1], box.x1 + pad[2], box.y1 + pad[3])
    if any(pymupdf.Rect(o["bbox"]).intersects(crop) for o in others):
        return None
    return crop


def render(page: Any, rect: Any, scale: float) -> Image.Image:
    import pymupdf

    pix = page.get_pixmap(matrix=pymupdf.Matrix(scale, scale), clip=rect, alpha=False)
    return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)


def has_ink(img: Image.Image) -> bool:
    return float(np.asarray(img.convert("L"), np.float32).std()) >= MIN_INK_STD


def line_crops(
    pdfs: list[Path], kind: str, n: int, rng: np.random.Generator, tries: int = 40
) -> list[Crop]:
    """``n`` crops of lines of ``kind`` (at most one per page), from random pages of random
    PDFs of ``pdfs``; fewer when ``tries`` x ``n`` pages give no more."""
    import pymupdf

    crops: list[Crop] = []
    seen: set[tuple[int, int]] = set()
    for _ in range(tries * n):
        if len(crops) >= n or not pdfs:
            break
        i = int(rng.integers(len(pdfs)))
        with pymupdf.open(pdfs[i]) as doc:
            p = int(rng.integers(len(doc)))
            if (i, p) in seen:
                continue
            seen.add((i, p))
            crop = _pick_line(doc[p], kind, rng, pdfs[i].name)
        if crop is not None:
            crops.append(crop)
    return crops


def _pick_line(page: Any, kind: str, rng: np.random.Generator, doc: str) -> Crop | None:
    lines = page_lines(page, kind)
    if not lines:
        return None
    text, rect, size = lines[int(rng.integers(len(lines)))]
    region_px = float(rng.uniform(*REGION_PX))  # a photo of a region of the page (constants)
    scale = max(region_px / (rng.uniform(*REGION_SHARE) * page.rect.width), MIN_EM_PX / size)
    line = render(page, rect, scale)
    if not has_ink(line):
        return None
    sheet, box = on_sheet(line, region_px, rng)
    return Crop(kind, doc, page.number + 1, text, sheet, box, size * scale, region_px)


# --- vertical typesetting ---------------------------------------------------------------------
# In vertical print, brackets, dashes and the long-vowel mark turn a quarter clockwise, and the
# comma and full stop sit in the top right of their cell; Latin letters and digits stand
# upright, full-width (one of the styles Japanese print uses for short Latin runs).
TURNED = set("ー－-‐―—–~～…‥（）()［］[]「」『』【】〔〕｛｝{}〈〉《》＜＞<>＝=→←")
TOP_RIGHT = set("、。，．,.")
PITCH = 1.1  # cell height in ems


def _full_width(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


def typeset_vertical(text: str, em_px: float, margin: float = 0.6) -> Image.Image:
    """``text`` as one column, top to bottom, characters ``em_px`` pixels high (spaces left
    out: Japanese print does not space its words)."""
    import pymupdf

    chars = [_full_width(ch) for ch in text if not ch.isspace()]
    fs = 20.0  # typeset in points, rendered at em_px / fs pixels per point
    width = fs * (1 + 2 * margin)
    height = fs * (PITCH * len(chars) + 2 * margin)
    font = pymupdf.Font(FONT)
    with pymupdf.open() as doc:
        page = doc.new_page(width=width, height=height)
        for i, ch in enumerate(chars):
            centre = pymupdf.Point(width / 2, fs * (margin + PITCH * (i + 0.5)))
            _place(page, font, ch, centre, fs)
        return render(page, page.rect, em_px / fs)


def _place(page: Any, font: Any, ch: str, centre: Any, fs: float) -> None:
    import pymupdf

    # A CJK glyph's ink is centred about 0.38 em above the baseline in this font.
    origin = pymupdf.Point(centre.x - font.text_length(ch, fs) / 2, centre.y + 0.38 * fs)
    morph = None
    if ch in TURNED:
        morph = (centre, pymupdf.Matrix(-90))
    elif ch in TOP_RIGHT:
        origin += (0.55 * fs, -0.55 * fs)
    page.insert_text(origin, ch, fontsize=fs, fontname=FONT, morph=morph)


def vertical_crops(sources: list[Crop], rng: np.random.Generator) -> Iterator[Crop]:
    """The Japanese lines of ``sources`` typeset vertically at their own size, each on a
    sheet as large as its horizontal twin's, turned."""
    for c in sources:
        column = typeset_vertical(c.text, c.em_px)
        sheet, box = on_sheet(column, c.region_px, rng, tall=True)
        yield Crop(JA_VERTICAL, c.doc, c.page, c.text, sheet, box, c.em_px, c.region_px)
