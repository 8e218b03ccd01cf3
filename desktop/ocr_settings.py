"""The OCR rows of the settings panel: on/off, which engine reads, the languages of the print,
and where Tesseract is (engine.config.Settings: ocr_enabled, ocr_engine, ocr_languages,
tesseract_command)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLineEdit, QWidget

from engine.config import Settings

# Spelt out here rather than imported from engine.signals.ocr_choice: importing it would load
# OpenCV and RapidOCR's imports into the settings dialog.
OCR_ENGINES = ("auto", "rapidocr", "tesseract")
SHOWN_LANGUAGES = ("ja", "en")


class OcrSettings(QWidget):
    """The OCR part of the General tab; :meth:`applied` puts the edits into a Settings."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled_box = QCheckBox(self.tr("Read text in scans and photos (OCR)"))
        self.enabled_box.setChecked(settings.ocr_enabled)
        self.engine_box = QComboBox()
        names = (
            self.tr("Automatic: RapidOCR, and Tesseract for Japanese and scans"),
            self.tr("RapidOCR only"),
            self.tr("Tesseract only"),
        )
        for value, name in zip(OCR_ENGINES, names, strict=True):
            self.engine_box.addItem(name, value)
        self.engine_box.setCurrentIndex(max(self.engine_box.findData(settings.ocr_engine), 0))
        self.language_boxes = {
            "ja": QCheckBox(self.tr("Japanese")),
            "en": QCheckBox(self.tr("English")),
        }
        languages = QHBoxLayout()
        for code, box in self.language_boxes.items():
            box.setChecked(code in settings.ocr_languages)
            languages.addWidget(box)
        languages.addStretch(1)
        self.command_edit = QLineEdit(settings.tesseract_command or "")
        self.command_edit.setPlaceholderText(self.tr("found automatically"))
        self._others = tuple(c for c in settings.ocr_languages if c not in SHOWN_LANGUAGES)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.enabled_box)
        form.addRow(self.tr("OCR engine:"), self.engine_box)
        form.addRow(self.tr("Languages of the print:"), languages)
        form.addRow(self.tr("Tesseract program:"), self.command_edit)

    def applied(self, settings: Settings) -> Settings:
        """``settings`` with the OCR rows' values (languages not shown here are kept)."""
        chosen = tuple(c for c, box in self.language_boxes.items() if box.isChecked())
        return settings.replace(
            ocr_enabled=self.enabled_box.isChecked(),
            ocr_engine=self.engine_box.currentData(),
            ocr_languages=chosen + self._others,
            tesseract_command=self.command_edit.text().strip() or None,
        )
