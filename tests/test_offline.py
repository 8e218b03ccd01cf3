"""Index and search never touch the network (issue #19, item 4).

The commands run in a child process, as a user runs them, with every socket call refused:
Python's (a ``sitecustomize.py`` on the child's path, so it covers import time) and, where
strace can run, the native ones too (onnxruntime's telemetry resolves its host from a C++
thread, below Python). A third witness works everywhere: onnxruntime's telemetry queue under
``~/.cache/Microsoft`` must not appear in the child's home.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.config import Settings, save_settings

pytestmark = pytest.mark.slow  # real MiniLM and RapidOCR, three commands

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "resources" / "samples"

SITECUSTOMIZE = '''
"""Refuse and record every network call made through Python's socket module."""
import os
import socket

_LOG = os.environ["SAGASU_TEST_NETWORK_LOG"]
_NETWORK = {socket.AF_INET, socket.AF_INET6}


def _refuse(name, args):
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(f"{name} {args!r}\\n")
    raise OSError(f"network call refused by the test: {name}")


def _module_call(name):
    return lambda *args, **kwargs: _refuse(name, args)


def _method(name, original):
    def call(self, *args, **kwargs):
        if self.family in _NETWORK:
            _refuse(f"socket.{name}", args)
        return original(self, *args, **kwargs)
    return call


for _name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr",
              "getnameinfo", "create_connection"):
    setattr(socket, _name, _module_call(_name))
for _name in ("connect", "connect_ex", "sendto", "sendmsg"):
    setattr(socket.socket, _name, _method(_name, getattr(socket.socket, _name)))
'''


def _strace_works() -> bool:
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-f", "-o", os.devnull, "true"], capture_output=True)
    return probe.returncode == 0  # ptrace may be forbidden in a container


@pytest.fixture
def child_env(tmp_path: Path) -> dict[str, str]:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_OFFLINE")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(hook), str(REPO)]),
        HOME=str(tmp_path / "home"),
        XDG_CACHE_HOME=str(tmp_path / "home" / ".cache"),
        SAGASU_TEST_NETWORK_LOG=str(tmp_path / "python-network.log"),
        SAGASU_WARM="off",
    )
    env.pop("ORT_DISABLE_TELEMETRY", None)  # the engine must switch it off itself
    return env


def _run(args: list[str], env: dict[str, str], trace: Path | None) -> None:
    command = [sys.executable, "-m", "engine.cli", *args]
    if trace is not None:
        command = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace)]
        command += [sys.executable, "-m", "engine.cli", *args]
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr


def _native_attempts(trace: Path) -> list[str]:
    return [line for line in trace.read_text().splitlines() if "AF_INET" in line]


def test_index_and_search_attempt_no_network_call(
    tmp_path: Path, tiny_settings: Settings, child_env: dict[str, str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SAMPLES / "relay-module-SRD-05VDC-SL-C-datasheet.pdf", docs / "relay.pdf")
    shutil.copy(SAMPLES / "photos" / "relay-board.jpg", docs / "board.jpg")
    data = tmp_path / "data"
    save_settings(data, tiny_settings.replace(ocr_enabled=True))  # OCR runs on onnxruntime
    trace = tmp_path / "strace.log" if _strace_works() else None
    d = ["--data-dir", str(data)]
    _run(["index", *d, str(docs)], child_env, trace)
    native = _native_attempts(trace) if trace else []
    _run(["search", *d, "relay coil"], child_env, trace)
    native += _native_attempts(trace) if trace else []
    _run(["search", *d, "--image", str(docs / "board.jpg")], child_env, trace)
    native += _native_attempts(trace) if trace else []

    python_log = Path(child_env["SAGASU_TEST_NETWORK_LOG"])
    assert not python_log.exists(), python_log.read_text()
    assert native == []
    assert not (tmp_path / "home" / ".cache" / "Microsoft").exists()  # no telemetry queue
