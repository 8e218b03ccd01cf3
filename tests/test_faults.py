"""Fault injection on the data folder (issue #19): a full disk and a read-only folder.

The faults are real: the data folder is a tmpfs of a chosen size, mounted read-only when the
test says so. Each command runs in a private mount namespace (``unshare -m`` as root, else
``unshare -rm``, a user namespace), so no mount ever outlives the command or shows outside
it; the folder's content lives in ``stash`` between commands (copied in before each one and
back out after it). Where neither namespace is permitted the tests skip, saying why.

Mirrors, not copies: the index a recovered run leaves is compared with an uninterrupted run's
on the same samples (files, items per file, lexical hits, vectors per space).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.store.catalog import CATALOG_FILE

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "resources" / "samples"
SETUP_FAILED = 97  # the mount or the copy failed: the test's machinery, not the product
READ_ONLY_LINE = "sagasu: the index folder "
# Mount a tmpfs on $D, copy the stash $S in, optionally make it read-only, run the command,
# then copy the folder back into the stash (unless read-only: nothing can have changed).
_SCRIPT = r"""
mount -t tmpfs -o "size=$SIZE" tmpfs "$D" || exit 97
cp -a "$S/." "$D/" || exit 97
if [ "$RO" = 1 ]; then mount -o remount,ro "$D" || exit 97; fi
"$@"
rc=$?
if [ "$RO" != 1 ]; then
    find "$S" -mindepth 1 -delete && cp -a "$D/." "$S/" || exit 97
fi
exit $rc
"""


def _namespace_prefix(probe_dir: Path) -> list[str] | None:
    """The command prefix that gives a private mount namespace in which tmpfs can be mounted,
    or None when this machine permits neither kind."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    for flags in ("-m", "-rm"):
        prefix = [unshare, flags, "--propagation", "private"]
        mount = ["sh", "-c", 'mount -t tmpfs -o size=1m tmpfs "$0"', str(probe_dir)]
        if subprocess.run([*prefix, *mount], capture_output=True).returncode == 0:
            return prefix
    return None


