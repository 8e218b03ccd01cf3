"""Is the catalog whole? Cheap checks on open, the typed error a damaged one raises, and the
marker that says a library existed in a data folder.

SQLite reports a damaged file only when a read reaches the damage, so a catalog cut in half
can open, answer ``PRAGMA user_version`` and fail in the middle of a search; a catalog cut to
zero bytes opens as a new, empty one. The checks here turn each of those into one
:class:`CatalogDamaged` with a :class:`DamageReason`, raised on open where it can be seen
cheaply and from any query that meets the damage later (engine.store.catalog), so no client
shows an empty library or a traceback for a damaged data folder.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from pathlib import Path

from engine.errors import SagasuError
from engine.store.atomic import write_atomic
from engine.store.schema import migrate

# Written next to the catalog once it holds a schema: from then on, a catalog that is missing,
# empty or without tables is a damaged library, not a new one.
LIBRARY_MARKER = "library.created"
_HEADER = b"SQLite format 3\x00"
# sqlite3 primary result codes of a damaged file (the rest are locks, full disks, bugs...).
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


class DamageReason(StrEnum):
    """What is wrong with the catalog (the desktop renders each in the user's language)."""

    MISSING = "missing"  # the catalog file is gone or empty where a library existed
    EMPTY = "empty"  # it opens, but holds no tables where a library existed
    NOT_A_DATABASE = "not-a-database"  # its header is not SQLite's: overwritten
    TRUNCATED = "truncated"  # shorter than its own header says
    MALFORMED = "malformed"  # SQLite found damaged pages (a query or the integrity check)


DAMAGE_ENGLISH: dict[DamageReason, str] = {
    DamageReason.MISSING: "is missing or empty, although a library was indexed here",
    DamageReason.EMPTY: "holds no tables, although a library was indexed here",
    DamageReason.NOT_A_DATABASE: "is not a database any more (overwritten)",
    DamageReason.TRUNCATED: "is cut short (truncated)",
    DamageReason.MALFORMED: "is damaged (SQLite reports a malformed database)",
}


class CatalogDamaged(SagasuError):
    """The catalog cannot be trusted; ``sagasu repair`` (Library.repair) rebuilds it."""

    def __init__(self, path: Path, reason: DamageReason, detail: str = "") -> None:
        self.path = path
        self.reason = reason
        self.detail = detail
        super().__init__(self.advice("sagasu repair"))

    def advice(self, repair_command: str) -> str:
        """The message, naming the command that repairs this data folder."""
        return (
            f"the index catalog {self.path} {DAMAGE_ENGLISH[self.reason]}; run "
            f"`{repair_command}` to rebuild it (settings are kept, the damaged file is moved "
            "aside)"
        )


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether ``exc`` says the file is damaged (not locked, full, read-only or misused)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    return type(exc) is sqlite3.DatabaseError  # a build without error codes


def damage_from(path: Path, exc: sqlite3.DatabaseError) -> CatalogDamaged:
    code = getattr(exc, "sqlite_errorcode", 0) or 0
    not_a_db = code & 0xFF == _SQLITE_NOTADB
    reason = DamageReason.NOT_A_DATABASE if not_a_db else DamageReason.MALFORMED
    return CatalogDamaged(path, reason, str(exc))


def library_existed(data_dir: Path) -> bool:
    return (data_dir / LIBRARY_MARKER).exists()


def mark_library(data_dir: Path) -> None:
    """Record that this folder holds a library (once; a read-only folder is left alone)."""
    marker = data_dir / LIBRARY_MARKER
    if marker.exists():
        return
    with suppress(OSError):
        write_atomic(marker, "A Sagasu catalog was created here.\n")


def check_file(path: Path, existed: bool) -> None:
    """What the file alone tells before SQLite opens it: raise CatalogDamaged if it is missing
    or empty where a library existed, or if its header is not SQLite's. Reads 100 bytes."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = 0
    if size == 0:
        if existed:
            raise CatalogDamaged(path, DamageReason.MISSING)
        return
    with path.open("rb") as f:
        header = f.read(100)
    if not header.startswith(_HEADER):
        raise CatalogDamaged(path, DamageReason.NOT_A_DATABASE)


def looks_truncated(path: Path) -> bool:
    """Whether the file is shorter than the page count its header records. The header's count
    is valid only when its change counter matches (offsets 24 and 92); a WAL catalog's file
    can also be legitimately behind while a checkpoint runs, so a True here is confirmed
    with :func:`integrity_problem` before it is called damage."""
    try:
        with path.open("rb") as f:
            header = f.read(100)
        size = path.stat().st_size
    except OSError:
        return False
    if len(header) < 100:
        return True
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    counter_valid = header[24:28] == header[92:96]
    return counter_valid and pages > 0 and size < pages * page_size


def integrity_problem(conn: sqlite3.Connection) -> str | None:
    """``PRAGMA quick_check``'s first complaint, or None for a whole catalog. It reads every
    page (not the index-to-table cross-checks of integrity_check): about a second per
    gigabyte, so it runs only when there is a reason (docs/RELIABILITY.md)."""
    try:
        rows = conn.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        return str(exc)
    answer = str(rows[0][0]) if rows else "no answer"
    return None if answer == "ok" else answer


BUSY_RETRY_SECONDS = 10.0  # several first opens at once: see open_checked


def open_checked(conn: sqlite3.Connection, path: Path, existed: bool) -> None:
    """Set up a new connection to the catalog at ``path`` and bring its schema up to date,
    raising CatalogDamaged for a truncated file or a table-less one where a library
    ``existed``. On a whole catalog this costs a 100-byte read and one pragma.

    While several processes open a new catalog at once, SQLite can answer SQLITE_BUSY
    without waiting on the busy timeout (the switch to WAL, a reader meeting another's WAL
    recovery): the set-up is idempotent (the schema step rolls back whole), so it is tried
    again for a few seconds before the error stands."""
    deadline = time.monotonic() + BUSY_RETRY_SECONDS
    while True:
        try:
            _set_up(conn, path, existed)
            return
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _set_up(conn: sqlite3.Connection, path: Path, existed: bool) -> None:
    if looks_truncated(path):  # before any pragma: each one reads the schema first
        problem = integrity_problem(conn)
        if problem:
            raise CatalogDamaged(path, DamageReason.TRUNCATED, problem)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    if existed and conn.execute("PRAGMA user_version").fetchone()[0] == 0:
        raise CatalogDamaged(path, DamageReason.EMPTY)
    migrate(conn)


@contextmanager
def damage_raised(path: Path) -> Iterator[None]:
    """SQLite's 'malformed' and 'not a database', wherever a read meets them, become
    CatalogDamaged: one typed error every client knows how to explain."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise damage_from(path, exc) from exc
        raise
