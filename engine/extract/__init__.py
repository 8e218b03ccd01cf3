"""Turn a crawled file into searchable items (page renders, text chunks, images, photos).

``extract_file`` trusts the file's *content* over its name: a PNG named ``.jpg`` is read as a
PNG, a PDF named ``.png`` as a PDF, and a text file named ``.jpg`` is refused with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from engine.config import Settings
from engine.errors import SagasuError
from engine.types import (
    CancelCheck,
    ExtractedFile,
    ExtractedItem,
    FileEntry,
    FileType,
    never_cancel,
)


class ExtractError(SagasuError):
    """A file that cannot be extracted at all; ``reason`` is shown to the user as it is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Bumped when extraction of a file type changes what it produces; files the catalog says were
# read by an older version are extracted again on the next index run, unchanged or not.
# PDF 2: embedded images turned the way the page shows them. PDF 3: compact local features
# (RootSIFT-PCA, blob version 2), on pages only where a figure or photo shows. Photos keep
# their raw SIFT blobs until they change (searched through the same projection, at load).
EXTRACTOR_VERSION: dict[FileType, int] = {FileType.PDF: 3, FileType.IMAGE: 1}

PDF_MAGIC = b"%PDF-"
# Readers accept a PDF header anywhere in the first KiB (junk before it is common in the wild).
PDF_HEADER_WINDOW = 1024
_IMAGE_MAGIC: tuple[bytes, ...] = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"II+\x00",  # BigTIFF
    b"BM",
)


def sniff_file_type(path: Path) -> FileType | None:
    """The type the file's first bytes say it is; None if neither PDF nor a known image."""
    from engine.extract.opening import open_regular  # it imports this module

    try:
        with open_regular(path) as f:  # a pipe swapped in after the crawl must not block
            head = f.read(PDF_HEADER_WINDOW)
    except (OSError, ExtractError):
        return None  # the reader that follows reports the precise access problem
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return FileType.IMAGE
    if PDF_MAGIC in head:
        return FileType.PDF
    return None


# The readers are imported on first use (PEP 562): PyMuPDF alone takes about a second to
# import, and the desktop window must appear before any of that is needed.
_LAZY = {
    "extract_photo": "engine.extract.images",
    "load_query_image": "engine.extract.images",
    "make_thumbnail": "engine.extract.images",
    "open_image_safely": "engine.extract.images",
    "extract_pdf": "engine.extract.pdf",
    "iter_pdf_pages": "engine.extract.pdf",
    "pdf_page_count": "engine.extract.pdf",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "ExtractError",
    "extract_file",
    "extract_pdf",
    "extract_photo",
    "file_type_of",
    "iter_file_items",
    "iter_pdf_pages",
    "load_query_image",
    "make_thumbnail",
    "open_image_safely",
    "pdf_page_count",
    "sniff_file_type",
]


def extract_file(
    entry: FileEntry, settings: Settings, cancel: CancelCheck = never_cancel
) -> ExtractedFile:
    """Extract one file, dispatching on its sniffed content type (falling back to its name).

    Raises :class:`ExtractError` when nothing can be extracted and
    :class:`engine.types.Cancelled` when ``cancel()`` turns true mid-document.
    """
    from engine.extract.images import extract_photo
    from engine.extract.pdf import extract_pdf

    if file_type_of(entry) is FileType.PDF:
        return extract_pdf(entry, settings, cancel)
    return extract_photo(entry, settings)


def iter_file_items(
    entry: FileEntry,
    settings: Settings,
    cancel: CancelCheck = never_cancel,
    *,
    warnings: list[str] | None = None,
) -> Iterator[list[ExtractedItem]]:
    """Streaming form of :func:`extract_file`: one list of items per PDF page (one list for
    a photo). Opens the file now, so :class:`ExtractError` comes from this call."""
    from engine.extract.images import extract_photo
    from engine.extract.pdf import iter_pdf_pages

    if file_type_of(entry) is FileType.PDF:
        return iter_pdf_pages(entry, settings, cancel, warnings=warnings)
    return iter([extract_photo(entry, settings).items])


def file_type_of(entry: FileEntry) -> FileType:
    """What to read the file as: its content's type, else what its name promised (so the
    reader for that type can say precisely what is wrong)."""
    return sniff_file_type(entry.path) or entry.file_type
