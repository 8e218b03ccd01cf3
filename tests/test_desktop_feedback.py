"""Confirmations in the window (issue #17, the desktop side): "This is it", "Not this",
picking the right file and page for a failed query, the examples and evaluation dialog, and
adaptation in the background. Real libraries over generated folders; tests that search load
the real MiniLM (``encoders`` fixture) and are marked slow."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from desktop.i18n import install_language
from desktop.main_window import MainWindow
from desktop.messages import outcome_templates, part_templates
from desktop.pick_target import PickTargetDialog
from desktop.trend_chart import Series, TrendChart
from engine.adapt.report import Outcome, Part
from engine.config import FolderConfig, Settings
from engine.encode.encoders import Encoders
from engine.feedback.examples import ExampleSource, Verdict
from engine.library import Library
from engine.search import Query
from tests.desktop_helpers import build_docs, drop_files

pytestmark = pytest.mark.gui


def words_settings(models: Path, root: Path) -> Settings:
    """No model can load: word and part-number search only, fast to index and open."""
    return Settings(
        models_dir=str(models / "no-models"),
        text_model_path=str(models / "no-text-model"),
        ocr_enabled=False,
        folders=(FolderConfig(str(root.resolve())),),
    )


@pytest.fixture(scope="module")
def words_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The generated documents indexed once for the module (documents, data folder); each
    test opens a copy of the data folder."""
    base = tmp_path_factory.mktemp("words-index")
    root = build_docs(base / "docs")
    settings = words_settings(base, root)
    with Library(base / "data", settings, Encoders(settings)) as library:
        library.index()
        assert library.catalog.counts()["files"] == 4
    return root, base / "data"


@pytest.fixture
def docs_library(tmp_path: Path, words_index: tuple[Path, Path]) -> Iterator[tuple[Library, Path]]:
    """A library over the generated documents, indexed for words; no model is loaded."""
    root, data = words_index
    shutil.copytree(data, tmp_path / "data")
    settings = words_settings(tmp_path, root)
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
    dialog = PickTargetDialog(library, "coil ratings", [relay, relay], synchronous=True)
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


# --- the window and the dialog over a real library (word search: no model is loaded) -----

TEXT_EXAMPLES = [
    ("relay module", "relay.pdf", 1),
    ("coil voltage", "relay.pdf", 1),
    ("contact ratings", "relay.pdf", 2),
    ("wiring diagram", "relay.pdf", 2),
    ("electromagnetic relay", "relay.pdf", 2),
    ("SRD-05VDC-SL-C", "relay.pdf", 1),
    ("thermocouple amplifier", "sensor.pdf", 1),
    ("MCP9600", "sensor.pdf", 1),
    ("I2C thermocouple", "sensor.pdf", 1),
    ("amplifier with I2C", "sensor.pdf", 1),
    ("relay datasheet", "relay.pdf", 1),
    ("thermocouple", "sensor.pdf", 1),
]


@pytest.fixture
def indexed_words(docs_library: tuple[Library, Path]) -> tuple[Library, Path]:
    return docs_library


def add_text_examples(library: Library, root: Path, count: int) -> None:
    for text, name, page in TEXT_EXAMPLES[:count]:
        library.add_example(Query(text=text), root / name, page)


@pytest.fixture
def words_window(qtbot, indexed_words: tuple[Library, Path]) -> Iterator[MainWindow]:
    """A window whose jobs run inline (the same jobs and callbacks, no thread)."""
    window = MainWindow(indexed_words[0], synchronous=True, warm_models=False)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()


