"""The window's OCR settings (engine, languages, Tesseract program) in both UI languages, and
the note it shows when Tesseract is missing. No models are loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from desktop.i18n import install_language
from desktop.main_window import MainWindow
from desktop.settings_dialog import SettingsDialog
from desktop.workers import Runner
from engine.config import Settings
from engine.encode.encoders import Encoders
from engine.library import Library

pytestmark = pytest.mark.gui


def _library(tmp_path: Path, **ocr: object) -> Library:
    settings = Settings(models_dir=str(tmp_path / "no-models"), **ocr)  # type: ignore[arg-type]
    return Library(tmp_path / "data", settings, Encoders(settings))


def _labels(dialog: SettingsDialog) -> set[str]:
    return {label.text() for label in dialog.findChildren(QLabel)}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_settings_panel_edits_ocr_engine_languages_and_program(
    qtbot, tmp_path: Path, lang: str
) -> None:
    library = _library(tmp_path, ocr_languages=("ja", "en", "deu"))
    install_language(lang)
    try:
        dialog = SettingsDialog(library, runner=Runner(synchronous=True))
        qtbot.addWidget(dialog)
        rows = dialog.ocr_rows
        assert rows.engine_box.currentData() == "auto"
        assert {"OCR engine:", "OCRエンジン："} & _labels(dialog)
        if lang == "ja":
            assert "OCRエンジン：" in _labels(dialog)
            assert rows.language_boxes["ja"].text() == "日本語"
        rows.engine_box.setCurrentIndex(rows.engine_box.findData("tesseract"))
        rows.language_boxes["en"].setChecked(False)
        rows.command_edit.setText("  /opt/tesseract/bin/tesseract ")
        chosen = dialog.result_settings()
        assert chosen.ocr_engine == "tesseract"
        assert chosen.ocr_languages == ("ja", "deu")  # a language not shown is kept
        assert chosen.tesseract_command == "/opt/tesseract/bin/tesseract"
        library.apply_settings(chosen)
        with Library(tmp_path / "data") as again:
            assert again.settings.ocr_languages == ("ja", "deu")
    finally:
        install_language("en")
        library.close()


def test_the_window_says_when_tesseract_is_missing(qtbot, tmp_path: Path) -> None:
    library = _library(tmp_path, tesseract_command=str(tmp_path / "no-tesseract"))
    window = MainWindow(library, warm_models=False)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: "Japanese OCR" in window.counts_label.text(), timeout=10000)
        assert "no-tesseract" in window.counts_label.text()
    finally:
        window.close()
