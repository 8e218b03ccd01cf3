"""Thumbnails and previews, decoded off the GUI thread, kept in a small LRU cache.

The catalog's SQLite connection is shared with the indexing thread (and locked), so even a
"quick" thumbnail read can wait; it never happens on the GUI thread. Workers produce QImage
(safe off the GUI thread); views turn them into pixmaps when painting.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage

from desktop.workers import Runner

if TYPE_CHECKING:
    from pathlib import Path

    from engine.library import Library
    from engine.search_source import SearchSource
    from engine.types import SearchResult

CACHE_SIZE = 600  # about 600 x 256 px JPEG thumbnails decoded: ~100 MB worst case
PREVIEW_SIDE = 900
TILE_SIDE = 150  # the grid draws images at their own size: scale on the worker, not in paint

ThumbSource = Callable[[int], bytes | None]


class ThumbnailCache(QObject):
    """``get(item_id)`` returns the cached image or None and schedules a load; ``ready`` fires
    with the id once it is available (models then repaint that row)."""

    ready = Signal(int)

    def __init__(self, source: ThumbSource, runner: Runner | None = None) -> None:
        super().__init__()
        self._source = source
        self._runner = runner or Runner(max_threads=2)
        self._cache: OrderedDict[int, QImage] = OrderedDict()
        self._pending: set[int] = set()
        self._failed: set[int] = set()

    def get(self, item_id: int) -> QImage | None:
        image = self._cache.get(item_id)
        if image is not None:
            self._cache.move_to_end(item_id)
            return image
        if item_id not in self._pending and item_id not in self._failed:
            self._pending.add(item_id)
            self._runner.run(
                lambda _report, i=item_id: (i, decode_image(self._source(i))),
                on_done=self._store,
                on_error=lambda _exc, i=item_id: self._give_up(i),
            )
        return None

    def _store(self, result: tuple[int, QImage | None]) -> None:
        item_id, image = result
        self._pending.discard(item_id)
        if image is None:
            self._failed.add(item_id)
            return
        self._cache[item_id] = image
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        self.ready.emit(item_id)

    def _give_up(self, item_id: int) -> None:
        self._pending.discard(item_id)
        self._failed.add(item_id)

    def clear(self) -> None:
        self._cache.clear()
        self._failed.clear()

    def wait(self, msecs: int = 5000) -> bool:
        return self._runner.wait(msecs)


def decode_image(data: bytes | None) -> QImage | None:
    if not data:
        return None
    image = QImage.fromData(data)
    if image.isNull():
        return None
    return image.scaled(
        TILE_SIDE,
        TILE_SIDE,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def render_preview(
    source: SearchSource, result: SearchResult, side: int = PREVIEW_SIDE
) -> QImage | None:
    """The result's page or photo scaled to fit ``side``, from this computer's index or a
    team server (engine.search_source). Runs on a worker thread; None when it cannot be
    shown (the caller keeps the thumbnail)."""
    picture = source.preview(result, side)
    if picture is None:
        return None
    rgb = picture.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    return QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()


def render_file_preview(
    library: Library, path: Path, page: int | None, side: int = PREVIEW_SIDE
) -> QImage | None:
    """A file of this computer's library (a PDF page or a photo) scaled to fit ``side``, for
    choosing a page before any result points at it. Runs on a worker thread; None when the
    file is gone or unreadable."""
    if not path.is_file():
        return None
    if path.suffix.lower() == ".pdf":
        # Through the engine: PyMuPDF is not thread-safe and thumbnails load on two threads.
        from engine.extract import ExtractError

        try:
            picture = library.render_page(path, page or 1, max_side=side)
        except (ExtractError, OSError):  # damaged, encrypted or vanished
            return None
        data = picture.convert("RGB").tobytes("raw", "RGB")
        return QImage(
            data, picture.width, picture.height, 3 * picture.width, QImage.Format.Format_RGB888
        ).copy()
    image = QImage(str(path))
    if image.isNull():
        return None
    return image.scaled(
        side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
