"""Exact visual match as a search signal: a photo of a printed figure or page, or the same
product picture, finds the page that contains it.

The bag-of-visual-words index (engine.signals.visual.VisualIndex) shortlists candidates and
RANSAC verifies them on the local features stored in the catalog. The index file is a cache
stamped with the catalog's sequence number for the visual space, like the usearch files.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from PIL import Image

from engine.fusion import Hit
from engine.signals.visual import Features, VisualIndex, extract_features
from engine.store.atomic import write_atomic
from engine.store.catalog import VISUAL_SPACE, Catalog

log = logging.getLogger(__name__)

# Each verified candidate costs ~10-20 ms (matching + RANSAC): the shortlist bounds latency.
# 10 lost no recall against 20 or 50 on photo-queries.csv (docs/SIGNALS.md).
SHORTLIST = 10


class VisualSearch:
    def __init__(self, catalog: Catalog, directory: Path) -> None:
        self.catalog = catalog
        self.directory = directory
        self._index: VisualIndex | None = None
        self._seq = -1
        self._lock = threading.Lock()

    def hits(self, image: Image.Image, k: int) -> list[Hit]:
        index = self.index()
        if index is None or len(index) == 0:
            return []
        query = extract_features(image)
        if len(query) == 0:
            return []
        matches = index.search(
            query, self._load, k=k, shortlist_k=SHORTLIST, document_of=self._document_of
        )
        return [
            Hit(m.item_id, "visual", m.confidence, f"figure matched ({m.inliers} inliers)")
            for m in matches
        ]

    def index(self) -> VisualIndex | None:
        """The visual index in step with the catalog: loaded, or rebuilt when stale."""
        seq = self.catalog.space_seq(VISUAL_SPACE)
        with self._lock:
            if self._index is not None and self._seq == seq:
                return self._index
            self._index = self._load_saved(seq) or self._rebuild(seq)
            self._seq = seq
            return self._index

    def refresh(self) -> None:
        """Bring the saved index up to date (the align step calls this after indexing)."""
        self.index()

    def _paths(self) -> tuple[Path, Path]:
        return self.directory / "visual.npz", self.directory / "visual.stamp.json"

    def _load_saved(self, seq: int) -> VisualIndex | None:
        index_path, stamp_path = self._paths()
        try:
            if json.loads(stamp_path.read_text()).get("seq") != seq:
                return None
            return VisualIndex.load(index_path)
        except (OSError, ValueError, KeyError) as exc:
            log.info("visual index unusable (%s); rebuilding", exc)
            return None

    def _rebuild(self, seq: int) -> VisualIndex:
        index = VisualIndex()
        for item_id in self.catalog.feature_ids():
            features = self._load(item_id)
            if features is not None and len(features):
                index.add(item_id, features)
        if len(index):
            index.train()
            self.directory.mkdir(parents=True, exist_ok=True)
            index_path, stamp_path = self._paths()
            index.save(index_path)
            write_atomic(stamp_path, json.dumps({"seq": seq}))
        return index

    def _document_of(self, item_id: int) -> int | None:
        rows = self.catalog.query("SELECT file_id FROM items WHERE id = ?", (item_id,))
        return int(rows[0][0]) if rows else None

    def _load(self, item_id: int) -> Features | None:
        blob = self.catalog.features(item_id)
        if blob is None:
            return None
        try:
            return Features.from_bytes(blob)
        except ValueError:
            return None
