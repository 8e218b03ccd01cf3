"""The catalog's database for a team library: PostgreSQL (with pgvector).

The catalog's statements are written once with ``?`` placeholders (engine.store.sql);
:class:`PgConnection` hands them to psycopg as ``%s``. Statements already in psycopg's style
(the lexical postings, the pgvector tables, ``sql.Composable`` objects) pass unchanged.

Writes take one connection under a lock, a transaction per call, as on SQLite: an indexed
file commits whole or not at all. Reads take an autocommit connection from a bounded pool
(the server's request threads, a search's helper threads). A connection cut by a server
restart is replaced on the next call; the call that met the cut fails with a
:class:`CatalogUnavailable` that says what to do (an index run then resumes on re-run).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import psycopg

from engine.errors import IndexBusy, SagasuError
from engine.store.postgres.lexical import PostgresLexicalIndex
from engine.store.postgres.schema import migrate
from engine.store.postgres.source import PooledConnections
from engine.store.postgres.vectors import PgVectorSearch
from engine.store.sql import SharedState, query_in_slices

_WRITER_LOCK = 0x5A6A5302  # pg_advisory_lock key: "one index run at a time"


class CatalogUnavailable(SagasuError):
    """The team database cannot be reached (down, restarting, refused the login)."""


def translated(statement: Any) -> Any:
    """A ``?``-placeholder statement in psycopg's ``%s`` style; others as they are."""
    if isinstance(statement, str) and "?" in statement:
        return statement.replace("%", "%%").replace("?", "%s")
    return statement


class PgConnection:
    """A psycopg connection inside a transaction, reading the catalog's ``?`` statements."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: Any, parameters: Sequence[Any] = (), /) -> psycopg.Cursor[Any]:
        return self.raw.execute(translated(sql), tuple(parameters) or None)

    def executemany(self, sql: Any, parameters: Iterable[Sequence[Any]], /) -> object:
        with self.raw.cursor() as cur:
            cur.executemany(translated(sql), [tuple(p) for p in parameters])
        return None

    def cursor(self) -> psycopg.Cursor[Any]:
        return self.raw.cursor()

    @property
    def adapters(self) -> Any:
        return self.raw.adapters


class PostgresDatabase:
    """The catalog on PostgreSQL at ``url`` (migrated on open)."""

    kind = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = without_password(url)
        self._lock = threading.RLock()
        self._writer = self._connect()
        try:
            migrate(self._writer)
        except BaseException:
            self._writer.close()
            raise
        self.reads = PooledConnections(url)
        self.lexical_index = PostgresLexicalIndex(self.reads)
        self.vector_index = PgVectorSearch(self.reads)
        self.shared_state: SharedState | None = PostgresSharedState(self)

    def _connect(self, autocommit: bool = False) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self.url, connect_timeout=10, autocommit=autocommit)
        except psycopg.OperationalError as exc:
            raise unavailable(exc) from exc

    def integrity_problem(self) -> str | None:
        """PostgreSQL checks its own pages; a database that answers is whole to us."""
        self.query("SELECT 1")
        return None

    @contextmanager
    def writer_lock(self) -> Iterator[object]:
        """A session advisory lock on a connection of its own, for an index run's length:
        a second indexer (another machine) is refused at once, and the lock goes with the
        connection if the holder dies. Autocommit: a session lock needs no transaction, and
        a transaction left open for the run would stall the HNSW build at its end (CREATE
        INDEX CONCURRENTLY waits for every older transaction to finish)."""
        conn = self._connect(autocommit=True)
        try:
            got = conn.execute("SELECT pg_try_advisory_lock(%s)", (_WRITER_LOCK,)).fetchone()
            if not got or not got[0]:
                raise IndexBusy(
                    "Another Sagasu process is indexing this team catalog; wait for it to finish."
                )
            yield conn
        finally:
            conn.close()

    # pgvector mirrors the raw vectors in the same transaction, so every serve process
    # searches one HNSW index (engine.store.postgres.vectors) that is always in step with
    # ``embeddings``, which the calibration and the encoders read as on SQLite.
    def vectors_added(
        self, c: Any, space: str, item_ids: Sequence[int], vectors: np.ndarray
    ) -> None:
        self.vector_index.add(c.raw, space, item_ids, vectors)

    def vectors_removed(self, c: Any, item_ids: Sequence[int]) -> None:
        if item_ids:
            self.vector_index.delete(c.raw, item_ids)

    def space_dropped(self, c: Any, space: str) -> None:
        self.vector_index.drop(c.raw, space)

    def build_vector_graphs(self, spaces: Iterable[str]) -> None:
        for space in spaces:
            self.vector_index.ensure_index(space)

    def close(self) -> None:
        with self._lock:
            self._writer.close()
            self.reads.close()

    @contextmanager
    def transaction(self) -> Iterator[PgConnection]:
        with self._lock:
            if self._writer.closed or self._writer.broken:
                self._writer = self._connect()
            try:
                with self._writer.transaction():
                    yield PgConnection(self._writer)
            except psycopg.OperationalError as exc:
                raise unavailable(exc) from exc

    def query(self, sql: str, args: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        try:
            with self.reads.connection() as conn:
                return conn.execute(translated(sql), tuple(args) or None).fetchall()
        except psycopg.OperationalError as exc:
            raise unavailable(exc) from exc

    def query_ids(self, sql: str, ids: Iterable[int] | Iterable[str]) -> list[tuple[Any, ...]]:
        return query_in_slices(self.query, sql, ids)


def without_password(url: str) -> str:
    """``url`` with any password replaced by ``***`` (``postgresql://user:pw@host/db``)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://…"
    if parts.get("password"):
        parts["password"] = "***"
    return make_conninfo("", **{k: str(v) for k, v in parts.items() if v is not None})


def unavailable(exc: psycopg.Error) -> CatalogUnavailable:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return CatalogUnavailable(
        f"The team database is not reachable ({first}). Check that PostgreSQL is running "
        "and the store URL is right, then try again: an interrupted index run resumes."
    )


class PostgresSharedState:
    """Named documents every machine of a team library reads (engine.store.sql.SharedState)."""

    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    def get(self, name: str) -> str | None:
        rows = self._db.query("SELECT body FROM shared_state WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else None

    def put(self, name: str, body: str) -> None:
        with self._db.transaction() as c:
            c.execute(
                "INSERT INTO shared_state (name, body, written_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET body = excluded.body,"
                " written_at = excluded.written_at",
                (name, body, time.time()),
            )
