"""The window meets a damaged catalog: a dialog says what is damaged and, when the user
chooses to rebuild, repairs it on a worker thread and opens the library (issue #19)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop.app import open_library, repair_and_open
from desktop.i18n import install_language
from desktop.repair_dialog import RepairDialog, damage_templates
from engine.config import FolderConfig, Settings
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.store.catalog import CATALOG_FILE
from engine.store.health import CatalogDamaged, DamageReason
from tests.desktop_helpers import let_child_run_end
from tests.fixtures import build_docs


def damaged_library(tmp_path: Path) -> tuple[Path, CatalogDamaged]:
    root = build_docs(tmp_path / "docs")
    settings = Settings(
        models_dir=str(tmp_path / "no-models"),
        text_model_path=str(tmp_path / "no-text-model"),
        ocr_enabled=False,
    )
    data = tmp_path / "data"
    with Library(data, settings, Encoders(settings)) as lib:
        lib.add_folders([FolderConfig(str(root))])
        lib.index()
    catalog = data / CATALOG_FILE
    os.truncate(catalog, catalog.stat().st_size // 2)
    with pytest.raises(CatalogDamaged) as caught:
        open_library(data)
    return data, caught.value


def test_choosing_rebuild_in_the_dialog_leads_to_a_working_library(qtbot, tmp_path: Path) -> None:
    data, damage = damaged_library(tmp_path)
    seen: list[str] = []

    def choose_rebuild() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, RepairDialog)
        seen.append(dialog.message.text())
        dialog.rebuild_button.click()  # the repair runs on a worker thread

    QTimer.singleShot(0, choose_rebuild)
    library = repair_and_open(damage, data)  # the dialog's own event loop, as in the app
    assert library is not None
    try:
        assert seen and "cut short" in seen[0]
        assert library.counts()["counts"]["files"] == 4  # type: ignore[index]
        assert library.search_text("relay module").results
    finally:
        library.close()


def test_quitting_the_dialog_leaves_the_damaged_file_where_it_was(qtbot, tmp_path: Path) -> None:
    data, damage = damaged_library(tmp_path)
    before = (data / CATALOG_FILE).read_bytes()
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    assert repair_and_open(damage, data) is None
    assert (data / CATALOG_FILE).read_bytes() == before


def test_every_damage_has_a_japanese_sentence(qtbot) -> None:
    english = damage_templates()
    assert set(english) == set(DamageReason)
    try:
        install_language("ja")
        japanese = damage_templates()
        for reason in DamageReason:
            assert japanese[reason] != english[reason], f"untranslated damage {reason}"
    finally:
        install_language("en")


def test_a_window_that_meets_damage_says_what_and_how_to_rebuild(qtbot, tmp_path: Path) -> None:
    from desktop.main_window import MainWindow
    from tests.desktop_helpers import lazy_library

    library = lazy_library(tmp_path)
    window = MainWindow(library, synchronous=True, warm_models=False)
    qtbot.addWidget(window)
    window.show_background_error(
        CatalogDamaged(library.catalog.path, DamageReason.MALFORMED, "malformed")
    )
    shown = window.message.text()
    assert "is damaged" in shown and "start it again to rebuild" in shown
    library.close()


def test_an_index_run_in_the_window_that_meets_damage_says_so_in_the_users_words(
    qtbot, tmp_path: Path
) -> None:
    from desktop.index_process import ChildIndexRun

    data, _ = damaged_library(tmp_path)
    run = ChildIndexRun(data)
    with qtbot.waitSignal(run.failed, timeout=120_000) as failed:
        run.start()
    let_child_run_end(qtbot, run)
    assert failed.args == [
        damage_templates()[DamageReason.TRUNCATED]
        + " Close Sagasu and start it again to rebuild it."
    ]
