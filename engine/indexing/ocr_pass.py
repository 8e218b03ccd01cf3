"""The OCR pass, run after the main index pass: reads the text printed on photos and on pages
without a text layer (scans), stores it with its confidence and makes it searchable.

It runs afterwards, not in the extraction workers, because OCR costs seconds per image on a
CPU: semantic and lexical search over everything else is available first, and the pass is
resumable (``items.ocr_done``) and cancellable like the main one. The OCR engine itself skips
images without text cheaply (detector first, recogniser only on found boxes).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PIL import Image

from engine.config import Settings
from engine.extract import ExtractError
from engine.extract.images import open_image_safely
from engine.extract.pdf import render_page
from engine.indexing.eta import WorkEstimate
from engine.messages import Phase
from engine.signals.ocr import OcrResult
from engine.signals.ocr_choice import OcrReader
from engine.signals.tokenize import fts_tokens
from engine.store.catalog import Catalog
from engine.summary import OcrSummary
from engine.types import CancelCheck, Progress, ProgressCallback, never_cancel, no_progress

log = logging.getLogger(__name__)

OCR_RENDER_DPI = 150  # scanned pages: enough resolution for the recogniser


def run_ocr(
    catalog: Catalog,
    settings: Settings,
    engine: OcrReader,
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancel,
) -> OcrSummary:
    """OCR every photo and text-less page not yet read; each result commits on its own."""
    summary = OcrSummary()
    started = time.monotonic()
    todo = catalog.items_needing_ocr()
    estimate = WorkEstimate()  # a photo and a scanned page cost differently: learned per kind
    estimate.plan_all((kind, 1) for _, kind, _, _ in todo)
    for n, (item_id, kind, page, path) in enumerate(todo, 1):
        if cancel():
            break
        result = _read(engine, settings, kind, page, path)
        if result.error:
            summary.failed += 1
            log.info("OCR of %s failed: %s", path, result.error)
        summary.with_text += int(result.had_text)
        text = result.text if result.had_text else ""
        catalog.set_ocr(item_id, text, result.mean_confidence, fts_tokens(text) if text else "")
        summary.items += 1
        elapsed = time.monotonic() - started
        estimate.finished(kind, 1, at=elapsed)
        eta = estimate.remaining(elapsed)
        progress(Progress(Phase.OCR, n, len(todo), path.name, eta_seconds=eta))
    summary.seconds = time.monotonic() - started
    return summary


def _read(
    engine: OcrReader, settings: Settings, kind: str, page: int | None, path: Path
) -> OcrResult:
    try:
        image = _source_image(settings, kind, page, path)
    except (ExtractError, OSError, RuntimeError, ValueError) as exc:
        return OcrResult.failed(f"could not open the image again: {exc}")
    # A page without a text layer is a scan: read as a page (layout, columns), not a photo.
    return engine.read(image) if kind == "photo" else engine.read_scan(image)


def _source_image(settings: Settings, kind: str, page: int | None, path: Path) -> Image.Image:
    if kind == "photo":
        return open_image_safely(path, settings.max_image_pixels)
    return render_page(path, page or 1, dpi=OCR_RENDER_DPI)
