"""The search window: query field, drop zone, result grid, preview, indexing status.

Every engine call goes through the library (engine.library.Library) on a ``Runner``
(desktop.workers); background failures are shown in the window. The searching half lives in
desktop/window_search.py, the library half (indexing, status, settings) in
desktop/window_library.py; this module builds the window and handles results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSplitter,
    QStyleOptionViewItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop import opening
from desktop.banner import Banner
from desktop.drop_zone import Dropped, DropZone
from desktop.indexing import IndexController
from desktop.messages import storage_text
from desktop.preview import PreviewPane
from desktop.repair_dialog import damage_text
from desktop.result_tile import ResultTileDelegate
from desktop.results_model import ResultRole, ResultsModel
from desktop.thumbnails import ThumbnailCache, render_preview
from desktop.window_feedback import FeedbackMixin
from desktop.window_library import LibraryMixin
from desktop.window_search import SearchCall, SearchMixin
from desktop.window_team import CurrentSource, TeamMixin
from desktop.workers import Runner
from engine.library import Library
from engine.search import SearchOutcome
from engine.store.access import storage_problem_of
from engine.types import SearchResult

DEBOUNCE_MS = 300
STATUS_REFRESH_MS = 2000  # counts in the status bar while indexing
WARM_MODELS_DELAY_MS = 300  # after the first paint, before the models start loading


class MainWindow(SearchMixin, LibraryMixin, FeedbackMixin, TeamMixin, QMainWindow):
    def __init__(
        self,
        library: Library,
        *,
        synchronous: bool = False,
        samples_dir: Path | None = None,
        warm_models: bool = True,
    ) -> None:
        super().__init__()
        self.library = library
        self.samples_dir = samples_dir
        self.synchronous = synchronous
        failed = self.show_background_error
        self.search_runner = Runner(1, synchronous, owner=self, on_error=failed)
        # Query images, previews, status.
        self.io_runner = Runner(2, synchronous, owner=self, on_error=failed)
        # Through the source of the moment (this computer's index or a team server), held
        # apart from the window: a worker holding the window's last reference would delete
        # its Qt objects on that thread.
        self.current = CurrentSource(library)
        self.thumbnails = ThumbnailCache(
            self.current.thumbnail, Runner(2, synchronous, owner=self, on_error=failed)
        )
        self.indexing = IndexController(library, Runner(1, synchronous, owner=self), self)
        self.model = ResultsModel(self.thumbnails)
        self._generation = 0  # bumped per query: results of older ones are dropped
        self._pending: tuple[int, SearchCall] | None = None
        self._searching = False
        self._last_query: tuple[str, Any] | None = None  # ("text", str) / ("image", QueryImage)
        self._dropped: Dropped | None = None
        self._clip_problem = ""
        self._text_problem = ""
        self._indexed_files: int | None = None  # from the status counts; None: not read yet
        self._preview_generation = 0
        self._query_note = ""  # shown with the results, e.g. "3 files dropped; used the first"
        self.last_outcome: SearchOutcome | None = None
        self._auto_picked: Path | None = None  # the document show_outcome selected itself
        self._build()
        self._connect()
        self.init_team()
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
        self._build_feedback()  # its actions go into the toolbar, its bar beside the preview
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
        self.toolbar.addAction(self.examples_action)
        self.toolbar.addAction(self.settings_action)
        self.addAction(self.paste_action)

        self.banner = Banner()
        self.model_banner = Banner()
        self.server_banner = Banner()  # a team server offline, or a file to download
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
        self.view.setWordWrap(True)
        self.tiles = ResultTileDelegate(self.view)
        self.view.setItemDelegate(self.tiles)
        tile_option = QStyleOptionViewItem()
        self.view.initViewItemOption(tile_option)
        self.view.setGridSize(self.tiles.grid_size(tile_option))
        self.view.setSpacing(4)
        self.view.setModel(self.model)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.preview = PreviewPane()
        side = QWidget()  # the preview, with "This is it" / "Not this" above it
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.feedback_bar)
        side_layout.addWidget(self.preview, 1)
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 6, 8, 4)
        banners = (self.server_banner, self.banner, self.model_banner)
        for widget in (*banners, self.drop_zone, self.message):
            layout.addWidget(widget)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.setAcceptDrops(True)  # a drop anywhere in the window counts

        self.counts_label = QLabel()
        self.progress_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.statusBar().addWidget(self.counts_label, 1)
        self.statusBar().addWidget(self.feedback_label)  # "Saved as an example" · Undo
        self.statusBar().addWidget(self.undo_button)
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
        self.indexing.tierDone.connect(self._tier_done)
        self.indexing.finished.connect(self._index_finished)
        self.indexing.failed.connect(self._index_failed)
        self.indexing.runningChanged.connect(self._indexing_visible)
        self.status_timer = QTimer(self, interval=STATUS_REFRESH_MS)
        self.status_timer.timeout.connect(lambda: self.refresh_status())
        self._connect_feedback()

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
        self._retranslate_feedback()
        self.drop_zone.retranslate()
        self.preview.clear()
        self.update_first_run()
        self._show_clip_banner()
        self.refresh_status()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def dragEnterEvent(self, event: Any) -> None:
        self.drop_zone.dragEnterEvent(event)

    def dropEvent(self, event: Any) -> None:
        event.acceptProposedAction()
        self.handle_mime(event.mimeData())

    def show_error(self, text: str, level: str = "error") -> None:
        color = "#a22" if level == "error" else "#246"
        self.message.setText(f"<span style='color:{color}'>{_escape(text)}</span>")

    def show_background_error(self, exc: BaseException) -> None:
        """Any background job's failure that its caller did not handle itself."""
        if self.server_failed(exc):
            return
        damaged = damage_text(exc)
        if damaged:
            self.show_error(damaged)
            return
        storage = storage_problem_of(exc)
        if storage is not None:
            self.show_error(storage_text(storage))
            return
        self.show_error(self.tr("Something went wrong: {0}").format(exc or type(exc).__name__))

    # --- results: preview, open, context menu ------------------------------------------

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.update_feedback_actions()
        r = current.data(ResultRole) if current.isValid() else None
        if r is None:
            self.preview.clear()
            return
        self.preview.show_result(
            r, self.model.tooltip(r, with_path=False), self.thumbnails.get(r.item_id)
        )
        self._preview_generation += 1
        generation = self._preview_generation
        source = self.source
        self.io_runner.run(
            lambda _r: render_preview(source, r),
            on_done=lambda image: self._preview_ready(generation, image),
        )

    def _preview_ready(self, generation: int, image: QImage | None) -> None:
        if generation == self._preview_generation and image is not None:
            self.preview.set_image(image)

    def _open_index(self, index: QModelIndex) -> None:
        r = index.data(ResultRole)
        if r is not None:
            self.open_result(r)

    def open_result(self, r: SearchResult) -> None:
        path = self.source.original(r)  # a team server's path mapped to this computer's
        if not path.exists() and self.offer_download(r, path):
            return
        if not r.file_exists and not path.exists():
            self.show_error(self.tr("{0} is missing (moved or deleted).").format(path))
            return
        if not opening.open_file(path, r.page):
            self.show_error(self.tr("No application could open {0}.").format(path.name))

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        r = index.data(ResultRole) if index.isValid() else None
        if r is None:
            return
        menu = QMenu(self)
        menu.addAction(self.tr("Open"), lambda: self.open_result(r))
        path = self.source.original(r)
        menu.addAction(self.tr("Open containing folder"), lambda: opening.open_folder(path))
        menu.addAction(self.tr("Copy path"), lambda: _copy(str(path)))
        menu.addSeparator()
        menu.addAction(self.tr("Find similar"), lambda: self.find_similar(r))
        self.add_feedback_menu(menu, index.row())
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # --- closing ---------------------------------------------------------------------

    def closeEvent(self, event: Any) -> None:
        if self.indexing.running:
            self.progress_label.setText(self.tr("Stopping indexing…"))
        self.debounce.stop()
        self.status_timer.stop()
        self.health_timer.stop()
        self.indexing.shutdown()  # cancel + wait: the engine keeps what it finished
        self._shutdown_feedback()  # an evaluation or adaptation: cancel + wait, likewise
        self.search_runner.wait(10000)
        self.io_runner.wait(10000)
        self.thumbnails.wait(5000)
        if self.remote is not None:
            self.remote.close()
        super().closeEvent(event)


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def _escape(text: str) -> str:
    import html

    return html.escape(text)
