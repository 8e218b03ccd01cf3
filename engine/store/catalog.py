"""The catalog: files, items, raw vectors, skip reasons and runs, on one database.

The database is the workstation's SQLite file (engine.store.sqlite_database, the default) or a
team's PostgreSQL (engine.store.postgres.database, ``store="postgresql://…"``); the catalog's
statements and per-file transactions are the same on both (engine.store.sql). One transaction
per indexed file means a crash (even SIGKILL) leaves the catalog exactly as it was after the
last committed file. Raw vectors live here too, so the ANN indexes are derived data that can
always be rebuilt.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import SagasuError
from engine.messages import Tier
from engine.store.health import CatalogDamaged, DamageReason
from engine.store.records import FileRow, FileState, ItemRow, NewItem
from engine.store.rows import (
    FILE_COLS,
    bump_spaces,
    delete_file_rows,
    file_row,
    insert_item,
    insert_vector,
    spaces_of,
    stored_path,
)
from engine.store.rows import (
    VISUAL_SPACE as VISUAL_SPACE,
)
from engine.store.sql import Database, SqlConnection, inserted_id, query_in_slices
from engine.store.sqlite_database import CATALOG_FILE as CATALOG_FILE
from engine.store.sqlite_database import SqliteDatabase
from engine.store.tiers import TierRecords
from engine.types import FileEntry, ItemKind

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class BadStoreUrl(SagasuError):
    """``--store`` (or ``SAGASU_STORE``) names no database Sagasu can keep a catalog in."""


def path_key(path: Path | str) -> bytes:
    """The exact bytes of a path: SQLite text must be UTF-8, file names need not be."""
    return os.fsencode(path)


def display(path: Path | str) -> str:
    return os.fsencode(path).decode("utf-8", errors="replace")


def is_store_url(store: str | None) -> bool:
    return bool(store) and str(store).startswith(POSTGRES_SCHEMES)


def open_database(data_dir: Path, read_only: bool, store: str | None) -> Database:
    """The SQLite file in ``data_dir``, or the PostgreSQL database ``store`` names."""
    if not store:
        return SqliteDatabase(data_dir, read_only=read_only)
    if not is_store_url(store):
        raise BadStoreUrl(f"a team store must be a postgresql:// URL, not {store!r}")
    from engine.store.postgres.database import PostgresDatabase  # the team extra

    return PostgresDatabase(store)


class Catalog(TierRecords):
    """Thread-safe handle on the catalog (the database serialises or pools connections)."""

    def __init__(self, data_dir: Path, read_only: bool = False, store: str | None = None) -> None:
        """Open (or create) the catalog; raises CatalogDamaged for a damaged one
        (engine.store.health) and SchemaTooNew for one written by a newer Sagasu.
        ``read_only``: a folder the engine may only read (engine.store.access);
        ``store``: a ``postgresql://`` URL for a team library (else the data folder's file)."""
        self.path = data_dir / CATALOG_FILE
        self.read_only = read_only
        self.db = open_database(data_dir, read_only, store)
        self.kind = self.db.kind
        self.lexical_index = self.db.lexical_index  # engine.store.lexical_index

    def where(self) -> str:
        """``sqlite`` for the data folder's file, else the database's URL without a password
        (for status lines and logs)."""
        return self.db.where

    @property
    def local(self) -> bool:
        """A SQLite file on this machine: backups, repair and quick_check apply."""
        return self.kind == "sqlite"

    def writer_lock(self) -> AbstractContextManager[object]:
        """Held by an index run for its whole length: on PostgreSQL, machines other than
        this one may write (the data folder's file lock sees only this one)."""
        return self.db.writer_lock()

    def integrity_problem(self) -> str | None:
        """The database's complaint about its own pages, or None when the catalog is whole."""
        return self.db.integrity_problem()

    def check_whole(self) -> None:
        """Raise CatalogDamaged unless quick_check passes (reads every page: RELIABILITY.md)."""
        problem = self.integrity_problem()
        if problem:
            raise CatalogDamaged(self.path, DamageReason.MALFORMED, problem)

    def close(self) -> None:
        self.db.close()

    def transaction(self) -> AbstractContextManager[SqlConnection]:
        return self.db.transaction()

    def query(self, sql: str, args: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        return self.db.query(sql, args)

    def _index_vectors(
        self, c: SqlConnection, added: dict[str, list[int]], items: list[NewItem]
    ) -> None:
        """Hand the vectors just written to the database's own ANN index, if it has one."""
        for space, ids in added.items():
            vecs = [i.vectors[space] for i in items if i.vectors and space in i.vectors]
            self.db.vectors_added(c, space, ids, np.stack(vecs))

    # --- files ---------------------------------------------------------------------------

    def file_states(self) -> dict[bytes, FileState]:
        """path → state of every catalogued file: one query for a no-op scan."""
        rows = self.query("SELECT path, id, size, mtime_ns, extractor FROM files")
        return {bytes(p): FileState(i, s, m, e) for p, i, s, m, e in rows}

    def file_paths(self) -> list[Path]:
        """Every catalogued file's path, in the order they were first written."""
        return [stored_path(p) for (p,) in self.query("SELECT path FROM files ORDER BY id")]

    def file_id(self, path: Path) -> int | None:
        rows = self.query("SELECT id FROM files WHERE path = ?", (path_key(path),))
        return int(rows[0][0]) if rows else None

    def file_by_id(self, file_id: int) -> FileRow | None:
        rows = self.query(f"SELECT {FILE_COLS} FROM files WHERE id = ?", (file_id,))
        return file_row(rows[0]) if rows else None

    def files_by_hash(self, content_hash: str, size: int) -> list[FileRow]:
        rows = self.query(
            f"SELECT {FILE_COLS} FROM files WHERE content_hash = ? AND size = ?",
            (content_hash, size),
        )
        return [file_row(r) for r in rows]

    def touch_file(self, file_id: int, entry: FileEntry, root: str) -> None:
        """Same content under a new path or mtime: keep every item and vector, re-path only."""
        with self.transaction() as c:
            c.execute(
                "UPDATE files SET path=?, display_path=?, root=?, size=?, mtime_ns=? WHERE id=?",
                (
                    path_key(entry.path),
                    display(entry.path),
                    root,
                    entry.size,
                    entry.mtime_ns,
                    file_id,
                ),
            )
            c.execute("DELETE FROM skipped WHERE path = ?", (path_key(entry.path),))

    def replace_file(
        self,
        entry: FileEntry,
        root: str,
        content_hash: str | None,
        page_count: int,
        warnings: list[str],
        items: list[NewItem],
        *,
        extractor: int,
        tier: Tier = Tier.VISUAL,
    ) -> tuple[int, list[tuple[int, str]], dict[str, list[int]]]:
        """Write one file and all its items and vectors atomically, replacing any old version.
        ``extractor``: the version of the extraction that produced ``items``; ``tier``: the
        tier those items give the file (the lexical tier stores pages without pictures).

        Returns (file id, (item id, space) pairs of the old vectors that were removed, new item
        ids per space).
        """
        key = path_key(entry.path)
        added: dict[str, list[int]] = {}
        with self.transaction() as c:
            removed = delete_file_rows(c, self.lexical_index, key)
            cur = c.execute(
                "INSERT INTO files (path, display_path, root, file_type, size, mtime_ns,"
                " content_hash, page_count, warnings, indexed_at, extractor, tier)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                (
                    key,
                    display(entry.path),
                    root,
                    entry.file_type.value,
                    entry.size,
                    entry.mtime_ns,
                    content_hash,
                    page_count,
                    "\n".join(warnings),
                    time.time(),
                    extractor,
                    tier.level,
                ),
            )
            file_id = inserted_id(cur)
            for item in items:
                item_id = insert_item(c, self.lexical_index, file_id, item)
                for space, vec in (item.vectors or {}).items():
                    insert_vector(c, item_id, space, vec)
                    added.setdefault(space, []).append(item_id)
            self.db.vectors_removed(c, [i for i, _ in removed if i >= 0])
            self._index_vectors(c, added, items)
            features = {VISUAL_SPACE} if any(i.features is not None for i in items) else set()
            bump_spaces(c, set(added) | spaces_of(removed) | features)
            c.execute("DELETE FROM skipped WHERE path = ?", (key,))
        return file_id, [(i, s) for i, s in removed if i >= 0], added

    def delete_file(self, file_id: int) -> list[tuple[int, str]]:
        """Remove a file; returns (item id, space) pairs whose vectors went with it."""
        with self.transaction() as c:
            row = c.execute("SELECT path FROM files WHERE id = ?", (file_id,)).fetchone()
            if row is None:
                return []
            removed = delete_file_rows(c, self.lexical_index, bytes(row[0]))
            self.db.vectors_removed(c, [i for i, _ in removed if i >= 0])
            bump_spaces(c, spaces_of(removed))
        return [(i, s) for i, s in removed if i >= 0]

    def record_skip(self, path: Path, reason: str) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT INTO skipped (path, display_path, reason, at) VALUES (?,?,?,?)"
                " ON CONFLICT (path) DO UPDATE SET display_path = excluded.display_path,"
                " reason = excluded.reason, at = excluded.at",
                (path_key(path), display(path), reason, time.time()),
            )

    def skipped(self) -> list[tuple[str, str]]:
        return [
            (p, r) for p, r in self.query("SELECT display_path, reason FROM skipped ORDER BY 1")
        ]

    # --- items and vectors ---------------------------------------------------------------

    def items(self, ids: Iterable[int]) -> dict[int, ItemRow]:
        rows = self.query_ids(
            "SELECT i.id, i.file_id, i.kind, i.page, i.text, i.ocr_text, f.path,"
            " f.display_path FROM items i JOIN files f ON f.id = i.file_id WHERE i.id IN ({})",
            ids,
        )
        return {
            r[0]: ItemRow(r[0], r[1], ItemKind(r[2]), r[3], r[4], r[5], stored_path(r[6]), r[7])
            for r in rows
        }

    def item_kinds(self, ids: Iterable[int]) -> dict[int, ItemKind]:
        """id → kind of the items that still exist: all a ranking step needs to know."""
        rows = self.query_ids("SELECT id, kind FROM items WHERE id IN ({})", ids)
        return {i: ItemKind(k) for i, k in rows}

    def file_ids_under(self, root: str) -> list[int]:
        """Files indexed under the folder ``root`` (as engine.crawl.folder_root spells it;
        catalogs written before that spelling recorded the resolved path, matched too)."""
        spellings = {root, os.path.realpath(root)}
        marks = ",".join("?" * len(spellings))
        rows = self.query(f"SELECT id FROM files WHERE root IN ({marks})", tuple(spellings))
        return [int(r[0]) for r in rows]

    def page_item(self, file_id: int, page: int | None) -> int | None:
        """The rendered page item of ``page`` in a file: the picture that stands for a text
        chunk (or a passage) found on that page; None for a file without page renders."""
        rows = self.query(
            "SELECT id FROM items WHERE file_id = ? AND page IS NOT DISTINCT FROM ?"
            " AND kind = 'page' LIMIT 1",
            (file_id, page),
        )
        return int(rows[0][0]) if rows else None

    def query_ids(self, sql: str, ids: Iterable[int] | Iterable[str]) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` (whose ``{}`` takes the placeholders) for all ``ids`` (or terms),
        in slices under SQLite's host-parameter limit."""
        return query_in_slices(self.query, sql, ids)

    def thumbnail(self, item_id: int) -> bytes | None:
        rows = self.query("SELECT thumbnail FROM items WHERE id = ?", (item_id,))
        return bytes(rows[0][0]) if rows and rows[0][0] is not None else None

    def preview_thumbnail(self, item_id: int) -> bytes | None:
        """The item's thumbnail or, for an item without one (a text chunk), that of the page
        it is on: one query (a result grid asks for one per tile)."""
        rows = self.query(
            "SELECT COALESCE(i.thumbnail, (SELECT p.thumbnail FROM items p"
            " WHERE p.file_id = i.file_id AND p.page = i.page AND p.kind = 'page' LIMIT 1))"
            " FROM items i WHERE i.id = ?",
            (item_id,),
        )
        return bytes(rows[0][0]) if rows and rows[0][0] is not None else None

    def add_vectors(self, space: str, vectors: dict[int, np.ndarray]) -> None:
        """Add vectors for existing items (deferred encoding, bridge spaces)."""
        if not vectors:
            return
        with self.transaction() as c:
            for item_id, vec in vectors.items():
                insert_vector(c, item_id, space, vec)
            self.db.vectors_added(c, space, list(vectors), np.stack(list(vectors.values())))
            bump_spaces(c, {space})

    def drop_space(self, space: str) -> None:
        with self.transaction() as c:
            c.execute("DELETE FROM embeddings WHERE space = ?", (space,))
            self.db.space_dropped(c, space)
            bump_spaces(c, {space})

    def vectors(self, space: str) -> tuple[np.ndarray, np.ndarray]:
        """All (keys, vectors) of one space, for rebuilding its ANN index."""
        rows = self.query("SELECT item_id, vector FROM embeddings WHERE space = ?", (space,))
        if not rows:
            return np.zeros(0, dtype=np.uint64), np.zeros((0, 0), dtype=np.float32)
        keys = np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows))
        vecs = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
        return keys, vecs

    def space_seq(self, space: str) -> int:
        rows = self.query("SELECT seq FROM spaces WHERE space = ?", (space,))
        return int(rows[0][0]) if rows else 0

    def space_dims(self) -> dict[str, int]:
        return {s: d for s, d in self.query("SELECT space, dim FROM spaces")}

    def items_missing_space(self, space: str, kinds: Iterable[ItemKind]) -> list[int]:
        values = [k.value for k in kinds]
        marks = ",".join("?" * len(values))
        rows = self.query(
            f"SELECT id FROM items WHERE kind IN ({marks}) AND id NOT IN"
            " (SELECT item_id FROM embeddings WHERE space = ?) ORDER BY id",
            [*values, space],
        )
        return [r[0] for r in rows]

    def features(self, item_id: int) -> bytes | None:
        rows = self.query("SELECT data FROM features WHERE item_id = ?", (item_id,))
        return bytes(rows[0][0]) if rows else None

    def feature_ids(self) -> list[int]:
        return [r[0] for r in self.query("SELECT item_id FROM features ORDER BY item_id")]

    def items_needing_ocr(self) -> list[tuple[int, str, int | None, Path]]:
        """Photos, and pages without a text layer, that OCR has not seen yet."""
        rows = self.query(
            "SELECT i.id, i.kind, i.page, f.path FROM items i JOIN files f ON f.id = i.file_id"
            " WHERE i.ocr_done = 0 AND (i.kind = 'photo' OR (i.kind = 'page' AND NOT EXISTS"
            " (SELECT 1 FROM items c WHERE c.file_id = i.file_id AND c.page = i.page"
            " AND c.kind = 'chunk'))) ORDER BY i.id"
        )
        return [(int(i), str(k), p, stored_path(path)) for i, k, p, path in rows]

    def set_ocr(self, item_id: int, text: str, confidence: float, lexical_body: str) -> None:
        """Store OCR output and make it searchable, in one transaction."""
        with self.transaction() as c:
            c.execute(
                "UPDATE items SET ocr_text = ?, ocr_confidence = ?, ocr_done = 1 WHERE id = ?",
                (text, confidence, item_id),
            )
            if lexical_body:
                self.lexical_index.append_body(c, item_id, lexical_body)

    # --- runs and counts -----------------------------------------------------------------

    def end_interrupted_runs(self) -> None:
        """Runs still marked running whose process is gone become 'interrupted' (a catalog in
        a read-only folder keeps the mark: its check then runs on each open)."""
        with contextlib.suppress(sqlite3.OperationalError), self.transaction() as c:
            c.execute("UPDATE runs SET status='interrupted' WHERE status='running'")

    def start_run(self) -> int:
        with self.transaction() as c:
            c.execute("UPDATE runs SET status='interrupted' WHERE status='running'")
            cur = c.execute(
                "INSERT INTO runs (started_at, status) VALUES (?, 'running') RETURNING id",
                (time.time(),),
            )
            return inserted_id(cur)

    def finish_run(self, run_id: int, status: str, summary: dict[str, object]) -> None:
        with self.transaction() as c:
            c.execute(
                "UPDATE runs SET finished_at=?, status=?, summary=? WHERE id=?",
                (time.time(), status, json.dumps(summary, ensure_ascii=False), run_id),
            )

    def last_run(self) -> dict[str, object] | None:
        rows = self.query(
            "SELECT started_at, finished_at, status, summary FROM runs ORDER BY id DESC LIMIT 1"
        )
        if not rows:
            return None
        started, finished, status, summary = rows[0]
        return {
            "started_at": started,
            "finished_at": finished,
            "status": status,
            "summary": json.loads(summary),
        }

    def counts(self) -> dict[str, int]:
        out = {"files": self.query("SELECT COUNT(*) FROM files")[0][0]}
        for kind, n in self.query("SELECT kind, COUNT(*) FROM items GROUP BY kind"):
            out[kind] = n
        out["skipped"] = self.query("SELECT COUNT(*) FROM skipped")[0][0]
        return out

    def vector_counts(self) -> dict[str, int]:
        rows = self.query("SELECT space, COUNT(*) FROM embeddings GROUP BY space")
        return {s: n for s, n in rows}
