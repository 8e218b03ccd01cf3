"""The warm CLI (engine/cli/warm.py, engine/cli/serve.py): a per-user background process
answers `sagasu search` as the command would in process, is private to its user, exits when
idle, reopens on changed settings or index, and a dead one never stops the CLI.

The libraries here have no models (text model path missing, no CLIP weights): what is tested
is the forwarding, not the models, and a background process then starts in about a second.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli import main, warm
from engine.config import FolderConfig, Settings, load_settings, save_settings
from engine.library import Library
from tests.fixtures import make_pdf


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private runtime dir with a short path (a socket path holds ~104 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="sgrt", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    monkeypatch.setenv(warm.WARM_ENV, "auto")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def no_model_settings(tmp_path: Path, missing: str = "no-text-model") -> Settings:
    return Settings(
        models_dir=str(tmp_path / "empty-models"),
        text_model_path=str(tmp_path / missing),
        ocr_enabled=False,
    )


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """An indexed data folder: two PDFs, no models."""
    data = tmp_path / "data"
    settings = no_model_settings(tmp_path)
    save_settings(data, settings)
    docs = tmp_path / "docs"
    make_pdf(docs / "relay.pdf", ["Relay module SRD-05VDC-SL-C datasheet"])
    make_pdf(docs / "adc.pdf", ["ADS1115 analog to digital converter"])
    with Library(data, settings=settings) as lib:
        lib.index([FolderConfig(str(docs))])
    return data


def search_output(capsys: pytest.CaptureFixture[str], data: Path, *terms: str) -> list[str]:
    capsys.readouterr()
    assert main(["search", "--data-dir", str(data), *terms]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].endswith(" ms")  # "N results in T ms": differs run to run
    return lines[:-1]


def forwarded(where: warm.Endpoint, data: Path, *terms: str) -> list[str]:
    """What the background process answered (never an in-process fallback)."""
    reply = warm.forward(where, ["search", "--data-dir", str(data), *terms])
    assert reply is not None and reply.code == 0, "the background process did not answer"
    lines = reply.stdout.splitlines()
    assert lines[-1].endswith(" ms")
    return lines[:-1]


class Daemon:
    def __init__(self, data: Path, idle: float = 60.0) -> None:
        where = warm.endpoint(data)
        assert where is not None
        self.where = where
        self.process = warm.start(where, idle)
        assert self.process is not None
        deadline = time.monotonic() + 120
        while not (where.socket.exists() and warm.alive(where)):
            assert self.process.poll() is None, "the background process exited"
            assert time.monotonic() < deadline, "the background process did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            warm.exchange(self.where, {"op": "stop"}, timeout=60)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    started: list[Daemon] = []
    yield started
    for daemon in started:
        daemon.stop()


# --- fast: paths, permissions, a stale socket --------------------------------------------------


def test_socket_is_per_user_and_data_folder_in_a_0700_folder(
    runtime: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = warm.endpoint(tmp_path / "a")
    assert mine is not None and mine.socket.parent == runtime / "sagasu"
    assert os.stat(mine.socket.parent).st_mode & 0o777 == 0o700
    other_folder = warm.endpoint(tmp_path / "b")
    assert other_folder is not None and other_folder.socket != mine.socket

    real = os.getuid()
    monkeypatch.setattr(warm.os, "getuid", lambda: real + 1)
    assert warm._key(tmp_path / "a") != mine.socket.stem  # another user: another socket
    # ... and another user's folders are never used: here both candidates belong to `real`.
    assert warm.endpoint(tmp_path / "a") is None


def test_a_shared_runtime_folder_is_made_private(runtime: Path) -> None:
    folder = runtime / "sagasu"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    assert warm.runtime_dir() == folder
    assert os.stat(folder).st_mode & 0o777 == 0o700


def test_a_dead_processes_socket_is_removed_and_the_search_runs_in_process(
    runtime: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = warm.endpoint(library)
    assert where is not None
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(where.socket))  # bound, never listening, closed: "connection refused"
    dead.close()
    assert where.socket.exists()

    lines = search_output(capsys, library, "ADS1115")
    assert any("adc.pdf" in line for line in lines)
    assert not where.socket.exists()  # cleaned; not a terminal, so nothing was started
    assert not warm.alive(where)


def test_warm_off_never_connects(
    runtime: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(warm.WARM_ENV, "off")
    assert warm.mode() == "off" and not warm.wanted_after_search()
    monkeypatch.setenv(warm.WARM_ENV, "on")
    assert warm.wanted_after_search()


def test_status_loads_no_model_and_imports_no_torch(tmp_path: Path) -> None:
    data = tmp_path / "data"
    save_settings(data, Settings(ocr_enabled=False))  # the bundled MiniLM is installed
    code = (
        "import sys, json, io, contextlib; from engine.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    main(['status', '--json', '--data-dir', {str(data)!r}])\n"
        "s = json.loads(out.getvalue())\n"
        "print(json.dumps([s['text_search'], s['text_search_checked'], "
        "[m for m in ('torch', 'open_clip', 'sentence_transformers') if m in sys.modules]]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout) == ["on", "files", []]


# --- slow: real background processes ---------------------------------------------------------


@pytest.mark.slow
def test_the_background_process_answers_as_the_command_would_in_process(
    runtime: Path,
    library: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    daemons: list[Daemon],
) -> None:
    monkeypatch.setenv(warm.WARM_ENV, "off")
    alone = search_output(capsys, library, "relay", "module")
    monkeypatch.setenv(warm.WARM_ENV, "auto")
    daemons.append(Daemon(library))
    assert forwarded(daemons[0].where, library, "relay", "module") == alone
    assert search_output(capsys, library, "relay", "module") == alone  # through main()
    # A usage problem is found by the client, exactly as without the process.
    assert main(["search", "--data-dir", str(library), "--top-k", "0", "x"]) == 2


@pytest.mark.slow
def test_an_idle_background_process_exits_and_removes_its_socket(
    runtime: Path, library: Path, daemons: list[Daemon]
) -> None:
    daemon = Daemon(library, idle=1.0)
    daemons.append(daemon)
    daemon.process.wait(60)
    assert not daemon.where.socket.exists() and not warm.alive(daemon.where)


@pytest.mark.slow
def test_a_killed_background_process_is_cleaned_up_and_the_cli_falls_back(
    runtime: Path, library: Path, capsys: pytest.CaptureFixture[str], daemons: list[Daemon]
) -> None:
    daemon = Daemon(library)
    daemons.append(daemon)
    daemon.process.kill()
    daemon.process.wait()
    assert daemon.where.socket.exists()  # SIGKILL: no clean-up
    lines = search_output(capsys, library, "ADS1115")
    assert any("adc.pdf" in line for line in lines)
    assert not daemon.where.socket.exists()


@pytest.mark.slow
def test_changed_settings_and_a_new_index_run_are_seen_by_the_background_process(
    runtime: Path, tmp_path: Path, library: Path, daemons: list[Daemon]
) -> None:
    daemon = Daemon(library)
    daemons.append(daemon)
    first = "\n".join(forwarded(daemon.where, library, "relay"))
    assert "no-text-model" in first  # the note says why semantic text search is off

    save_settings(library, no_model_settings(tmp_path, missing="another-missing-model"))
    second = "\n".join(forwarded(daemon.where, library, "relay"))
    assert "another-missing-model" in second and "no-text-model" not in second

    more = tmp_path / "more"
    make_pdf(more / "motor.pdf", ["TB6612FNG dual motor driver"])
    with Library(library, settings=load_settings(library)) as lib:  # another process's run
        lib.index([FolderConfig(str(more))])
    third = "\n".join(forwarded(daemon.where, library, "TB6612FNG"))
    assert "motor.pdf" in third
    assert daemon.process.poll() is None  # the same process answered all three


def test_a_catalog_damaged_under_the_background_process_is_one_line_then_repaired(
    runtime: Path,
    library: Path,
    capsys: pytest.CaptureFixture[str],
    daemons: list[Daemon],
) -> None:
    daemon = Daemon(library)
    daemons.append(daemon)
    assert forwarded(daemon.where, library, "relay")  # open and warm before the damage
    catalog = library / "catalog.sqlite3"
    os.truncate(catalog, catalog.stat().st_size // 2)
    assert warm.forward(daemon.where, ["search", "--data-dir", str(library), "relay"]) is None
    capsys.readouterr()
    assert main(["search", "--data-dir", str(library), "relay"]) == 1  # run in process
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sagasu repair" in err and "Traceback" not in err
    assert main(["repair", "--data-dir", str(library)]) == 0
    assert any("relay.pdf" in line for line in forwarded(daemon.where, library, "relay"))
    assert daemon.process.poll() is None  # the same process answered before and after
