"""The desktop app through its widgets (pytest-qt, offscreen). Tests that search load the
real MiniLM via the ``encoders`` fixture and are marked slow."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from desktop.i18n import install_language
from desktop.main_window import MainWindow
from desktop.results_model import ResultRole, ResultsModel
from engine.config import FolderConfig
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.messages import ReasonCode, reason
from engine.signals.ocr import OcrLine, OcrResult
from engine.types import ItemKind, SearchResult
from tests.desktop_helpers import build_docs, drop_files, lazy_library
from tests.fixtures import release_readers

pytestmark = pytest.mark.gui


@pytest.fixture
def lazy_window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:
    library = lazy_library(tmp_path)
    window = MainWindow(library, warm_models=False)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    library.close()


@pytest.fixture
def indexed(tmp_path: Path, encoders: Encoders) -> Iterator[tuple[Library, Path]]:
    root = build_docs(tmp_path / "docs")
    library = Library(tmp_path / "data", encoders.settings, encoders)
    library.apply_settings(library.settings.with_folder(FolderConfig(str(root))))
    library.index()
    yield library, root
    library.close()


@pytest.fixture
def window(qtbot, indexed: tuple[Library, Path]) -> Iterator[MainWindow]:
    window = MainWindow(indexed[0])
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()


def fake_results(n: int = 5) -> list[SearchResult]:
    return [
        SearchResult(
            item_id=i,
            path=Path(f"/nowhere/doc{i}.pdf"),
            kind=ItemKind.PAGE if i % 2 else ItemKind.PHOTO,
            page=i or None,
            score=1.0 / (i + 1),
            reasons=[reason(ReasonCode.TEXT_SIMILAR, similarity=0.71)],
            file_exists=i % 3 != 0,
        )
        for i in range(n)
    ]


# --- fast: no models ---------------------------------------------------------------------


def test_results_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = ResultsModel()
    model.set_results(fake_results())
    # The Python checker: PySide6 6.12's C++ QAbstractItemModelTester cannot be constructed
    # from Python (SystemError in pytest-qt 4.5); the Python one runs the same checks.
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 5
    tip = model.data(model.index(0, 0), 3)  # ToolTipRole
    assert "text similarity" in tip and "missing" in tip.lower()


def test_model_handles_thousands_of_rows(qtmodeltester) -> None:
    model = ResultsModel()
    model.set_results(fake_results(3000))
    assert model.rowCount() == 3000
    assert model.data(model.index(2999, 0), ResultRole).item_id == 2999


def test_dropping_a_text_file_shows_an_error(
    qtbot, lazy_window: MainWindow, tmp_path: Path
) -> None:
    note = tmp_path / "notes.txt"
    note.write_text("not a picture", encoding="utf-8")
    drop_files(lazy_window.drop_zone, [note])
    qtbot.waitUntil(lambda: "notes.txt" in lazy_window.message.text(), timeout=5000)
    assert "cannot be used" in lazy_window.message.text()
    assert lazy_window.isVisible()


def test_dropping_a_broken_image_or_folder_explains(
    qtbot, lazy_window: MainWindow, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    drop_files(lazy_window.drop_zone, [broken])
    qtbot.waitUntil(lambda: "broken.jpg" in lazy_window.message.text(), timeout=5000)
    drop_files(lazy_window.drop_zone, [tmp_path])
    qtbot.waitUntil(lambda: "is a folder" in lazy_window.message.text(), timeout=5000)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")
def test_dropping_a_named_pipe_explains_and_never_freezes(
    qtbot, lazy_window: MainWindow, tmp_path: Path
) -> None:
    for name in ("pipe.jpg", "pipe.pdf"):
        fifo = tmp_path / name
        os.mkfifo(fifo)
        try:
            drop_files(lazy_window.drop_zone, [fifo])
            qtbot.waitUntil(lambda: "named pipe" in lazy_window.message.text(), timeout=5000)
            assert name in lazy_window.message.text()
        finally:
            release_readers(fifo)  # a regression's worker, blocked in open(), ends too
        lazy_window.message.setText("")


def test_first_run_banner_offers_samples(qtbot, lazy_window: MainWindow, tmp_path: Path) -> None:
    # Shown once the counts (read on a worker) say the library is empty.
    qtbot.waitUntil(lambda: lazy_window.banner.isVisible(), timeout=5000)
    assert "Add a folder…" in lazy_window.banner.button_texts()


def test_language_switch_shows_japanese(qtbot, lazy_window: MainWindow) -> None:
    try:
        assert install_language("ja") == "ja"
        # Qt posts LanguageChange to the windows; they re-translate on the next event loop turn.
        qtbot.waitUntil(lambda: lazy_window.open_action.text() == "画像を開く…", timeout=3000)
        qtbot.waitUntil(lambda: "ようこそ" in lazy_window.banner.label.text(), timeout=3000)
        assert "画像" in lazy_window.drop_zone.label.text()
    finally:
        install_language("en")
    qtbot.waitUntil(lambda: lazy_window.open_action.text() == "Open image…", timeout=3000)


# --- slow: real MiniLM, tiny CLIP --------------------------------------------------------


@pytest.mark.slow
def test_typing_a_query_shows_results(qtbot, window: MainWindow) -> None:
    qtbot.keyClicks(window.search_field, "thermocouple amplifier")
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=15000)
    first = window.model.result(0)
    assert first is not None and first.path.name == "sensor.pdf"
    assert "results" in window.message.text()


@pytest.mark.slow
def test_dropping_an_image_runs_an_image_search(
    qtbot, window: MainWindow, indexed: tuple[Library, Path]
) -> None:
    photo = indexed[1] / "photos" / "board.jpg"
    drop_files(window.drop_zone, [photo])
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=15000)
    assert window.model.result(0).path == photo.resolve()  # identical embedding ranks first


@pytest.mark.slow
def test_dropping_a_pdf_uses_its_page_and_offers_a_chooser(
    qtbot, window: MainWindow, indexed: tuple[Library, Path]
) -> None:
    drop_files(window.drop_zone, [indexed[1] / "relay.pdf", indexed[1] / "sensor.pdf"])
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=15000)
    assert window.drop_zone.page_box.isVisibleTo(window)
    assert window.drop_zone.page_box.maximum() == 2
    assert "first one" in window.message.text()


@pytest.mark.slow
def test_adding_a_folder_in_settings_indexes_it(qtbot, tmp_path: Path, encoders: Encoders) -> None:
    root = build_docs(tmp_path / "docs")
    library = Library(tmp_path / "data", encoders.settings, encoders)
    window = MainWindow(library)
    qtbot.addWidget(window)
    dialog = window.open_settings()
    dialog.add_folder(root)
    with qtbot.waitSignal(window.indexing.finished, timeout=180000):
        dialog.accept()
    assert library.catalog.counts()["files"] == 4
    assert (tmp_path / "data" / "settings.json").is_file()
    qtbot.waitUntil(lambda: "4 files indexed" in window.counts_label.text(), timeout=5000)
    window.close()
    library.close()


@pytest.mark.slow
def test_closing_during_indexing_stops_and_next_run_resumes(
    qtbot, tmp_path: Path, encoders: Encoders
) -> None:
    from PySide6.QtCore import QProcess

    root = build_docs(tmp_path / "docs")
    library = Library(tmp_path / "data", encoders.settings, encoders)
    library.apply_settings(library.settings.with_folder(FolderConfig(str(root))))
    window = MainWindow(library, warm_models=False)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.indexing.progressed, timeout=120000):
        window.indexing.start()  # an index run in a child process
    child = window.indexing._child
    assert child is not None
    window.close()  # cancels the child and waits for it
    assert child.process.state() == QProcess.ProcessState.NotRunning
    run = library.catalog.last_run()
    assert run is not None and run["status"] in ("cancelled", "completed")
    summary = library.index()  # the next run picks up where that one stopped
    assert summary.files_unchanged + summary.files_indexed == 4
    assert library.catalog.counts()["files"] == 4
    library.close()


@pytest.mark.slow
def test_screenshot_mode_writes_a_non_blank_png(
    qtbot, tmp_path: Path, indexed: tuple[Library, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop import app

    library, _root = indexed
    library.close()
    # The screenshot opens the library itself; give it the tiny models through the settings.
    monkeypatch.setattr(
        app, "open_library", lambda d: Library(d, library.settings, library.encoders)
    )
    out = tmp_path / "shot.png"
    code = app.main(
        ["--data-dir", str(library.data_dir), "--screenshot", str(out), "--query", "relay"]
    )
    assert code == 0 and out.is_file()
    pixels = np.asarray(Image.open(out).convert("L"), dtype=np.float32)
    assert pixels.shape[0] > 300 and pixels.std() > 10


def test_results_for_a_closed_window_are_dropped_not_delivered(qtbot) -> None:
    """A model load can outlive its window (closed during start-up): its callbacks must not
    run on deleted widgets."""
    import threading

    from PySide6.QtCore import QObject

    from desktop.workers import Runner

    owner = QObject()
    runner = Runner(1, owner=owner)
    release = threading.Event()
    delivered: list[object] = []
    task = runner.run(lambda _r: release.wait(5) and "loaded", on_done=delivered.append)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not shiboken_valid(owner))
    release.set()
    qtbot.waitUntil(lambda: task.finished)
    assert delivered == []

    kept = QObject()
    runner = Runner(1, owner=kept)
    task = runner.run(lambda _r: "loaded", on_done=delivered.append)
    qtbot.waitUntil(lambda: task.finished)
    assert delivered == ["loaded"]


def shiboken_valid(obj: object) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_settings_dialog_keeps_device_and_cpu_precision(qtbot, tmp_path: Path) -> None:
    from desktop.settings_dialog import SettingsDialog
    from desktop.workers import Runner
    from engine.config import Settings

    settings = Settings(device="cpu", cpu_precision="fp32", models_dir=str(tmp_path / "models"))
    library = Library(tmp_path / "data", settings, Encoders(settings))
    # The models tab checks what is installed on its runner: inline here, no thread.
    dialog = SettingsDialog(library, runner=Runner(synchronous=True))
    qtbot.addWidget(dialog)
    assert dialog.result_settings().cpu_precision == "fp32"
    dialog.precision_box.setCurrentIndex(dialog.precision_box.findData("bf16"))
    chosen = dialog.result_settings()
    assert (chosen.device, chosen.cpu_precision) == ("cpu", "bf16")
    library.close()


def test_a_job_outliving_its_task_object_finishes_quietly(qtbot) -> None:
    """At application exit Qt may destroy a task whose job is still running on a worker;
    its last emit must not raise in that thread."""
    import shiboken6

    from desktop.workers import Task, _execute

    task = Task(on_done=None, on_error=None, on_progress=None)
    shiboken6.delete(task)
    _execute(lambda report: report("halfway") or 42, task)  # no RuntimeError
    _execute(lambda report: 1 / 0, task)


class HeldOcr:
    """Reads "MCP9600" off any photo, but only once the test lets it."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def read(self, image: Image.Image) -> OcrResult:
        self.release.wait(timeout=30)
        box = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
        return OcrResult([OcrLine("MCP9600", 0.95, box)], "MCP9600", 0.95, had_text=True)


@pytest.mark.slow
def test_a_dropped_photo_shows_results_before_its_text_is_read(
    qtbot, window: MainWindow, indexed: tuple[Library, Path]
) -> None:
    ocr = HeldOcr()
    window.library.searcher.ocr = lambda: ocr
    drop_files(window.drop_zone, [indexed[1] / "photos" / "board.jpg"])
    qtbot.waitUntil(lambda: "Reading the text" in window.message.text(), timeout=15000)
    assert window.last_outcome is not None and window.last_outcome.partial
    first = window.model.results()
    assert first and not any("MCP9600" in " ".join(map(str, r.reasons)) for r in first)
    # The user picks a result while the text is read: the final ranking keeps that choice.
    picked = first[-1].path
    window.view.setCurrentIndex(window.model.index(len(first) - 1, 0))
    ocr.release.set()
    qtbot.waitUntil(lambda: not window.last_outcome.partial, timeout=15000)
    assert "Reading the text" not in window.message.text()
    sensor = [r for r in window.model.results() if r.path.name == "sensor.pdf"]
    assert sensor and any("MCP9600" in str(why) for why in sensor[0].reasons)
    assert window.model.result(window.view.currentIndex().row()).path == picked
