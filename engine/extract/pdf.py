"""PDF extraction with PyMuPDF: page renders, text chunks and embedded images.

Memory stays bounded for long documents when the caller streams with :func:`iter_pdf_pages`
(one page's items at a time); :func:`extract_pdf` collects everything and suits small files.
"""

# PyMuPDF ships a py.typed marker (recent releases) but leaves most of its API unannotated:
# strict mode would flag every call into it as untyped. Its results are Any either way, so
# the functions here annotate what they return.
# mypy: disallow-untyped-calls=False

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymupdf
from PIL import Image

from engine.config import Settings
from engine.extract import PDF_HEADER_WINDOW, PDF_MAGIC, ExtractError
from engine.extract.chunking import chunk_text
from engine.extract.figures import shows_figure
from engine.extract.images import make_thumbnail
from engine.extract.mupdf import MUPDF_LOCK as MUPDF_LOCK  # callers take it from here too
from engine.extract.mupdf import pages_of
from engine.extract.opening import open_regular
from engine.types import (
    CancelCheck,
    Cancelled,
    ExtractedFile,
    ExtractedItem,
    FileEntry,
    ItemKind,
    never_cancel,
)

# Page renders feed CLIP (224 px) and OCR; 1024 px on the long side keeps small print legible
# on A4 while a 2000 mm drawing sheet does not turn into a 100-megapixel bitmap.
MAX_RENDER_SIDE = 1024
FEATURE_MAX_SIDE = 1600  # the sharper page render for local features (feature_dpi)
MAX_EMBEDDED_SIDE = 1024
# An embedded image covering most of the page is the page itself (a scan): the PAGE item has it.
FULL_PAGE_SHARE = 0.85
MAX_WARNINGS_PER_PAGE = 3


# MuPDF prints repair chatter on stderr; we collect it with TOOLS.mupdf_warnings() instead.
pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)


def pdf_page_count(path: Path | str) -> int:
    """Number of pages; raises :class:`ExtractError` for unreadable or encrypted PDFs."""
    doc = _open_pdf(Path(path))
    with MUPDF_LOCK:
        count: int = doc.page_count
        doc.close()
    return count


def render_page(path: Path | str, page: int, dpi: int = 150, max_side: int = 2400) -> Image.Image:
    """One page (1-based) as an RGB image, for OCR and previews outside extraction.

    Takes MUPDF_LOCK, opens from memory when the name is not UTF-8, and raises ExtractError
    with a reason for unreadable files or a page that no longer exists.
    """
    doc = _open_pdf(Path(path))
    with MUPDF_LOCK:
        try:
            if not 1 <= page <= doc.page_count:
                raise ExtractError(f"page {page} does not exist (the PDF has {doc.page_count})")
            zoom = _zoom(doc[page - 1], dpi, max_side)
            pix = doc[page - 1].get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        finally:
            doc.close()
    return _pixmap_to_image(pix)


def extract_pdf(
    entry: FileEntry, settings: Settings, cancel: CancelCheck = never_cancel
) -> ExtractedFile:
    """All items of a PDF in one record. Holds every page render: prefer iter_pdf_pages for
    long documents."""
    doc = _open_pdf(entry.path)
    with MUPDF_LOCK:
        page_count = doc.page_count
    result = ExtractedFile(entry=entry, page_count=page_count)
    for items in _iter_pages(doc, settings, cancel, result.warnings):
        result.items.extend(items)
    return result


def iter_pdf_pages(
    entry: FileEntry,
    settings: Settings,
    cancel: CancelCheck = never_cancel,
    *,
    warnings: list[str] | None = None,
) -> Iterator[list[ExtractedItem]]:
    """Yield one list of items per page, in page order (an empty list for a page that failed).

    The document is opened *now*, so :class:`ExtractError` (encrypted, damaged, empty) is
    raised by this call, not by the first ``next()``. Partial failures are appended to
    ``warnings`` as they happen. Raises :class:`Cancelled` between pages.
    """
    doc = _open_pdf(entry.path)
    return _iter_pages(doc, settings, cancel, warnings if warnings is not None else [])


