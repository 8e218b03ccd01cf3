"""The result grid's item model: a flat list of SearchResult, thumbnails fetched on demand.

Only rows the view asks about request a thumbnail, so thousands of results cost nothing
until scrolled into view.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QImage

from desktop.messages import reason_text
from desktop.thumbnails import ThumbnailCache
from engine.types import ItemKind, SearchResult

ResultRole = Qt.ItemDataRole.UserRole + 1
ThumbSize = QSize(150, 150)
AnyIndex = QModelIndex | QPersistentModelIndex


class ResultsModel(QAbstractListModel):
    def __init__(self, thumbnails: ThumbnailCache | None = None) -> None:
        super().__init__()
        self._results: list[SearchResult] = []
        self._row_of: dict[int, int] = {}
        self._thumbnails = thumbnails
        self._placeholder = QImage(ThumbSize, QImage.Format.Format_RGB32)
        self._placeholder.fill(QColor(235, 235, 235))
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail_ready)

    # --- contents ------------------------------------------------------------------------

    def set_results(self, results: list[SearchResult]) -> None:
        self.beginResetModel()
        self._results = list(results)
        self._row_of = {r.item_id: i for i, r in enumerate(self._results)}
        self.endResetModel()

    def result(self, row: int) -> SearchResult | None:
        return self._results[row] if 0 <= row < len(self._results) else None

    def results(self) -> list[SearchResult]:
        return list(self._results)

    # --- Qt model interface --------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self._results)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._results):
            return None
        r = self._results[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.caption(r)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(r)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(r)
        if role == Qt.ItemDataRole.ForegroundRole and not r.file_exists:
            return QColor(170, 40, 40)
        if role == ResultRole:
            return r
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # --- presentation --------------------------------------------------------------------

    def caption(self, r: SearchResult) -> str:
        """Two lines (the grid's delegate elides them to the tile's width in pixels)."""
        name, details = self.caption_lines(r)
        return f"{_middle_elide(name, 24)}\n{details}"

    def caption_lines(self, r: SearchResult) -> tuple[str, str]:
        """The file name, whole, and "p. 7 · text · 0.45"."""
        line2 = f"{self.kind_label(r.kind)} · {r.score:.2f}"
        if r.page:
            line2 = self.tr("p. {0}").format(r.page) + " · " + line2
        if not r.file_exists:
            line2 = self.tr("missing") + " · " + line2
        return r.path.name, line2

    def tooltip(self, r: SearchResult, with_path: bool = True) -> str:
        """What a result is and why it matched; the preview pane shows the path itself."""
        rows = [f"<b>{html.escape(r.path.name)}</b>"]
        if with_path:
            rows.append(html.escape(str(r.path)))
        if r.page:
            rows.append(self.tr("Page {0}").format(r.page))
        rows.append(self.tr("Kind: {0}").format(self.kind_label(r.kind)))
        rows.append(self.tr("Score: {0}").format(f"{r.score:.3f}"))
        if r.reasons:
            reasons = html.escape("; ".join(reason_text(why) for why in r.reasons))
            rows.append(self.tr("Why it matched: {0}").format(reasons))
        if r.other_pages:
            pages = ", ".join(str(p) for p in r.other_pages[:12])
            rows.append(self.tr("Also on pages: {0}").format(pages))
        if not r.file_exists:
            rows.append("<span style='color:#a22'>" + self.tr("File is missing") + "</span>")
        if r.snippet:
            rows.append(f"<i>{html.escape(r.snippet)}</i>")
        return "<br>".join(rows)

    def kind_label(self, kind: ItemKind) -> str:
        labels = {
            ItemKind.PAGE: self.tr("page"),
            ItemKind.IMAGE: self.tr("figure"),
            ItemKind.PHOTO: self.tr("photo"),
            ItemKind.CHUNK: self.tr("text"),
        }
        return labels.get(kind, str(kind))

    def _thumbnail(self, r: SearchResult) -> QImage:
        if self._thumbnails is None:
            return self._placeholder
        return self._thumbnails.get(r.item_id) or self._placeholder

    def _thumbnail_ready(self, item_id: int) -> None:
        row = self._row_of.get(item_id)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


def _middle_elide(name: str, limit: int) -> str:
    """Keep the start and the extension: "relay-module-SR…sheet.pdf" tells files apart."""
    if len(name) <= limit:
        return name
    tail = limit // 3
    return name[: limit - tail - 1] + "…" + name[-tail:]