@pytest.fixture(scope="module")
def namespace(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    prefix = _namespace_prefix(tmp_path_factory.mktemp("probe"))
    if prefix is None:
        pytest.skip("cannot mount a tmpfs here, not even in a user namespace (unshare -rm)")
    return prefix


@dataclass
class SmallDisk:
    """A data folder on a tmpfs of ``size``, for one command at a time."""

    prefix: list[str]
    mount_point: Path
    stash: Path
    env: dict[str, str]

    def sagasu(self, *args: str, size: str = "300m", read_only: bool = False) -> Cmd:
        env = {
            **self.env,
            "D": str(self.mount_point),
            "S": str(self.stash),
            "SIZE": size,
            "RO": "1" if read_only else "0",
        }
        command = [sys.executable, "-m", "engine.cli", *args, "--data-dir", str(self.mount_point)]
        done = subprocess.run(
            [*self.prefix, "sh", "-c", _SCRIPT, "sh", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode != SETUP_FAILED, done.stderr
        return Cmd(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class Cmd:
    code: int
    out: str
    err: str

    def one_line(self) -> str:
        """The single problem line a failed command printed (model warnings and the index
        run's "tier done" progress lines aside)."""
        assert "Traceback" not in self.err, self.err
        lines = [
            ln
            for ln in self.err.splitlines()
            if not ln.startswith("WARNING ") and " tier done in " not in ln
        ]
        assert len(lines) == 1, self.err
        return lines[0]


def cli_env(tmp_path: Path) -> dict[str, str]:
    """The CLI's environment: no CLIP weights (image search off, as on a fresh install), no
    warm background process, offline, this checkout's engine."""
    env = dict(os.environ)
    env.update(
        SAGASU_MODELS_DIR=str(tmp_path / "no-models"),
        SAGASU_WARM="off",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
    )
    return env


def write_settings(data: Path, text_model: bool) -> None:
    """OCR off (seconds per photo, and not what these faults are about); the sentence model
    only where the test is slow anyway."""
    settings: dict[str, object] = {"ocr_enabled": False}
    if not text_model:
        settings["text_model_path"] = str(data.parent / "no-text-model")
    data.mkdir(parents=True, exist_ok=True)
    (data / "settings.json").write_text(json.dumps(settings), encoding="utf-8")


@pytest.fixture
def disk(namespace: list[str], tmp_path: Path) -> SmallDisk:
    mount_point, stash = tmp_path / "mnt", tmp_path / "stash"
    mount_point.mkdir()
    stash.mkdir()
    return SmallDisk(namespace, mount_point, stash, cli_env(tmp_path))


def index_contents(data: Path) -> dict[str, object]:
    """What a user's searches depend on, read straight from the catalog in ``data``."""
    conn = sqlite3.connect(f"file:{data / CATALOG_FILE}?mode=ro", uri=True)
    try:
        files = conn.execute("SELECT display_path FROM files ORDER BY 1").fetchall()
        items = conn.execute(
            "SELECT f.display_path, i.kind, COUNT(*) FROM items i JOIN files f "
            "ON f.id = i.file_id GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
        hits = conn.execute(
            "SELECT f.display_path, i.kind, i.page FROM lexical l JOIN items i ON i.id = l.rowid "
            "JOIN files f ON f.id = i.file_id WHERE lexical MATCH 'relay' ORDER BY 1, 2, 3"
        ).fetchall()
        vectors = conn.execute(
            "SELECT space, COUNT(*) FROM embeddings GROUP BY space ORDER BY 1"
        ).fetchall()
    finally:
        conn.close()
    return {"files": files, "items": items, "relay": hits, "vectors": vectors}


def full_disk_then_room(disk: SmallDisk, tmp_path: Path, text_model: bool) -> None:
    """Index the samples on a 1 MB disk (it fills), look at the status, make room, index
    again: the index must equal an uninterrupted run's, with nothing lost or doubled."""
    write_settings(disk.stash, text_model)
    failed = disk.sagasu("index", str(SAMPLES), size="1m")
    assert failed.code == 1
    assert failed.one_line().startswith("sagasu: the disk holding the index is full")
    assert failed.one_line().endswith("; free some space and run again")
    status = disk.sagasu("status", size="1m")
    assert status.code == 0 and "Traceback" not in status.err
    last_run = [ln.strip() for ln in status.out.splitlines() if "last run:" in ln]
    assert len(last_run) == 1 and last_run[0].endswith((", interrupted", ", failed")), status.out

    again = disk.sagasu("index", size="300m")  # the folder is remembered from the first run
    assert again.code == 0, again.err
    assert "Traceback" not in again.err
    # 300 MB is less than the 1 GiB a backup must leave free: said plainly, not in MiB sums.
    assert "Catalog backup skipped: it would leave less than 1 GiB free on the disk (" in again.out

    reference = tmp_path / "reference"
    write_settings(reference, text_model)
    subprocess.run(
        [sys.executable, "-m", "engine.cli", "index", str(SAMPLES), "--data-dir", str(reference)],
        env=disk.env,
        capture_output=True,
        check=True,
        timeout=600,
    )
    recovered, whole = index_contents(disk.stash), index_contents(reference)
    assert recovered == whole
    assert len(whole["files"]) == 7 and whole["relay"]  # type: ignore[arg-type]
    assert bool(whole["vectors"]) == text_model


def test_a_full_disk_ends_the_run_in_one_line_and_a_rerun_loses_nothing(
    disk: SmallDisk, tmp_path: Path
) -> None:
    full_disk_then_room(disk, tmp_path, text_model=False)


@pytest.mark.slow
def test_a_full_disk_with_the_sentence_model_loses_no_vector(
    disk: SmallDisk, tmp_path: Path
) -> None:
    full_disk_then_room(disk, tmp_path, text_model=True)


# --- a read-only data folder ------------------------------------------------------------


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A finished library of the samples (no models: lexical search), in two states a share
    can hold: closed cleanly (no WAL beside the catalog: opened ``immutable=1``) and copied
    while open (a WAL and its index beside it: opened ``mode=ro``)."""
    from engine.config import FolderConfig, Settings
    from engine.encode.encoders import Encoders
    from engine.library import Library

    base = tmp_path_factory.mktemp("finished")
    settings = Settings(
        models_dir=str(base / "no-models"),
        text_model_path=str(base / "no-text-model"),
        ocr_enabled=False,
    )
    clean, with_wal = base / "clean", base / "with-wal"
    with Library(clean, settings, Encoders(settings)) as lib:
        lib.add_folders([FolderConfig(str(SAMPLES))])
        lib.index()
        shutil.copytree(clean, with_wal)  # nothing writes now: a consistent snapshot
    assert (with_wal / f"{CATALOG_FILE}-wal").exists()
    assert not (clean / f"{CATALOG_FILE}-wal").exists()
    return {"clean": clean, "with-wal": with_wal}


@pytest.fixture(params=["clean", "with-wal"])
def read_only(
    disk: SmallDisk, finished: dict[str, Path], request: pytest.FixtureRequest
) -> SmallDisk:
    shutil.copytree(finished[request.param], disk.stash, dirs_exist_ok=True)
    return disk


def test_search_and_status_work_in_a_read_only_folder(read_only: SmallDisk) -> None:
    status = read_only.sagasu("status", read_only=True)
    assert status.code == 0, status.err
    assert "Traceback" not in status.err
    assert "files 7," in status.out
    assert "This index folder is read-only: searching works" in status.out
    found = read_only.sagasu("search", "relay", "--json", read_only=True)
    assert found.code == 0, found.err
    paths = {Path(r["path"]).name for r in json.loads(found.out)}
    assert "relay-module-SRD-05VDC-SL-C-datasheet.pdf" in paths


@pytest.mark.parametrize(
    "command",
    [["index"], ["repair"], ["folders", "remove", str(SAMPLES)]],
    ids=["index", "repair", "folders-remove"],
)
def test_what_must_write_says_the_folder_is_read_only(
    read_only: SmallDisk, command: list[str]
) -> None:
    done = read_only.sagasu(*command, read_only=True)
    assert done.code == 1
    line = done.one_line()
    assert line.startswith(READ_ONLY_LINE) and " is read-only: searching works" in line
    assert "ask for write access, or copy the folder and use --data-dir" in line
