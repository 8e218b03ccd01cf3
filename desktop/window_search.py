"""The search half of the main window: typed queries, dropped and pasted images, "Find
similar", and showing an outcome. Searches are "latest wins": while one runs only the newest
waiting query is kept, and results of superseded queries are dropped.

A mixin of MainWindow (desktop/main_window.py), which owns the widgets and runners used here.
Its strings are translated in the MainWindow context, the one Qt uses at run time for
``self.tr`` on the window (lupdate would file a mixin's ``self.tr`` under the mixin's name).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from desktop.drop_zone import DropError, Dropped, QueryImage, dropped_from_mime, load_query
from desktop.messages import note_text
from desktop.repair_dialog import damage_text
from engine.messages import NoteCode
from engine.search import Query, SearchOutcome
from engine.types import SearchResult

TOP_K = 100

# A search job: runs on a worker, given the function that sends a first ranking to the window.
SearchCall = Callable[[Callable[[SearchOutcome], None]], SearchOutcome]

# Notes the window says in its own way: the banner explains a missing image model, and a
# first ranking is marked by the window itself.
NOTES_SHOWN_ELSEWHERE = {NoteCode.IMAGE_SEARCH_OFF, NoteCode.READING_PHOTO}


class SearchMixin:
    """Queries and their outcomes, for MainWindow."""

    def search_text(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        self._last_query = ("text", text)
        self._query_note = ""
        self.drop_zone.show_pages(0)
        source = self.source
        self._submit(lambda _partial: source.search(Query(text=text, top_k=TOP_K)))

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
        self.message.setText(QCoreApplication.translate("MainWindow", "Searching…"))
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
        if generation == self._generation and not self.server_failed(exc):
            self.show_error(
                damage_text(exc)
                or QCoreApplication.translate("MainWindow", "Search failed: {0}").format(exc)
            )
        self._next_search()

    def _next_search(self) -> None:
        if self._pending is not None:
            generation, call = self._pending
            self._pending = None
            self._start_search(generation, call)

    def show_outcome(self, outcome: SearchOutcome) -> None:
        self._shown_query = self._last_query  # what a confirmation of these results is about
        keep = self._picked_during_partial()
        self.last_outcome = outcome
        self.model.set_results(outcome.results)
        self.preview.clear()
        rows = [i for i, r in enumerate(outcome.results) if r.path == keep]
        if outcome.results:
            self.view.setCurrentIndex(self.model.index(rows[0] if rows else 0, 0))
        self._auto_picked = outcome.results[0].path if outcome.results else None
        count = QCoreApplication.translate("MainWindow", "{0} results in {1} ms").format(
            len(outcome.results), f"{outcome.seconds * 1000:.0f}"
        )
        notes = [note_text(n) for n in outcome.notes if n.code not in NOTES_SHOWN_ELSEWHERE]
        if outcome.partial:
            notes.append(QCoreApplication.translate("MainWindow", "Reading the text on the photo…"))
        shown = [count, *notes] + ([self._query_note] if self._query_note else [])
        self.message.setText(" · ".join(shown))
        self.update_feedback_actions()

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
        library = self.library
        self.message.setText(QCoreApplication.translate("MainWindow", "Reading the dropped image…"))
        self.io_runner.run(
            lambda _r: load_query(library, dropped),
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
            self._query_note = QCoreApplication.translate(
                "MainWindow", "{0} files were dropped; searching with the first one."
            ).format(dropped.count)
        self.drop_zone.label.setText(
            QCoreApplication.translate("MainWindow", "Searching by image: {0}").format(query.label)
        )
        # A figure matched is shown at once; the ranking with the photo's text read follows.
        image_query = Query(image=query.image, top_k=TOP_K)
        source = self.source
        self._submit(lambda partial: source.search(image_query, on_partial=partial))

    def _drop_failed(self, exc: BaseException) -> None:
        if isinstance(exc, DropError):
            self.show_error(str(exc))
        else:  # unexpected: still a message in the window, never a traceback dialog
            self.show_error(
                QCoreApplication.translate("MainWindow", "That cannot be used: {0}").format(exc)
            )

    def _pdf_page_chosen(self, page: int) -> None:
        if self._dropped is not None and self._dropped.path is not None:
            self.search_dropped(dataclasses.replace(self._dropped, page=page))

    def choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            QCoreApplication.translate("MainWindow", "Search with an image"),
            "",
            QCoreApplication.translate(
                "MainWindow", "Images and PDFs (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *.pdf)"
            ),
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
            self.show_error(
                QCoreApplication.translate("MainWindow", "The clipboard holds no image.")
            )

    def find_similar(self, r: SearchResult) -> None:
        self._last_query = ("similar", r.item_id)
        self._query_note = ""
        self.drop_zone.show_pages(0)
        self.drop_zone.label.setText(
            QCoreApplication.translate("MainWindow", "Similar to: {0}").format(r.path.name)
        )
        source = self.source
        self._submit(lambda _partial: source.similar_to(r.item_id, top_k=TOP_K))

    def _rerun_last_query(self) -> None:
        """New files may match: repeat the current text query (cheap) after a run."""
        if self._last_query and self._last_query[0] == "text":
            self.search_text(self._last_query[1])
