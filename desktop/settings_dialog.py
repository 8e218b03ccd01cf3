"""Settings: folders (with include/exclude patterns), models, device, index location, OCR,
language. Edits a draft (settings are immutable values: each edit makes a new one); the main
window adopts the result through Library.apply_settings. Models are listed, downloaded and
imported through the library."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.library_tab import LibraryTab
from desktop.ocr_settings import OcrSettings
from desktop.workers import Runner
from engine.config import FolderConfig, Settings

if TYPE_CHECKING:
    from engine.library import Library

LANGUAGES = ("system", "en", "ja")


def split_patterns(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


class SettingsDialog(QDialog):
    def __init__(
        self,
        library: Library,
        parent: QWidget | None = None,
        runner: Runner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sagasu settings"))
        self.library = library
        self.settings: Settings = library.settings  # the draft: replaced on every edit
        self.data_dir = Path(library.data_dir)
        # owner=self: a status check finishing after the dialog closed must not touch its widgets.
        self.runner = runner or Runner(max_threads=1, owner=self, on_error=self._model_error)
        self.models_changed = False  # weights fetched/imported: the window reloads CLIP
        tabs = QTabWidget()
        tabs.addTab(self._folders_tab(), self.tr("Folders"))
        tabs.addTab(self._models_tab(), self.tr("Models"))
        tabs.addTab(self._general_tab(), self.tr("General"))
        self.library_tab = LibraryTab(self.settings, self.data_dir, self.runner)
        tabs.addTab(self.library_tab, self.tr("Library"))
        self.tabs = tabs
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        self.resize(720, 480)
        self.refresh_models()

    # --- folders -------------------------------------------------------------------------

    def _folders_tab(self) -> QWidget:
        page = QWidget()
        self.folder_list = QListWidget()
        for folder in self.settings.folders:
            self.folder_list.addItem(folder.path)
        self.folder_list.currentRowChanged.connect(self._show_patterns)
        add = QPushButton(self.tr("Add folder…"))
        add.clicked.connect(self._choose_folder)
        remove = QPushButton(self.tr("Remove"))
        remove.clicked.connect(self.remove_selected_folder)
        self.include_edit = QLineEdit()
        self.include_edit.setPlaceholderText(self.tr("e.g. *.pdf, drawings/**"))
        self.exclude_edit = QLineEdit()
        self.exclude_edit.setPlaceholderText(self.tr("e.g. old/**, *_draft.pdf"))
        self.include_edit.textEdited.connect(self._store_patterns)
        self.exclude_edit.textEdited.connect(self._store_patterns)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        form = QFormLayout()
        form.addRow(self.tr("Include only:"), self.include_edit)
        form.addRow(self.tr("Exclude:"), self.exclude_edit)
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel(self.tr("Folders to index (PDFs and photos inside are searched):")))
        layout.addWidget(self.folder_list)
        layout.addLayout(buttons)
        layout.addLayout(form)
        self._show_patterns(-1)
        return page

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Folder to index"))
        if path:
            self.add_folder(path)

    def add_folder(self, path: str | Path) -> None:
        resolved = str(Path(path).expanduser().resolve())
        if any(
            Path(f.path).expanduser().resolve() == Path(resolved) for f in self.settings.folders
        ):
            return
        self.settings = self.settings.with_folder(FolderConfig(resolved))
        self.folder_list.addItem(resolved)
        self.folder_list.setCurrentRow(self.folder_list.count() - 1)

    def remove_selected_folder(self) -> None:
        row = self.folder_list.currentRow()
        folders = list(self.settings.folders)
        if 0 <= row < len(folders):
            del folders[row]
            self.settings = self.settings.replace(folders=folders)
            self.folder_list.takeItem(row)

    def _show_patterns(self, row: int) -> None:
        folder = self.settings.folders[row] if 0 <= row < len(self.settings.folders) else None
        for edit, values in (
            (self.include_edit, folder.include if folder else []),
            (self.exclude_edit, folder.exclude if folder else []),
        ):
            edit.setEnabled(folder is not None)
            edit.setText(", ".join(values))

    def _store_patterns(self) -> None:
        row = self.folder_list.currentRow()
        folders = list(self.settings.folders)
        if 0 <= row < len(folders):
            folders[row] = FolderConfig(
                folders[row].path,
                tuple(split_patterns(self.include_edit.text())),
                tuple(split_patterns(self.exclude_edit.text())),
            )
            self.settings = self.settings.replace(folders=folders)

    # --- models --------------------------------------------------------------------------

    def _models_tab(self) -> QWidget:
        page = QWidget()
        self.model_table = QTableWidget(0, 3)
        self.model_table.setHorizontalHeaderLabels(
            [self.tr("Model"), self.tr("State"), self.tr("Details")]
        )
        self.model_table.horizontalHeader().setStretchLastSection(True)
        self.model_table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.model_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        use = QPushButton(self.tr("Use selected model"))
        use.clicked.connect(self._use_selected)
        self.fetch_button = QPushButton(self.tr("Download selected…"))
        self.fetch_button.clicked.connect(self.fetch_selected)
        self.import_button = QPushButton(self.tr("Import weights file…"))
        self.import_button.clicked.connect(self._choose_import)
        self.model_progress = QProgressBar()
        self.model_progress.hide()
        self.model_message = QLabel()
        self.model_message.setWordWrap(True)
        self.model_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        for b in (use, self.fetch_button, self.import_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(self.model_table)
        layout.addLayout(buttons)
        layout.addWidget(self.model_progress)
        layout.addWidget(self.model_message)
        return page

    def refresh_models(self) -> None:
        settings, library = self.settings, self.library
        self.model_message.setText(self.tr("Checking installed models…"))
        self.runner.run(lambda _r: library.models(settings), on_done=self._show_models)

    def _show_models(self, states: list[Any]) -> None:
        self.model_message.setText("")
        self.model_table.setRowCount(len(states))
        for row, s in enumerate(states):
            name = s.name + (" ✓" if s.selected and s.kind == "clip" else "")
            state = self.tr("installed") if s.installed else self.tr("missing")
            cells = (name, state, s.message)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, (s.name, s.kind))
                item.setToolTip(s.message)
                self.model_table.setItem(row, col, item)
        self.model_table.resizeColumnsToContents()

    def _selected_model(self) -> tuple[str, str] | None:
        item = self.model_table.item(self.model_table.currentRow(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _use_selected(self) -> None:
        chosen = self._selected_model()
        if chosen and chosen[1] == "clip":
            model, _, pretrained = chosen[0].partition("/")
            self.settings = self.settings.replace(
                clip_model=model, clip_pretrained=pretrained, clip_weights_path=None
            )
            self.refresh_models()

    def fetch_selected(self) -> None:
        chosen = self._selected_model()
        if not chosen or chosen[1] != "clip":
            self.model_message.setText(self.tr("Select an image (CLIP) model first."))
            return
        library, name = self.library, chosen[0]
        self._busy(self.tr("Downloading {0}…").format(name))
        self.runner.run(
            lambda report: library.fetch_model(name, progress=lambda d, t: report((d, t))),
            on_done=self._installed,
            on_progress=self._bytes_progress,
        )

    def _choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("CLIP weights file"), "", "Weights (*.safetensors *.bin *.pt *.pth)"
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        library = self.library
        model = f"{self.settings.clip_model}/{self.settings.clip_pretrained}"
        self._busy(self.tr("Importing {0}…").format(path.name))
        self.runner.run(lambda _r: library.import_model(path, model), on_done=self._installed)

    def _busy(self, message: str) -> None:
        self.model_message.setText(message)
        self.model_progress.setRange(0, 0)
        self.model_progress.show()
        self.fetch_button.setEnabled(False)
        self.import_button.setEnabled(False)

    def _bytes_progress(self, value: tuple[int, int]) -> None:
        done, total = value
        if total:
            self.model_progress.setRange(0, 1000)
            self.model_progress.setValue(int(1000 * done / total))
        self.model_progress.setFormat(f"{done / 1e6:.0f} MB")

    def _installed(self, path: Path) -> None:
        self.models_changed = True
        self._idle()
        self.model_message.setText(self.tr("Installed: {0}").format(path))
        self.refresh_models()

    def _model_error(self, exc: BaseException) -> None:
        self._idle()
        self.model_message.setText(str(exc))

    def _idle(self) -> None:
        self.model_progress.hide()
        self.fetch_button.setEnabled(True)
        self.import_button.setEnabled(True)

    # --- general -------------------------------------------------------------------------

    def _general_tab(self) -> QWidget:
        page = QWidget()
        s = self.settings
        self.device_box = _choice_box(
            {
                "auto": self.tr("Automatic (GPU when available)"),
                "cpu": self.tr("CPU"),
                "cuda": self.tr("GPU (CUDA)"),
                "mps": self.tr("GPU (Apple)"),
            },
            s.device,
        )
        self.precision_box = _choice_box(
            {
                "auto": self.tr("Automatic (bfloat16 where the CPU supports it)"),
                "fp32": self.tr("Full precision (float32)"),
                "bf16": self.tr("bfloat16 (faster on recent CPUs)"),
            },
            s.cpu_precision,
        )
        self.language_box = _choice_box(
            dict(zip(LANGUAGES, (self.tr("Follow the system"), "English", "日本語"), strict=True)),
            s.language,
        )
        self.ocr_rows = OcrSettings(s)
        self.watch_box = QCheckBox(self.tr("Watch folders for changes"))
        self.watch_box.setChecked(s.watch_folders)
        self.rescan_box = QSpinBox()
        self.rescan_box.setRange(0, 24 * 60)
        self.rescan_box.setSuffix(self.tr(" min"))
        self.rescan_box.setValue(s.rescan_minutes)
        self.data_dir_edit = QLineEdit(str(self.data_dir))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._choose_data_dir)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_dir_edit, 1)
        data_row.addWidget(browse)
        form = QFormLayout(page)
        form.addRow(self.tr("Device:"), self.device_box)
        form.addRow(self.tr("Precision on the CPU:"), self.precision_box)
        form.addRow(self.tr("Language:"), self.language_box)
        form.addRow(self.ocr_rows)
        form.addRow(self.watch_box)
        form.addRow(self.tr("Full rescan every:"), self.rescan_box)
        form.addRow(self.tr("Index location:"), data_row)
        note = QLabel(self.tr("A new index location is used from the next start."))
        note.setWordWrap(True)
        form.addRow(note)
        return page

    def _choose_data_dir(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Index location"))
        if path:
            self.data_dir_edit.setText(path)

    # --- result --------------------------------------------------------------------------

    def accept(self) -> None:
        """A bad Library entry keeps the dialog open, on that tab, with what to fix; the
        token is saved (engine.team.token_file) once everything else can be adopted."""
        problem = self.library_tab.problem()
        if problem:
            self.tabs.setCurrentWidget(self.library_tab)
            self.library_tab.show_result(problem, ok=False)
            return
        if self.library_tab.token_changed:
            from engine.team.token_file import save_token

            try:
                save_token(self.data_dir, self.library_tab.token())
            except OSError as exc:  # a read-only data folder: say so, keep the dialog open
                self.tabs.setCurrentWidget(self.library_tab)
                message = self.tr("The token cannot be saved in {0}: {1}")
                self.library_tab.show_result(message.format(self.data_dir, exc), ok=False)
                return
        super().accept()

    def result_settings(self) -> Settings:
        edited = self.library_tab.apply(self.settings).replace(
            device=self.device_box.currentData(),
            cpu_precision=self.precision_box.currentData(),
            language=self.language_box.currentData(),
            watch_folders=self.watch_box.isChecked(),
            rescan_minutes=self.rescan_box.value(),
        )
        return self.ocr_rows.applied(edited)

    def chosen_data_dir(self) -> Path:
        return Path(self.data_dir_edit.text().strip() or self.data_dir).expanduser()


def _choice_box(names: dict[str, str], current: str) -> QComboBox:
    """A combo box of setting values (item data) shown by name; unknown values show the first.

    Device and precision values are those of engine.encode.device (DEVICE_CHOICES,
    PRECISION_CHOICES), spelt out here with their labels: importing that module would load
    the model stack's imports into the settings dialog."""
    box = QComboBox()
    for value, name in names.items():
        box.addItem(name, value)
    box.setCurrentIndex(max(box.findData(current), 0))
    return box