def _open_pdf(path: Path) -> pymupdf.Document:
    _check_header(path)
    with MUPDF_LOCK:
        return _open_checked(path)


def _open_checked(path: Path) -> pymupdf.Document:
    pymupdf.TOOLS.reset_mupdf_warnings()
    try:
        doc = _mupdf_open(path)
    except pymupdf.EmptyFileError:
        raise ExtractError("empty file (0 bytes)") from None
    except (pymupdf.FileDataError, RuntimeError, ValueError):
        # MuPDF's message only repeats the path ("Failed to open file ..."): say it plainly.
        raise ExtractError("damaged or truncated PDF, cannot be opened") from None
    if doc.needs_pass:
        doc.close()
        raise ExtractError("encrypted (password-protected) PDF")
    if doc.page_count == 0:
        doc.close()
        raise ExtractError("damaged or truncated PDF, cannot be opened")
    return doc


def _mupdf_open(path: Path) -> pymupdf.Document:
    try:
        os.fspath(path).encode("utf-8")
    except UnicodeEncodeError:
        # MuPDF takes UTF-8 file names; a name with undecodable bytes (surrogate escapes) cannot
        # be passed, so hand over the content instead (costs the file's size in memory).
        return pymupdf.open(stream=path.read_bytes(), filetype="pdf")
    return pymupdf.open(path, filetype="pdf")


def _check_header(path: Path) -> None:
    with open_regular(path) as f:  # a pipe or a device would block MuPDF's open forever
        try:
            head = f.read(PDF_HEADER_WINDOW)
        except OSError as exc:
            raise ExtractError(f"file could not be read ({exc.strerror or exc})") from None
    if not head:
        raise ExtractError("empty file (0 bytes)")
    if PDF_MAGIC not in head:
        raise ExtractError("not a PDF (no PDF header at the start of the file)")


def _iter_pages(
    doc: pymupdf.Document, settings: Settings, cancel: CancelCheck, warnings: list[str]
) -> Iterator[list[ExtractedItem]]:
    seen: set[str] = set()  # embedded-image digests already emitted in this document
    with pages_of(doc, warnings) as page_count:
        for index in range(page_count):
            if cancel():
                raise Cancelled
            yield _page_items(doc, index, settings, seen, warnings)


def _page_items(
    doc: pymupdf.Document,
    index: int,
    settings: Settings,
    seen: set[str],
    warnings: list[str],
) -> list[ExtractedItem]:
    number = index + 1
    with MUPDF_LOCK:
        mupdf_part = _read_page(doc, index, settings, seen, warnings)
    if mupdf_part is None:
        return []
    items, text, display_size = mupdf_part
    # Pillow and pure-Python work happens outside the lock, so other threads can use MuPDF.
    if display_size is not None and items and items[0].kind is ItemKind.PAGE:
        _split_detail(items[0], display_size)
    for item in items:
        if item.image is not None:
            item.thumbnail = make_thumbnail(item.image)
    chunks = chunk_text(text, settings.chunk_words)
    at = 1 if items and items[0].kind is ItemKind.PAGE else 0  # page render, then its text
    items[at:at] = [ExtractedItem(kind=ItemKind.CHUNK, page=number, text=c) for c in chunks]
    return items


