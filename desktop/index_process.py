"""An index run in a child process (`sagasu index --progress-jsonl`).

Why a process and not a thread: extraction (PDF rendering, Japanese tokenising) holds
Python's global lock for long stretches, and a GUI thread waiting for that lock froze the
window for seconds (docs/DESKTOP.md). In its own process the indexer can use both cores and
the window never waits. The child reports progress as JSON lines and takes 'pause',
'resume' and 'cancel' on stdin; everything it commits is visible to this process through
the shared catalog (SQLite WAL), and Library.reload() picks up its ANN indexes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

import engine
from desktop.messages import storage_text
from desktop.repair_dialog import damage_sentence
from engine.protocol import Control, RunFailed, control_line, decode
from engine.store.access import StorageProblem
from engine.store.health import DamageReason
from engine.summary import IndexSummary
from engine.types import Progress, TierDone


def index_command(data_dir: Path) -> tuple[str, list[str]]:
    """Program and arguments of the indexing child, from source or from a frozen build."""
    args = ["index", "--data-dir", str(data_dir), "--progress-jsonl"]
    if getattr(sys, "frozen", False):
        cli = Path(sys.executable).with_name("sagasu.exe" if os.name == "nt" else "sagasu")
        return str(cli), args
    return sys.executable, ["-m", "engine.cli", *args]


def failure_text(failed: RunFailed) -> str:
    """The child's failure in the user's language when it is one the engine names (a damaged
    catalog, a full disk, a read-only folder); otherwise its own English line."""
    if failed.damage in {reason.value for reason in DamageReason}:
        return damage_sentence(DamageReason(failed.damage))
    if failed.storage in {problem.value for problem in StorageProblem}:
        return storage_text(StorageProblem(failed.storage))
    return failed.message


class ChildIndexRun(QObject):
    progressed = Signal(object)  # Progress
    tierDone = Signal(object)  # TierDone: a tier is complete for the whole run
    finished = Signal(object)  # IndexSummary
    failed = Signal(str)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        # The child imports the same engine as this process, wherever it was loaded from.
        source_root = str(Path(engine.__file__).resolve().parent.parent)
        env.insert(
            "PYTHONPATH", os.pathsep.join(filter(None, [source_root, env.value("PYTHONPATH")]))
        )
        self.process.setProcessEnvironment(env)
        self.process.readyReadStandardOutput.connect(self._read_stdout)
        self.process.finished.connect(self._process_finished)
        self.process.errorOccurred.connect(self._process_error)
        self._data_dir = data_dir
        self._buffer = b""
        self._summary: IndexSummary | None = None
        self._error: str | None = None  # the child's own one-line account of a failure
        self._reported = False

    def start(self) -> None:
        program, args = index_command(self._data_dir)
        self.process.start(program, args)

    def pause(self) -> None:
        self._send(Control.PAUSE)

    def resume(self) -> None:
        self._send(Control.RESUME)

    def cancel(self) -> None:
        self._send(Control.CANCEL)

    def wait(self, timeout_ms: int) -> bool:
        if self.process.state() == QProcess.ProcessState.NotRunning:
            return True
        if self.process.waitForFinished(timeout_ms):
            return True
        self.process.kill()  # the catalog is crash-safe: a kill loses only files in flight
        return self.process.waitForFinished(5000)

    def _send(self, command: Control) -> None:
        if self.process.state() == QProcess.ProcessState.Running:
            self.process.write(control_line(command))

    def _read_stdout(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._handle(line)

    def _handle(self, line: bytes) -> None:
        message = decode(line)  # None: not ours (a library printing to stdout)
        if isinstance(message, Progress):
            self.progressed.emit(message)
        elif isinstance(message, TierDone):
            self.tierDone.emit(message)
        elif isinstance(message, IndexSummary):
            self._summary = message
        elif isinstance(message, RunFailed):
            self._error = failure_text(message)

    def _process_finished(self, exit_code: int, _status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        if self._summary is not None:
            self._report(self.finished, self._summary)
            return
        if self._error is not None:
            self._report(self.failed, self._error)
            return
        errors = bytes(self.process.readAllStandardError().data()).decode(errors="replace")
        lines = [ln for ln in errors.strip().splitlines() if ln.strip()]
        reason = lines[-1] if lines else f"the indexing process ended with code {exit_code}"
        self._report(self.failed, reason)

    def _process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._report(self.failed, f"could not start the indexer ({self.process.program()})")

    def _report(self, signal: Signal, value: object) -> None:  # type: ignore[type-arg]
        if not self._reported:
            self._reported = True
            signal.emit(value)  # type: ignore[attr-defined]
