"""Answering a failed query: the user picks the file (and page) that should have come first.

The file comes from one of the current results or from a file dialog that opens in the
library's folders; a file outside every indexed folder is refused with a message, since the
engine could never rank it. The page is chosen with a spin box beside a preview of that
page (rendered through the library on a worker, like every preview). The dialog only
collects the choice; the window stores it through the library.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.thumbnails import render_file_preview
from desktop.workers import Runner

if TYPE_CHECKING:
    from engine.library import Library

PREVIEW_SIDE = 360


class PickTargetDialog(QDialog):
    def __init__(
        self,
        library: Library,
        query_label: str,
        candidates: list[Path],
        parent: QWidget | None = None,
        synchronous: bool = False,
    ) -> None:
        super().__init__(parent)
        self.library = library
        # synchronous: the same jobs inline (tests, like the window's own runners).
        self.runner = Runner(1, synchronous, owner=self, on_error=self._failed)
        self._path: Path | None = None
        self._generation = 0  # bumped per preview asked for: late ones are dropped
        self.setWindowTitle(self.tr("The right file for this search"))
        question = QLabel(self.tr("Which file and page answer “{0}”?").format(query_label))
        question.setWordWrap(True)
        self.results_box = QComboBox()
        self.results_box.addItem(self.tr("(one of the results)"), None)
        for path in dict.fromkeys(candidates):  # each file once, in ranking order
            self.results_box.addItem(path.name, str(path))
        self.results_box.currentIndexChanged.connect(self._result_chosen)
        self.results_box.setEnabled(bool(candidates))
        browse = QPushButton(self.tr("Choose a file…"))
        browse.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.results_box, 1)
        file_row.addWidget(browse)
        self.file_label = QLabel()
        self.file_label.setWordWrap(True)
        self.page_box = QSpinBox()
        self.page_box.setRange(1, 1)
        self.page_box.setEnabled(False)
        self.page_box.valueChanged.connect(lambda _v: self._ask_preview())
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Save as the answer")
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("File:"), file_row)
        form.addRow("", self.file_label)
        form.addRow(self.tr("Page:"), self.page_box)
        layout = QVBoxLayout(self)
        layout.addWidget(question)
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._update_ok()

    # --- the choice ------------------------------------------------------------------------

    def chosen(self) -> tuple[Path, int | None] | None:
        """The file and page (None for a photo), once a file is chosen."""
        if self._path is None:
            return None
        return self._path, self.page_box.value() if _is_pdf(self._path) else None

    def choose_file(self) -> None:
        folders = [f.path for f in self.library.settings.folders]
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("The file that answers the search"),
            folders[0] if folders else "",
            self.tr("PDFs and images (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp)"),
        )
        if path:
            self.set_file(Path(path))

    def set_file(self, path: Path, page: int = 1) -> bool:
        """Use ``path`` if it lies in one of the library's folders; say why not otherwise."""
        path = path.expanduser().resolve()
        if not self._in_library(path):
            self.message.setText(
                self.tr("{0} is not in an indexed folder: choose a file the library has.").format(
                    path.name
                )
            )
            return False
        self.message.setText("")
        self._path = path
        self.file_label.setText(str(path))
        self.file_label.setToolTip(str(path))
        self.page_box.setEnabled(False)
        self.page_box.setRange(1, max(page, 1))
        self.page_box.setValue(page)
        self._update_ok()
        if _is_pdf(path):
            library = self.library
            self.runner.run(
                lambda _r: library.pdf_page_count(path),
                on_done=lambda count: self._pages_known(path, page, count),
            )
        else:
            self._ask_preview()
        return True

    def _in_library(self, path: Path) -> bool:
        for folder in self.library.settings.folders:
            root = Path(folder.path).expanduser().resolve()
            if path == root or root in path.parents:
                return True
        return False

    def _result_chosen(self, _row: int) -> None:
        value = self.results_box.currentData()
        if value:
            self.set_file(Path(value))

    def _pages_known(self, path: Path, page: int, count: int) -> None:
        if path != self._path:
            return
        self.page_box.setRange(1, max(count, 1))
        self.page_box.setValue(min(page, max(count, 1)))
        self.page_box.setEnabled(count > 1)
        self._ask_preview()

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self._path is not None)

    # --- the page preview ------------------------------------------------------------------

    def _ask_preview(self) -> None:
        choice = self.chosen()
        if choice is None:
            return
        self._generation += 1
        generation, library = self._generation, self.library
        path, page = choice
        self.preview.setText(self.tr("Loading the preview…"))
        self.runner.run(
            lambda _r: render_file_preview(library, path, page, PREVIEW_SIDE),
            on_done=lambda image: self._preview_ready(generation, image),
        )

    def _preview_ready(self, generation: int, image: QImage | None) -> None:
        if generation != self._generation:
            return
        if image is None or image.isNull():
            self.preview.setPixmap(QPixmap())
            self.preview.setText(self.tr("No preview"))
            return
        self.preview.setPixmap(QPixmap.fromImage(image))

    def preview_shown(self) -> bool:
        pixmap = self.preview.pixmap()
        return pixmap is not None and not pixmap.isNull()

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(self.tr("That file cannot be read: {0}").format(exc))

    def done(self, result: int) -> None:
        # A page count or a preview still running would call back into a closed dialog.
        self.runner.wait(5000)
        super().done(result)


def _is_pdf(path: Path) -> bool:
    return path.suffix.lower() == ".pdf"
