"""The SQL connection the catalog writes through, on SQLite or on PostgreSQL.

The catalog's statements are written once, in the SQL both databases read (``?``
placeholders, ``INSERT … ON CONFLICT … DO UPDATE``, ``RETURNING id``, ``IS NOT DISTINCT
FROM``), so one set of per-file transactions serves a workstation's SQLite file and a team's
PostgreSQL (engine.store.postgres.database translates the placeholders). A
``sqlite3.Connection`` is such a connection as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import numpy as np


class SqlCursor(Protocol):
    """What a statement's result offers: rows, and how many rows it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class SqlConnection(Protocol):
    """A connection inside an open transaction."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> SqlCursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> object: ...


class SharedState(Protocol):
    """Named text documents kept in the database, for what every machine of a team library
    must read alike (the calibration: engine.align.state)."""

    def get(self, name: str) -> str | None: ...

    def put(self, name: str, body: str) -> None: ...


class Database(Protocol):
    """One catalog database: locked, damage-checked reads and per-file transactions."""

    kind: str  # "sqlite" | "postgresql"
    where: str  # for people: "sqlite", or the URL without its password
    lexical_index: Any  # engine.store.lexical_index.LexicalIndex over this database
    # Its own nearest-neighbour search (engine.store.vector_search.VectorSearch), or None
    # where the usearch files of engine.store.vectors do it.
    vector_index: Any
    # None on one workstation: its data folder's files are the only copy.
    shared_state: SharedState | None

    def transaction(self) -> AbstractContextManager[SqlConnection]: ...

    def query(self, sql: str, args: Iterable[object] = ()) -> list[tuple[Any, ...]]: ...

    def writer_lock(self) -> AbstractContextManager[object]: ...

    def integrity_problem(self) -> str | None: ...

    # The database's own ANN index over the raw vectors, kept in the same transaction
    # (pgvector on PostgreSQL; nothing on SQLite, whose usearch files are rebuilt from the
    # catalog by engine.store.vectors).
    def vectors_added(
        self, c: SqlConnection, space: str, item_ids: Sequence[int], vectors: np.ndarray
    ) -> None: ...

    def vectors_removed(self, c: SqlConnection, item_ids: Sequence[int]) -> None: ...

    def space_dropped(self, c: SqlConnection, space: str) -> None: ...

    def build_vector_graphs(self, spaces: Iterable[str]) -> None:
        """After an index run: build the ANN graphs of spaces grown big enough."""
        ...

    def close(self) -> None: ...


def inserted_id(cursor: SqlCursor) -> int:
    """The id an ``INSERT … RETURNING id`` gave its row."""
    row = cursor.fetchone()
    return int(row[0])


MAX_SQL_PARAMS = 900  # under SQLite's host-parameter limit on every build


def query_in_slices(
    query: Any, sql: str, ids: Iterable[int] | Iterable[str]
) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (whose ``{}`` takes the placeholders) for all ``ids`` (or terms),
    asked by ``query`` in slices under SQLite's host-parameter limit."""
    values: Sequence[int | str] = list(ids)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(values), MAX_SQL_PARAMS):
        part = values[start : start + MAX_SQL_PARAMS]
        rows += query(sql.format(",".join("?" * len(part))), part)
    return rows