def test_this_is_it_stores_an_example_and_undo_removes_it(
    qtbot, words_window: MainWindow, indexed_words: tuple[Library, Path]
) -> None:
    library, _root = indexed_words
    window = words_window
    assert not window.confirm_action.isEnabled()  # no search yet: nothing to confirm
    window.search_text("relay")
    assert window.model.rowCount() >= 1 and window.feedback_bar.isVisible()
    top = window.model.result(0)
    assert top is not None and top.path.name == "relay.pdf"
    window.view.setFocus()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    examples = library.examples()
    assert [(e.query_text, e.target_path.name, e.verdict) for e in examples] == [
        ("relay", "relay.pdf", Verdict.IS_IT)
    ]
    assert examples[0].page == top.page and examples[0].source is ExampleSource.WINDOW
    assert "Saved as an example" in window.feedback_label.text()
    need = library.adaptation_status().needs[0]  # the engine's count, said in the window
    assert need.more > 0
    assert f"{need.more} more before adaptation" in window.feedback_label.text()
    assert window.undo_button.isVisibleTo(window) and window.undo_example_action.isEnabled()
    window.undo_example_action.trigger()
    assert library.examples() == []
    assert "removed" in window.feedback_label.text()
    assert not window.undo_example_action.isEnabled()


def test_not_this_is_offered_on_the_top_result_only(
    words_window: MainWindow, indexed_words: tuple[Library, Path]
) -> None:
    library, _root = indexed_words
    window = words_window
    window.search_text("thermocouple relay")
    assert window.model.rowCount() >= 2
    window.view.setCurrentIndex(window.model.index(1, 0))
    assert window.confirm_action.isEnabled() and not window.reject_action.isEnabled()
    window.view.setCurrentIndex(window.model.index(0, 0))
    assert window.reject_action.isEnabled()
    window.reject_action.trigger()
    (example,) = library.examples()
    assert example.verdict is Verdict.NOT_THIS
    assert example.target_path == window.model.result(0).path
    assert "is not" in window.feedback_label.text()


def test_picking_the_right_file_answers_a_failed_query(
    words_window: MainWindow, indexed_words: tuple[Library, Path]
) -> None:
    library, root = indexed_words
    window = words_window
    window.search_text("wiring")
    assert window.pick_action.isEnabled()
    dialog = window.pick_target()
    assert dialog is not None
    assert dialog.set_file(root / "relay.pdf")
    assert dialog.page_box.maximum() == 2
    dialog.page_box.setValue(2)
    dialog.accept()
    (example,) = library.examples()
    assert example.query_text == "wiring"
    assert (example.target_path.name, example.page) == ("relay.pdf", 2)
    assert "Saved as an example" in window.feedback_label.text()


def test_the_examples_dialog_lists_removes_and_shows_figures_after_an_evaluation(
    words_window: MainWindow, indexed_words: tuple[Library, Path]
) -> None:
    library, root = indexed_words
    add_text_examples(library, root, 3)
    dialog = words_window.open_examples()
    assert dialog.table.rowCount() == 3
    assert dialog.table.item(0, 0).text() == "relay module"
    assert dialog.table.item(0, 1).text() == "relay.pdf"
    assert "No evaluation yet" in dialog.evaluation.figures.text()
    dialog.table.selectRow(0)
    dialog.remove_selected()
    assert dialog.table.rowCount() == 2
    assert [e.query_text for e in library.examples()] == ["coil voltage", "contact ratings"]
    dialog.tabs.setCurrentWidget(dialog.evaluation)
    dialog.evaluation.evaluate()
    assert "Recall@1" in dialog.evaluation.figures.text()
    assert "2 queries" in dialog.evaluation.figures.text()
    assert dialog.evaluation.chart.point_count() == 1
    (point,) = library.eval_history()
    assert f"MRR {point.mrr:.2f}" in dialog.evaluation.figures.text()


def test_the_examples_export_and_import_again(
    words_window: MainWindow, indexed_words: tuple[Library, Path], tmp_path: Path
) -> None:
    library, root = indexed_words
    add_text_examples(library, root, 2)
    dialog = words_window.open_examples()
    dialog.export_to(tmp_path / "mine.csv")
    assert "2 queries written" in dialog.message.text()
    dialog.import_from(tmp_path / "mine.csv")
    # The eval CSV names documents, not pages: imported, they are examples of their own.
    assert "2 examples added, 0 already there" in dialog.message.text()
    assert dialog.table.rowCount() == 4 and dialog.table.item(3, 5).text() == "import"
    dialog.import_from(tmp_path / "mine.csv")
    assert "0 examples added, 2 already there" in dialog.message.text()
    broken = tmp_path / "broken.csv"
    broken.write_text("query,relevant_documents\nrelay,nowhere.pdf\n", encoding="utf-8")
    dialog.import_from(broken)
    assert "1 rows refused" in dialog.message.text() and "row 1" in dialog.message.text()
    assert len(library.examples()) == 4


