"""Library: the engine's front door. One indexed collection in one data directory.

The CLI, the desktop app and the tests all go through this class; every method is a plain
synchronous call (long ones take progress and cancel callbacks) so a GUI can run it on a
worker thread and a test can call it directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout
from PIL import Image

from engine.alignment import AlignmentState
from engine.config import FolderConfig, Settings, default_data_dir, load_settings
from engine.encode.device import describe_device
from engine.encode.weights import ModelState, model_status
from engine.encoders import Encoders
from engine.imaging import encoder_view
from engine.search import Query, Searcher, SearchOutcome, Signal
from engine.signals.ocr import OcrEngine
from engine.signals.visual import VisualSearch
from engine.store.catalog import Catalog
from engine.store.vectors import VectorStore
from engine.types import (
    CancelCheck,
    ItemKind,
    Progress,
    ProgressCallback,
    never_cancel,
    no_progress,
)

if TYPE_CHECKING:  # the indexing stack (PyMuPDF, OpenCV) loads when an index run starts
    from engine.summary import IndexSummary


class IndexBusy(RuntimeError):
    """Another process is indexing this data directory."""


class Library:
    def __init__(
        self,
        data_dir: Path | None = None,
        settings: Settings | None = None,
        encoders: Encoders | None = None,
        extra_signals: list[Signal] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = settings or load_settings(self.data_dir)
        self.catalog = Catalog(self.data_dir)
        self.vectors = VectorStore(self.catalog, self.data_dir / "vectors")
        self.encoders = encoders or Encoders(self.settings)
        self.alignment = AlignmentState(self.data_dir / "alignment")
        self.alignment.enabled = self.settings.calibration_enabled
        self.visual = VisualSearch(self.catalog, self.data_dir / "visual")
        self._ocr: OcrEngine | None = None
        self.searcher = Searcher(
            self.catalog,
            self.vectors,
            self.encoders,
            self.alignment,
            visual=self.visual if self.settings.visual_match_enabled else None,
            ocr=self.ocr_engine,
            extra_signals=extra_signals,
        )
        self._lock = FileLock(str(self.data_dir / "index.lock"))

    def close(self) -> None:
        self.searcher.close()
        self.vectors.save()
        self.catalog.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- indexing ------------------------------------------------------------------------

    def index(
        self,
        folders: list[FolderConfig] | None = None,
        progress: ProgressCallback = no_progress,
        cancel: CancelCheck = never_cancel,
    ) -> IndexSummary:
        """Bring the index in step with ``folders`` (default: the folders in the settings)."""
        folders = folders if folders is not None else self.settings.folders
        try:
            self._lock.acquire(timeout=0.5)
        except Timeout as exc:
            raise IndexBusy(
                f"Another Sagasu process is indexing {self.data_dir}; wait for it to finish."
            ) from exc
        try:
            from engine.index import Indexer  # extraction stack: loaded when indexing

            summary = Indexer(self.catalog, self.vectors, self.encoders, self.settings).run(
                folders, progress, cancel
            )
            if not summary.cancelled:
                self.complete_encoding(progress, cancel)
                progress(Progress("align", 0, 1, "calibrating scores"))
                self.alignment.refresh(self.catalog, self.vectors, self.encoders)
                self.vectors.save()
                if self.settings.visual_match_enabled:
                    self.visual.refresh()
                engine = self.ocr_engine()
                if engine is not None:
                    from engine.enrich import run_ocr

                    summary.ocr = run_ocr(self.catalog, self.settings, engine, progress, cancel)
            return summary
        finally:
            self._lock.release()

    def reload(self) -> None:
        """Pick up what another process (the desktop's indexing child) wrote: the catalog is
        read live; the ANN indexes and the calibration are reloaded on next use."""
        self.vectors.forget()
        self.alignment.reload()

    def complete_encoding(
        self, progress: ProgressCallback = no_progress, cancel: CancelCheck = never_cancel
    ) -> int:
        """Encode visual items that have no CLIP vector yet (weights installed after indexing,
        or a model switch) from their stored thumbnails: nothing is extracted again."""
        clip = self.encoders.clip()
        if clip is None:
            return 0
        kinds = [k for k in ItemKind if k.is_visual]
        missing = self.catalog.items_missing_space(clip.space_id, kinds)
        batch = max(1, self.settings.batch_size)
        done = 0
        for start in range(0, len(missing), batch):
            if cancel():
                break
            ids = missing[start : start + batch]
            views = {i: self.catalog.thumbnail(i) for i in ids}
            ids = [i for i in ids if views[i]]
            if not ids:
                continue
            vecs = clip.encode_images([encoder_view(views[i]) for i in ids])  # type: ignore[arg-type]
            self.catalog.add_vectors(clip.space_id, dict(zip(ids, vecs, strict=True)))
            self.vectors.ensure(clip.space_id, vecs.shape[1]).add(ids, vecs)
            done += len(ids)
            progress(Progress("encode", done, len(missing), "encoding stored images"))
        self.vectors.save()
        return done

    def remove_folder(self, folder: str | Path) -> int:
        """Forget every file indexed under ``folder`` (when it leaves the settings)."""
        root = str(Path(folder).expanduser().resolve())
        ids = [r[0] for r in self.catalog.query("SELECT id FROM files WHERE root = ?", (root,))]
        for file_id in ids:
            self.vectors.remove_items(self.catalog.delete_file(file_id))
        self.vectors.save()
        return len(ids)

    def ocr_engine(self) -> OcrEngine | None:
        """The OCR engine when OCR is on in the settings (loaded lazily, once)."""
        if not self.settings.ocr_enabled:
            return None
        if self._ocr is None:
            self._ocr = OcrEngine()
        return self._ocr

    # --- searching -----------------------------------------------------------------------

    def search(
        self, query: Query, on_partial: Callable[[SearchOutcome], None] | None = None
    ) -> SearchOutcome:
        """Search the index; ``on_partial`` receives a first ranking while the query photo's
        text is still being read (engine.search.Searcher.search)."""
        return self.searcher.search(query, on_partial)

    def search_text(self, text: str, top_k: int = 20, **filters: object) -> SearchOutcome:
        return self.search(Query(text=text, top_k=top_k, **filters))  # type: ignore[arg-type]

    def search_image(self, image: Image.Image, top_k: int = 20, **filters: object) -> SearchOutcome:
        return self.search(Query(image=image, top_k=top_k, **filters))  # type: ignore[arg-type]

    def similar_to(self, item_id: int, top_k: int = 20) -> SearchOutcome:
        """ "Find similar": search with an indexed item (its picture, or its text) as the query."""
        rows = self.catalog.items([item_id])
        row = rows.get(item_id)
        if row is None:
            return SearchOutcome([], ["That result is no longer in the index."])
        if row.kind.is_visual:
            thumb = self.catalog.thumbnail(item_id)
            if thumb:
                return self.search(
                    Query(image=encoder_view(thumb), top_k=top_k, exclude_item=item_id)
                )
        return self.search(Query(text=row.text[:300], top_k=top_k, exclude_item=item_id))

    # --- status --------------------------------------------------------------------------

    def status(self) -> dict[str, object]:
        clip = self.encoders.clip()
        return {
            "data_dir": str(self.data_dir),
            "counts": self.catalog.counts(),
            "vectors": self.catalog.vector_counts(),
            "image_search": "on" if clip else "off",
            "image_search_problem": "" if clip else self.encoders.clip_problem(),
            "clip_model": f"{self.settings.clip_model}/{self.settings.clip_pretrained}",
            "text_model": self.settings.text_model,
            "device": describe_device(clip.device, clip.bf16) if clip else "",
            "models": [_model_json(m) for m in model_status(self.settings)],
            "last_run": self.catalog.last_run(),
            "skipped": [{"path": p, "reason": r} for p, r in self.catalog.skipped()],
            "folders": [f.path for f in self.settings.folders],
            "checked_at": time.time(),
        }


def _model_json(state: ModelState) -> dict[str, object]:
    return {
        "name": state.name,
        "kind": state.kind,
        "installed": state.installed,
        "path": str(state.path) if state.path else None,
        "message": state.message,
        "selected": state.selected,
    }