def _read_page(
    doc: pymupdf.Document,
    index: int,
    settings: Settings,
    seen: set[str],
    warnings: list[str],
) -> tuple[list[ExtractedItem], str, tuple[int, int] | None] | None:
    """The MuPDF half of a page: render, raw text, embedded images (no thumbnails yet), and
    the ``render_dpi`` size to scale the render down to when it was made sharper for
    features (None when it was not)."""
    number = index + 1
    pymupdf.TOOLS.reset_mupdf_warnings()
    try:
        page = doc.load_page(index)
    except Exception as exc:  # MuPDF raises assorted types for broken page trees
        warnings.append(f"page {number}: could not be read ({_short(exc)})")
        return None
    items: list[ExtractedItem] = []
    # Local features only for a figure or photo (engine.extract.figures), from a render at
    # feature_dpi that the display/CLIP image is scaled down from; else one at render_dpi.
    figure = settings.visual_match_enabled and shows_figure(page)
    sharp = figure and settings.feature_dpi > settings.render_dpi
    if sharp:
        render = _render_page(page, settings.feature_dpi, number, warnings, FEATURE_MAX_SIDE)
    else:
        render = _render_page(page, settings.render_dpi, number, warnings, MAX_RENDER_SIDE)
    if render is not None:
        render.figure = figure
        items.append(render)
    text = _page_text(page, number, warnings)
    items.extend(_embedded_images(doc, page, settings, number, seen, warnings))
    _collect_mupdf_warnings(number, warnings)
    display_size = _render_size(page, settings.render_dpi, MAX_RENDER_SIDE) if sharp else None
    return items, text, display_size


def _split_detail(item: ExtractedItem, display_size: tuple[int, int]) -> None:
    """Keep the sharp render for features; the item's image becomes the ``render_dpi`` one
    (the size a direct render at that resolution would have had)."""
    assert item.image is not None
    item.detail = item.image
    item.image = item.detail.resize(display_size, Image.Resampling.LANCZOS)


def _zoom(page: pymupdf.Page, dpi: int, max_side: int) -> float:
    rect = page.rect
    long_side: float = max(rect.width, rect.height, 1.0)
    return min(max(dpi, 1) / 72.0, max_side / long_side)


def _render_size(page: pymupdf.Page, dpi: int, max_side: int) -> tuple[int, int]:
    zoom = _zoom(page, dpi, max_side)
    rect = page.rect
    return max(1, round(rect.width * zoom)), max(1, round(rect.height * zoom))


def _render_page(
    page: pymupdf.Page, dpi: int, number: int, warnings: list[str], max_side: int
) -> ExtractedItem | None:
    zoom = _zoom(page, dpi, max_side)
    try:
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        img = _pixmap_to_image(pix)
    except Exception as exc:
        warnings.append(f"page {number}: could not be rendered ({_short(exc)})")
        return None
    return ExtractedItem(kind=ItemKind.PAGE, page=number, image=img)


def _page_text(page: pymupdf.Page, number: int, warnings: list[str]) -> str:
    try:
        text: str = page.get_text("text", sort=True, flags=_TEXT_FLAGS)
    except Exception as exc:
        warnings.append(f"page {number}: text could not be read ({_short(exc)})")
        return ""
    return text


_TEXT_FLAGS = (
    pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_DEHYPHENATE
)


def _embedded_images(
    doc: pymupdf.Document,
    page: pymupdf.Page,
    settings: Settings,
    number: int,
    seen: set[str],
    warnings: list[str],
) -> list[ExtractedItem]:
    try:
        infos = page.get_images(full=True)
    except Exception as exc:
        warnings.append(f"page {number}: image list could not be read ({_short(exc)})")
        return []
    items: list[ExtractedItem] = []
    wanted = [info for info in infos if _worth_extracting(info, settings, number, warnings)]
    placements = _Placements(page) if wanted else None
    for info in wanted:
        placed = placements.find(info[0], info[2], info[3]) if placements else None
        bbox, transform = placed if placed else (None, None)
        if bbox is not None and _covers_page(bbox, page.rect):
            continue  # a scanned page: the PAGE item already is this picture
        turn = display_orientation(transform) if transform is not None else None
        item = _embedded_image(doc, (info[0], info[1]), (bbox, turn), number, seen, warnings)
        if item is not None:
            items.append(item)
    return items


