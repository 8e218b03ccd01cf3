"""Qt-side helpers for the desktop tests: libraries over generated folders, windows, drops."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from engine.config import Settings
from engine.encoders import Encoders
from engine.library import Library
from tests.fixtures import PageSpec, make_pdf, make_photo, pattern_image


def build_docs(root: Path) -> Path:
    """Two PDFs and two photos: enough for text, image and "similar" searches."""
    root.mkdir(parents=True, exist_ok=True)
    make_pdf(
        root / "relay.pdf",
        [
            PageSpec(
                text="SRD-05VDC-SL-C relay module datasheet. Coil voltage 5 V.",
                images=[pattern_image((200, 150), seed=7)],
            ),
            PageSpec(text="Electromagnetic relay contact ratings and wiring diagram."),
        ],
    )
    make_pdf(root / "sensor.pdf", [PageSpec(text="Thermocouple amplifier MCP9600 with I2C.")])
    make_photo(root / "photos" / "board.jpg", seed=3)
    make_photo(root / "photos" / "part.png", seed=4)
    return root


def lazy_library(tmp_path: Path) -> Library:
    """A library whose models are never loaded (for tests that do not search)."""
    settings = Settings(models_dir=str(tmp_path / "no-models"), ocr_enabled=False)
    return Library(tmp_path / "lazy-data", settings, Encoders(settings))


def drop_files(target: QWidget, paths: list[Path]) -> None:
    """Deliver a synthetic drop of local files, as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    drop_mime(target, mime)


def drop_mime(target: QWidget, mime: QMimeData) -> None:
    """Drag-enter then drop: Qt only delivers a drop to a widget that accepted the enter."""
    enter = QDragEnterEvent(
        target.rect().center(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, enter)
    pos = QPointF(target.rect().center())
    event = QDropEvent(
        pos,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, event)


__all__ = ["build_docs", "drop_files", "drop_mime", "lazy_library"]
