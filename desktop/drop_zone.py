"""Turning drops, pastes and "Open image…" into a query image, with plain-language errors.

The widget only sorts out *what* was dropped (cheap, GUI thread); decoding and PDF rendering
happen in ``load_query`` on a worker, because a large photo or a heavy PDF page can take
seconds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image
from PySide6.QtCore import QBuffer, QCoreApplication, QIODevice, QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSpinBox

if TYPE_CHECKING:
    from engine.library import Library

PDF_RENDER_SIDE = 1024


class DropError(Exception):
    """Something the user dropped cannot be a query; the message says why, in their language."""


@dataclass
class Dropped:
    """What arrived: one file (plus how many were dropped) or raw image data from a paste."""

    path: Path | None = None
    image: QImage | None = None
    count: int = 1
    page: int = 1  # for a PDF: which page to use


@dataclass
class QueryImage:
    image: Image.Image
    label: str  # shown in the window: "relay.pdf p. 2", "pasted image"
    page_count: int = 0  # > 0 for a PDF: the page chooser's range
    # The photo's file, when the query is one (not a paste or a PDF page): an example keeps
    # where its photo was, so an export can name it (engine.feedback).
    path: Path | None = None


def dropped_from_mime(mime: QMimeData) -> Dropped:
    """Sort out a drop or paste. Raises DropError for things that can never be a query."""
    paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
    if paths:
        return Dropped(path=paths[0], count=len(paths))
    if mime.hasImage():
        image = QImage(mime.imageData())
        if not image.isNull():
            return Dropped(image=image)
    if mime.hasUrls():
        raise DropError(
            QCoreApplication.translate(
                "DropZone", "Only files on this computer can be dropped (not web links)."
            )
        )
    raise DropError(
        QCoreApplication.translate(
            "DropZone", "Nothing usable was dropped: drop an image file or a PDF."
        )
    )


def load_query(library: Library, dropped: Dropped) -> QueryImage:
    """Decode the dropped thing into a PIL image (worker thread). Raises DropError."""
    from engine.extract import ExtractError

    if dropped.image is not None:
        try:
            return QueryImage(
                library.load_query_image(_png_bytes(dropped.image)),
                QCoreApplication.translate("DropZone", "pasted image"),
            )
        except ExtractError as exc:
            raise DropError(
                QCoreApplication.translate(
                    "DropZone", "The pasted image cannot be used: {0}"
                ).format(exc)
            ) from None
    path = dropped.path
    assert path is not None
    if path.is_dir():
        raise DropError(
            QCoreApplication.translate(
                "DropZone",
                "{0} is a folder. Add folders to index in Settings; drop a single image to search.",
            ).format(path.name)
        )
    if not os.path.lexists(path):  # a pipe or device goes on: the engine says what it is
        raise DropError(
            QCoreApplication.translate("DropZone", "{0} does not exist.").format(path.name)
        )
    if path.suffix.lower() == ".pdf":
        return _pdf_page(library, path, dropped.page)
    try:
        return QueryImage(library.load_query_image(path), path.name, path=path.resolve())
    except (ExtractError, OSError) as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        raise DropError(
            QCoreApplication.translate(
                "DropZone", "{0} cannot be used as a query image: {1}"
            ).format(path.name, reason)
        ) from None


def _pdf_page(library: Library, path: Path, page: int) -> QueryImage:
    # Through the engine: one MuPDF lock for every thread, and its reasons for bad PDFs
    # ("encrypted (password-protected) PDF", "damaged or truncated PDF, ...").
    from engine.extract import ExtractError

    try:
        count = library.pdf_page_count(path)
        page = min(max(page, 1), count)
        image = library.render_page(path, page, max_side=PDF_RENDER_SIDE)
    except (ExtractError, OSError) as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        raise DropError(
            QCoreApplication.translate("DropZone", "{0} cannot be read as a PDF: {1}").format(
                path.name, reason
            )
        ) from None
    label = QCoreApplication.translate("DropZone", "{0} p. {1}").format(path.name, page)
    return QueryImage(image, label, page_count=count)


def _png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


class DropZone(QFrame):
    """A dashed box that accepts drops; ``dropped`` carries the mime data to the window.
    After a PDF drop it shows a page chooser (``pageChosen``)."""

    dropped = Signal(QMimeData)
    pageChosen = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.setObjectName("dropZone")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#dropZone { border: 2px dashed #9aa; border-radius: 6px; }")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.page_label = QLabel()
        self.page_box = QSpinBox()
        self.page_box.setKeyboardTracking(False)  # one search per chosen page, not per keystroke
        self.page_box.valueChanged.connect(self.pageChosen.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.page_label)
        layout.addWidget(self.page_box)
        self.show_pages(0)
        self.retranslate()

    def retranslate(self) -> None:
        self.label.setText(
            self.tr("Drop an image or a PDF here, paste one (Ctrl+V), or use Open image…")
        )
        self.page_label.setText(self.tr("PDF page:"))

    def show_pages(self, count: int, current: int = 1) -> None:
        """Show the page chooser for a PDF query with ``count`` pages (hide it for 0 or 1)."""
        self.page_box.blockSignals(True)
        self.page_box.setRange(1, max(count, 1))
        self.page_box.setValue(current)
        self.page_box.blockSignals(False)
        self.page_box.setVisible(count > 1)
        self.page_label.setVisible(count > 1)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.dropped.emit(event.mimeData())
