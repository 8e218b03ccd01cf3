"""Examples and evaluation: the user's confirmed examples (list, remove, export and import as
the `sagasu eval` CSV), the figures of search against them over time, and adaptation.

One dialog per window, kept while the window lives: closing it only hides it, so an
evaluation or an adaptation started here goes on in the background (search never waits for
it) and its progress is there when the dialog is opened again. The window cancels and waits
for its jobs when it closes. Everything goes through the library; the examples are its typed
values (engine.feedback.examples)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.adaptation_panel import AdaptationPanel
from desktop.evaluation_panel import EvaluationPanel
from desktop.messages import progress_text
from desktop.workers import Runner
from engine.types import Progress

if TYPE_CHECKING:
    from engine.feedback.examples import Example, ExportSummary, ImportSummary
    from engine.library import Library

IdRole = Qt.ItemDataRole.UserRole + 1
THUMB_SIDE = 48  # the kept photo beside its query in the list
PROBLEMS_SHOWN = 3  # an import's refused rows named in the message; all of them in its tooltip


class ExamplesDialog(QDialog):
    def __init__(
        self, library: Library, parent: QWidget | None = None, synchronous: bool = False
    ) -> None:
        super().__init__(parent)
        self.library = library
        failed = self.show_error
        # Long work (evaluation, adaptation) takes turns on one thread; reads go on another,
        # so the list stays live while an adaptation runs.
        self.work_runner = Runner(1, synchronous, owner=self, on_error=failed)
        self.reader = Runner(1, synchronous, owner=self, on_error=failed)
        self.table = QTableWidget(0, 6)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))
        self.remove_button = QPushButton()
        self.remove_button.clicked.connect(self.remove_selected)
        self.export_button = QPushButton()
        self.export_button.clicked.connect(self.choose_export)
        self.import_button = QPushButton()
        self.import_button.clicked.connect(self.choose_import)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.evaluation = EvaluationPanel(library, self.work_runner, self.reader)
        self.adaptation = AdaptationPanel(library, self.work_runner, self.reader)
        self.evaluation.on_running = lambda busy: self.adaptation.adapt_button.setEnabled(not busy)
        self.adaptation.on_running = lambda busy: self.evaluation.evaluate_button.setEnabled(
            not busy
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self._examples_tab(), "")
        self.tabs.addTab(self.evaluation, "")
        self.tabs.addTab(self.adaptation, "")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.hide)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self._examples: list[tuple[Example, QImage | None]] = []
        self._import_cancel = threading.Event()
        self.retranslate()
        self.resize(820, 560)

    def _examples_tab(self) -> QWidget:
        page = QWidget()
        buttons = QHBoxLayout()
        for button in (self.remove_button, self.export_button, self.import_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        return page

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Examples and evaluation"))
        self.tabs.setTabText(0, self.tr("Examples"))
        self.tabs.setTabText(1, self.tr("Evaluation"))
        self.tabs.setTabText(2, self.tr("Adaptation"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Query"),
                self.tr("File"),
                self.tr("Page"),
                self.tr("Verdict"),
                self.tr("Date"),
                self.tr("From"),
            ]
        )
        self.remove_button.setText(self.tr("Remove"))
        self.export_button.setText(self.tr("Export CSV…"))
        self.import_button.setText(self.tr("Import CSV…"))
        self.evaluation.retranslate()
        self.adaptation.retranslate()
        self.show_examples(self._examples)

    def changeEvent(self, event: QEvent) -> None:
        # Kept for the window's life: it follows a language switch like the window.
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def refresh(self) -> None:
        """Read the examples, the evaluation history and the adaptation state again."""
        self.reader.run(lambda _r: read_examples(self.library), on_done=self.show_examples)
        self.evaluation.refresh()
        self.adaptation.refresh()

    def show_error(self, exc: BaseException) -> None:
        self.message.setText(str(exc) or type(exc).__name__)

    # --- the list --------------------------------------------------------------------------

    def show_examples(self, examples: list[tuple[Example, QImage | None]]) -> None:
        self._examples = list(examples)
        self.table.setRowCount(len(examples))
        for row, (example, image) in enumerate(examples):
            for col, item in enumerate(self._row_items(example, image)):
                item.setData(IdRole, example.id)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()

    def _row_items(self, e: Example, image: QImage | None) -> list[QTableWidgetItem]:
        query = QTableWidgetItem(e.label)
        if e.modality == "image":
            query.setText(self.tr("photo: {0}").format(e.label))
            if image is not None:  # a small copy, kept where the settings allow it
                query.setIcon(QIcon(QPixmap.fromImage(image)))
        target = QTableWidgetItem(e.target_path.name)
        target.setToolTip(e.target_display)
        if not e.target_indexed:
            target.setForeground(QColor(170, 40, 40))
            target.setToolTip(self.tr("{0} is no longer in the library.").format(e.target_display))
        page = QTableWidgetItem(str(e.page) if e.page else "")
        verdict = QTableWidgetItem(self.verdict_text(e))
        when = QTableWidgetItem(time.strftime("%Y-%m-%d %H:%M", time.localtime(e.created)))
        source = QTableWidgetItem(self.source_text(e))
        return [query, target, page, verdict, when, source]

    def verdict_text(self, e: Example) -> str:
        from engine.feedback.examples import Verdict

        return self.tr("This is it") if e.verdict is Verdict.IS_IT else self.tr("Not this")

    def source_text(self, e: Example) -> str:
        from engine.feedback.examples import ExampleSource

        return self.tr("window") if e.source is ExampleSource.WINDOW else self.tr("import")

    def selected_ids(self) -> list[int]:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return [self._examples[r][0].id for r in sorted(rows) if r < len(self._examples)]

    def remove_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            self.message.setText(self.tr("Select the examples to remove."))
            return
        library = self.library
        self.reader.run(
            lambda _r: [library.remove_example(i) for i in ids],
            on_done=lambda _done: self._removed(len(ids)),
        )

    def _removed(self, count: int) -> None:
        self.message.setText(self.tr("Removed {0} examples.").format(count))
        self.refresh()

    # --- CSV -------------------------------------------------------------------------------

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export the examples"), "examples.csv", self.tr("CSV files (*.csv)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        library = self.library
        self.reader.run(lambda _r: library.export_examples(path), on_done=self._exported)

    def _exported(self, summary: ExportSummary) -> None:
        parts = [self.tr("{0} queries written to {1}.").format(summary.rows, summary.path.name)]
        if summary.photos_left_out:
            parts.append(
                self.tr("{0} photo queries left out: the photo is neither kept nor found.").format(
                    summary.photos_left_out
                )
            )
        if summary.not_this_left_out:
            parts.append(
                self.tr("{0} “not this” examples left out: the CSV has no column for them.").format(
                    summary.not_this_left_out
                )
            )
        self.message.setText(" ".join(parts))

    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Import examples"), "", self.tr("CSV files (*.csv)")
        )
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path) -> None:
        """Long with photos (each one's features are read): on the worker for long jobs,
        with its progress in the message line."""
        library, cancel = self.library, self._import_cancel
        self.message.setText(self.tr("Importing {0}…").format(path.name))
        self.import_button.setEnabled(False)
        self.work_runner.run(
            lambda report: library.import_examples(path, progress=report, cancel=cancel.is_set),
            on_done=self._imported,
            on_error=self._import_failed,
            on_progress=self._import_progress,
        )

    def _import_progress(self, p: Any) -> None:
        if isinstance(p, Progress):
            self.message.setText(progress_text(p))

    def _import_failed(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        self.message.setText(self.tr("The CSV cannot be imported: {0}").format(exc))

    def _imported(self, summary: ImportSummary) -> None:
        self.import_button.setEnabled(True)
        text = self.tr("{0} examples added, {1} already there.").format(
            summary.added, summary.duplicates
        )
        if summary.problems:
            shown = "; ".join(
                self.tr("row {0}: {1}").format(row, why)
                for row, why in summary.problems[:PROBLEMS_SHOWN]
            )
            text += " " + self.tr("{0} rows refused: {1}").format(len(summary.problems), shown)
        self.message.setText(text)
        self.message.setToolTip(
            "\n".join(self.tr("row {0}: {1}").format(r, w) for r, w in summary.problems)
        )
        self.refresh()

    # --- closing ---------------------------------------------------------------------------

    def shutdown(self) -> None:
        """The window closes: stop what runs here and wait for it (the engine keeps what it
        finished)."""
        self._import_cancel.set()
        self.evaluation.cancel()
        self.adaptation.cancel()
        self.work_runner.wait(30000)
        self.reader.wait(10000)

    def closeEvent(self, event: Any) -> None:
        self.hide()  # jobs go on; the window's shutdown stops them
        event.ignore()


def read_examples(library: Library) -> list[tuple[Example, QImage | None]]:
    """The examples with the small copy of each kept photo, decoded (on a worker)."""
    rows: list[tuple[Example, QImage | None]] = []
    for example in library.examples():
        image = None
        if example.image_kept:
            data = library.example_image(example.id)
            image = QImage.fromData(data) if data else None
            if image is not None and not image.isNull():
                image = image.scaled(
                    THUMB_SIDE,
                    THUMB_SIDE,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            else:
                image = None
        rows.append((example, image))
    return rows
