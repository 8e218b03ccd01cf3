"""How a result tile is drawn: the thumbnail, then exactly two caption lines.

The file name is elided in the middle to the tile's width in pixels (start and extension
kept: "relay-module-…sheet.pdf"), so it never wraps onto a second line and pushes
"p. 7 · text · 0.45" out of the tile; the tooltip and the preview pane carry the whole name.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from desktop.results_model import ResultRole, ResultsModel

TILE_WIDTH = 176
GRID_MARGIN = 8  # between tiles
TILE_PADDING = 12  # the style's margins around the thumbnail and the text
ELIDE_SLACK = 4  # px
LINE_SEPARATOR = "\u2028"  # what Qt's item text layout breaks a line at

AnyIndex = QModelIndex | QPersistentModelIndex


class ResultTileDelegate(QStyledItemDelegate):
    def caption_lines(self, option: QStyleOptionViewItem, index: AnyIndex) -> tuple[str, str]:
        """The two caption lines as drawn: each fits the tile's text width on its own."""
        r = index.data(ResultRole)
        model = index.model()
        if r is None or not isinstance(model, ResultsModel):
            return "", ""
        name, details = model.caption_lines(r)
        metrics = QFontMetrics(option.font)
        # Elided a little short of the layout width: a name in a fallback font (Japanese in
        # Noto CJK) measured exactly the width here but wrapped when laid out (3 lines).
        width = self.text_width(option) - ELIDE_SLACK
        return (
            metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width),
            metrics.elidedText(details, Qt.TextElideMode.ElideRight, width),
        )

    def text_width(self, option: QStyleOptionViewItem) -> int:
        """The width the style lays the caption out in: the tile less the text margins (and
        a pixel each side, so rounding never wraps a line that just fits)."""
        style = option.widget.style() if option.widget is not None else QApplication.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, option.widget)
        return TILE_WIDTH - 2 * (margin + 1) - 2

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().initStyleOption(option, index)
        if index.data(ResultRole) is not None:
            option.text = LINE_SEPARATOR.join(self.caption_lines(option, index))
            view = option.widget
            if isinstance(view, QAbstractItemView):
                # The whole thumbnail box, whatever the picture's shape: a wide photo's
                # caption then sits level with a page's, the picture centred above it.
                option.decorationSize = view.iconSize()

    def style_size(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        """The size the style itself asks for this tile, laid out at the tile's width."""
        sized = QStyleOptionViewItem(option)
        sized.rect = QRect(0, 0, TILE_WIDTH, 1000)  # the style wraps text to the rect's width
        return super().sizeHint(sized, index)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return self.tile_size(option)

    @staticmethod
    def tile_size(option: QStyleOptionViewItem) -> QSize:
        """Every tile alike: the thumbnail and two lines of caption, with the style's margins."""
        lines = 2 * QFontMetrics(option.font).lineSpacing()
        return QSize(TILE_WIDTH, option.decorationSize.height() + lines + TILE_PADDING)

    @classmethod
    def grid_size(cls, option: QStyleOptionViewItem) -> QSize:
        """A grid cell that holds a whole tile."""
        tile = cls.tile_size(option)
        return QSize(tile.width() + GRID_MARGIN, tile.height() + GRID_MARGIN)
