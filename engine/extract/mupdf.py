"""Shared access to MuPDF for every PDF reader in the engine (the full reader, the text-layer
reader of the lexical tier, previews, OCR): its lock, and walking an opened document's pages."""

# mypy: disallow-untyped-calls=False

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pymupdf

# PyMuPDF is not thread-safe (one global MuPDF context, one global warnings store), and the
# indexer extracts on worker threads: every MuPDF call in the engine goes through this lock.
# Others rendering PDFs (previews, OCR) should take it too. Pillow work stays outside it.
MUPDF_LOCK = threading.RLock()


@contextlib.contextmanager
def pages_of(doc: pymupdf.Document, warnings: list[str]) -> Iterator[int]:
    """The page count of an opened document (a warning when MuPDF had to repair it); the
    document is closed on leaving, whichever reader walked it."""
    with MUPDF_LOCK:
        page_count, repaired = doc.page_count, doc.is_repaired
    if repaired:
        warnings.append("the PDF is damaged (repaired on opening): some content may be missing")
    try:
        yield page_count
    finally:
        with MUPDF_LOCK:
            doc.close()
