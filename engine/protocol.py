"""The JSON-lines protocol between a controlling process (the desktop window) and an index
run in a child process (``sagasu index --progress-jsonl``), written and read by this one
module on both sides.

Child → controller, one JSON object a line on stdout:
    {"progress": Progress.to_json()}       while it runs
    {"event": "tier_done", "tier": NAME, "elapsed_s": S, "files": N, "pages": P}
                                           when a tier is complete for the whole run
                                           (engine.types.TierDone; benchmarks read it too)
    {"summary": IndexSummary.to_json()}    once, when the run ends (finished or cancelled)
    {"error": "one line for a person"}     once, when the run could not be done
Controller → child, one word a line on stdin: ``pause``, ``resume``, ``cancel``; end of
input (the controller went away) also cancels. Everything committed so far is kept.
Lines that are not JSON objects with one of these keys are ignored: a library may print.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import IO

from engine.run_control import RunControl
from engine.summary import IndexSummary, summary_from_json
from engine.types import Progress, TierDone


class Control(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"


@dataclass(frozen=True)
class RunFailed:
    """The child could not do the run; ``message`` is one line for a person. ``damage``: the
    engine.store.health.DamageReason value when the catalog is damaged (the window then says
    so in the user's language), else empty. ``storage``: likewise the
    engine.store.access.StorageProblem value for a full disk or a read-only data folder."""

    message: str
    damage: str = ""
    storage: str = ""


Message = Progress | TierDone | IndexSummary | RunFailed


def encode(message: Message) -> str:
    """One line (without the newline) for ``message``."""
    if isinstance(message, Progress):
        data: dict[str, object] = {"progress": message.to_json()}
    elif isinstance(message, TierDone):
        data = message.to_json()
    elif isinstance(message, IndexSummary):
        data = {"summary": message.to_json()}
    else:
        data = {"error": message.message}
        if message.damage:
            data["damage"] = message.damage
        if message.storage:
            data["storage"] = message.storage
    return json.dumps(data, ensure_ascii=False)


def decode(line: bytes | str) -> Message | None:
    """The message on ``line``, or None for a line that is not one of ours."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("progress"), dict):
        return Progress.from_json(data["progress"])
    if data.get("event") == "tier_done":
        try:
            return TierDone.from_json(data)
        except (KeyError, ValueError):  # a tier this version does not know
            return None
    if isinstance(data.get("summary"), dict):
        return summary_from_json(data["summary"])
    if "error" in data:
        damage, storage = (str(data.get(key) or "") for key in ("damage", "storage"))
        return RunFailed(str(data["error"]), damage, storage)
    return None


def control_line(command: Control) -> bytes:
    return f"{command.value}\n".encode()


class ProgressWriter:
    """The child's progress callback: each report as one flushed line on ``out``."""

    def __init__(self, out: IO[str] | None = None) -> None:
        self.out = out or sys.stdout

    def __call__(self, progress: Progress) -> None:
        self.send(progress)

    def send(self, message: Message) -> None:
        print(encode(message), file=self.out, flush=True)


class ControlReader:
    """The child's cancel callback, driven by the controller's lines on stdin: ``pause``
    makes it block (the engine checks it between files), ``resume`` releases it, ``cancel``
    or end of input stops the run."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream or sys.stdin
        self.control = RunControl()
        threading.Thread(target=self._read, name="sagasu-control", daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self._stream:
                command = line.strip().lower()
                if command == Control.PAUSE:
                    self.control.pause()
                elif command == Control.RESUME:
                    self.control.resume()
                elif command == Control.CANCEL:
                    break
        except (OSError, ValueError):  # stdin closed or unreadable: the controller is gone
            pass
        self.control.cancel()

    def __call__(self) -> bool:
        return self.control()
