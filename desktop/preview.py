"""The preview pane: the selected page or photo at a readable size, and why it matched.

Nothing in it scrolls sideways: the path is one line elided in the middle (the whole path in
its tooltip, and a button to copy it), and the details wrap, long words and paths included.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QGuiApplication, QImage, QPixmap, QTextOption
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.types import SearchResult


class ElidedLabel(QLabel):
    """One line of text elided in the middle to the width the layout gives it; the whole
    text is its tooltip. It never asks for more width than it is given."""

    def __init__(self) -> None:
        super().__init__()
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.fontMetrics().height())

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(min(metrics.horizontalAdvance(self._full), 240), metrics.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.contentsRect().width(), 0)
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width))


class PreviewPane(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(240, 240)
        self.image.setWordWrap(True)  # "Select a result…" in a narrow pane
        self.path_label = ElidedLabel()
        self.copy_path_action = QAction(self)
        self.copy_path_action.triggered.connect(self.copy_path)
        self.copy_button = QToolButton()
        self.copy_button.setDefaultAction(self.copy_path_action)
        self.copy_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        path_row = QHBoxLayout()
        path_row.setContentsMargins(0, 0, 0, 0)
        path_row.addWidget(self.path_label, 1)
        path_row.addWidget(self.copy_button)
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.details.setStyleSheet("QTextBrowser { background: transparent; }")
        # Paths and snippets without spaces wrap anywhere instead of scrolling sideways.
        self.details.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.details.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        self.details.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.image, 3)
        layout.addLayout(path_row)
        layout.addWidget(self.details, 2)
        self._source: QImage | None = None
        self._path: Path | None = None
        self.clear()

    def clear(self) -> None:
        self._source = None
        self._path = None
        self.image.setPixmap(QPixmap())
        self.image.setText(self.tr("Select a result to preview it."))
        self.details.setHtml("")
        self.path_label.set_full_text("")
        self.copy_path_action.setText(self.tr("Copy path"))
        self.copy_path_action.setToolTip(self.tr("Copy the full path of this file"))
        self.copy_button.setVisible(False)

    def show_result(self, r: SearchResult, details_html: str, image: QImage | None) -> None:
        """Show a result: ``details_html`` is what the model says about it, path left out
        (the pane shows the path on its own line)."""
        self._path = r.path
        self.path_label.set_full_text(str(r.path))
        self.copy_button.setVisible(True)
        text = details_html
        if not r.file_exists:
            missing = self.tr("This file is missing.")
            text = (
                f"<p style='color:#a22'><b>{html.escape(missing)}</b> "
                + html.escape(self.tr("It was moved or deleted since it was indexed."))
                + "</p>"
                + details_html
            )
        self.details.setHtml(text)
        self.set_image(image)

    def copy_path(self) -> None:
        if self._path is not None:
            QGuiApplication.clipboard().setText(str(self._path))

    def set_image(self, image: QImage | None) -> None:
        self._source = image
        if image is None or image.isNull():
            self.image.setPixmap(QPixmap())
            self.image.setText(self.tr("No preview"))
            return
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._source is not None:
            self._fit()

    def _fit(self) -> None:
        assert self._source is not None
        size = self.image.size()
        pixmap = QPixmap.fromImage(self._source).scaled(
            size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.image.setPixmap(pixmap)
