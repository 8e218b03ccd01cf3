"""The team server's real API (engine.team.api.create_app) under uvicorn on 127.0.0.1, in a
thread of the test process: clients talk HTTP to it, and a test can stop and restart it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from engine.encode.clip import ClipEncoder
from engine.encode.encoders import Encoders
from engine.encode.text import TextEncoder
from engine.library import Library
from engine.team.api import create_app
from tests.team_fixtures import TwoRoots, build_two_roots, index_two_roots


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, library: Library, port: int = 0, **ssl: str) -> None:
        self.library = library
        self.team = library.team()
        self.port = port or free_port()
        self.ssl = ssl
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> None:
        app = create_app(self.library, self.team, search_slots=1)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            **self.ssl,  # type: ignore[arg-type]
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise AssertionError("uvicorn did not start")
            time.sleep(0.05)

    @property
    def running(self) -> bool:
        return self._server is not None

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
        self._server = self._thread = None

    def close(self) -> None:
        self.stop()
        self.team.close()


@dataclass
class Team:
    roots: TwoRoots
    server: LiveServer
    alice: str  # group alpha: root A only
    bob: str  # group bravo: root B only


@pytest.fixture(scope="module")
def team(
    tmp_path_factory: pytest.TempPathFactory,
    tiny_clip_dir: Path,
    tiny_clip: ClipEncoder,
    text_encoder: TextEncoder,
) -> Iterator[Team]:
    """Two roots indexed, alice (alpha → A) and bob (bravo → B), a server answering. One per
    test module (indexing is the slow part); a test that stops the server starts it again."""
    from tests.conftest import tiny_settings_for  # here: the conftest imports this module

    base = tmp_path_factory.mktemp("team-server")
    roots = build_two_roots(base, tiny_settings_for(tiny_clip_dir))
    index_two_roots(roots, tiny_clip, text_encoder)
    encoders = Encoders(roots.settings, clip=tiny_clip, text=text_encoder)
    library = Library(roots.data_dir, settings=roots.settings, encoders=encoders)
    server = LiveServer(library)
    directory = server.team.directory
    alice = directory.add_user("alice", frozenset({"alpha"}))
    bob = directory.add_user("bob", frozenset({"bravo"}))
    directory.grant(roots.root_a, frozenset({"alpha"}))
    directory.grant(roots.root_b, frozenset({"bravo"}))
    server.start()
    try:
        yield Team(roots, server, alice, bob)
    finally:
        server.close()
        library.close()
