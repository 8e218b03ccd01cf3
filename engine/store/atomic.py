"""Atomic file replacement: readers see the old file or the new one, never half of one.

Every file the engine writes goes through here: :func:`write_atomic` for bytes or text in
hand, :func:`atomic_path` for libraries that insist on writing a file themselves (numpy,
usearch, safetensors). Both write under a unique temporary name in the target's folder (not
``path.tmp``, nor one per process id): two writers — a search process and an indexing
process, or two threads — never rename each other's half-written file away, and a failed
write leaves no temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _flush_to_disk(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _flush_to_disk(path: Path) -> None:
    """fsync ``path``'s contents, so that the rename never publishes a file whose data is
    still only in the page cache (a power cut would leave it empty)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
