"""The dialog a damaged catalog opens with: what is damaged, and the choice to rebuild it.

Rebuilding is ``Library.repair`` (engine.recovery) on a worker thread, its progress shown in
the dialog: the damaged file is kept aside, the newest good backup restored and the library's
folders indexed again. The dialog is accepted once the library is whole again; the caller
then opens it as usual.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.messages import progress_text
from desktop.workers import Runner
from engine.errors import SagasuError
from engine.library import Library
from engine.recovery import DAMAGED_DIR, Repair
from engine.store.health import CatalogDamaged, DamageReason
from engine.types import Progress


def damage_templates() -> dict[DamageReason, str]:
    return {
        DamageReason.MISSING: QCoreApplication.translate(
            "Repair", "The search index is missing or empty, although folders were indexed."
        ),
        DamageReason.EMPTY: QCoreApplication.translate(
            "Repair", "The search index holds no data, although folders were indexed."
        ),
        DamageReason.NOT_A_DATABASE: QCoreApplication.translate(
            "Repair", "The search index file was overwritten and cannot be read."
        ),
        DamageReason.TRUNCATED: QCoreApplication.translate(
            "Repair", "The search index file is cut short (truncated)."
        ),
        DamageReason.MALFORMED: QCoreApplication.translate(
            "Repair", "The search index file is damaged."
        ),
    }


def damage_text(exc: BaseException) -> str | None:
    """What the window says when a call meets a damaged catalog while it is open (the
    dialog comes with the next start, where nothing holds the damaged file open)."""
    if not isinstance(exc, CatalogDamaged):
        return None
    return damage_sentence(exc.reason)


def damage_sentence(reason: DamageReason) -> str:
    """What is damaged and what to do, in the user's language, for the window's message area
    (a search, or the indexing child's typed failure: engine.protocol.RunFailed.damage)."""
    return (
        damage_templates()[reason]
        + " "
        + QCoreApplication.translate("Repair", "Close Sagasu and start it again to rebuild it.")
    )


class RepairDialog(QDialog):
    """Says what is damaged in ``data_dir`` and rebuilds it when asked."""

    def __init__(
        self,
        damage: CatalogDamaged,
        data_dir: Path,
        synchronous: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.result_of_repair: Repair | None = None
        self._runner = Runner(synchronous=synchronous, owner=self)
        self.setWindowTitle(self.tr("Sagasu — the search index is damaged"))
        what = damage_templates()[damage.reason]
        self.message = QLabel(
            what
            + "\n\n"
            + self.tr(
                "Sagasu can rebuild it: the damaged file is kept in the “{0}” folder of {1}, "
                "the last good backup is restored and your folders are indexed again "
                "(only what changed since the backup). Your settings are kept."
            ).format(DAMAGED_DIR, data_dir)
        )
        self.message.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.step = QLabel("")
        buttons = QDialogButtonBox()
        self.rebuild_button = QPushButton(self.tr("Rebuild the index"))
        self.quit_button = QPushButton(self.tr("Quit"))
        buttons.addButton(self.rebuild_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.rebuild_button.clicked.connect(self.rebuild)
        self.quit_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.message, self.progress, self.step, buttons):
            layout.addWidget(widget)
        self.resize(520, 220)

    def rebuild(self) -> None:
        self.rebuild_button.setEnabled(False)
        self.quit_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.step.setText(self.tr("Restoring the last good backup…"))
        data_dir = self.data_dir
        self._runner.run(
            lambda report: Library.repair(data_dir, progress=report),
            on_done=self._done,
            on_error=self._failed,
            on_progress=self._progressed,
        )

    def _progressed(self, p: Progress) -> None:
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(p.done)
        self.step.setText(progress_text(p))

    def _done(self, repair: Repair) -> None:
        self.result_of_repair = repair
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        """A repair that could not finish (another indexer, a full disk): say why in one
        line and let the user try again or quit; nothing was deleted."""
        self.progress.setVisible(False)
        reason = str(exc) if isinstance(exc, SagasuError | OSError) else type(exc).__name__
        self.step.setText(self.tr("The index could not be rebuilt: {0}").format(reason))
        self.rebuild_button.setEnabled(True)
        self.quit_button.setEnabled(True)
