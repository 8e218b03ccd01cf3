"""Temporary files a killed write leaves are removed when a library opens (issue #19, item 9),
and a live writer's, in another process, never is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.config import Settings
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.store.atomic import (
    STALE_AFTER_S,
    atomic_path,
    sweep_stale_temporaries,
    write_atomic,
)

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(os.name == "nt", reason="SIGKILL and flock are POSIX")

# A writer that stops half-way through a vector file, as an index run does when killed.
WRITER = """
import sys, time
from pathlib import Path
from engine.store.atomic import atomic_path

target, ready = Path(sys.argv[1]), Path(sys.argv[2])
with atomic_path(target) as tmp, tmp.open("wb") as out:
    out.write(b"half a matrix")
    out.flush()
    ready.write_text(str(tmp))
    time.sleep(120)
"""


def start_writer(target: Path, ready: Path) -> tuple[subprocess.Popen[bytes], Path]:
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(ready)], cwd=REPO)
    deadline = time.monotonic() + 60
    while not ready.exists() or not ready.read_text():
        assert child.poll() is None and time.monotonic() < deadline, "writer did not start"
        time.sleep(0.05)
    return child, Path(ready.read_text())


def age(path: Path) -> None:
    """Make ``path`` look untouched for longer than a live write ever pauses."""
    past = time.time() - STALE_AFTER_S - 60
    os.utime(path, (past, past))


def open_library(data: Path, tmp_path: Path) -> None:
    settings = Settings(models_dir=str(tmp_path / "models"), ocr_enabled=False)
    Library(data, settings, Encoders(settings)).close()


def test_a_killed_writers_temporary_file_goes_when_the_library_opens(tmp_path: Path) -> None:
    data = tmp_path / "data"
    target = data / "vectors" / "text_all-MiniLM-L6-v2.vectors.npz"
    child, tmp = start_writer(target, tmp_path / "ready")
    try:
        assert tmp.parent == target.parent and tmp.name.endswith(".tmp")
        age(tmp)
        open_library(data, tmp_path)  # the writer is alive, holding its lock: the file stays
        assert tmp.exists()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert tmp.exists()  # what a SIGKILL leaves
    open_library(data, tmp_path)
    assert not tmp.exists()
    assert not target.exists()  # nothing was published


def test_a_killed_model_download_is_swept_from_the_models_folder(tmp_path: Path) -> None:
    target = tmp_path / "models" / "ViT-B-32__laion2b" / "open_clip_model.safetensors"
    child, tmp = start_writer(target, tmp_path / "ready")
    child.send_signal(signal.SIGKILL)
    child.wait()
    age(tmp)
    open_library(tmp_path / "data", tmp_path)
    assert not tmp.exists()


def test_the_sweep_leaves_other_files_and_this_processs_own_writes_alone(tmp_path: Path) -> None:
    kept = [tmp_path / "notes.tmp", tmp_path / ".settings.json.tmp", tmp_path / "a.npz"]
    for path in kept:
        path.write_bytes(b"not ours")
        age(path)
    write_atomic(tmp_path / "settings.json", "{}")
    with atomic_path(tmp_path / "x.vectors.npz") as live:  # a write under way in this process
        live.write_bytes(b"in progress")
        age(live)
        assert sweep_stale_temporaries(tmp_path) == []
        assert live.exists()
    assert all(p.exists() for p in kept)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*(p.name for p in kept), "settings.json", "x.vectors.npz"]
    )


def test_a_recent_temporary_file_without_a_lock_is_left_to_its_writer(tmp_path: Path) -> None:
    # A catalog backup writes through SQLite under a name of this form and takes no lock.
    busy = tmp_path / ".catalog.ab12cd34.tmp"
    busy.write_bytes(b"a backup under way")
    assert sweep_stale_temporaries(tmp_path) == []
    age(busy)
    assert sweep_stale_temporaries(tmp_path) == [busy]
