"""Qt-side helpers for the desktop tests: libraries over generated folders, windows, drops."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, QProcess, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from engine.config import Settings
from engine.encode.encoders import Encoders
from engine.library import Library
from tests.fixtures import build_docs


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


def let_child_run_end(qtbot: object, run: object) -> None:
    """Wait until a ChildIndexRun's process has ended and its last events are delivered: the
    run object goes away with the test, and an event for its deleted QProcess crashes the
    next test's event processing."""
    process = run.process  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: process.state() == QProcess.ProcessState.NotRunning)  # type: ignore[attr-defined]
    qtbot.wait(200)  # type: ignore[attr-defined]


__all__ = ["build_docs", "drop_files", "drop_mime", "lazy_library", "let_child_run_end"]
