"""Does a PDF page show a figure or a photo? The gate for local visual features.

Local features (SIFT) of a page cost about as much as the rest of its extraction and ~99 % of
its bytes in the catalog, and on a page of running text, tables or code they only describe
letters that repeat everywhere: a photo of such a page region is found by its printed text
(the printed-passage signal, docs/SIGNALS.md), not by its keypoints. So a page gets features
(and the sharper render they need) only when PyMuPDF's cheap page description shows a
picture or a vector drawing:

* placed images covering at least IMAGE_SHARE of the page (a product photo, a screenshot, a
  scan, a figure converted to image fragments); logos and icons stay below it;
* or vector figure strokes: curves and slanted lines, counted only in drawing paths that hold
  at least PATH_STROKES of them (a chart line, a package outline, a schematic symbol). Table
  rules are horizontal and vertical, and bullets, rounded boxes and arrows hold only a few.

Measured on the corpus in docs/SIGNALS.md (section 1, "Features only on figure pages").
"""

# mypy: disallow-untyped-calls=False

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pymupdf

IMAGE_SHARE = 0.03
PATH_STROKES = 5
FIGURE_STROKES = 40
_SLANT = 1.0  # points both ways before a line counts as slanted, not a rule


@dataclass(frozen=True)
class PageLook:
    """What the page shows, as far as the gate cares."""

    image_share: float  # placed image area / page area (overlaps counted twice)
    figure_strokes: int  # curves and slanted lines in figure-like paths

    @property
    def has_figure(self) -> bool:
        return self.image_share >= IMAGE_SHARE or self.figure_strokes >= FIGURE_STROKES


def look_at(page: pymupdf.Page) -> PageLook:
    """The page's images and vector strokes (takes MuPDF calls: hold MUPDF_LOCK)."""
    return PageLook(_image_share(page), _figure_strokes(page))


def shows_figure(page: pymupdf.Page) -> bool:
    """True when the page deserves local features. A page PyMuPDF cannot describe gets them:
    a missed figure costs more than the bytes."""
    try:
        return look_at(page).has_figure
    except Exception:  # MuPDF raises assorted types for broken content streams
        return True


def _image_share(page: pymupdf.Page) -> float:
    rect = page.rect
    area = max(rect.width * rect.height, 1.0)
    covered = 0.0
    for info in page.get_image_info():
        box = pymupdf.Rect(info["bbox"]) & rect
        if not box.is_empty:
            covered += float(box.width * box.height)
    return covered / float(area)


def _figure_strokes(page: pymupdf.Page) -> int:
    total = 0
    for path in page.get_cdrawings():
        strokes = sum(_is_stroke(item) for item in path.get("items", ()))
        if strokes >= PATH_STROKES:
            total += strokes
    return total


def _is_stroke(item: tuple[Any, ...]) -> bool:
    op = item[0]
    if op in ("c", "qu"):
        return True
    if op == "l":
        (x0, y0), (x1, y1) = item[1], item[2]
        return bool(abs(x1 - x0) > _SLANT and abs(y1 - y0) > _SLANT)
    return False
