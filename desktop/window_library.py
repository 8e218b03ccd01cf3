"""The library half of the main window: indexing progress, the status bar, the first-run and
model banners, and adopting new settings. The rules about what a settings change requires
live in the engine (``Library.apply_settings`` returns ``engine.changes.Changes``); this
module only reacts to them.

A mixin of MainWindow (desktop/main_window.py), which owns the widgets and runners used here.
Its strings are translated in the MainWindow context, the one Qt uses at run time for
``self.tr`` on the window (lupdate would file a mixin's ``self.tr`` under the mixin's name).
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QSettings

from desktop import opening
from desktop.i18n import install_language
from desktop.messages import note_text, progress_text, storage_text, tiers_text
from desktop.settings_dialog import SettingsDialog
from engine.changes import Changes
from engine.config import FolderConfig, Settings
from engine.library import ReadOnlyFolder
from engine.library_status import ModelReadiness
from engine.messages import Note, Tier
from engine.store.access import StorageProblem
from engine.summary import IndexSummary
from engine.types import Progress, TierDone


class LibraryMixin:
    """Indexing, status and settings, for MainWindow."""

    # --- indexing ------------------------------------------------------------------------

    def _toggle_pause(self, paused: bool) -> None:
        if paused:
            self.indexing.pause()
            self.progress_label.setText(QCoreApplication.translate("MainWindow", "Paused"))
        else:
            self.indexing.resume()

    def _indexing_visible(self, running: bool) -> None:
        for widget in (self.progress_bar, self.progress_label):
            widget.setVisible(running)
        self.pause_action.setEnabled(running)
        self.cancel_action.setEnabled(running)
        if not running:
            self.pause_action.setChecked(False)
            if hasattr(self, "status_timer"):
                self.status_timer.stop()
        elif hasattr(self, "status_timer"):
            self.progress_bar.setRange(0, 0)
            self.progress_label.setText(QCoreApplication.translate("MainWindow", "Indexing…"))
            self.status_timer.start()

    def _index_progress(self, p: Progress) -> None:
        if self.indexing.paused:
            return
        if p.total:
            self.progress_bar.setRange(0, p.total)
            self.progress_bar.setValue(min(p.done, p.total))
        else:
            self.progress_bar.setRange(0, 0)
        self.progress_label.setText(self.progress_text(p))

    def progress_text(self, p: Progress) -> str:
        return progress_text(p)

    def _tier_done(self, event: TierDone) -> None:
        """A tier is complete for every file of the run: after the lexical one, every new
        file answers word searches already, so the window says so and searches again."""
        self.refresh_status()
        if event.tier is Tier.VISUAL:  # tiles that had no picture yet can have one now
            self.thumbnails.clear()
            self._rerun_last_query()
        if event.tier is not Tier.LEXICAL or not event.files:
            return
        self.show_error(
            QCoreApplication.translate(
                "MainWindow",
                "Text search works on every file now; pages and pictures are still being read.",
            ),
            level="info",
        )
        self._rerun_last_query()

    def _index_finished(self, result: Any) -> None:
        self.refresh_status()
        if isinstance(result, IndexSummary):
            self._show_summary(result)
        self.update_first_run()
        self._rerun_last_query()

    def _show_summary(self, summary: IndexSummary) -> None:
        if summary.cancelled:
            self.show_error(
                QCoreApplication.translate(
                    "MainWindow",
                    "Indexing cancelled; what was indexed is kept. Index now to finish.",
                ),
                level="info",
            )
            return
        text = QCoreApplication.translate(
            "MainWindow", "Indexed {0} new or changed files ({1} pages, {2} photos)"
        ).format(summary.files_indexed, summary.pages, summary.photos)
        if summary.skipped:
            text += " · " + QCoreApplication.translate("MainWindow", "{0} skipped").format(
                len(summary.skipped)
            )
        self.show_error(text, level="info")

    def _index_failed(self, message: str) -> None:
        self.show_error(
            QCoreApplication.translate("MainWindow", "Indexing stopped: {0}").format(message)
        )
        self.refresh_status()

    def open_latest_report(self) -> None:
        """Open the newest `sagasu eval` report of this index in the browser."""
        report = self.library.latest_report()
        if report is None:
            self.show_error(
                QCoreApplication.translate(
                    "MainWindow",
                    "No evaluation report yet. Run `sagasu eval --report queries.csv` to measure "
                    "this index with your own labelled queries.",
                ),
                level="info",
            )
            return
        opening.open_file(report)

    # --- status, first run, model banner ---------------------------------------------

    def refresh_status(self, warm_models: bool = False) -> None:
        library, source = self.library, self.source
        self.io_runner.run(lambda _r: source.counts(), on_done=self._show_status)
        if warm_models:
            # Models load in the background, so the first search is fast: one job, native
            # libraries first and no GC pauses, so the window never freezes meanwhile.
            self.io_runner.run(lambda _r: library.warm_up(), on_done=self._show_models)

    def _show_status(self, status: dict[str, Any]) -> None:
        counts = status["counts"]
        text = QCoreApplication.translate(
            "MainWindow", "{0} files indexed: {1} pages, {2} photos, {3} figures"
        ).format(
            counts.get("files", 0),
            counts.get("page", 0),
            counts.get("photo", 0),
            counts.get("image", 0),
        )
        text += tiers_text(status.get("tiers", {}), int(counts.get("files", 0)))
        run = status.get("last_run")
        if run and run.get("finished_at"):
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(run["finished_at"])))
            text += " · " + QCoreApplication.translate("MainWindow", "last update {0}").format(when)
        if status.get("ocr_note"):  # Tesseract missing: said where the index state is said
            text += " · " + note_text(Note.from_json(status["ocr_note"]))
        self.counts_label.setText(self.status_prefix() + text)
        self._indexed_files = int(counts.get("files", 0))
        self.update_first_run()

    def _show_models(self, readiness: ModelReadiness) -> None:
        self._clip_problem = readiness.clip_problem
        self._text_problem = readiness.text_problem
        self._show_clip_banner()

    def _show_clip_banner(self) -> None:
        if self._text_problem:  # rarer, and it takes more away: said first
            self._show_text_model_banner()
            return
        if not self._clip_problem:
            self.model_banner.hide()
            return
        self.model_banner.show_message(
            "<b>"
            + QCoreApplication.translate(
                "MainWindow", "Image search is off: the image model (CLIP) is not installed."
            )
            + "</b> "
            + QCoreApplication.translate(
                "MainWindow",
                "Text search works. Download the model or import a weights file "
                "you already have, then the images already indexed are encoded.",
            ),
            [
                (
                    QCoreApplication.translate("MainWindow", "Download…"),
                    lambda: self.open_settings(tab=1),
                ),
                (
                    QCoreApplication.translate("MainWindow", "Import…"),
                    lambda: self.open_settings(tab=1),
                ),
            ],
            level="warning",
            tooltip=self._clip_problem,
        )

    def _show_text_model_banner(self) -> None:
        self.model_banner.show_message(
            "<b>"
            + QCoreApplication.translate("MainWindow", "Semantic text search is off.")
            + "</b> "
            + QCoreApplication.translate(
                "MainWindow",
                "Word, part-number and image search work. The text model could not be loaded: {0}",
            ).format(html.escape(self._text_problem)),
            [
                (
                    QCoreApplication.translate("MainWindow", "Models…"),
                    lambda: self.open_settings(tab=1),
                )
            ],
            level="warning",
            tooltip=self._text_problem,
        )

    def update_first_run(self) -> None:
        """The welcome, for an empty library only: no folders and no files indexed. The
        file count comes with the status-bar counts (read on the io runner, never on the GUI
        thread); until they arrive the welcome stays hidden rather than flash."""
        access = self.library.access_note()
        if access is not None:  # read-only: the one banner that holds for the whole session
            self.banner.show_message(note_text(access), level="warning")
            return
        files = self._indexed_files
        team = self.remote is not None  # the server's folders are not this computer's to add
        if team or self.library.settings.folders or files is None or files > 0:
            self.banner.hide()
            return
        actions = [
            (
                QCoreApplication.translate("MainWindow", "Add a folder…"),
                lambda: self.open_settings(tab=0, add=True),
            )
        ]
        if self.samples_dir is not None and self.samples_dir.is_dir():
            actions.insert(
                0,
                (
                    QCoreApplication.translate("MainWindow", "Index the sample files"),
                    self.index_samples,
                ),
            )
        self.banner.show_message(
            "<b>"
            + QCoreApplication.translate("MainWindow", "Welcome to Sagasu.")
            + "</b> "
            + QCoreApplication.translate(
                "MainWindow",
                "Add a folder of PDFs and photos to index; searching works while it "
                "indexes. Or try the bundled samples first.",
            ),
            actions,
        )

    def index_samples(self) -> None:
        if self.samples_dir is not None:
            samples = FolderConfig(str(self.samples_dir.resolve()))
            self.apply_settings(self.library.settings.with_folder(samples))

    # --- settings --------------------------------------------------------------------

    def open_settings(self, tab: int = 0, add: bool = False) -> SettingsDialog:
        dialog = SettingsDialog(self.library, self)
        dialog.tabs.setCurrentIndex(tab)
        dialog.finished.connect(lambda code: self._settings_closed(dialog, code))
        dialog.open()
        if add:
            dialog._choose_folder()
        return dialog

    def _settings_closed(self, dialog: SettingsDialog, code: int) -> None:
        if code == SettingsDialog.DialogCode.Accepted:
            changes = self.apply_settings(dialog.result_settings(), dialog.chosen_data_dir())
            if dialog.library_tab.token_changed and not changes.team:
                self.use_library_mode(self.library.settings)  # the same server, a new token
        if dialog.models_changed:
            self.encode_for_new_model()

    def apply_settings(self, new: Settings, data_dir: Path | None = None) -> Changes:
        """Adopt edited settings through the engine, then do the window's part of what
        the returned changes require."""
        lib = self.library
        try:
            changes = lib.apply_settings(new)
        except ReadOnlyFolder:
            self.show_error(storage_text(StorageProblem.READ_ONLY))
            return Changes()
        for folder in changes.folders_removed:
            self.indexing.run_job(lambda p, c, f=folder: lib.remove_folder(f, p, c))
        if changes.language:
            install_language(new.language)
        if changes.reload_clip:
            self.encode_for_new_model()
        elif changes.reload_text:
            self.refresh_status(warm_models=True)
        if changes.needs_index:
            self.indexing.start()
        if changes.watching:
            self.indexing.watch()
        if changes.team:
            self.use_library_mode(new)
        if data_dir is not None and data_dir.resolve() != Path(lib.data_dir).resolve():
            QSettings("Sagasu", "Sagasu").setValue("data_dir", str(data_dir))
            self.show_error(
                QCoreApplication.translate(
                    "MainWindow", "The new index location is used from the next start."
                ),
                "info",
            )
        self.update_first_run()
        self.refresh_status()  # the file count decides the welcome: folders may have gone
        return changes

    def encode_for_new_model(self) -> None:
        """Weights installed or the image model changed: load it, encode what lacks vectors
        and refit calibration and the text bridge (Library.encode_pending)."""
        lib = self.library
        self.refresh_status(warm_models=True)
        self.indexing.run_job(lambda p, c: lib.encode_pending(p, c), "encode")
