"""A real PostgreSQL with pgvector for tests, from PyPI's ``pgserver`` (no mocks, no network).

One server per test session, listening on a Unix socket in its own data folder only (no TCP
port at all); each test gets a fresh database with the ``vector`` extension, dropped after it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_numbers = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    import pgserver

    # Not under pytest's basetemp: run as root, pgserver starts PostgreSQL as its own user,
    # which must traverse the folders above its data, and pytest sets its base folder back
    # to 0700 whenever another pytest session starts. A short path, too: a Unix socket path
    # must stay under ~100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="sagasu-pg-"))
    server = pgserver.get_server(folder, cleanup_mode="delete")
    yield server
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def _database(server: Any) -> Iterator[str]:
    name = f"sagasu_test_{os.getpid()}_{next(_numbers)}"
    server.psql(f"CREATE DATABASE {name};")
    url = server.get_uri(name)
    server.psql(f"\\c {name}\nCREATE EXTENSION IF NOT EXISTS vector;")
    yield url
    server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")


@pytest.fixture
def pg_url(pg_server: Any) -> Iterator[str]:
    """The URL of a new, empty database with pgvector, dropped after the test."""
    yield from _database(pg_server)


@pytest.fixture(scope="module")
def pg_module_url(pg_server: Any) -> Iterator[str]:
    """The same, shared by the tests of one module (a library indexed once for them all)."""
    yield from _database(pg_server)


def pg_data_dir(server: Any) -> Path:
    return Path(server.pgdata)
