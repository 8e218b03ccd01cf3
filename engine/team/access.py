"""What a user may read: the one place the team library enforces access.

A ``Scope`` is the set of indexed roots a user's groups may read. The search path applies it
before fusion (``ItemFilter``: every signal's hits, and the lexical ranking in SQL, so the
top-k is taken among readable items and a hidden item shapes no score, reason, note or
"related" list); previews, thumbnails and files go through ``readable``, which answers None
alike for an unknown item and another root's, and resolves the file on disk to check that it
still lies inside its root (a link swapped in later, ``..`` in a stored path)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.fusion import Hit
from engine.messages import Tier
from engine.store.catalog import Catalog
from engine.store.rows import stored_path
from engine.types import ItemKind

# At most this many times the usual candidate pool when a scope hides most of the library:
# beyond it, exact search over the readable items would be the better plan.
MAX_WIDEN = 64


@dataclass(frozen=True)
class Scope:
    """The indexed roots (as engine.crawl.folder_root spells them) a user may read."""

    roots: frozenset[str]

    def spellings(self) -> list[str]:
        """The roots exactly as granted and as ``files.root`` holds them. Not also resolved:
        a granted link to another group's root would open that root (``sagasu roots list``
        shows the spellings a catalog from before engine.crawl.folder_root holds)."""
        return sorted(self.roots)


class ItemFilter:
    """A scope bound to the catalog for one query."""

    def __init__(self, catalog: Catalog, scope: Scope) -> None:
        self.catalog = catalog
        self.roots = scope.spellings()
        self._sizes: tuple[int, int] | None = None  # (items, readable items), read once

    def sql(self) -> tuple[str, list[str]]:
        """A subquery of the readable item ids, and its arguments."""
        marks = ",".join("?" * len(self.roots)) or "NULL"
        return (
            f"SELECT i.id FROM items i JOIN files f ON f.id = i.file_id WHERE f.root IN ({marks})",
            list(self.roots),
        )

    def keep(self, hits: list[Hit]) -> list[Hit]:
        """The hits on readable items."""
        if not hits or not self.roots:
            return []
        allowed = self.allowed({h.item_id for h in hits})
        return [h for h in hits if h.item_id in allowed]

    def allowed(self, ids: set[int]) -> set[int]:
        rows = self.catalog.query_ids(
            "SELECT i.id, f.root FROM items i JOIN files f ON f.id = i.file_id WHERE i.id IN ({})",
            sorted(ids),
        )
        roots = set(self.roots)
        return {int(i) for i, root in rows if str(root) in roots}

    def widen(self, pool: int) -> int:
        """A candidate pool that still holds about ``pool`` readable items when hidden ones
        take their share of every ranking (exact when the readable part is small)."""
        if self._sizes is None:
            total = int(self.catalog.query("SELECT COUNT(*) FROM items")[0][0])
            sub, args = self.sql()
            mine = int(self.catalog.query(f"SELECT COUNT(*) FROM ({sub})", args)[0][0])
            self._sizes = (total, mine)
        total, mine = self._sizes
        if mine == 0:
            return pool
        return min(max(total, pool), pool * min(MAX_WIDEN, -(-total // mine)))


@dataclass(frozen=True)
class Readable:
    """An item a user may see. ``file`` is the real path of its file when that is a regular
    file inside its root; None when it is gone or lies outside (a link out, ``..``)."""

    item_id: int
    kind: ItemKind
    page: int | None
    file: Path | None


def readable(catalog: Catalog, scope: Scope, item_id: int) -> Readable | None:
    """The item when ``scope`` may read it; None alike for an unknown id and another root's."""
    rows = catalog.query(
        "SELECT i.kind, i.page, f.path, f.root FROM items i JOIN files f ON f.id = i.file_id"
        " WHERE i.id = ?",
        (item_id,),
    )
    if not rows or str(rows[0][3]) not in scope.spellings():
        return None
    kind, page, path, root = rows[0]
    return Readable(item_id, ItemKind(kind), page, _inside(stored_path(path), str(root)))


def _inside(path: Path, root: str) -> Path | None:
    """The real path of ``path`` when it is a regular file inside the real ``root``."""
    real = Path(os.path.realpath(path))
    top = Path(os.path.realpath(root))
    if not real.is_relative_to(top) or not real.is_file():
        return None
    return real


def scoped_status(catalog: Catalog, scope: Scope, models: dict[str, object]) -> dict[str, object]:
    """What a user may know of the library: their roots' counts, tiers and skipped files, and
    whether each search is on (``models``: Library.status()). No other root, path or total."""
    filt = ItemFilter(catalog, scope)
    sub, args = filt.sql()
    marks = ",".join("?" * len(args)) or "NULL"
    files = f"SELECT id, tier FROM files WHERE root IN ({marks})"
    count = f"SELECT COUNT(*) FROM ({files})"
    counts = {"files": int(catalog.query(count, args)[0][0])}
    for kind, n in catalog.query(
        f"SELECT kind, COUNT(*) FROM items WHERE id IN ({sub}) GROUP BY kind", args
    ):
        counts[str(kind)] = int(n)
    skipped = [
        {"path": p, "reason": r}
        for p, r in catalog.skipped()
        if any(_under(p, root) for root in scope.spellings())
    ]
    counts["skipped"] = len(skipped)
    tiers = {
        tier.value: int(catalog.query(f"{count} WHERE tier >= ?", [*args, tier.level])[0][0])
        for tier in (Tier.LEXICAL, Tier.TEXT_VECTORS, Tier.VISUAL)
    }
    keys = ("image_search", "image_search_problem", "text_search", "text_search_problem")
    return {
        "roots": sorted(scope.roots),
        "counts": counts,
        "tiers": tiers,
        "skipped": skipped,
        **{k: models.get(k) for k in (*keys, "clip_model", "text_model")},
    }


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
