"""A real PostgreSQL with pgvector for tests, from PyPI's ``pgserver`` (no mocks, no network).

One server per test session, listening on a Unix socket in its own data folder only (no TCP
port at all); each test gets a fresh database with the ``vector`` extension, dropped after it.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_numbers = itertools.count()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import pgserver

    # Short path: a Unix socket path must stay under ~100 bytes.
    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="delete")
    yield server
    server.cleanup()


@pytest.fixture
def pg_url(pg_server: Any) -> Iterator[str]:
    """The URL of a new, empty database with pgvector, dropped after the test."""
    name = f"sagasu_test_{os.getpid()}_{next(_numbers)}"
    pg_server.psql(f"CREATE DATABASE {name};")
    url = pg_server.get_uri(name)
    pg_server.psql(f"\\c {name}\nCREATE EXTENSION IF NOT EXISTS vector;")
    yield url
    pg_server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")


def pg_data_dir(server: Any) -> Path:
    return Path(server.pgdata)
