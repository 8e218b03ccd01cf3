"""The catalog's database on one workstation: a SQLite file in the data folder.

WAL mode and one transaction per indexed file mean a crash (even SIGKILL) leaves the catalog
exactly as it was after the last committed file (engine.store.health checks and marks it).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from engine.store.access import open_read_only
from engine.store.fts_lexical import FtsLexicalIndex
from engine.store.health import (
    check_file,
    damage_raised,
    integrity_problem,
    library_existed,
    mark_library,
    open_checked,
)
from engine.store.sql import SharedState, SqlConnection, query_in_slices

CATALOG_FILE = "catalog.sqlite3"


class SqliteDatabase:
    """Thread-safe handle on the catalog file (one connection, serialised by a lock)."""

    kind = "sqlite"
    where = "sqlite"
    vector_index = None  # engine.store.vectors searches the usearch files
    shared_state: SharedState | None = None  # the data folder's files are the only copy

    def __init__(self, data_dir: Path, read_only: bool = False) -> None:
        """Open (or create) the file; raises CatalogDamaged for a damaged one
        (engine.store.health) and SchemaTooNew for one written by a newer Sagasu.
        ``read_only``: a folder the engine may only read (engine.store.access)."""
        self.path = data_dir / CATALOG_FILE
        self.lexical_index = FtsLexicalIndex(self)  # engine.store.lexical_index
        self._lock = threading.RLock()
        existed = library_existed(data_dir)
        check_file(self.path, existed)
        if read_only:
            self._conn = open_read_only(self.path, existed)
            return
        data_dir.mkdir(parents=True, exist_ok=True)
        # The busy timeout first: the switch to WAL and the schema wait for another opener.
        self._conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=10
        )
        try:
            with self._damage_raised():
                open_checked(self._conn, self.path, existed)
        except BaseException:
            self._conn.close()
            raise
        mark_library(data_dir)

    def _damage_raised(self) -> contextlib.AbstractContextManager[None]:
        return damage_raised(self.path)

    def integrity_problem(self) -> str | None:
        """``PRAGMA quick_check``'s complaint, or None when the catalog is whole."""
        with self._lock:
            return integrity_problem(self._conn)

    def writer_lock(self) -> contextlib.AbstractContextManager[object]:
        """Nothing more: the data folder's file lock (engine.library) keeps writers apart."""
        return contextlib.nullcontext()

    # No ANN index inside the database: engine.store.vectors rebuilds usearch from the rows.
    def vectors_added(
        self, c: SqlConnection, space: str, item_ids: Sequence[int], vectors: np.ndarray
    ) -> None:
        pass

    def vectors_removed(self, c: SqlConnection, item_ids: Sequence[int]) -> None:
        pass

    def space_dropped(self, c: SqlConnection, space: str) -> None:
        pass

    def build_vector_graphs(self, spaces: Iterable[str]) -> None:
        pass  # engine.store.vectors builds its graphs as it saves

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._damage_raised():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, args: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock, self._damage_raised():
            return self._conn.execute(sql, tuple(args)).fetchall()

    def query_ids(self, sql: str, ids: Iterable[int] | Iterable[str]) -> list[tuple[Any, ...]]:
        return query_in_slices(self.query, sql, ids)
