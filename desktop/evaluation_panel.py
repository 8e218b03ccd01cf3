"""The evaluation tab of the examples dialog: the latest figures (Recall@1, Recall@5, MRR)
against the library's own examples, their history as a chart, and "Evaluate now" on a
worker with progress and cancel. The figures and their history come from the library
(typed ``EvalPoint`` values); nothing is computed here."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.messages import progress_text
from desktop.trend_chart import Series, TrendChart
from desktop.workers import Runner
from engine.types import Progress

if TYPE_CHECKING:
    from engine.evaluation.records import EvalResult
    from engine.feedback.examples import EvalPoint
    from engine.library import Library

COLORS = {"r1": QColor("#c03020"), "r5": QColor("#2060c0"), "mrr": QColor("#209040")}


class EvaluationPanel(QWidget):
    """``runner`` is the dialog's one runner for long work (evaluation and adaptation take
    turns); ``on_running`` tells the dialog a job started or ended."""

    def __init__(self, library: Library, runner: Runner, reader: Runner) -> None:
        super().__init__()
        self.library = library
        self.runner = runner  # evaluation: long, one job at a time with adaptation
        self.reader = reader  # the history: short reads
        self._cancel = threading.Event()
        self.running = False
        # The dialog's hook: the other long job waits its turn while this one runs.
        self.on_running: Callable[[bool], None] = lambda _running: None
        self.figures = QLabel()
        self.figures.setWordWrap(True)
        self.chart = TrendChart()
        self.evaluate_button = QPushButton()
        self.evaluate_button.clicked.connect(self.evaluate)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress_label = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.evaluate_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.figures)
        layout.addWidget(self.chart, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_label)
        self._history: list[EvalPoint] = []
        self._running(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.evaluate_button.setText(self.tr("Evaluate now"))
        self.evaluate_button.setToolTip(
            self.tr("Run every example's query and measure where its file comes")
        )
        self.cancel_button.setText(self.tr("Cancel"))
        self.show_history(self._history)

    # --- the figures -----------------------------------------------------------------------

    def refresh(self) -> None:
        library = self.library
        self.reader.run(lambda _r: library.eval_history(), on_done=self.show_history)

    def show_history(self, history: list[EvalPoint]) -> None:
        self._history = sorted(history, key=lambda p: p.at)
        points = self._history
        if not points:
            self.figures.setText(
                self.tr("No evaluation yet: confirm a few results, then Evaluate now.")
            )
        else:
            self.figures.setText(self.figures_text(points[-1]))
        self.chart.set_data(
            [p.at for p in points],
            [
                Series(self.tr("Recall@1"), COLORS["r1"], [p.recall_at_1 for p in points]),
                Series(self.tr("Recall@5"), COLORS["r5"], [p.recall_at_5 for p in points]),
                Series(self.tr("MRR"), COLORS["mrr"], [p.mrr for p in points]),
            ],
            empty_text=self.tr("No evaluation yet"),
        )

    def figures_text(self, p: EvalPoint) -> str:
        """ "Recall@1 0.62 · Recall@5 0.85 · MRR 0.71 — 24 queries, 2026-12-01 07:30"."""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(p.at))
        template = self.tr("Recall@1 {0:.2f} · Recall@5 {1:.2f} · MRR {2:.2f} — {3} queries, {4}")
        return template.format(p.recall_at_1, p.recall_at_5, p.mrr, p.examples, when)

    # --- evaluating ------------------------------------------------------------------------

    def evaluate(self) -> None:
        if self.running:
            return
        self._cancel.clear()
        self._running(True)
        self.progress_label.setText(self.tr("Evaluating against your examples…"))
        library, cancel = self.library, self._cancel
        self.runner.run(
            lambda report: library.evaluate_examples(progress=report, cancel=cancel.is_set),
            on_done=self._evaluated,
            on_error=self._failed,
            on_progress=self._progressed,
        )

    def cancel(self) -> None:
        self._cancel.set()
        self.progress_label.setText(self.tr("Cancelling…"))

    def _progressed(self, p: Any) -> None:
        if isinstance(p, Progress):
            if p.total:
                self.progress.setRange(0, p.total)
                self.progress.setValue(min(p.done, p.total))
            self.progress_label.setText(progress_text(p))

    def _evaluated(self, results: list[EvalResult]) -> None:
        self._running(False)
        if self._cancel.is_set():
            text = self.tr("Evaluation cancelled; nothing was recorded.")
        elif not results or not results[0].summary()["n"]:
            text = self.tr("Nothing to evaluate yet: confirm a result first.")
        else:
            text = ""
        self.progress_label.setText(text)
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self._running(False)
        self.progress_label.setText(self.tr("The evaluation stopped: {0}").format(exc))

    def _running(self, running: bool) -> None:
        self.running = running
        self.on_running(running)
        self.evaluate_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        self.progress.setRange(0, 0)
