"""The window's own looks: the welcome banner, result tiles, the preview pane, screenshots
without a display. Fast tests use no models; the screenshot subprocess is slow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QFontMetrics, QGuiApplication, QTextLayout, QTextOption
from PySide6.QtWidgets import QPushButton, QStyleOptionViewItem

from desktop.i18n import install_language
from desktop.main_window import MainWindow
from desktop.preview import PreviewPane
from desktop.results_model import ResultsModel
from engine.config import FolderConfig
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.messages import ReasonCode, reason
from engine.types import ItemKind, SearchResult
from tests.desktop_helpers import build_docs, lazy_library

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parent.parent


def shown_buttons(window: MainWindow) -> list[str]:
    """The banner's buttons a user sees (deleted-later ones still count until they go)."""
    return [
        b.text() for b in window.banner.findChildren(QPushButton) if b.isVisibleTo(window.banner)
    ]


def test_welcome_shows_each_button_once_in_both_languages(qtbot, tmp_path: Path) -> None:
    library = lazy_library(tmp_path)
    samples = tmp_path / "samples"
    samples.mkdir()
    window = MainWindow(library, warm_models=False, samples_dir=samples)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)  # after the counts
        assert shown_buttons(window) == ["Index the sample files", "Add a folder…"]
        assert install_language("ja") == "ja"
        qtbot.waitUntil(lambda: window.open_action.text() == "画像を開く…", timeout=3000)
        window.retranslate()  # and again, with no event loop turn in between
        window.retranslate()
        buttons = shown_buttons(window)
        assert len(buttons) == 2 and len(set(buttons)) == 2, buttons
        assert buttons == window.banner.button_texts()
        assert "フォルダ" in buttons[1]
    finally:
        install_language("en")
        qtbot.waitUntil(lambda: window.open_action.text() == "Open image…", timeout=3000)
        window.close()
        library.close()
    assert shown_buttons(window) == ["Index the sample files", "Add a folder…"]


def test_no_welcome_for_a_library_with_files(qtbot, tmp_path: Path, no_models: Encoders) -> None:
    # Indexed from the command line (`sagasu index FOLDER`): files, but no folder in settings.
    root = build_docs(tmp_path / "docs")
    library = Library(tmp_path / "data", no_models.settings, no_models)
    library.index([FolderConfig(str(root))])
    assert not library.settings.folders and library.catalog.counts()["files"] > 0
    window = MainWindow(library, warm_models=False, samples_dir=root)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window._indexed_files is not None, timeout=5000)
    window.retranslate()
    qtbot.wait(50)
    assert not window.banner.isVisible()
    window.close()
    library.close()


LONG_NAMES = [
    "relay-module-SRD-05VDC-SL-C-datasheet-revision-2024-final-approved.pdf",
    "温度センサ_TMP-36J_仕様書_改訂版_最終版_承認済み_社内配布用.pdf",
]


def long_results() -> list[SearchResult]:
    return [
        SearchResult(
            item_id=i,
            path=Path("/library") / name,
            kind=ItemKind.CHUNK,
            page=7,
            score=0.45,
            reasons=[reason(ReasonCode.TEXT_SIMILAR, similarity=0.71)],
            file_exists=i == 0,
        )
        for i, name in enumerate(LONG_NAMES)
    ]


def test_a_long_file_name_keeps_the_tiles_second_line(qtbot, tmp_path: Path) -> None:
    library = lazy_library(tmp_path)
    window = MainWindow(library, warm_models=False)
    qtbot.addWidget(window)
    window.show()
    window.model.set_results(long_results())
    view, tiles = window.view, window.tiles
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    metrics = QFontMetrics(option.font)
    width = tiles.text_width(option)
    for row in range(window.model.rowCount()):
        index = window.model.index(row, 0)
        name, details = tiles.caption_lines(option, index)
        assert "…" in name and name.endswith(".pdf")
        assert "p. 7" in details and "0.45" in details
        assert metrics.horizontalAdvance(name) <= width
        assert metrics.horizontalAdvance(details) <= width
        # Laid out as the style lays it out, the caption is exactly two lines...
        drawn = QStyleOptionViewItem(option)
        tiles.initStyleOption(drawn, index)
        layout = QTextLayout(drawn.text, drawn.font)
        layout.setTextOption(QTextOption())
        layout.textOption().setWrapMode(QTextOption.WrapMode.WordWrap)
        layout.beginLayout()
        lines = 0
        while (line := layout.createLine()).isValid():
            line.setLineWidth(width)
            lines += 1
        layout.endLayout()
        assert lines == 2
        # ...and the tile (what the style needs) fits the cell the grid gives it.
        needed = tiles.style_size(option, index)
        assert needed.height() <= tiles.sizeHint(option, index).height()
        assert tiles.sizeHint(option, index).height() < view.gridSize().height()
        assert view.visualRect(index).height() >= needed.height()
    window.close()
    library.close()


def test_the_preview_wraps_a_long_snippet_and_elides_a_long_path(qtbot) -> None:
    folder = "/".join(f"project-archive-{i:02d}" for i in range(20))
    path = Path("/home/someone") / folder / LONG_NAMES[0]
    result = SearchResult(
        item_id=1,
        path=path,
        kind=ItemKind.PAGE,
        page=7,
        score=0.45,
        reasons=[reason(ReasonCode.TEXT_SIMILAR, similarity=0.71)],
        snippet="0x" + "A5" * 1500 + " register map continues " + "-" * 400,
    )
    pane = PreviewPane()
    qtbot.addWidget(pane)
    pane.resize(320, 640)
    pane.show()
    pane.show_result(result, ResultsModel().tooltip(result, with_path=False), None)
    qtbot.wait(20)
    assert pane.minimumSizeHint().width() < 400
    assert pane.sizeHint().width() < 400
    assert pane.details.horizontalScrollBar().maximum() == 0
    assert not pane.details.horizontalScrollBar().isVisible()
    document = pane.details.document()
    assert document.size().width() <= pane.details.viewport().width() + 1
    assert str(path) not in pane.details.toPlainText()  # the path has its own line
    label = pane.path_label
    assert label.toolTip() == str(path) and label.full_text() == str(path)
    assert "…" in label.text() and label.text().endswith(".pdf")
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
    assert label.width() <= pane.width()
    pane.copy_path_action.trigger()
    assert QGuiApplication.clipboard().text() == str(path)


@pytest.mark.slow
def test_screenshot_mode_needs_no_display(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    }
    out = tmp_path / "shot.png"
    data = str(tmp_path / "data")
    command = [sys.executable, "-m", "desktop.app", "--data-dir", data, "--screenshot", str(out)]
    done = subprocess.run(
        [*command, "--lang", "en", "--size", "900x600"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    pixels = np.asarray(Image.open(out).convert("L"), dtype=np.float32)
    assert pixels.shape == (600, 900) and pixels.std() > 10
