"""Exact visual match as a search signal: a photo of a printed figure or page, or the same
product picture, finds the page that contains it.

The bag-of-visual-words index (engine.signals.visual.index) shortlists candidates and RANSAC
verifies them on the local features stored in the catalog.

The index is built on the indexing side only: :meth:`VisualSearch.refresh` (Library.index
calls it after its commits) rebuilds it from the catalog, trains the vocabulary, saves it and
swaps it in. The search side never builds or trains: it answers from the last complete saved
index, loading a newer one when another process (or thread) has saved it, even while the
catalog has moved on; with no saved index it finds nothing. The saved index is stamped with
the catalog's sequence number for the visual space (as the usearch files are):
:meth:`VisualSearch.is_stale` says whether it is behind.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from engine.fusion import Hit
from engine.messages import ReasonCode, reason
from engine.signals.visual.features import Features, as_compact, extract_features
from engine.signals.visual.index import VisualIndex
from engine.signals.visual.persist import FORMAT_VERSION, load_index, save_index
from engine.store.atomic import write_atomic
from engine.store.catalog import VISUAL_SPACE, Catalog

log = logging.getLogger(__name__)

# Each verified candidate costs ~10-20 ms (matching + RANSAC): the shortlist bounds latency.
# 10 lost no recall against 20 or 50 on photo-queries.csv (docs/SIGNALS.md).
SHORTLIST = 10


@dataclass(frozen=True)
class _Loaded:
    """An index with the catalog sequence it was built at: swapped in as one object, so a
    reader sees the old pair or the new one, never half of each."""

    index: VisualIndex
    seq: int


class VisualSearch:
    def __init__(self, catalog: Catalog, directory: Path) -> None:
        self.catalog = catalog
        self.directory = directory
        self._current: _Loaded | None = None
        self._load_lock = threading.Lock()  # one reader loads a newer saved index at a time
        self._rebuild_lock = threading.Lock()  # one rebuild at a time in this process
        self._swap_lock = threading.Lock()

    # --- search side: never builds or trains --------------------------------------------------

    def hits(self, image: Image.Image, k: int) -> list[Hit]:
        index = self.index()
        if index is None or len(index) == 0:
            return []
        return self.features_hits(extract_features(image), k)

    def features_hits(self, query: Features, k: int) -> list[Hit]:
        """Hits for a query photo's local features (taken now, or stored with an example)."""
        index = self.index()
        if index is None or len(index) == 0 or len(query) == 0:
            return []
        matches = index.search(
            query, self._load, k=k, shortlist_k=SHORTLIST, document_of=self._document_of
        )
        return [
            Hit(
                m.item_id,
                "visual",
                m.confidence,
                reason(ReasonCode.FIGURE_MATCHED, inliers=m.inliers),
            )
            for m in matches
        ]

    def index(self) -> VisualIndex | None:
        """The last complete saved index (loaded once, and again when a newer one has been
        saved), or None when none was ever saved. Cheap: reads a small stamp file."""
        current = self._current
        saved = self.saved_seq()
        if saved is None or (current is not None and current.seq >= saved):
            return current.index if current is not None else None
        with self._load_lock:
            current = self._current
            if current is None or current.seq < saved:
                loaded = self._load_saved()
                if loaded is not None:
                    current = self._swap(loaded)
            return current.index if current is not None else None

    def saved_seq(self) -> int | None:
        """The catalog sequence the saved index was built at; None when there is none."""
        seq = self._stamp().get("seq")
        return seq if isinstance(seq, int) else None

    def is_stale(self) -> bool:
        """True when the saved index is behind the catalog's visual space, missing, or saved
        in an older format: the indexing side should :meth:`refresh` it."""
        stamp = self._stamp()
        return (
            stamp.get("seq") != self.catalog.space_seq(VISUAL_SPACE)
            or stamp.get("version") != FORMAT_VERSION
        )

    # --- indexing side ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild the saved index when it is behind the catalog (Library.index calls this
        after its commits); a no-op when it is up to date."""
        if self.is_stale():
            self.rebuild()

    def rebuild(self) -> VisualIndex:
        """Build the index from every item's features in the catalog, train its vocabulary,
        save it atomically and swap it in. Runs on the calling (indexing) thread; searches
        meanwhile answer from the previous index."""
        with self._rebuild_lock:
            # The sequence is read before the features: items committed during the rebuild
            # leave the stamp behind the catalog, and the next refresh picks them up.
            seq = self.catalog.space_seq(VISUAL_SPACE)
            index = VisualIndex()
            for item_id in self.catalog.feature_ids():
                features = self._load(item_id)
                if features is not None and len(features):
                    index.add(item_id, features)
            if len(index):
                index.train()
            index_path, stamp_path = self._paths()
            save_index(index, index_path)
            # The stamp last: it names a complete save.
            write_atomic(stamp_path, json.dumps({"seq": seq, "version": FORMAT_VERSION}))
            return self._swap(_Loaded(index, seq)).index

    # --- internals ----------------------------------------------------------------------------

    def _swap(self, loaded: _Loaded) -> _Loaded:
        """Make ``loaded`` the current index unless a newer one is already current."""
        with self._swap_lock:
            current = self._current
            if current is None or loaded.seq >= current.seq:
                self._current = current = loaded
            return current

    def _stamp(self) -> dict[str, object]:
        try:
            stamp = json.loads(self._paths()[1].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return stamp if isinstance(stamp, dict) else {}

    def _paths(self) -> tuple[Path, Path]:
        return self.directory / "visual.npz", self.directory / "visual.stamp.json"

    def _load_saved(self) -> _Loaded | None:
        """The saved index with the sequence its stamp gives (read first: a save that lands
        meanwhile only makes the index newer than its stamp, and it is reloaded next time)."""
        seq = self.saved_seq()
        if seq is None:
            return None
        try:
            return _Loaded(load_index(self._paths()[0]), seq)
        except ValueError as exc:
            log.info("saved visual index unusable (%s); keeping the one in memory", exc)
            return None

    def _document_of(self, item_id: int) -> int | None:
        rows = self.catalog.query("SELECT file_id FROM items WHERE id = ?", (item_id,))
        return int(rows[0][0]) if rows else None

    def _load(self, item_id: int) -> Features | None:
        blob = self.catalog.features(item_id)
        if blob is None:
            return None
        try:
            # A library indexed before compact descriptors holds raw SIFT: projected here, so
            # it stays searchable until its files are read again (EXTRACTOR_VERSION).
            return as_compact(Features.from_bytes(blob))
        except ValueError:
            return None
