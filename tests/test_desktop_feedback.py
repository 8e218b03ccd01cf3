"""Confirmations in the window (issue #17, the desktop side): "This is it", "Not this",
picking the right file and page for a failed query, the examples and evaluation dialog, and
adaptation in the background. Real libraries over generated folders; tests that search load
the real MiniLM (``encoders`` fixture) and are marked slow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor

from desktop.pick_target import PickTargetDialog
from desktop.trend_chart import Series, TrendChart
from desktop.workers import Runner
from engine.config import FolderConfig, Settings
from engine.encode.encoders import Encoders
from engine.library import Library
from tests.desktop_helpers import build_docs

pytestmark = pytest.mark.gui


@pytest.fixture
def docs_library(tmp_path: Path) -> Iterator[tuple[Library, Path]]:
    """A library whose folder holds the generated documents; no model is loaded."""
    root = build_docs(tmp_path / "docs")
    settings = Settings(
        models_dir=str(tmp_path / "no-models"),
        ocr_enabled=False,
        folders=(FolderConfig(str(root.resolve())),),
    )
    library = Library(tmp_path / "data", settings, Encoders(settings))
    yield library, root
    library.close()


# --- fast: no models ---------------------------------------------------------------------


def test_the_chart_draws_figures_over_time(qtbot) -> None:
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.resize(400, 200)
    chart.set_data([], [], empty_text="No evaluation yet")
    blank = chart.to_pixmap().toImage()
    times = [1_700_000_000.0, 1_700_086_400.0, 1_700_172_800.0]
    chart.set_data(times, [Series("Recall@1", QColor("#c03020"), [0.2, 0.5, 0.9])])
    drawn = chart.to_pixmap().toImage()
    assert chart.point_count() == 3
    red = [
        (x, y)
        for x in range(0, drawn.width(), 2)
        for y in range(0, drawn.height(), 2)
        if drawn.pixelColor(x, y).red() > 150 and drawn.pixelColor(x, y).green() < 90
    ]
    assert red, "the series is drawn in its colour"
    assert blank != drawn
    # The line rises: its right end is drawn higher (smaller y) than its left end.
    left = min(red)
    right = max(red)
    assert right[0] - left[0] > 200 and right[1] < left[1]


def test_picking_a_file_and_page_for_a_failed_query(
    qtbot, docs_library: tuple[Library, Path], tmp_path: Path
) -> None:
    library, root = docs_library
    relay = (root / "relay.pdf").resolve()
    dialog = PickTargetDialog(
        library, "coil ratings", [relay, relay], runner=Runner(1, synchronous=True)
    )
    qtbot.addWidget(dialog)
    assert dialog.results_box.count() == 2  # "(one of the results)" and relay.pdf once
    assert dialog.chosen() is None
    outside = tmp_path / "elsewhere.pdf"
    outside.write_bytes((root / "sensor.pdf").read_bytes())
    assert not dialog.set_file(outside)
    assert "not in an indexed folder" in dialog.message.text()
    assert dialog.chosen() is None
    dialog.results_box.setCurrentIndex(1)
    assert dialog.page_box.maximum() == 2 and dialog.page_box.isEnabled()
    dialog.page_box.setValue(2)
    assert dialog.chosen() == (relay, 2)
    assert dialog.preview_shown()
    assert dialog.set_file(root / "photos" / "board.jpg")
    assert dialog.chosen() == ((root / "photos" / "board.jpg").resolve(), None)
    assert not dialog.page_box.isEnabled()
