"""A small line chart of evaluation figures over time, drawn with QPainter.

Why QPainter and not matplotlib: the window's fonts already show Japanese (desktop/i18n.py
registers a CJK fallback where none is installed), where matplotlib's DejaVu would draw the
translated legend as boxes; and nothing has to be imported or rendered off the GUI thread for
a few dozen points. Values are fractions in [0, 1] (Recall@K, MRR); times are POSIX seconds.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

MARGIN_LEFT = 40  # room for the "0.5" labels of the value axis
MARGIN_RIGHT = 12
MARGIN_TOP = 24  # the legend
MARGIN_BOTTOM = 22  # the dates


@dataclass(frozen=True)
class Series:
    """One line: its name (already translated), colour and one value per time."""

    name: str
    color: QColor
    values: list[float]


class TrendChart(QWidget):
    """Figures over time; with one point it is a dot, with none it says so."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._times: list[float] = []
        self._series: list[Series] = []
        self._empty_text = ""
        self.setMinimumSize(320, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(520, 220)

    def set_data(self, times: list[float], series: list[Series], empty_text: str = "") -> None:
        """``times`` ascending; every series has one value per time."""
        self._times = list(times)
        self._series = [s for s in series if len(s.values) == len(self._times)]
        self._empty_text = empty_text
        self.update()

    def point_count(self) -> int:
        return len(self._times)

    def to_pixmap(self) -> QPixmap:
        """The chart as drawn (tests, and a copy for a report)."""
        return self.grab()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        plot = QRectF(
            MARGIN_LEFT,
            MARGIN_TOP,
            max(self.width() - MARGIN_LEFT - MARGIN_RIGHT, 1),
            max(self.height() - MARGIN_TOP - MARGIN_BOTTOM, 1),
        )
        self._draw_axes(painter, plot)
        if not self._times:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, self._empty_text)
            return
        for series in self._series:
            self._draw_series(painter, plot, series)
        self._draw_legend(painter)
        self._draw_dates(painter, plot)

    def _draw_axes(self, painter: QPainter, plot: QRectF) -> None:
        grid = QPen(self.palette().mid().color(), 1, Qt.PenStyle.DotLine)
        text = self.palette().text().color()
        for value in (0.0, 0.5, 1.0):
            y = plot.bottom() - value * plot.height()
            painter.setPen(grid)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            label = QRectF(0, y - 8, MARGIN_LEFT - 6, 16)
            painter.drawText(
                label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{value:.1f}"
            )

    def _x(self, plot: QRectF, when: float) -> float:
        first, last = self._times[0], self._times[-1]
        if last <= first:
            return plot.center().x()
        return plot.left() + (when - first) / (last - first) * plot.width()

    def _draw_series(self, painter: QPainter, plot: QRectF, series: Series) -> None:
        painter.setPen(QPen(series.color, 2))
        points = [
            QPointF(self._x(plot, t), plot.bottom() - _clamp(v) * plot.height())
            for t, v in zip(self._times, series.values, strict=True)
        ]
        for a, b in itertools.pairwise(points):
            painter.drawLine(a, b)
        painter.setBrush(series.color)
        for p in points:
            painter.drawEllipse(p, 3, 3)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _draw_legend(self, painter: QPainter) -> None:
        x = float(MARGIN_LEFT)
        metrics = painter.fontMetrics()
        for series in self._series:
            painter.setPen(QPen(series.color, 3))
            painter.drawLine(QPointF(x, 12), QPointF(x + 16, 12))
            painter.setPen(self.palette().text().color())
            painter.drawText(QPointF(x + 20, 16), series.name)
            x += 32 + metrics.horizontalAdvance(series.name)

    def _draw_dates(self, painter: QPainter, plot: QRectF) -> None:
        painter.setPen(self.palette().text().color())
        first, last = self._times[0], self._times[-1]
        y = plot.bottom() + 4
        painter.drawText(
            QRectF(plot.left(), y, plot.width() / 2, MARGIN_BOTTOM - 4),
            Qt.AlignmentFlag.AlignLeft,
            _date(first),
        )
        if last > first:
            painter.drawText(
                QRectF(plot.center().x(), y, plot.width() / 2, MARGIN_BOTTOM - 4),
                Qt.AlignmentFlag.AlignRight,
                _date(last),
            )


def _clamp(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def _date(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(when))
