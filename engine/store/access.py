"""A data folder the engine may only read: detecting it, opening its catalog read-only, and
the typed error for anything that must write there.

A team may keep a finished library on a read-only share. Searching and ``status`` need only
to read it, so a read-only :class:`engine.library.Library` opens the catalog with SQLite's
``mode=ro`` and writes nothing in the folder (no marker, backup, settings migration or vector
cache: what is missing is built in memory). Everything that must write (index, repair,
forgetting a folder, changing settings) raises :class:`ReadOnlyFolder`, one line that says
what to do. Running out of disk space has its own typed word too, so the window can say
either in the user's language (:class:`StorageProblem`, carried by engine.protocol).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from enum import StrEnum
from pathlib import Path

from engine.errors import SagasuError
from engine.store.health import (
    CatalogDamaged,
    DamageReason,
    damage_raised,
    integrity_problem,
    looks_truncated,
)
from engine.store.schema import SCHEMA_VERSION, migrate

_SQLITE_READONLY = 8
_SQLITE_FULL = 13


class StorageProblem(StrEnum):
    """Why the data folder cannot be written (the desktop renders each in the user's
    language)."""

    DISK_FULL = "disk-full"
    READ_ONLY = "read-only"


class ReadOnlyFolder(SagasuError):
    """Something that must write was asked of a library in a read-only data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        super().__init__(
            f"the index folder {data_dir} is read-only: searching works, but indexing, "
            "repairing and changing settings need a folder you can write (ask for write "
            "access, or copy the folder and use --data-dir)"
        )


def is_read_only(data_dir: Path) -> bool:
    """Whether ``data_dir`` exists and this process may not create files in it (a read-only
    mount, or a folder that is not ours). access(2) answers EROFS for a read-only mount."""
    return data_dir.is_dir() and not os.access(data_dir, os.W_OK)


def refuse_if_read_only(data_dir: Path) -> None:
    if is_read_only(data_dir):
        raise ReadOnlyFolder(data_dir)


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to the catalog at ``path``.

    ``mode=ro`` first: SQLite still takes its locks and reads a WAL left beside the file, so
    what another process committed is seen. A WAL catalog closed cleanly has no ``-wal`` and
    ``-shm`` beside it, and SQLite cannot create them in a read-only folder; then the file is
    opened ``immutable=1``, which skips locking and change detection. That is safe only
    because nothing can write the folder while it stays read-only (a writer elsewhere on the
    share could show a search a half-written page, reported as damage)."""
    uri = f"file:{path}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    try:
        conn.execute("PRAGMA user_version").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    uri = f"file:{path}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)


def open_read_only(path: Path, existed: bool) -> sqlite3.Connection:
    """The catalog at ``path`` opened read-only, with the checks of a writable open
    (engine.store.health.open_checked) except the schema migration, which would write. A
    folder without a catalog gets an empty one in memory (nothing to search, nothing
    written)."""
    if not path.exists():
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        migrate(conn)
        return conn
    conn = connect_read_only(path)
    try:
        with damage_raised(path):
            if looks_truncated(path):
                problem = integrity_problem(conn)
                if problem:
                    raise CatalogDamaged(path, DamageReason.TRUNCATED, problem)
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if existed and version == 0:
            raise CatalogDamaged(path, DamageReason.EMPTY)
        if version < SCHEMA_VERSION:
            raise SchemaTooOld(path)
        migrate(conn)  # writes nothing at the current version; refuses a newer one
    except BaseException:
        conn.close()
        raise
    return conn


class SchemaTooOld(SagasuError):
    """A read-only catalog written by an older Sagasu: its upgrade would have to write."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"the index catalog {path} was written by an older Sagasu and must be upgraded "
            "once where it can be written: open it with write access, then search it "
            "read-only"
        )


def storage_problem_of(exc: BaseException) -> StorageProblem | None:
    """The storage problem ``exc`` reports, if it is one: a full disk or a read-only folder."""
    if isinstance(exc, ReadOnlyFolder):
        return StorageProblem.READ_ONLY
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(exc, sqlite3.Error) and code is not None:
        primary = code & 0xFF
        if primary == _SQLITE_FULL:
            return StorageProblem.DISK_FULL
        if primary == _SQLITE_READONLY:
            return StorageProblem.READ_ONLY
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StorageProblem.DISK_FULL
        if exc.errno == errno.EROFS:
            return StorageProblem.READ_ONLY
    return None
