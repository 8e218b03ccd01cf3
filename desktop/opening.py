"""Opening a result in the user's own applications.

PDFs open at the hit's page where possible: ``SAGASU_PDF_VIEWER`` may name a command with
``{path}`` and ``{page}`` placeholders (e.g. ``SumatraPDF.exe -page {page} "{path}"`` or
``okular --page {page} "{path}"``); otherwise the platform opener gets a ``#page=N`` URL
fragment, which Acrobat and most browsers honour and other viewers ignore.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

VIEWER_ENV = "SAGASU_PDF_VIEWER"


def viewer_command(path: Path, page: int | None, template: str) -> list[str]:
    text = template.replace("{page}", str(page or 1)).replace("{path}", str(path))
    return shlex.split(text, posix=not sys.platform.startswith("win"))


def open_file(path: Path, page: int | None = None) -> bool:
    template = os.environ.get(VIEWER_ENV, "").strip()
    if path.suffix.lower() == ".pdf" and template:
        try:
            subprocess.Popen(viewer_command(path, page, template))
            return True
        except OSError:
            pass  # fall back to the platform opener
    url = QUrl.fromLocalFile(str(path))
    if path.suffix.lower() == ".pdf" and page:
        url.setFragment(f"page={page}")
    if QDesktopServices.openUrl(url):
        return True
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))  # without the fragment


def open_folder(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
