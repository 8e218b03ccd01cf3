"""Hostile inputs a user can name (issue #19): pipes, devices and sockets as query images.

A FIFO blocks ``open()`` until a writer comes. Every test here runs the call under a time
limit and then releases any reader still blocked on the pipe, so a regression fails the
test instead of hanging the suite.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.extract import ExtractError, load_query_image, pdf_page_count
from engine.extract.pdf import render_page
from tests.fixtures import release_readers

REPO = Path(__file__).resolve().parents[1]
LIMIT_S = 10.0
CLI = [sys.executable, "-m", "engine.cli"]

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe.jpg"
    os.mkfifo(path)
    yield path
    release_readers(path)


def refusal_within_limit(call: Callable[[], object], fifo: Path) -> str:
    """The ExtractError reason ``call`` raises, failing if it blocks past LIMIT_S."""
    outcome: list[BaseException | object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(LIMIT_S)
    blocked = worker.is_alive()
    release_readers(fifo)
    assert not blocked, "blocked on the named pipe"
    assert isinstance(outcome[0], ExtractError), outcome
    return outcome[0].reason


def test_a_named_pipe_as_query_image_is_refused_at_once(fifo: Path) -> None:
    reason = refusal_within_limit(lambda: load_query_image(fifo, 10**6), fifo)
    assert reason == "is a named pipe (FIFO), not a file"


def test_a_named_pipe_named_pdf_is_refused_by_the_pdf_reader(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.pdf"
    os.mkfifo(pipe)
    assert "named pipe" in refusal_within_limit(lambda: pdf_page_count(pipe), pipe)
    assert "named pipe" in refusal_within_limit(lambda: render_page(pipe, 1), pipe)


def test_devices_sockets_and_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ExtractError, match="is a device"):
        load_query_image(Path("/dev/zero"), 10**6)  # would stream zeros without end
    sock_path = tmp_path / "s.png"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(sock_path))
        with pytest.raises(ExtractError, match="is a socket"):
            load_query_image(sock_path, 10**6)
    with pytest.raises(ExtractError, match="is a folder"):
        load_query_image(tmp_path, 10**6)


def test_cli_search_with_a_pipe_as_image_says_so_in_one_line(tmp_path: Path, fifo: Path) -> None:
    try:
        done = subprocess.run(
            [*CLI, "search", "--data-dir", str(tmp_path / "d"), "--image", str(fifo)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
        )
    finally:
        release_readers(fifo)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"sagasu: cannot use {fifo} as a query image: is a named pipe (FIFO), not a file"
    ]
