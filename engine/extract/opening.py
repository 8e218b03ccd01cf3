"""Open a file for reading only when it is a regular file, without ever blocking.

A named pipe (FIFO) blocks ``open()`` until something writes to it, forever if nothing does;
a device can stream without end. The crawler skips them, but a query image is whatever path
the user names or drops, and a file can be swapped for a pipe between the crawl and the read.
So the type is checked with ``os.stat`` before opening (no side effect of opening a device),
and again on the open descriptor (``O_NONBLOCK``, so opening a pipe returns at once): a swap
between the two checks is caught too.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from engine.extract import ExtractError

T = TypeVar("T")

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)  # Windows: no newline translation
    | getattr(os, "O_CLOEXEC", 0)
)


def open_regular(path: Path | str) -> BinaryIO:
    """``path`` opened for binary reading. Raises :class:`ExtractError` with a reason for a
    missing, unreadable or non-regular file (folder, pipe, device, socket)."""
    refuse_unless_regular(_guarded(path, os.stat).st_mode)
    fd = _guarded(path, lambda p: os.open(p, _OPEN_FLAGS))
    try:
        refuse_unless_regular(os.fstat(fd).st_mode)
        _set_blocking(fd)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def refuse_unless_regular(mode: int) -> None:
    """Raise :class:`ExtractError` naming what the file is when it is not a regular file."""
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise ExtractError("is a folder, not a file")
    if stat.S_ISFIFO(mode):
        raise ExtractError("is a named pipe (FIFO), not a file")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise ExtractError("is a device, not a file")
    if stat.S_ISSOCK(mode):
        raise ExtractError("is a socket, not a file")
    raise ExtractError("is not a regular file")


def _guarded(path: Path | str, call: Callable[[Path | str], T]) -> T:
    try:
        return call(path)
    except FileNotFoundError:
        raise ExtractError("file no longer exists") from None
    except (PermissionError, IsADirectoryError) as exc:
        if os.path.isdir(path):  # Windows refuses to open a folder as a file
            raise ExtractError("is a folder, not a file") from None
        raise ExtractError("file is not readable (permission denied)") from exc
    except OSError as exc:
        raise ExtractError(f"file could not be read ({exc.strerror or exc})") from None


def _set_blocking(fd: int) -> None:
    """Clear O_NONBLOCK again: it is meaningless for a regular file on Linux, but not every
    system agrees, and readers expect ordinary reads."""
    with contextlib.suppress(AttributeError, OSError):  # os.set_blocking: not on old Windows
        os.set_blocking(fd, True)
