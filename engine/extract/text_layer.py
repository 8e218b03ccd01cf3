"""Text-only extraction, for the lexical tier: each PDF page's text layer (PyMuPDF
``get_text``, no pixmap is made) as the page item and its text chunks, and a photo as its
file's item, its pixels not decoded. The full reader (engine.extract.pdf) adds the renders,
thumbnails and embedded images later, in the visual tier; both cut the text the same way, so
the chunks stored now are the ones the visual tier would have produced."""

# mypy: disallow-untyped-calls=False

from __future__ import annotations

from collections.abc import Iterator

import pymupdf

from engine.config import Settings
from engine.extract import file_type_of, sniff_file_type
from engine.extract.chunking import chunk_text
from engine.extract.mupdf import pages_of

# The PDF reader's own helpers: one way to open a PDF, read a page's text and word its
# problems, whichever tier reads it.
from engine.extract.pdf import (
    MUPDF_LOCK,
    _collect_mupdf_warnings,
    _open_pdf,
    _page_text,
    _short,
)
from engine.types import CancelCheck, Cancelled, ExtractedItem, FileEntry, FileType, ItemKind


def iter_text_items(
    entry: FileEntry, settings: Settings, cancel: CancelCheck, warnings: list[str]
) -> Iterator[list[ExtractedItem]]:
    """One list of items per PDF page (the page, then its chunks), or one list with the
    photo. Opens the file now, so :class:`ExtractError` comes from this call."""
    if file_type_of(entry) is FileType.PDF:
        doc = _open_pdf(entry.path)
        return _iter_text_pages(doc, settings, cancel, warnings)
    if sniff_file_type(entry.path) is None:
        # Not an image by its first bytes: the photo reader says precisely why.
        from engine.extract.images import extract_photo

        extract_photo(entry, settings)
    return iter([[ExtractedItem(kind=ItemKind.PHOTO)]])


def _iter_text_pages(
    doc: pymupdf.Document, settings: Settings, cancel: CancelCheck, warnings: list[str]
) -> Iterator[list[ExtractedItem]]:
    with pages_of(doc, warnings) as page_count:
        for index in range(page_count):
            if cancel():
                raise Cancelled
            text = _read_text(doc, index, warnings)
            if text is None:
                yield []
                continue
            number = index + 1
            chunks = chunk_text(text, settings.chunk_words)
            page = ExtractedItem(kind=ItemKind.PAGE, page=number)
            yield [page, *(ExtractedItem(kind=ItemKind.CHUNK, page=number, text=c) for c in chunks)]


def _read_text(doc: pymupdf.Document, index: int, warnings: list[str]) -> str | None:
    """A page's text layer; None for a page that cannot be loaded."""
    number = index + 1
    with MUPDF_LOCK:
        pymupdf.TOOLS.reset_mupdf_warnings()
        try:
            page = doc.load_page(index)
        except Exception as exc:  # MuPDF raises assorted types for broken page trees
            warnings.append(f"page {number}: could not be read ({_short(exc)})")
            return None
        text = _page_text(page, number, warnings)
        _collect_mupdf_warnings(number, warnings)
    return text
