"""Japanese print rendered by PyMuPDF's built-in CJK font: horizontal lines, vertical columns
(縦書き) and image-only PDFs of them (scans without a text layer), for the OCR tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pymupdf
from PIL import Image

FONT = "japan"  # PyMuPDF's built-in Japanese font (Droid Sans Fallback)


def _to_image(page: pymupdf.Page, dpi: int) -> Image.Image:
    pix = page.get_pixmap(dpi=dpi)
    return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)


def horizontal_print(
    lines: Sequence[str], size: tuple[float, float] = (420, 160), fontsize: float = 15
) -> Image.Image:
    """Lines of print, one under the other, rendered at 150 dpi."""
    doc = pymupdf.open()
    page = doc.new_page(width=size[0], height=size[1])
    for n, line in enumerate(lines):
        page.insert_text((20, 40 + n * 2 * fontsize), line, fontname=FONT, fontsize=fontsize)
    return _to_image(page, 150)


def vertical_print(columns: Sequence[str], fontsize: float = 16) -> Image.Image:
    """Columns of vertical print (縦書き), the first column on the right, rendered at 150 dpi."""
    doc = pymupdf.open()
    width = 60 + 40 * len(columns)
    page = doc.new_page(width=width, height=60 + fontsize * max(len(c) for c in columns))
    for n, column in enumerate(columns):
        x = width - 40 - n * 40
        page.insert_text((x, 30), column, fontname=FONT, fontsize=fontsize, rotate=-90)
    return _to_image(page, 150)


def scanned_pdf(path: Path, pages: Sequence[Sequence[str]], dpi: int = 200) -> Path:
    """An image-only PDF: each page's text laid out on an A5 page, rendered, and placed back
    as a picture, so the PDF has no text layer (what a scanner makes)."""
    out = pymupdf.open()
    for lines in pages:
        src = pymupdf.open()
        page = src.new_page(width=420, height=595)
        y = 60.0
        for line in lines:
            page.insert_text((40, y), line, fontname=FONT, fontsize=12)
            y += 24
        png = page.get_pixmap(dpi=dpi).tobytes("png")
        target = out.new_page(width=420, height=595)
        target.insert_image(target.rect, stream=png)
    out.save(path)
    return path
