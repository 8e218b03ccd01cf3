"""Where the PostgreSQL search structures get a connection for a read.

Writes never open a connection: they take the caller's open transaction. Reads take one from
a :class:`ConnectionSource` (the store's pool, or :class:`ThreadConnections`), so the GUI, the
server and a search's helper threads each read on their own connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

import psycopg


class ConnectionSource(Protocol):
    def connection(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        """A connection for the duration of the ``with`` block, not in a transaction."""
        ...


class ThreadConnections:
    """One autocommit connection per thread, opened on first use (reads are single
    statements, or transactions the reader opens itself)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._all: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self.url, autocommit=True)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        yield conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()


class PooledConnections:
    """Autocommit connections from a bounded pool (psycopg_pool): a server's request threads
    come and go, and a connection per thread would outlive them and exhaust the database's
    connection limit. A connection cut by a database restart is found by the pool's check
    when it is next taken, and replaced."""

    def __init__(self, url: str, max_size: int = 8) -> None:
        from psycopg_pool import ConnectionPool

        self.url = url
        self._pool: ConnectionPool[Any] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            kwargs={"autocommit": True},
            check=ConnectionPool.check_connection,
            open=True,
            timeout=30,
        )

    def connection(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        return self._pool.connection()

    def close(self) -> None:
        self._pool.close()
