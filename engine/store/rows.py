"""Row writes shared by the catalog's transactions (engine.store.catalog and the tier
updates in engine.store.tiers): each takes the open transaction's connection."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from engine.store.lexical_index import LexicalWriter
from engine.store.records import FileRow, NewItem
from engine.store.sql import SqlConnection, inserted_id

# The local-feature index is versioned like an embedding space (its seq tells a persisted
# visual index whether it is stale), but has no vectors table rows.
VISUAL_SPACE = "visual:local-features"

FILE_COLS = "id, path, display_path, root, file_type, size, mtime_ns, content_hash, page_count"


def file_row(r: tuple[Any, ...]) -> FileRow:
    return FileRow(r[0], stored_path(r[1]), *r[2:])


@lru_cache(maxsize=1 << 16)
def stored_path(raw: bytes) -> Path:
    """The Path of a catalogued file (its raw bytes as stored). Cached: a query's candidates
    share a few hundred files, and building a Path costs more than the SQL that found it."""
    return Path(os.fsdecode(bytes(raw)))


def insert_item(c: SqlConnection, lexical: LexicalWriter[Any], file_id: int, item: NewItem) -> int:
    cur = c.execute(
        "INSERT INTO items (file_id, kind, page, ordinal, text, bbox, thumbnail, digest)"
        " VALUES (?,?,?,?,?,?,?,?) RETURNING id",
        (
            file_id,
            item.kind.value,
            item.page,
            item.ordinal,
            item.text,
            json.dumps(item.bbox) if item.bbox else None,
            item.thumbnail,
            item.digest,
        ),
    )
    item_id = inserted_id(cur)
    if item.features is not None:
        c.execute("INSERT INTO features (item_id, data) VALUES (?, ?)", (item_id, item.features))
        c.execute("UPDATE items SET features_done = 1 WHERE id = ?", (item_id,))
        ensure_space(c, VISUAL_SPACE, 0)
    if item.lexical_body or item.lexical_name:
        lexical.put(c, item_id, item.lexical_body, item.lexical_name)
    return item_id


def ensure_space(c: SqlConnection, space: str, dim: int) -> None:
    c.execute(
        "INSERT INTO spaces (space, dim) VALUES (?, ?) ON CONFLICT(space) DO NOTHING",
        (space, dim),
    )


def insert_vector(c: SqlConnection, item_id: int, space: str, vec: np.ndarray) -> None:
    vec = np.ascontiguousarray(vec, dtype=np.float32)
    ensure_space(c, space, int(vec.shape[0]))
    c.execute(
        "INSERT INTO embeddings (item_id, space, vector) VALUES (?,?,?)"
        " ON CONFLICT (space, item_id) DO UPDATE SET vector = excluded.vector",
        (item_id, space, vec.tobytes()),
    )


def delete_file_rows(
    c: SqlConnection, lexical: LexicalWriter[Any], key: bytes
) -> list[tuple[int, str]]:
    removed = [
        (int(i), str(s))
        for i, s in c.execute(
            "SELECT e.item_id, e.space FROM embeddings e JOIN items i ON i.id = e.item_id"
            " JOIN files f ON f.id = i.file_id WHERE f.path = ?",
            (key,),
        )
    ]
    had_features = c.execute(
        "SELECT COUNT(*) FROM features x JOIN items i ON i.id = x.item_id"
        " JOIN files f ON f.id = i.file_id WHERE f.path = ?",
        (key,),
    ).fetchone()[0]
    if had_features:
        removed.append((-1, VISUAL_SPACE))  # marks the visual index as changed
    items = c.execute(
        "SELECT i.id FROM items i JOIN files f ON f.id = i.file_id WHERE f.path = ?", (key,)
    )
    lexical.delete(c, [int(i) for (i,) in items])
    c.execute("DELETE FROM files WHERE path = ?", (key,))
    return removed


def spaces_of(removed: list[tuple[int, str]]) -> set[str]:
    return {s for _, s in removed}


def bump_spaces(c: SqlConnection, spaces: set[str]) -> None:
    for space in spaces:
        c.execute("UPDATE spaces SET seq = seq + 1 WHERE space = ?", (space,))
