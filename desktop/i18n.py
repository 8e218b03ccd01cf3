"""UI language (Qt .qm translations, English source strings) and a font that shows Japanese.

Translations live in resources/translations/sagasu_<lang>.ts (source) and .qm (compiled with
pyside6-lrelease; see docs/DESKTOP.md). "system" follows the OS locale.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "translations"
SUPPORTED = ("en", "ja")

_installed: list[QTranslator] = []


def effective_language(choice: str) -> str:
    """'system' → the OS locale's language when we have it, else English."""
    if choice in SUPPORTED:
        return choice
    name = QLocale.system().name().split("_")[0]
    return name if name in SUPPORTED else "en"


def install_language(choice: str) -> str:
    """Swap the application's translator (widgets get a LanguageChange event). Returns the
    language in effect."""
    app = QCoreApplication.instance()
    lang = effective_language(choice)
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if lang != "en":
        translator = QTranslator()
        qm = TRANSLATIONS_DIR / f"sagasu_{lang}.qm"
        if translator.load(str(qm)):
            app.installTranslator(translator)
            _installed.append(translator)
        else:
            log.warning("translation %s missing; using English", qm)
            return "en"
    return lang


def ensure_cjk_font() -> str | None:
    """Make sure Japanese renders even where no CJK font is installed (minimal Linux boxes,
    CI): fall back to the Droid Sans Fallback font PyMuPDF ships. Returns the family added."""
    if QFontDatabase.families(QFontDatabase.WritingSystem.Japanese):
        return None
    try:
        import pymupdf

        data = pymupdf.Font("cjk").buffer
    except Exception as exc:  # the fallback is a nicety; never fail start-up for it
        log.warning("no Japanese font available: %s", exc)
        return None
    font_id = QFontDatabase.addApplicationFontFromData(bytes(data))
    families = QFontDatabase.applicationFontFamilies(font_id)
    if not families:
        return None
    app = QCoreApplication.instance()
    font = QFont(app.font())  # type: ignore[union-attr]
    font.setFamilies([font.family(), families[0]])
    app.setFont(font)  # type: ignore[union-attr]
    return families[0]
