"""The preview pane: the selected page or photo at a readable size, and why it matched."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from engine.types import SearchResult


class PreviewPane(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(240, 240)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.details)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.image, 3)
        layout.addWidget(scroll, 2)
        self._source: QImage | None = None
        self.clear()

    def clear(self) -> None:
        self._source = None
        self.image.setPixmap(QPixmap())
        self.image.setText(self.tr("Select a result to preview it."))
        self.details.setText("")

    def show_result(self, r: SearchResult, tooltip_html: str, image: QImage | None) -> None:
        self.details.setText(tooltip_html)
        self.set_image(image)
        if not r.file_exists:
            missing = self.tr("This file is missing.")
            self.details.setText(
                f"<p style='color:#a22'><b>{html.escape(missing)}</b> "
                + html.escape(self.tr("It was moved or deleted since it was indexed."))
                + "</p>"
                + tooltip_html
            )

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
