"""Task functions for tests/test_pool.py: top-level, so worker processes can import them.

A task is ``(what, n)``; each function yields payloads the way a reader yields pages.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Generator

from engine.config import Settings
from engine.extract import ExtractError

_kept: list[bytearray] = []  # memory a "grow" task holds on to, as a leaking parser would


def behave(task: tuple[str, int], settings: Settings) -> Generator[object, None, object]:
    what, n = task
    if what == "pages":  # n payloads, then a result
        yield from range(n)
        return f"done {n}"
    if what == "pid":  # this worker's process id, then a result
        yield os.getpid()
        return os.getpid()
    if what == "hang":  # one payload, then nothing ever again (a parser in a loop)
        yield os.getpid()
        time.sleep(3600)
    if what == "trickle":  # a payload every n ms, for ever (a 5,000-page file)
        while True:
            yield time.monotonic()
            time.sleep(n / 1000)
    if what == "stamped":  # n payloads stamped with the moment each was made
        for _ in range(n):
            yield time.monotonic()
        return "stamped"
    if what == "grow":  # holds n MB, as a leaking parser would
        _kept.append(bytearray(os.urandom(1024)) * (n * 1024))
        yield os.getpid()
        return os.getpid()
    if what == "crash":  # a segfault stand-in: the process dies mid-file
        yield os.getpid()
        os.kill(os.getpid(), signal.SIGKILL)
    if what == "unreadable":
        raise ExtractError("is not a PDF")
    if what == "bug":
        yield 0
        raise ValueError("a bug in a reader")
    raise AssertionError(f"unknown task {what}")
