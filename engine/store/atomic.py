"""Atomic file replacement: readers see the old file or the new one, never half of one.

Every file the engine writes goes through here: :func:`write_atomic` for bytes or text in
hand, :func:`atomic_path` for libraries that insist on writing a file themselves (numpy,
usearch, safetensors). Both write under a unique temporary name in the target's folder (not
``path.tmp``, nor one per process id): two writers — a search process and an indexing
process, or two threads — never rename each other's half-written file away, and a failed
write leaves no temporary file behind.

A killed writer (SIGKILL, power cut) cannot clean up, so its temporary file stays. Each
writer therefore holds an exclusive ``flock`` on its temporary file until the rename, and
:func:`sweep_stale_temporaries` (run when a library opens) deletes only the files of our
naming that nobody holds and that have not changed for ten minutes: a live writer's file, in
this process or another, is left alone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # Windows: no flock; an open file cannot be deleted there anyway
    fcntl = None

log = logging.getLogger(__name__)

# ``.<target name>.<8 random characters from mkstemp>.tmp``
_TEMPORARY_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
# A temporary file is taken as abandoned only when nobody holds its lock *and* it has not
# changed for this long: a writer that takes no lock (a catalog backup, an older version of
# Sagasu) keeps its file changing while it writes.
STALE_AFTER_S = 600.0
# Without flock, the age alone decides: no write goes an hour without writing.
UNLOCKABLE_STALE_AFTER_S = 3600.0


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) next to ``path`` under a unique name, flush it to disk,
    then rename it over ``path``."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp, tmp.open("wb") as out:
        out.write(raw)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A unique, empty temporary file next to ``path`` for the block to write. When the block
    succeeds the file is flushed to disk and renamed over ``path``; when it raises, the file is
    deleted and ``path`` is left as it was.

    The temporary name ends in ``.tmp``: a library that appends its own extension (numpy's
    ``savez`` adds ``.npz`` to a name without it) should be handed an open file instead."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _held_temporary(path)
    try:
        yield tmp
        _flush_to_disk(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock, after the rename or the deletion


def sweep_stale_temporaries(folder: Path, depth: int = 0) -> list[Path]:
    """Delete the temporary files of our naming in ``folder`` (and ``depth`` levels of
    subfolders) that no live writer holds: what a killed process left. Returns them."""
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:
        return []
    removed: list[Path] = []
    for entry in entries:
        with contextlib.suppress(OSError):
            if depth > 0 and entry.is_dir(follow_symlinks=False):
                removed += sweep_stale_temporaries(Path(entry.path), depth - 1)
            elif _is_ours(entry) and _remove_if_abandoned(Path(entry.path)):
                removed.append(Path(entry.path))
    if removed:
        log.info("removed %d temporary files left by an interrupted write", len(removed))
    return removed


def _is_ours(entry: os.DirEntry[str]) -> bool:
    return bool(_TEMPORARY_NAME.match(entry.name)) and entry.is_file(follow_symlinks=False)


def _held_temporary(path: Path) -> tuple[int | None, Path]:
    """A new temporary file next to ``path``, open and locked until its descriptor closes.
    Without flock (Windows) it is closed at once: an open file could not be renamed there."""
    while True:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        if fcntl is None:
            os.close(fd)
            return None, Path(name)
        # A sweep can take the file in the instant between its creation and the lock: then
        # it is gone (or another file), and a new name is drawn.
        _hold(fd)
        if _is_same_file(fd, Path(name)):
            return fd, Path(name)
        os.close(fd)


def _remove_if_abandoned(tmp: Path) -> bool:
    idle = time.time() - tmp.stat().st_mtime
    if fcntl is None:
        if idle < UNLOCKABLE_STALE_AFTER_S:
            return False
        tmp.unlink()
        return True
    if idle < STALE_AFTER_S:
        return False
    fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not _try_lock(fd) or not _is_same_file(fd, tmp):
            return False  # a live writer holds it, or it was replaced meanwhile
        tmp.unlink()
        return True
    finally:
        os.close(fd)


def _hold(fd: int) -> None:
    """The writer's lock; waits out a sweep that is looking at the file. On a file system
    without locks it is not taken, and a sweep, unable to lock the file either, leaves it."""
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)


def _try_lock(fd: int) -> bool:
    """The sweep's lock: False when a writer holds the file, or locks do not work here."""
    assert fcntl is not None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _is_same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


def _flush_to_disk(path: Path) -> None:
    """fsync ``path``'s contents, so that the rename never publishes a file whose data is
    still only in the page cache (a power cut would leave it empty)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
