"""Hostile inputs a user can name (issue #19): pipes, devices and sockets as query images;
queries and file names that are not UTF-8.

A FIFO blocks ``open()`` until a writer comes. Every test here runs the call under a time
limit and then releases any reader still blocked on the pipe, so a regression fails the
test instead of hanging the suite.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.cli.common import json_text
from engine.config import Settings, save_settings
from engine.crawl import content_hash
from engine.extract import ExtractError, load_query_image, pdf_page_count
from engine.extract.pdf import render_page
from engine.search import Query
from tests.fixtures import make_pdf, release_readers

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


# --- text that is not UTF-8: argv bytes and file names (issue #19, item 8) ---------------

NOT_UTF8_NAME = os.fsdecode(b"caf\xe9.pdf")  # a Latin-1 name: valid on Linux, not UTF-8


def test_a_query_holding_undecodable_bytes_reaches_signals_as_replacement_characters() -> None:
    query = Query(text=os.fsdecode(b"\xff\xfe relay"))
    assert query.text == "\ufffd\ufffd relay"
    query.text.encode("utf-8")  # what tokenisers need


def test_json_output_is_strict_utf8_and_keeps_the_exact_path() -> None:
    path = Path("/docs") / NOT_UTF8_NAME
    text = json_text([{"path": path, "kind": "page"}, {"path": "/docs/ok.pdf"}])
    first, second = json.loads(text.encode("utf-8").decode("utf-8"))
    assert first["path"] == "/docs/caf\ufffd.pdf"
    assert base64.b64decode(first["path_bytes"]) == b"/docs/caf\xe9.pdf"
    assert "path_bytes" not in second


@pytest.mark.slow  # three commands, each loading MiniLM
def test_cli_searches_a_non_utf8_query_and_writes_strict_json_for_a_non_utf8_name(
    tmp_path: Path, tiny_settings: Settings
) -> None:
    docs = tmp_path / "docs"
    made = make_pdf(docs / "made.pdf", ["Relay module SRD-05VDC-SL-C datasheet"])
    made.rename(docs / NOT_UTF8_NAME)  # MuPDF saves only to UTF-8 names
    data = tmp_path / "data"
    save_settings(data, tiny_settings)
    d = ["--data-dir", str(data)]

    def run(*args: str) -> bytes:
        done = subprocess.run([*CLI, *args], capture_output=True, cwd=REPO, timeout=300)
        assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
        return done.stdout

    run("index", *d, str(docs))
    query = os.fsdecode(b"\xff\xfe relay")  # as bash passes $'\xff\xfe relay'
    results = json.loads(run("search", *d, "--json", query).decode("utf-8"))  # strict UTF-8
    assert results[0]["path"].endswith("caf\ufffd.pdf")
    assert Path(os.fsdecode(base64.b64decode(results[0]["path_bytes"]))).is_file()
    status = json.loads(run("status", *d, "--json").decode("utf-8"))
    assert status["counts"]["files"] == 1


def test_hashing_a_file_swapped_for_a_pipe_fails_at_once(fifo: Path) -> None:
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            content_hash(fifo)
        except OSError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(LIMIT_S)
    release_readers(fifo)
    assert not worker.is_alive() and outcome and outcome[0].strerror == "not a regular file"