def _worth_extracting(
    info: tuple[Any, ...], settings: Settings, number: int, warnings: list[str]
) -> bool:
    width, height = info[2], info[3]
    min_px = settings.min_embedded_image_px
    if width < min_px or height < min_px:
        return False  # icons, bullets, rules: noise for search
    if is_stencil_mask(info):
        return False  # glyph-like line art painted in the fill colour: part of the page render
    if width * height > settings.max_image_pixels:
        warnings.append(f"page {number}: skipped an oversized image ({width}x{height})")
        return False
    return True


Transform = tuple[float, float, float, float, float, float]
Bbox = tuple[float, float, float, float]


class _Placements:
    """Where and how images sit on a page. ``get_image_info()`` lists every placement in one
    cheap pass but without xrefs; ``get_image_rects(xref)`` is exact but re-interprets the
    page per call (~0.2 s). So match by pixel size, and ask per xref only when sizes are
    ambiguous."""

    def __init__(self, page: pymupdf.Page) -> None:
        self._page = page
        self._by_size: dict[tuple[int, int], list[tuple[Bbox, Transform]]] = {}
        try:
            infos = page.get_image_info()
        except Exception:
            infos = []  # position is a nicety; the images themselves still count
        for info in infos:
            key = (int(info["width"]), int(info["height"]))
            self._by_size.setdefault(key, []).append((tuple(info["bbox"]), info["transform"]))

    def find(self, xref: int, width: int, height: int) -> tuple[Bbox, Transform] | None:
        """The image's box on the page and the matrix that puts it there (first placement)."""
        found = self._by_size.get((width, height), [])
        if len(found) == 1:
            return found[0]
        if not found:
            return None
        return _placement(self._page, xref)


def display_orientation(transform: Transform) -> Image.Transpose | None:
    """How to turn an image's stored pixels so they look as they do on the page.

    The placement matrix sends the image's x axis to page vector (a, b) and its y axis (rows,
    top to bottom) to (c, d), page y pointing down. Producers often store pictures upside down
    and flip them with the matrix (2,773 of the ~9,000 placements in the corpus), or turned
    by 90°; decoded as stored, such a figure is shown, embedded and matched mirrored."""
    a, b, c, d = transform[:4]
    if abs(a) + abs(d) >= abs(b) + abs(c):  # x stays horizontal: flips only
        return _FLIPS[(a < 0, d < 0)]
    return _TURNS[(b > 0, c > 0)]  # x runs down (b > 0) or up; y runs right (c > 0) or left


_FLIPS = {
    (False, False): None,
    (True, False): Image.Transpose.FLIP_LEFT_RIGHT,
    (False, True): Image.Transpose.FLIP_TOP_BOTTOM,
    (True, True): Image.Transpose.ROTATE_180,
}
_TURNS = {
    (True, False): Image.Transpose.ROTATE_270,  # x → down, y → left: a quarter turn clockwise
    (False, True): Image.Transpose.ROTATE_90,  # x → up, y → right: counter-clockwise
    (True, True): Image.Transpose.TRANSPOSE,  # x → down, y → right: mirrored about the diagonal
    (False, False): Image.Transpose.TRANSVERSE,  # x → up, y → left
}


def is_stencil_mask(info: tuple[Any, ...]) -> bool:
    # get_images(full=True): (xref, smask, width, height, bpc, colorspace, alt, name, filter, ..)
    # An /ImageMask has 1 bit per component and no colour space. Real pictures never are;
    # converted drawings hold hundreds of them (rotated labels, fax-coded figure fragments).
    return bool(info[4] == 1 and not info[5])


