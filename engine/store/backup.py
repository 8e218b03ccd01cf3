"""Backups of the catalog: two checked generations under ``data_dir/backups``.

After each completed index run that changed what is indexed (and after a folder is
forgotten), SQLite's online backup API copies the catalog (a consistent snapshot, while
searches go on) to a temporary file in the backups folder. The copy is checked with
``PRAGMA quick_check`` and only then renamed into place, the previous newest becoming the
older generation. A crash at any moment leaves at least one whole generation, and a damaged
catalog never pushes a good backup out (its copy fails the check).

Bounded: two generations, each the catalog's size; a backup that would leave less than
``MIN_FREE_BYTES`` free on the data folder's disk is skipped (the run's summary says so).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from engine.store.atomic import atomic_path
from engine.store.health import integrity_problem
from engine.summary import BackupOutcome

BACKUPS_DIR = "backups"
# Newest first: catalog-1 is the last good backup, catalog-2 the one before it.
GENERATIONS = ("catalog-1.sqlite3", "catalog-2.sqlite3")
MIN_FREE_BYTES = 1 << 30  # what a backup must leave free on the disk: 1 GiB


@dataclass(frozen=True)
class BackupResult:
    outcome: BackupOutcome
    path: Path | None = None
    size: int = 0  # bytes written
    seconds: float = 0.0
    problem: str = ""  # why it was skipped or failed


def backup_folder(data_dir: Path) -> Path:
    return data_dir / BACKUPS_DIR


def backups(data_dir: Path) -> list[Path]:
    """The backup generations that exist, newest first."""
    found = [backup_folder(data_dir) / name for name in GENERATIONS]
    return [p for p in found if p.is_file()]


def back_up(catalog_path: Path, data_dir: Path, min_free: int = MIN_FREE_BYTES) -> BackupResult:
    """Copy the catalog into the newest generation, rotating the previous one down. Never
    raises for a storage problem: a backup that cannot be made is FAILED with its reason
    (the run it follows has committed everything already)."""
    try:
        return _back_up(catalog_path, data_dir, min_free)
    except (OSError, sqlite3.Error) as exc:
        return BackupResult(BackupOutcome.FAILED, problem=str(exc))


def _back_up(catalog_path: Path, data_dir: Path, min_free: int) -> BackupResult:
    started = time.monotonic()
    folder = backup_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".catalog.*.tmp"):  # a backup killed midway (one indexer runs)
        stale.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{catalog_path}?mode=ro", uri=True)
    try:
        pages, page_size = (source.execute(f"PRAGMA {p}").fetchone()[0] for p in _SIZE)
        need = int(pages) * int(page_size)
        free = shutil.disk_usage(folder).free
        if free - need < min_free:
            problem = (
                f"it would leave less than {min_free // 2**30} GiB free on the disk "
                f"({free // 2**20} MiB free)"
            )
            return BackupResult(BackupOutcome.SKIPPED_LOW_DISK, problem=problem)
        fd, name = tempfile.mkstemp(prefix=".catalog.", suffix=".tmp", dir=folder)
        os.close(fd)
        tmp = Path(name)
        try:
            damage = _copy_checked(source, tmp)
            if damage:
                return BackupResult(BackupOutcome.FAILED, problem=damage)
            _rotate(folder, tmp)
        finally:
            tmp.unlink(missing_ok=True)
    finally:
        source.close()
    newest = folder / GENERATIONS[0]
    return BackupResult(
        BackupOutcome.WRITTEN, newest, newest.stat().st_size, time.monotonic() - started
    )


_SIZE = ("page_count", "page_size")


def _copy_checked(source: sqlite3.Connection, tmp: Path) -> str | None:
    """Copy ``source`` into ``tmp`` as one self-contained file (no WAL), flushed to disk;
    returns quick_check's complaint about the copy, or None when it is whole."""
    target = sqlite3.connect(tmp, isolation_level=None)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one file: nothing to lose beside it
        problem = integrity_problem(target)
    except sqlite3.DatabaseError as exc:  # the source's damage, met while copying it
        problem = str(exc)
    finally:
        target.close()
    if problem is None:
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
    return problem


def _rotate(folder: Path, tmp: Path) -> None:
    """The newest generation becomes the older one, then ``tmp`` the newest: each step a
    rename, so a crash between them leaves the older generation whole."""
    newest, older = (folder / name for name in GENERATIONS)
    if newest.exists():
        os.replace(newest, older)
    os.replace(tmp, newest)


def good_backup(data_dir: Path) -> Path | None:
    """The newest backup that passes quick_check, or None."""
    for path in backups(data_dir):
        if _whole(path):
            return path
    return None


def _whole(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        return integrity_problem(conn) is None
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def restore(backup: Path, catalog_path: Path) -> None:
    """Copy ``backup`` over the catalog (the backup stays as it is, for another try)."""
    for suffix in ("-wal", "-shm"):  # a stale WAL must not be replayed onto the backup
        with contextlib.suppress(FileNotFoundError):
            catalog_path.with_name(catalog_path.name + suffix).unlink()
    with atomic_path(catalog_path) as tmp:
        shutil.copyfile(backup, tmp)
