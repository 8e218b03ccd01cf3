"""The search window: query field, drop zone, result grid, preview, indexing status.

Every engine call runs through a ``Runner`` (desktop.workers); this module only wires
results back into widgets. Searches are "latest wins": while one runs, only the newest
waiting query is kept, and results of superseded queries are dropped.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop import opening
from desktop.banner import Banner
from desktop.drop_zone import (
    DropError,
    Dropped,
    DropZone,
    QueryImage,
    dropped_from_mime,
    load_query,
)
from desktop.i18n import install_language
from desktop.indexing import IndexController
from desktop.preview import PreviewPane
from desktop.results_model import ResultRole, ResultsModel
from desktop.settings_dialog import SettingsDialog
from desktop.thumbnails import ThumbnailCache, render_preview, result_thumbnail
from desktop.workers import Runner
from engine.config import Settings, save_settings
from engine.encode.preload import no_gc_pauses, preload_native
from engine.search import READING_NOTE, Query, SearchOutcome
from engine.types import Progress, SearchResult

DEBOUNCE_MS = 300
TOP_K = 100
STATUS_REFRESH_MS = 2000  # counts in the status bar while indexing
WARM_MODELS_DELAY_MS = 300  # after the first paint, before the models start loading

# A search job: runs on a worker, given the function that sends a first ranking to the window.
SearchCall = Callable[[Callable[[SearchOutcome], None]], SearchOutcome]


class MainWindow(QMainWindow):
    def __init__(
        self,
        library: Any,
        *,
        synchronous: bool = False,
        samples_dir: Path | None = None,
        warm_models: bool = True,
    ) -> None:
        super().__init__()
        self.library = library
        self.samples_dir = samples_dir
        self.synchronous = synchronous
        self.search_runner = Runner(1, synchronous, owner=self)
        self.io_runner = Runner(2, synchronous, owner=self)  # query images, previews, status
        self.thumbnails = ThumbnailCache(
            lambda i: result_thumbnail(library.catalog, i), Runner(2, synchronous, owner=self)
        )
        self.indexing = IndexController(library, Runner(1, synchronous, owner=self))
        self.model = ResultsModel(self.thumbnails)
        self._generation = 0  # bumped per query: results of older ones are dropped
        self._pending: tuple[int, SearchCall] | None = None
        self._searching = False
        self._last_query: tuple[str, Any] | None = None  # ("text", str) / ("image", QueryImage)
        self._dropped: Dropped | None = None
        self._clip_problem = ""
        self._preview_generation = 0
        self._query_note = ""  # shown with the results, e.g. "3 files dropped; used the first"
        self.last_outcome: SearchOutcome | None = None
        self._auto_picked: Path | None = None  # the document show_outcome selected itself
        self._build()
        self._connect()
        self.retranslate()
        self.update_first_run()
        if warm_models and not synchronous:
            # Models load once the window is on screen: importing them in the background
            # while the window is being built would only delay its first paint.
            self.refresh_status()
            QTimer.singleShot(WARM_MODELS_DELAY_MS, lambda: self.refresh_status(warm_models=True))
        else:
            self.refresh_status(warm_models=warm_models)
        self.indexing.watch()

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.search_field = QLineEdit()
        self.search_field.setClearButtonEnabled(True)
        self.search_field.setMinimumWidth(360)
        self.toolbar = QToolBar()
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(self.toolbar)
        self.toolbar.addWidget(self.search_field)
        self.open_action = QAction(self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.paste_action = QAction(self)
        self.paste_action.setShortcut(QKeySequence.StandardKey.Paste)
        self.paste_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.index_action = QAction(self)
        self.pause_action = QAction(self)
        self.pause_action.setCheckable(True)
        self.cancel_action = QAction(self)
        self.settings_action = QAction(self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        for action in (self.open_action, self.index_action, self.pause_action):
            self.toolbar.addAction(action)
        self.toolbar.addAction(self.cancel_action)
        self.report_action = QAction(self)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.report_action)
        self.toolbar.addAction(self.settings_action)
        self.addAction(self.paste_action)

        self.banner = Banner()
        self.model_banner = Banner()
        self.drop_zone = DropZone()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("message")
        self.view = QListView()
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)  # lays out thousands in slices
        self.view.setBatchSize(200)
        self.view.setIconSize(QSize(150, 150))
        self.view.setGridSize(QSize(184, 226))
        self.view.setWordWrap(True)
        self.view.setSpacing(4)
        self.view.setModel(self.model)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.preview = PreviewPane()
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 6, 8, 4)
        for widget in (self.banner, self.model_banner, self.drop_zone, self.message):
            layout.addWidget(widget)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.setAcceptDrops(True)  # a drop anywhere in the window counts

        self.counts_label = QLabel()
        self.progress_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.statusBar().addWidget(self.counts_label, 1)
        self.statusBar().addPermanentWidget(self.progress_label)
        self.statusBar().addPermanentWidget(self.progress_bar)
        self._indexing_visible(False)
        self.resize(1180, 760)

    def _connect(self) -> None:
        self.debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self.debounce.timeout.connect(self._search_typed)
        self.search_field.textEdited.connect(lambda _t: self.debounce.start())
        self.search_field.returnPressed.connect(self._search_typed)
        self.open_action.triggered.connect(self.choose_image)
        self.paste_action.triggered.connect(self.paste)
        self.index_action.triggered.connect(self.indexing.start)
        self.pause_action.toggled.connect(self._toggle_pause)
        self.cancel_action.triggered.connect(self.indexing.cancel)
        self.settings_action.triggered.connect(lambda: self.open_settings())
        self.report_action.triggered.connect(self.open_latest_report)
        self.drop_zone.dropped.connect(self.handle_mime)
        self.drop_zone.pageChosen.connect(self._pdf_page_chosen)
        self.view.doubleClicked.connect(self._open_index)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.indexing.progressed.connect(self._index_progress)
        self.indexing.finished.connect(self._index_finished)
        self.indexing.failed.connect(self._index_failed)
        self.indexing.runningChanged.connect(self._indexing_visible)
        self.status_timer = QTimer(self, interval=STATUS_REFRESH_MS)
        self.status_timer.timeout.connect(lambda: self.refresh_status())

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Sagasu — search PDFs and photos"))
        self.search_field.setPlaceholderText(
            self.tr("Search text, part numbers, descriptions… (English or Japanese)")
        )
        self.open_action.setText(self.tr("Open image…"))
        self.paste_action.setText(self.tr("Paste image"))
        self.index_action.setText(self.tr("Index now"))
        self.pause_action.setText(self.tr("Pause"))
        self.cancel_action.setText(self.tr("Cancel"))
        self.settings_action.setText(self.tr("Settings…"))
        self.report_action.setText(self.tr("Evaluation report"))
        self.report_action.setToolTip(
            self.tr("Open the latest report of `sagasu eval` for this index")
        )
        self.drop_zone.retranslate()
        self.preview.clear()
        self.update_first_run()
        self._show_clip_banner()
        self.refresh_status()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # --- searching -----------------------------------------------------------------------

    def search_text(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        self._last_query = ("text", text)
        self._query_note = ""
        self.drop_zone.show_pages(0)
        self._submit(lambda _partial: self.library.search(Query(text=text, top_k=TOP_K)))

    def _search_typed(self) -> None:
        self.debounce.stop()
        self.search_text(self.search_field.text())

    def _submit(self, call: SearchCall) -> None:
        self._generation += 1
        if self._searching:
            self._pending = (self._generation, call)  # replaces any older waiting query
            return
        self._start_search(self._generation, call)

    def _start_search(self, generation: int, call: SearchCall) -> None:
        self._searching = True
        self.message.setText(self.tr("Searching…"))
        self.search_runner.run(
            call,
            on_done=lambda outcome: self._search_done(generation, outcome),
            on_error=lambda exc: self._search_failed(generation, exc),
            on_progress=lambda outcome: self._search_partial(generation, outcome),
        )

    def _search_partial(self, generation: int, outcome: SearchOutcome) -> None:
        """A first ranking while the photo's text is read: shown unless a newer query is
        already waiting (it would be replaced at once)."""
        if generation == self._generation:
            self.show_outcome(outcome)

    def _search_done(self, generation: int, outcome: SearchOutcome) -> None:
        self._searching = False
        if generation == self._generation:
            self.show_outcome(outcome)
        self._next_search()

    def _search_failed(self, generation: int, exc: BaseException) -> None:
        self._searching = False
        if generation == self._generation:
            self.message.setText(self.tr("Search failed: {0}").format(exc))
        self._next_search()

    def _next_search(self) -> None:
        if self._pending is not None:
            generation, call = self._pending
            self._pending = None
            self._start_search(generation, call)

    def show_outcome(self, outcome: SearchOutcome) -> None:
        keep = self._picked_during_partial()
        self.last_outcome = outcome
        self.model.set_results(outcome.results)
        self.preview.clear()
        rows = [i for i, r in enumerate(outcome.results) if r.path == keep]
        if outcome.results:
            self.view.setCurrentIndex(self.model.index(rows[0] if rows else 0, 0))
        self._auto_picked = outcome.results[0].path if outcome.results else None
        count = self.tr("{0} results in {1} ms").format(
            len(outcome.results), f"{outcome.seconds * 1000:.0f}"
        )
        # The banner already explains a missing image model; don't repeat the engine's note.
        engine_notes = [
            n
            for n in outcome.notes
            if not n.startswith("Image-semantic search is off") and n != READING_NOTE
        ]
        if outcome.partial:
            engine_notes.append(self.tr("Reading the text on the photo…"))
        notes = [count, *engine_notes] + ([self._query_note] if self._query_note else [])
        self.message.setText(" · ".join(notes))

    def _picked_during_partial(self) -> Path | None:
        """The document the user chose while a first ranking was shown: the final ranking
        keeps it selected (when it is still there) instead of jumping back to the top. A
        document, not an item: the final ranking may show it by another of its pages."""
        if self.last_outcome is None or not self.last_outcome.partial:
            return None
        current = self.model.result(self.view.currentIndex().row())
        if current is None or current.path == self._auto_picked:
            return None
        return current.path

    # --- image queries -------------------------------------------------------------------

    def handle_mime(self, mime: Any) -> None:
        """A drop or a paste: sort it out now (cheap), decode and search in the background."""
        try:
            dropped = dropped_from_mime(mime)
        except DropError as exc:
            self.show_error(str(exc))
            return
        self.search_dropped(dropped)

    def search_dropped(self, dropped: Dropped) -> None:
        self._dropped = dropped
        max_pixels = self.library.settings.max_image_pixels
        self.message.setText(self.tr("Reading the dropped image…"))
        self.io_runner.run(
            lambda _r: load_query(dropped, max_pixels),
            on_done=lambda q: self._image_ready(dropped, q),
            on_error=self._drop_failed,
        )

    def _image_ready(self, dropped: Dropped, query: QueryImage) -> None:
        if dropped is not self._dropped:
            return  # a newer drop arrived meanwhile
        self._last_query = ("image", query)
        self.drop_zone.show_pages(query.page_count, dropped.page)
        self.search_field.clear()
        self._query_note = ""
        if dropped.count > 1:
            self._query_note = self.tr(
                "{0} files were dropped; searching with the first one."
            ).format(dropped.count)
        self.drop_zone.label.setText(self.tr("Searching by image: {0}").format(query.label))
        # A figure matched is shown at once; the ranking with the photo's text read follows.
        image_query = Query(image=query.image, top_k=TOP_K)
        self._submit(lambda partial: self.library.search(image_query, on_partial=partial))

    def _drop_failed(self, exc: BaseException) -> None:
        if isinstance(exc, DropError):
            self.show_error(str(exc))
        else:  # unexpected: still a message in the window, never a traceback dialog
            self.show_error(self.tr("That cannot be used: {0}").format(exc))

    def _pdf_page_chosen(self, page: int) -> None:
        if self._dropped is not None and self._dropped.path is not None:
            self.search_dropped(dataclasses.replace(self._dropped, page=page))

    def choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Search with an image"),
            "",
            self.tr("Images and PDFs (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *.pdf)"),
        )
        if path:
            self.search_dropped(Dropped(path=Path(path)))

    def paste(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and (mime.hasImage() or mime.hasUrls()):
            self.handle_mime(mime)
        elif self.search_field.hasFocus():
            self.search_field.paste()  # plain text paste into the field keeps working
        else:
            self.show_error(self.tr("The clipboard holds no image."))

    def dragEnterEvent(self, event: Any) -> None:
        self.drop_zone.dragEnterEvent(event)

    def dropEvent(self, event: Any) -> None:
        event.acceptProposedAction()
        self.handle_mime(event.mimeData())

    def show_error(self, text: str, level: str = "error") -> None:
        color = "#a22" if level == "error" else "#246"
        self.message.setText(f"<span style='color:{color}'>{_escape(text)}</span>")

    # --- results: preview, open, context menu ------------------------------------------

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        r = current.data(ResultRole) if current.isValid() else None
        if r is None:
            self.preview.clear()
            return
        self.preview.show_result(r, self.model.tooltip(r), self.thumbnails.get(r.item_id))
        self._preview_generation += 1
        generation = self._preview_generation
        self.io_runner.run(
            lambda _r: render_preview(r.path, r.page),
            on_done=lambda image: self._preview_ready(generation, image),
            on_error=lambda _exc: None,
        )

    def _preview_ready(self, generation: int, image: QImage | None) -> None:
        if generation == self._preview_generation and image is not None:
            self.preview.set_image(image)

    def _open_index(self, index: QModelIndex) -> None:
        r = index.data(ResultRole)
        if r is not None:
            self.open_result(r)

    def open_result(self, r: SearchResult) -> None:
        if not r.file_exists and not r.path.exists():
            self.show_error(self.tr("{0} is missing (moved or deleted).").format(r.path))
            return
        if not opening.open_file(r.path, r.page):
            self.show_error(self.tr("No application could open {0}.").format(r.path.name))

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        r = index.data(ResultRole) if index.isValid() else None
        if r is None:
            return
        menu = QMenu(self)
        menu.addAction(self.tr("Open"), lambda: self.open_result(r))
        menu.addAction(self.tr("Open containing folder"), lambda: opening.open_folder(r.path))
        menu.addAction(self.tr("Copy path"), lambda: _copy(str(r.path)))
        menu.addSeparator()
        menu.addAction(self.tr("Find similar"), lambda: self.find_similar(r))
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def find_similar(self, r: SearchResult) -> None:
        self._last_query = ("similar", r.item_id)
        self._query_note = ""
        self.drop_zone.show_pages(0)
        self.drop_zone.label.setText(self.tr("Similar to: {0}").format(r.path.name))
        self._submit(lambda _partial: self.library.similar_to(r.item_id, top_k=TOP_K))

    # --- indexing ------------------------------------------------------------------------

    def _toggle_pause(self, paused: bool) -> None:
        if paused:
            self.indexing.pause()
            self.progress_label.setText(self.tr("Paused"))
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
            self.progress_label.setText(self.tr("Indexing…"))
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
        phases = {
            "crawl": self.tr("Looking for files"),
            "extract": self.tr("Reading files"),
            "encode": self.tr("Encoding images"),
            "store": self.tr("Saving"),
            "align": self.tr("Calibrating scores"),
        }
        parts = [phases.get(p.phase, p.phase)]
        if p.total:
            parts.append(self.tr("{0} of {1} files").format(p.done, p.total))
        if p.pages:
            parts.append(self.tr("{0} pages").format(p.pages))
        if p.eta_seconds:
            parts.append(self.tr("about {0} left").format(_duration(p.eta_seconds)))
        return " · ".join(parts)

    def _index_finished(self, summary: Any) -> None:
        self.refresh_status()
        if getattr(summary, "cancelled", False):
            self.show_error(
                self.tr("Indexing cancelled; what was indexed is kept. Index now to finish."),
                level="info",
            )
        elif hasattr(summary, "files_indexed"):
            text = self.tr("Indexed {0} new or changed files ({1} pages, {2} photos)").format(
                summary.files_indexed, summary.pages, summary.photos
            )
            if summary.skipped:
                text += " · " + self.tr("{0} skipped").format(len(summary.skipped))
            self.show_error(text, level="info")
        self.update_first_run()
        self._rerun_last_query()

    def _index_failed(self, message: str) -> None:
        self.show_error(self.tr("Indexing stopped: {0}").format(message))
        self.refresh_status()

    def open_latest_report(self) -> None:
        """Open the newest `sagasu eval` report of this index in the browser."""
        from engine.evaluation.report import latest_report

        report = latest_report(self.library.data_dir)
        if report is None:
            self.show_error(
                self.tr(
                    "No evaluation report yet. Run `sagasu eval --report queries.csv` to measure "
                    "this index with your own labelled queries."
                ),
                level="info",
            )
            return
        opening.open_file(report)

    def _rerun_last_query(self) -> None:
        """New files may match: repeat the current text query (cheap) after a run."""
        if self._last_query and self._last_query[0] == "text":
            self.search_text(self._last_query[1])

    # --- status, first run, model banner ---------------------------------------------

    def refresh_status(self, warm_models: bool = False) -> None:
        library = self.library

        def counts(_report: Any) -> dict[str, Any]:
            return {"counts": library.catalog.counts(), "last_run": library.catalog.last_run()}

        def load_models(_report: Any) -> dict[str, Any]:
            # Models load in the background, so the first search is fast: one job, in order,
            # native libraries first and no GC pauses, so the window never freezes while
            # they load (engine.encode.preload; two loads on two workers would undo that).
            preload_native()
            with no_gc_pauses():
                clip = library.encoders.clip()
                problem = "" if clip else library.encoders.clip_problem()
                with contextlib.suppress(Exception):  # a model that fails is reported by search
                    if clip is not None:
                        clip.load()
                    library.encoders.text().load()
            return {"clip_problem": problem}

        self.io_runner.run(counts, on_done=self._show_status, on_error=lambda _e: None)
        if warm_models:
            self.io_runner.run(load_models, on_done=self._show_models, on_error=lambda _e: None)

    def _show_status(self, status: dict[str, Any]) -> None:
        counts = status["counts"]
        text = self.tr("{0} files indexed: {1} pages, {2} photos, {3} figures").format(
            counts.get("files", 0),
            counts.get("page", 0),
            counts.get("photo", 0),
            counts.get("image", 0),
        )
        run = status.get("last_run")
        if run and run.get("finished_at"):
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(run["finished_at"])))
            text += " · " + self.tr("last update {0}").format(when)
        self.counts_label.setText(text)

    def _show_models(self, state: dict[str, Any]) -> None:
        self._clip_problem = state["clip_problem"]
        self._show_clip_banner()

    def _show_clip_banner(self) -> None:
        if not self._clip_problem:
            self.model_banner.hide()
            return
        self.model_banner.show_message(
            "<b>"
            + self.tr("Image search is off: the image model (CLIP) is not installed.")
            + "</b> "
            + self.tr(
                "Text search works. Download the model or import a weights file "
                "you already have, then the images already indexed are encoded."
            ),
            [
                (self.tr("Download…"), lambda: self.open_settings(tab=1)),
                (self.tr("Import…"), lambda: self.open_settings(tab=1)),
            ],
            level="warning",
            tooltip=self._clip_problem,
        )

    def update_first_run(self) -> None:
        if self.library.settings.folders:
            self.banner.hide()
            return
        actions = [(self.tr("Add a folder…"), lambda: self.open_settings(tab=0, add=True))]
        if self.samples_dir is not None and self.samples_dir.is_dir():
            actions.insert(0, (self.tr("Index the sample files"), self.index_samples))
        self.banner.show_message(
            "<b>"
            + self.tr("Welcome to Sagasu.")
            + "</b> "
            + self.tr(
                "Add a folder of PDFs and photos to index; searching works while it "
                "indexes. Or try the bundled samples first."
            ),
            actions,
        )

    def index_samples(self) -> None:
        if self.samples_dir is None:
            return
        settings = copy.deepcopy(self.library.settings)
        from engine.config import FolderConfig

        settings.folders.append(FolderConfig(str(self.samples_dir.resolve())))
        self.apply_settings(settings)

    # --- settings --------------------------------------------------------------------

    def open_settings(self, tab: int = 0, add: bool = False) -> SettingsDialog:
        dialog = SettingsDialog(self.library.settings, self.library.data_dir, self)
        dialog.tabs.setCurrentIndex(tab)
        dialog.finished.connect(lambda code: self._settings_closed(dialog, code))
        dialog.open()
        if add:
            dialog._choose_folder()
        return dialog

    def _settings_closed(self, dialog: SettingsDialog, code: int) -> None:
        if code == SettingsDialog.DialogCode.Accepted:
            self.apply_settings(dialog.result_settings(), dialog.chosen_data_dir())
        if dialog.models_changed:
            self._reload_clip()

    def apply_settings(self, new: Settings, data_dir: Path | None = None) -> None:
        """Adopt edited settings: save, then do what changed (re-index, forget, reload)."""
        lib = self.library
        old = copy.deepcopy(lib.settings)
        for f in dataclasses.fields(Settings):  # in place: the encoders share this object
            setattr(lib.settings, f.name, copy.deepcopy(getattr(new, f.name)))
        save_settings(lib.data_dir, lib.settings)
        removed = {f.path for f in old.folders} - {f.path for f in new.folders}
        if removed:
            self.indexing.run_job(lambda _p, _c: [lib.remove_folder(p) for p in removed])
        if old.language != new.language:
            install_language(new.language)
        # Where and how the models run applies to both encoders; which CLIP only to CLIP.
        runtime_keys = ("device", "cpu_precision")
        clip_keys = ("clip_model", "clip_pretrained", "clip_weights_path", *runtime_keys)
        if any(getattr(old, k) != getattr(new, k) for k in runtime_keys):
            lib.encoders.reset_text()
        if any(getattr(old, k) != getattr(new, k) for k in clip_keys):
            self._reload_clip()
        if old.folders != new.folders or old.ocr_enabled != new.ocr_enabled:
            self.indexing.start()
        self.indexing.watch()
        if data_dir is not None and data_dir.resolve() != Path(lib.data_dir).resolve():
            QSettings("Sagasu", "Sagasu").setValue("data_dir", str(data_dir))
            self.show_error(self.tr("The new index location is used from the next start."), "info")
        self.update_first_run()

    def _reload_clip(self) -> None:
        """Weights installed or model changed: load it, then encode what lacks vectors."""
        self.library.encoders.reset_clip()
        self.refresh_status(warm_models=True)
        lib = self.library
        self.indexing.run_job(lambda p, c: lib.complete_encoding(p, c), "encode")

    # --- closing ---------------------------------------------------------------------

    def closeEvent(self, event: Any) -> None:
        if self.indexing.running:
            self.progress_label.setText(self.tr("Stopping indexing…"))
        self.debounce.stop()
        self.status_timer.stop()
        self.indexing.shutdown()  # cancel + wait: the engine keeps what it finished
        self.search_runner.wait(10000)
        self.io_runner.wait(10000)
        self.thumbnails.wait(5000)
        super().closeEvent(event)


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
