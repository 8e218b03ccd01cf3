"""The adaptation tab of the examples dialog: what is adopted (parts, version, date, the
figures before and after), how many more examples the engine needs before it can try,
"Adapt now" on a worker (search goes on meanwhile), switching adaptation off, rolling back.

Every figure and every "needs N more" comes from the library's typed values; the panel only
shows them."""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.messages import outcome_text, part_text, progress_text
from desktop.workers import Runner
from engine.types import Progress

if TYPE_CHECKING:
    from engine.adapt.report import AdaptReport, Figures
    from engine.adapt.run import AdaptationStatus, PartNeed
    from engine.library import Library


class AdaptationPanel(QWidget):
    def __init__(self, library: Library, runner: Runner, reader: Runner) -> None:
        super().__init__()
        self.library = library
        self.runner = runner
        self.reader = reader
        self._cancel = threading.Event()
        self.running = False
        # The dialog's hook: the other long job waits its turn while this one runs.
        self.on_running: Callable[[bool], None] = lambda _running: None
        self._status: Any = None
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.report = QTextBrowser()
        self.report.setOpenLinks(False)
        self.enabled_box = QCheckBox()
        self.enabled_box.toggled.connect(self._switch)
        self.adapt_button = QPushButton()
        self.adapt_button.clicked.connect(self.adapt)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancel)
        self.rollback_button = QPushButton()
        self.rollback_button.clicked.connect(self.roll_back)
        self.progress = QProgressBar()
        self.progress_label = QLabel()
        buttons = QHBoxLayout()
        for button in (self.adapt_button, self.cancel_button, self.rollback_button):
            buttons.addWidget(button)
        buttons.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(self.enabled_box)
        layout.addWidget(self.report, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_label)
        self._running(False)

    def retranslate(self) -> None:
        self.enabled_box.setText(self.tr("Use the adapted ranking in search"))
        self.adapt_button.setText(self.tr("Adapt now"))
        self.adapt_button.setToolTip(
            self.tr("Fit to your examples in the background; kept only where it does better")
        )
        self.cancel_button.setText(self.tr("Cancel"))
        self.rollback_button.setText(self.tr("Roll back"))
        self.rollback_button.setToolTip(self.tr("Return to the previously adopted version"))
        if self._status is not None:
            self.show_status(self._status)

    # --- the state -------------------------------------------------------------------------

    def refresh(self) -> None:
        library = self.library
        self.reader.run(lambda _r: library.adaptation_status(), on_done=self.show_status)

    def show_status(self, status: AdaptationStatus) -> None:
        self._status = status
        self.enabled_box.blockSignals(True)  # showing the state is not switching it
        self.enabled_box.setChecked(status.enabled)
        self.enabled_box.blockSignals(False)
        self.rollback_button.setEnabled(status.can_roll_back and not self.running)
        lines = [html.escape(self.adopted_text(status))]
        lines += [html.escape(self.need_text(need)) for need in status.needs if need.more > 0]
        self.state.setText("<br>".join(lines))
        report = status.last_report
        self.report.setHtml(self.report_html(report) if report is not None else "")

    def adopted_text(self, status: AdaptationStatus) -> str:
        current = status.current
        if current is None:
            return self.tr("Nothing adopted: search uses the shipped ranking.")
        parts = ", ".join(part_text(p) for p in current.parts)
        text = self.tr("Version {0}, adopted {1} from {2} labelled queries: {3}.").format(
            current.version, _when(current.at), current.examples, parts
        )
        if current.mrr_before is not None and current.mrr_after is not None:
            text += " " + self.tr("MRR on held-out examples {0:.2f} → {1:.2f}.").format(
                current.mrr_before, current.mrr_after
            )
        if not status.enabled:
            text += " " + self.tr("Switched off: search uses the shipped ranking.")
        return text

    def need_text(self, need: PartNeed) -> str:
        return self.tr("{0}: needs {1} more labelled queries ({2} of {3}).").format(
            part_text(need.part), need.more, need.have, need.minimum
        )

    def report_html(self, report: AdaptReport) -> str:
        """The last run: per part its outcome and the held-out figures before → after,
        fold by fold."""
        head = self.tr("Last adaptation {0}: {1} labelled queries, {2} folds, {3:.1f} s").format(
            _when(report.at), report.examples, report.folds, report.seconds
        )
        rows = [f"<p><b>{html.escape(head)}</b></p>"]
        for part in report.parts:
            title = f"{part_text(part.part)}: {outcome_text(part.outcome)}"
            rows.append(f"<p><b>{html.escape(title)}</b>")
            if part.before is not None and part.after is not None:
                rows.append("<br>" + html.escape(self.figures_change(part.before, part.after)))
            for fold in part.folds:
                line = self.tr("fold {0} ({1} to fit): {2}").format(
                    fold.index, fold.train, self.figures_change(fold.before, fold.after)
                )
                rows.append("<br>&nbsp;&nbsp;" + html.escape(line))
            rows.append("</p>")
        return "".join(rows)

    def figures_change(self, before: Figures, after: Figures) -> str:
        template = self.tr(
            "Recall@1 {0:.2f} → {1:.2f}, Recall@5 {2:.2f} → {3:.2f}, MRR {4:.2f} → {5:.2f}"
        )
        return template.format(
            before.recall_at_1,
            after.recall_at_1,
            before.recall_at_5,
            after.recall_at_5,
            before.mrr,
            after.mrr,
        )

    # --- actions ---------------------------------------------------------------------------

    def adapt(self) -> None:
        if self.running:
            return
        self._cancel.clear()
        self._running(True)
        self.progress_label.setText(self.tr("Adapting to your examples…"))
        library, cancel = self.library, self._cancel
        self.runner.run(
            lambda report: library.adapt(progress=report, cancel=cancel.is_set),
            on_done=self._adapted,
            on_error=self._failed,
            on_progress=self._progressed,
        )

    def cancel(self) -> None:
        if self.running:
            self._cancel.set()
            self.progress_label.setText(self.tr("Cancelling…"))

    def _switch(self, on: bool) -> None:
        library = self.library
        self.reader.run(lambda _r: library.set_adaptation_enabled(on), on_done=self._changed)

    def roll_back(self) -> None:
        library = self.library
        self.reader.run(lambda _r: library.roll_back_adaptation(), on_done=self._changed)

    def _changed(self, _result: Any) -> None:
        self.refresh()

    def _progressed(self, p: Any) -> None:
        if isinstance(p, Progress):
            if p.total:
                self.progress.setRange(0, p.total)
                self.progress.setValue(min(p.done, p.total))
            self.progress_label.setText(progress_text(p))

    def _adapted(self, _report: Any) -> None:
        self._running(False)
        self.progress_label.setText("")
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self._running(False)
        self.progress_label.setText(self.tr("Adaptation stopped: {0}").format(exc))

    def _running(self, running: bool) -> None:
        self.running = running
        self.on_running(running)
        self.adapt_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        self.progress.setRange(0, 0)


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))