def test_the_adaptation_tab_says_how_many_more_examples_it_needs(
    words_window: MainWindow, indexed_words: tuple[Library, Path]
) -> None:
    library, root = indexed_words
    add_text_examples(library, root, 3)
    dialog = words_window.open_examples()
    status = library.adaptation_status()
    need = next(n for n in status.needs if n.more > 0)
    assert f"needs {need.more} more" in dialog.adaptation.state.text()
    assert "Nothing adopted" in dialog.adaptation.state.text()
    assert not dialog.adaptation.rollback_button.isEnabled()
    dialog.adaptation.enabled_box.setChecked(False)
    assert not library.settings.adaptation_enabled
    dialog.adaptation.enabled_box.setChecked(True)
    assert library.settings.adaptation_enabled


def test_adapting_runs_on_a_worker_while_a_search_is_answered(
    qtbot, indexed_words: tuple[Library, Path]
) -> None:
    library, root = indexed_words
    add_text_examples(library, root, len(TEXT_EXAMPLES))
    # Hold the real fit at its first progress report or cancel check, inside the engine,
    # until a search has been answered.
    held, release = threading.Event(), threading.Event()
    real_adapt = library.adapt

    def adapt_held(progress: Any, cancel: Any, **kw: Any) -> Any:
        def wait() -> None:
            if not held.is_set():  # once: the engine checks cancel often
                held.set()
                release.wait(15)

        def progress_held(p: Any) -> None:
            wait()
            progress(p)

        def cancel_held() -> bool:
            wait()
            return bool(cancel())

        return real_adapt(progress=progress_held, cancel=cancel_held, **kw)

    library.adapt = adapt_held  # type: ignore[method-assign]
    window = MainWindow(library, warm_models=False)
    qtbot.addWidget(window)
    window.show()
    try:
        dialog = window.open_examples()
        dialog.adaptation.adapt()
        qtbot.waitUntil(held.is_set, timeout=20000)
        assert dialog.adaptation.running and not dialog.adaptation.adapt_button.isEnabled()
        assert not dialog.evaluation.evaluate_button.isEnabled()  # takes its turn
        window.search_text("thermocouple")
        qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=20000)
        assert window.model.result(0).path.name == "sensor.pdf"
        assert dialog.adaptation.running  # the search did not wait for it
    finally:
        release.set()
    qtbot.waitUntil(lambda: not dialog.adaptation.running, timeout=60000)
    report = dialog.adaptation.report
    qtbot.waitUntil(lambda: "Last adaptation" in report.toPlainText(), timeout=10000)
    window.close()


def test_every_adaptation_part_and_outcome_has_a_translated_name(qtbot) -> None:
    english = {**part_templates(), **outcome_templates()}
    assert set(part_templates()) == set(Part) and set(outcome_templates()) == set(Outcome)
    try:
        assert install_language("ja") == "ja"
        japanese = {**part_templates(), **outcome_templates()}
        for code, text in japanese.items():
            assert text != english[code], f"untranslated {code}"
    finally:
        install_language("en")


