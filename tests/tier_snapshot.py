"""What two index runs must agree on, whatever the order or interruptions they went through:
the content of a catalog (files, items, lexical rows, vector counts per space), not its ids."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from engine.config import FolderConfig
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.messages import Tier
from tests.fixtures import PageSpec, make_pdf, make_photo, pattern_image

Snapshot = dict[str, object]


def make_tier_corpus(root: Path, pdfs: int = 6, photos: int = 4) -> Path:
    """PDFs with a text page and a page with an embedded figure, and photos."""
    for i in range(pdfs):
        make_pdf(
            root / f"doc{i:02d}.pdf",
            [
                f"Datasheet {i} relay coil {i * 7} volts",
                PageSpec(text=f"Figure page {i} sensor", images=[pattern_image(seed=i)]),
            ],
        )
    for i in range(photos):
        make_photo(root / "photos" / f"bench_photo_{i}.png", seed=100 + i)
    return root


def snapshot(data_dir: Path) -> Snapshot:
    """The catalog's content, keyed by path and position rather than by row id."""
    conn = sqlite3.connect(data_dir / "catalog.sqlite3")
    try:
        files = sorted(
            conn.execute("SELECT display_path, tier, page_count, file_type FROM files").fetchall()
        )
        items = sorted(
            conn.execute(
                "SELECT f.display_path, i.kind, i.page, i.ordinal, i.text,"
                " i.thumbnail IS NOT NULL, x.item_id IS NOT NULL, i.ocr_done, i.ocr_text"
                " FROM items i JOIN files f ON f.id = i.file_id"
                " LEFT JOIN features x ON x.item_id = i.id"
            ).fetchall(),
            key=repr,
        )
        lexical = sorted(
            conn.execute(
                "SELECT f.display_path, i.kind, i.page, i.ordinal, l.body, l.filename"
                " FROM lexical l JOIN items i ON i.id = l.rowid JOIN files f ON f.id = i.file_id"
            ).fetchall(),
            key=repr,
        )
        vectors = dict(conn.execute("SELECT space, COUNT(*) FROM embeddings GROUP BY space"))
        skipped = sorted(conn.execute("SELECT display_path, reason FROM skipped").fetchall())
    finally:
        conn.close()
    return {
        "files": files,
        "items": items,
        "lexical": lexical,
        "vectors": vectors,
        "skipped": skipped,
    }


def index_whole(root: Path, data_dir: Path, encoders: Encoders) -> list[Tier]:
    """An uninterrupted run; returns the tiers it reported, in order."""
    seen: list[Tier] = []
    with Library(data_dir, encoders.settings, encoders) as lib:
        lib.index([FolderConfig(str(root))], on_tier=lambda e: seen.append(e.tier))
    return seen
