"""The catalog's side of the index tiers (engine.messages.Tier): which files still lack a
tier, and the per-file transactions that give them one. ``files.tier`` holds the level a
file has reached; every change of it is committed with the rows that earn it, so a crash
leaves each file at a tier it really has."""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.messages import Tier
from engine.store.lexical_index import LexicalIndex
from engine.store.records import FileRow, NewItem
from engine.store.rows import (
    FILE_COLS,
    VISUAL_SPACE,
    bump_spaces,
    file_row,
    insert_item,
    insert_vector,
)
from engine.store.sql import Database, SqlConnection
from engine.types import ItemKind


class TierRecords:
    """Mixed into engine.store.catalog.Catalog, which provides these."""

    lexical_index: LexicalIndex[Any]
    db: Database

    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[SqlConnection]: ...

        def query(self, sql: str, args: Iterable[object] = ()) -> list[tuple[Any, ...]]: ...

        def _index_vectors(
            self, c: SqlConnection, added: dict[str, list[int]], items: list[NewItem]
        ) -> None: ...

    def files_below(self, tier: Tier, roots: Iterable[str]) -> list[FileRow]:
        """Files under ``roots`` (folder roots, either spelling) that lack ``tier``."""
        spellings = sorted({s for r in roots for s in (r, os.path.realpath(r))})
        if not spellings:
            return []
        marks = ",".join("?" * len(spellings))
        rows = self.query(
            f"SELECT {FILE_COLS} FROM files WHERE tier < ? AND root IN ({marks}) ORDER BY id",
            [tier.level, *spellings],
        )
        return [file_row(r) for r in rows]

    def chunks_missing(self, file_id: int, space: str) -> list[tuple[int, str]]:
        """(id, text) of a file's text chunks without a vector in ``space``."""
        rows = self.query(
            "SELECT id, text FROM items WHERE file_id = ? AND kind = 'chunk' AND id NOT IN"
            " (SELECT item_id FROM embeddings WHERE space = ?) ORDER BY id",
            (file_id, space),
        )
        return [(int(i), str(t)) for i, t in rows]

    def advance_tier(
        self,
        tier: Tier,
        file_ids: Iterable[int],
        space: str = "",
        vectors: dict[int, np.ndarray] | None = None,
    ) -> None:
        """Give ``file_ids`` ``tier``, with the vectors (item id → vector in ``space``) that
        earn it, in one transaction."""
        ids = list(file_ids)
        with self.transaction() as c:
            for item_id, vec in (vectors or {}).items():
                insert_vector(c, item_id, space, vec)
            if vectors:
                self.db.vectors_added(c, space, list(vectors), np.stack(list(vectors.values())))
                bump_spaces(c, {space})
            c.executemany(
                "UPDATE files SET tier = ? WHERE id = ? AND tier < ?",
                [(tier.level, i, tier.level) for i in ids],
            )

    def complete_visual(
        self, file_id: int, warnings: list[str], items: list[NewItem]
    ) -> dict[str, list[int]]:
        """The visual tier of a file its lexical tier stored: its pages and photo get their
        thumbnails, digests, local features and picture vectors in place, its embedded
        images are added; its text chunks and their vectors stay. One transaction. Returns
        the item ids given vectors, per space."""
        added: dict[str, list[int]] = {}
        with self.transaction() as c:
            old_images = [
                int(i)
                for (i,) in c.execute(
                    "SELECT id FROM items WHERE file_id = ? AND kind = 'image'", (file_id,)
                )
            ]
            for item_id in old_images:  # none unless the tier is being done again
                self.lexical_index.delete(c, [item_id])
                c.execute("DELETE FROM items WHERE id = ?", (item_id,))
            self.db.vectors_removed(c, old_images)
            for item in items:
                if item.kind is ItemKind.CHUNK:
                    continue  # stored by the lexical tier, with its vectors
                found = _update_visual(c, file_id, item)
                item_id = (
                    insert_item(c, self.lexical_index, file_id, item) if found is None else found
                )
                for space, vec in (item.vectors or {}).items():
                    insert_vector(c, item_id, space, vec)
                    added.setdefault(space, []).append(item_id)
            self._index_vectors(c, added, [i for i in items if i.kind is not ItemKind.CHUNK])
            features = {VISUAL_SPACE} if any(i.features is not None for i in items) else set()
            bump_spaces(c, set(added) | features)
            c.execute(
                "UPDATE files SET tier = ?, warnings = ? WHERE id = ?",
                (Tier.VISUAL.level, "\n".join(warnings), file_id),
            )
        return added

    def tier_counts(self) -> dict[str, int]:
        """How many files have each tier (OCR: files with the visual tier and no picture
        still waiting to be read)."""
        out: dict[str, int] = {}
        for tier in (Tier.LEXICAL, Tier.TEXT_VECTORS, Tier.VISUAL):
            rows = self.query("SELECT COUNT(*) FROM files WHERE tier >= ?", (tier.level,))
            out[tier.value] = int(rows[0][0])
        rows = self.query(
            "SELECT COUNT(*) FROM files f WHERE f.tier >= ? AND NOT EXISTS (SELECT 1 FROM"
            " items i WHERE i.file_id = f.id AND i.ocr_done = 0 AND (i.kind = 'photo' OR"
            " (i.kind = 'page' AND NOT EXISTS (SELECT 1 FROM items x WHERE x.file_id ="
            " i.file_id AND x.page = i.page AND x.kind = 'chunk'))))",
            (Tier.VISUAL.level,),
        )
        out[Tier.OCR.value] = int(rows[0][0])
        return out


def _update_visual(c: SqlConnection, file_id: int, item: NewItem) -> int | None:
    """Fill in the page (or photo) item the lexical tier stored; None when there is none."""
    row = c.execute(
        "SELECT id FROM items WHERE file_id = ? AND kind = ? AND page IS NOT DISTINCT FROM ?"
        " LIMIT 1",
        (file_id, item.kind.value, item.page),
    ).fetchone()
    if row is None or item.kind is ItemKind.IMAGE:
        return None
    item_id = int(row[0])
    c.execute(
        "UPDATE items SET thumbnail = ?, digest = ? WHERE id = ?",
        (item.thumbnail, item.digest, item_id),
    )
    if item.features is not None:
        c.execute(
            "INSERT INTO features (item_id, data) VALUES (?, ?)"
            " ON CONFLICT (item_id) DO UPDATE SET data = excluded.data",
            (item_id, item.features),
        )
        c.execute("UPDATE items SET features_done = 1 WHERE id = ?", (item_id,))
        c.execute(
            "INSERT INTO spaces (space, dim) VALUES (?, 0) ON CONFLICT(space) DO NOTHING",
            (VISUAL_SPACE,),
        )
    return item_id
