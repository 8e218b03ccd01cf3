"""The confirming half of the main window: "This is it", "Not this" (the top result only),
"Pick the right file…" for a failed query, each stored as a labelled example through the
library, with a quiet confirmation in the status line and Undo (the example is removed).

A mixin of MainWindow (desktop/main_window.py), which owns the widgets, actions and runners
used here. Its strings are translated in the MainWindow context (see window_search.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from desktop.examples_dialog import ExamplesDialog
from desktop.pick_target import PickTargetDialog
from engine.feedback.examples import Example, ExampleRefused, Verdict
from engine.library import ReadOnlyFolder
from engine.search import Query

if TYPE_CHECKING:
    from engine.adapt.run import AdaptationStatus

CONFIRMATION_MS = 20000  # how long "Saved as an example · Undo" stays in the status line


class FeedbackBar(QWidget):
    """The small row of buttons above the preview: keyboard-reachable with Tab, each with
    the shortcut of its action."""

    def __init__(self, actions: list[QAction]) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        self.buttons: list[QToolButton] = []
        for action in actions:
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)


class FeedbackMixin:
    """Confirmations and their undo, for MainWindow."""

    def _build_feedback(self) -> None:
        self.confirm_action = QAction(self)
        self.confirm_action.setShortcut(QKeySequence("Ctrl+Y"))
        self.reject_action = QAction(self)
        self.reject_action.setShortcut(QKeySequence("Ctrl+N"))
        self.pick_action = QAction(self)
        self.undo_example_action = QAction(self)
        # A window shortcut: the search field keeps its own Ctrl+Z while it has the focus.
        self.undo_example_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_example_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.examples_action = QAction(self)
        for action in (self.confirm_action, self.reject_action, self.undo_example_action):
            self.addAction(action)
        self.feedback_bar = FeedbackBar([self.confirm_action, self.reject_action, self.pick_action])
        self.feedback_label = QLabel()
        self.undo_button = QToolButton()
        self.undo_button.setDefaultAction(self.undo_example_action)
        self.undo_button.setAutoRaise(True)
        self._shown_query: tuple[str, Any] | None = None  # the query of the results shown
        self._undoable: Any = None  # the example the last confirmation stored
        self.examples_dialog: ExamplesDialog | None = None
        self.confirmation_timer = QTimer(self, singleShot=True, interval=CONFIRMATION_MS)
        self.confirmation_timer.timeout.connect(self._hide_confirmation)
        self._hide_confirmation()

    def _connect_feedback(self) -> None:
        self.confirm_action.triggered.connect(lambda: self.confirm_current(True))
        self.reject_action.triggered.connect(lambda: self.confirm_current(False))
        self.pick_action.triggered.connect(lambda: self.pick_target())
        self.undo_example_action.triggered.connect(self.undo_example)
        self.examples_action.triggered.connect(lambda: self.open_examples())
        self.update_feedback_actions()

    def _retranslate_feedback(self) -> None:
        self.confirm_action.setText(QCoreApplication.translate("MainWindow", "This is it"))
        self.confirm_action.setToolTip(
            QCoreApplication.translate(
                "MainWindow", "Mark the selected result as the answer to this search (Ctrl+Y)"
            )
        )
        self.reject_action.setText(QCoreApplication.translate("MainWindow", "Not this"))
        self.reject_action.setToolTip(
            QCoreApplication.translate(
                "MainWindow", "Mark the top result as wrong for this search (Ctrl+N)"
            )
        )
        self.pick_action.setText(QCoreApplication.translate("MainWindow", "Pick the right file…"))
        self.pick_action.setToolTip(
            QCoreApplication.translate(
                "MainWindow", "None of these: choose the file and page that answer this search"
            )
        )
        self.undo_example_action.setText(QCoreApplication.translate("MainWindow", "Undo"))
        self.examples_action.setText(
            QCoreApplication.translate("MainWindow", "Examples and evaluation…")
        )
        self.examples_action.setToolTip(
            QCoreApplication.translate(
                "MainWindow",
                "Your confirmed examples, how well search does on them, and adaptation",
            )
        )

    # --- what can be confirmed -----------------------------------------------------------

    def _feedback_query(self) -> tuple[str, Any] | None:
        """The query behind the results shown, if it can become an example: a typed text
        or an image; "Find similar" has no query of the user's own."""
        query = self._shown_query
        return query if query is not None and query[0] in ("text", "image") else None

    def update_feedback_actions(self) -> None:
        query = self._feedback_query()
        row = self.view.currentIndex().row() if self.view.currentIndex().isValid() else -1
        self.confirm_action.setEnabled(query is not None and row >= 0)
        self.reject_action.setEnabled(query is not None and row == 0)
        self.pick_action.setEnabled(query is not None)
        self.feedback_bar.setVisible(query is not None)

    def add_feedback_menu(self, menu: QMenu, row: int) -> None:
        """The result's context menu offers the same confirmations (on its own row)."""
        if self._feedback_query() is None:
            return
        menu.addSeparator()
        menu.addAction(self.confirm_action.text(), lambda: self.confirm_row(row, True))
        if row == 0:
            menu.addAction(self.reject_action.text(), lambda: self.confirm_row(0, False))
        menu.addAction(self.pick_action.text(), lambda: self.pick_target())

    def query_label(self) -> str:
        query = self._feedback_query()
        if query is None:
            return ""
        return query[1] if query[0] == "text" else query[1].label

    # --- storing -------------------------------------------------------------------------

    def confirm_current(self, is_it: bool) -> None:
        """ "This is it" on the selected result, or "Not this" on the top one."""
        index = self.view.currentIndex()
        if index.isValid():
            self.confirm_row(index.row(), is_it)

    def confirm_row(self, row: int, is_it: bool) -> None:
        query = self._feedback_query()
        r = self.model.result(row)
        if query is None or r is None or (not is_it and row != 0):
            return  # "Not this" is for a wrong top result only
        verdict = Verdict.IS_IT if is_it else Verdict.NOT_THIS
        searched, image_path = _engine_query(query)
        library = self.library
        self._store(lambda: library.confirm(searched, r, verdict, image_path=image_path))

    def pick_target(self) -> PickTargetDialog | None:
        """A failed query: the user picks the file and page that should have come first."""
        query = self._feedback_query()
        if query is None:
            return None
        candidates = [r.path for r in self.model.results()]
        dialog = PickTargetDialog(
            self.library, self.query_label(), candidates, self, self.synchronous
        )
        dialog.accepted.connect(lambda: self._target_picked(query, dialog))
        dialog.open()
        return dialog

    def _target_picked(self, query: tuple[str, Any], dialog: PickTargetDialog) -> None:
        choice = dialog.chosen()
        if choice is not None:
            self.store_example(query, choice[0], choice[1])

    def store_example(self, query: tuple[str, Any], target: Path, page: int | None) -> None:
        """A file and page picked for a failed query: "this is it" for it."""
        searched, image_path = _engine_query(query)
        library = self.library
        self._store(
            lambda: library.add_example(
                searched, target, page, Verdict.IS_IT, image_path=image_path
            )
        )

    def _store(self, call: Callable[[], Example]) -> None:
        """On a worker: a photo's features take about a second to read. What of a photo is
        kept is the engine's decision (its features; a small copy only where the settings
        allow it: keep_query_images)."""
        library = self.library
        self.io_runner.run(
            lambda _r: (call(), library.adaptation_status()),
            on_done=lambda done: self._example_stored(*done),
            on_error=self._example_refused,
        )

    def _example_stored(self, example: Example, status: AdaptationStatus | None = None) -> None:
        where = example.target_path.name
        if example.page:
            where = QCoreApplication.translate("MainWindow", "{0} p. {1}").format(
                where, example.page
            )
        if example.verdict is Verdict.IS_IT:
            text = QCoreApplication.translate(
                "MainWindow", "Saved as an example: “{0}” → {1}"
            ).format(example.label, where)
        else:
            text = QCoreApplication.translate(
                "MainWindow", "Saved as an example: “{0}” is not {1}"
            ).format(example.label, where)
        first = status.needs[0] if status is not None and status.needs else None
        if first is not None and first.more > 0:  # the engine's count, said where it grows
            text += " · " + QCoreApplication.translate(
                "MainWindow", "{0} more before adaptation can start"
            ).format(first.more)
        self._show_confirmation(text, example)
        self._examples_changed()

    def _example_refused(self, exc: BaseException) -> None:
        if not isinstance(exc, (ExampleRefused, ReadOnlyFolder)):
            self.show_background_error(exc)
            return
        # Its message says in one line what is wrong (not in the library, no such page).
        self._show_confirmation(
            QCoreApplication.translate("MainWindow", "Not saved: {0}").format(exc), None
        )

    # --- the confirmation and its undo ---------------------------------------------------

    def _show_confirmation(self, text: str, undoable: Any) -> None:
        self._undoable = undoable
        self.feedback_label.setText(text)
        self.feedback_label.show()
        self.undo_button.setVisible(undoable is not None)
        self.undo_example_action.setEnabled(undoable is not None)
        self.confirmation_timer.start()

    def _hide_confirmation(self) -> None:
        self.feedback_label.hide()
        self.undo_button.hide()
        self.undo_example_action.setEnabled(False)
        self._undoable = None

    def undo_example(self) -> None:
        example = self._undoable
        if example is None:
            return
        self._undoable = None
        self.undo_example_action.setEnabled(False)
        library = self.library
        self.io_runner.run(
            lambda _r: library.remove_example(example.id),
            on_done=lambda _removed: self._example_undone(),
        )

    def _example_undone(self) -> None:
        self._show_confirmation(QCoreApplication.translate("MainWindow", "Example removed."), None)
        self._examples_changed()

    def _examples_changed(self) -> None:
        if self.examples_dialog is not None and self.examples_dialog.isVisible():
            self.examples_dialog.refresh()

    # --- the examples dialog -------------------------------------------------------------

    def open_examples(self) -> ExamplesDialog:
        """One dialog for the window's life: closing it hides it, and what it runs goes on."""
        if self.examples_dialog is None:
            self.examples_dialog = ExamplesDialog(self.library, self, self.synchronous)
        self.examples_dialog.refresh()
        self.examples_dialog.show()
        self.examples_dialog.raise_()
        return self.examples_dialog

    def _shutdown_feedback(self) -> None:
        self.confirmation_timer.stop()
        if self.examples_dialog is not None:
            self.examples_dialog.shutdown()


def _engine_query(query: tuple[str, Any]) -> tuple[Query, Path | None]:
    """The engine's query for the window's ("text", str) or ("image", QueryImage), and the
    photo's file when it came from one (an example records where its photo was)."""
    kind, value = query
    if kind == "text":
        return Query(text=value), None
    return Query(image=value.image), value.path