def _embedded_image(
    doc: pymupdf.Document,
    xrefs: tuple[int, int],
    placed: tuple[Bbox | None, Image.Transpose | None],
    number: int,
    seen: set[str],
    warnings: list[str],
) -> ExtractedItem | None:
    """The image of ``xrefs`` (image, soft mask) as it is ``placed`` (box, display turn)."""
    (xref, smask), (bbox, turn) = xrefs, placed
    try:
        digest = hashlib.blake2b(doc.xref_stream_raw(xref) or b"", digest_size=16).hexdigest()
    except Exception as exc:
        warnings.append(f"page {number}: an embedded image could not be read ({_short(exc)})")
        return None
    if digest in seen:
        return None
    seen.add(digest)
    try:
        img = _decode_xref(doc, xref, smask)
        img = img.transpose(turn) if turn is not None else img
    except Exception as exc:
        warnings.append(f"page {number}: an embedded image could not be decoded ({_short(exc)})")
        return None
    return ExtractedItem(
        kind=ItemKind.IMAGE,
        page=number,
        image=img,
        bbox=bbox,
        digest=digest,
    )


def placed_orientation(page: pymupdf.Page, xref: int) -> Image.Transpose | None:
    """How ``page`` shows image ``xref`` (its first placement there), for callers that decode
    images themselves; extraction gets the same from :class:`_Placements` in one page pass."""
    placed = _placement(page, xref)
    return display_orientation(placed[1]) if placed else None


def _placement(page: pymupdf.Page, xref: int) -> tuple[Bbox, Transform] | None:
    try:
        placements = page.get_image_rects(xref, transform=True)
    except Exception:
        return None  # position is a nicety; the image itself still counts
    if not placements:
        return None
    r, m = placements[0]
    return (float(r.x0), float(r.y0), float(r.x1), float(r.y1)), (m.a, m.b, m.c, m.d, m.e, m.f)


def _covers_page(bbox: tuple[float, float, float, float], page_rect: pymupdf.Rect) -> bool:
    page_area: float = max(page_rect.width * page_rect.height, 1.0)
    x0, y0, x1, y1 = bbox
    x0, y0 = max(x0, page_rect.x0), max(y0, page_rect.y0)
    x1, y1 = min(x1, page_rect.x1), min(y1, page_rect.y1)
    return max(0.0, x1 - x0) * max(0.0, y1 - y0) >= FULL_PAGE_SHARE * page_area


def _decode_xref(doc: pymupdf.Document, xref: int, smask: int) -> Image.Image:
    """Decode an image XObject to RGB: CMYK, gray, indexed, Lab and alpha all end as RGB."""
    pix = pymupdf.Pixmap(doc, xref)
    if smask:
        with contextlib.suppress(Exception):  # a broken soft mask only loses transparency
            pix = pymupdf.Pixmap(pix, pymupdf.Pixmap(doc, smask))
    while max(pix.width, pix.height) >= 2 * MAX_EMBEDDED_SIDE:
        pix.shrink(1)  # halve in place: cheap, and bounds the memory of colour conversion
    if pix.colorspace is None:
        raise ValueError("image has no colour space")
    if pix.colorspace.n != 3:
        pix = pymupdf.Pixmap(pymupdf.csRGB, pix)  # keeps alpha, if any
    img = _pixmap_to_image(pix)
    if max(img.size) > MAX_EMBEDDED_SIDE:
        img.thumbnail((MAX_EMBEDDED_SIDE, MAX_EMBEDDED_SIDE), Image.Resampling.LANCZOS)
    return img


def _pixmap_to_image(pix: pymupdf.Pixmap) -> Image.Image:
    """An RGB Pixmap (with or without alpha) as a Pillow RGB image on white."""
    if not pix.alpha:
        return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    # Transparent areas are meant to show the white page: composite rather than drop alpha.
    rgba = Image.frombytes("RGBA", (pix.width, pix.height), pix.samples)
    canvas = Image.new("RGB", rgba.size, (255, 255, 255))
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


def _collect_mupdf_warnings(number: int, warnings: list[str]) -> None:
    text = pymupdf.TOOLS.mupdf_warnings(reset=True)
    # MuPDF repeats itself ("... repeated 3 times..."); keep the distinct, informative lines.
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and "repeated" not in ln]
    lines = list(dict.fromkeys(lines))
    for line in lines[:MAX_WARNINGS_PER_PAGE]:
        warnings.append(f"page {number}: {line}")


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text if len(text) <= 160 else text[:157] + "..."