def test_the_confirmations_and_the_dialog_speak_japanese(
    qtbot, words_window: MainWindow, indexed_words: tuple[Library, Path]
) -> None:
    library, root = indexed_words
    add_text_examples(library, root, 2)
    window = words_window
    dialog = window.open_examples()  # open before the switch: it follows it
    try:
        assert install_language("ja") == "ja"
        qtbot.waitUntil(lambda: window.confirm_action.text() == "これだ", timeout=3000)
        qtbot.waitUntil(lambda: dialog.windowTitle() == "事例と評価", timeout=3000)
        assert window.reject_action.text() == "これではない"
        assert window.pick_action.text() == "正しいファイルを選ぶ…"
        assert window.examples_action.text() == "事例と評価…"
        window.search_text("relay")
        window.confirm_action.trigger()
        assert "事例として保存しました" in window.feedback_label.text()
        window.open_examples()
        assert [dialog.tabs.tabText(i) for i in range(3)] == ["事例", "評価", "適応"]
        assert dialog.table.item(0, 3).text() == "これだ"
        assert dialog.evaluation.evaluate_button.text() == "今すぐ評価"
        assert "あと" in dialog.adaptation.state.text()  # "needs N more", in Japanese
        dialog.evaluation.evaluate()
        assert "検索 3 件" in dialog.evaluation.figures.text()
    finally:
        install_language("en")
    qtbot.waitUntil(lambda: window.confirm_action.text() == "This is it", timeout=3000)


@pytest.mark.slow
def test_a_dropped_photo_is_stored_as_its_features_and_a_copy_only_when_allowed(
    qtbot, tmp_path: Path, encoders: Encoders
) -> None:
    root = build_docs(tmp_path / "docs")
    library = Library(tmp_path / "data", encoders.settings, encoders)
    library.apply_settings(library.settings.with_folder(FolderConfig(str(root))))
    library.index()
    window = MainWindow(library, synchronous=True, warm_models=False)
    qtbot.addWidget(window)
    window.show()
    photo = (root / "photos" / "board.jpg").resolve()
    try:
        drop_files(window.drop_zone, [photo])
        qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=30000)
        assert window.model.result(0).path == photo
        window.confirm_action.trigger()
        (example,) = library.examples()
        assert example.modality == "image" and example.has_features
        assert example.image_path == photo and not example.image_kept
        assert library.example_image(example.id) is None  # no copy of the user's file
        window.undo_example_action.trigger()
        library.apply_settings(library.settings.replace(keep_query_images=True))
        window.confirm_action.trigger()
        (kept,) = library.examples()
        assert kept.image_kept
        dialog = window.open_examples()
        assert dialog.table.item(0, 0).text() == "photo: board.jpg"
        assert not dialog.table.item(0, 0).icon().isNull()  # the small copy, shown
    finally:
        window.close()
        library.close()


def test_an_evaluation_shows_its_progress_and_can_be_cancelled(
    qtbot, indexed_words: tuple[Library, Path]
) -> None:
    library, root = indexed_words
    add_text_examples(library, root, len(TEXT_EXAMPLES))
    held, release = threading.Event(), threading.Event()
    real_evaluate = library.evaluate_examples

    def evaluate_held(progress: Any, cancel: Any, **kw: Any) -> Any:
        def progress_held(p: Any) -> None:
            progress(p)
            if not held.is_set():  # after the first report has gone to the window
                held.set()
                release.wait(15)

        return real_evaluate(progress=progress_held, cancel=cancel, **kw)

    library.evaluate_examples = evaluate_held  # type: ignore[method-assign]
    window = MainWindow(library, warm_models=False)
    qtbot.addWidget(window)
    window.show()
    panel = window.open_examples().evaluation
    try:
        panel.evaluate()
        qtbot.waitUntil(held.is_set, timeout=20000)
        # The engine's first report, in the window: "Evaluating · 0 of 12".
        qtbot.waitUntil(lambda: panel.progress.maximum() == len(TEXT_EXAMPLES), timeout=5000)
        assert f"of {len(TEXT_EXAMPLES)}" in panel.progress_label.text()
        assert panel.cancel_button.isEnabled() and not panel.evaluate_button.isEnabled()
        panel.cancel_button.click()
    finally:
        release.set()
    qtbot.waitUntil(lambda: not panel.running, timeout=30000)
    assert "cancelled" in panel.progress_label.text()
    assert library.eval_history() == []  # a cancelled evaluation is not a point of the plot
    assert "No evaluation yet" in panel.figures.text()
    window.close()
