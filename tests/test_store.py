"""Catalog schema versions and the derived usearch indexes (no models needed)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest

from engine.store import vectors as vectors_mod
from engine.store.catalog import CATALOG_FILE, Catalog
from engine.store.records import NewItem
from engine.store.schema import MIGRATIONS, SCHEMA_VERSION, SchemaTooNew
from engine.store.vectors import VectorSpace, VectorStore, slug
from engine.types import FileEntry, FileType, ItemKind

SPACE = "clip:test"


def unit(rng: np.random.Generator, dim: int = 16) -> np.ndarray:
    v = rng.normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def add_file(cat: Catalog, path: Path, vectors: list[np.ndarray]) -> list[int]:
    entry = FileEntry(path, 10, time.time_ns(), FileType.IMAGE)
    items = [NewItem(ItemKind.PHOTO, None, n, vectors={SPACE: v}) for n, v in enumerate(vectors)]
    _, _, added = cat.replace_file(entry, str(path.parent), "h", 0, [], items, extractor=1)
    return added[SPACE]


def test_fresh_catalog_is_at_the_current_version_and_in_wal_mode(tmp_path: Path) -> None:
    cat = Catalog(tmp_path)
    assert cat.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert cat.query("PRAGMA journal_mode")[0][0] == "wal"
    cat.close()


def test_old_catalog_is_migrated_step_by_step_keeping_its_data(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / CATALOG_FILE)
    conn.executescript(MIGRATIONS[0] + "\nPRAGMA user_version = 1;")
    conn.execute(
        "INSERT INTO files (path, display_path, root, file_type, size, mtime_ns, indexed_at)"
        " VALUES (?, 'a.pdf', '/', 'pdf', 1, 1, 0)",
        (b"/a.pdf",),
    )
    conn.commit()
    conn.close()
    cat = Catalog(tmp_path)
    assert cat.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert cat.counts()["files"] == 1
    # v2 added the lexical index and OCR columns.
    assert cat.query("SELECT COUNT(*) FROM lexical")[0][0] == 0
    assert cat.query("SELECT ocr_done FROM items") == []
    cat.close()


def test_catalog_from_a_newer_version_is_refused_not_damaged(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / CATALOG_FILE)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer Sagasu"):
        Catalog(tmp_path)
    conn = sqlite3.connect(tmp_path / CATALOG_FILE)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    conn.close()


def test_non_utf8_paths_round_trip(tmp_path: Path) -> None:
    cat = Catalog(tmp_path)
    odd = Path(tmp_path.as_posix() + "/caf\udce9.jpg")  # byte 0xE9: not UTF-8
    ids = add_file(cat, odd, [unit(np.random.default_rng(0))])
    assert cat.items(ids)[ids[0]].path == odd
    cat.close()


def test_vector_index_matches_catalog_and_finds_nearest(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    cat = Catalog(tmp_path)
    store = VectorStore(cat, tmp_path / "vectors")
    vecs = [unit(rng) for _ in range(30)]
    ids = add_file(cat, tmp_path / "a.jpg", vecs)
    store.ensure(SPACE, 16).add(ids, np.stack(vecs))
    store.save()
    keys, sims = store.get(SPACE).search(vecs[7], 3)  # type: ignore[union-attr]
    assert int(keys[0]) == ids[7] and sims[0] == pytest.approx(1.0, abs=1e-5)
    cat.close()


def test_stale_index_after_a_crash_is_rebuilt_from_raw_vectors(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    cat = Catalog(tmp_path)
    store = VectorStore(cat, tmp_path / "vectors")
    first = [unit(rng) for _ in range(5)]
    ids = add_file(cat, tmp_path / "a.jpg", first)
    store.ensure(SPACE, 16).add(ids, np.stack(first))
    store.save()
    # A second file commits to the catalog, then the process "dies" before saving the index.
    add_file(cat, tmp_path / "b.jpg", [unit(rng) for _ in range(4)])
    cat.close()
    cat = Catalog(tmp_path)
    reopened = VectorStore(cat, tmp_path / "vectors").get(SPACE)
    assert reopened is not None and len(reopened) == 9
    cat.close()


@pytest.mark.parametrize("damaged", [".vectors.npz", ".stamp.json"])
def test_corrupt_vector_files_are_rebuilt(tmp_path: Path, damaged: str) -> None:
    rng = np.random.default_rng(3)
    cat = Catalog(tmp_path)
    store = VectorStore(cat, tmp_path / "vectors")
    vecs = [unit(rng) for _ in range(6)]
    ids = add_file(cat, tmp_path / "a.jpg", vecs)
    store.ensure(SPACE, 16).add(ids, np.stack(vecs))
    store.save()
    (tmp_path / "vectors" / f"{slug(SPACE)}{damaged}").write_bytes(b"garbage")
    reopened = VectorStore(cat, tmp_path / "vectors").get(SPACE)
    assert reopened is not None and len(reopened) == 6
    keys, _ = reopened.search(vecs[2], 1)
    assert int(keys[0]) == ids[2]
    cat.close()


def test_exact_search_equals_brute_force_after_adds_and_removals() -> None:
    rng = np.random.default_rng(5)
    vs = VectorSpace(SPACE, 16)
    vecs = {k: unit(rng) for k in range(1, 201)}
    vs.add(list(vecs), np.stack(list(vecs.values())))
    vs.remove(list(range(1, 201, 3)))  # holes filled from the end of the matrix
    vs.add([7, 500], np.stack([unit(rng), unit(rng)]))  # 7 was kept: replaced, not duplicated
    kept = {k: v for k, v in vecs.items() if (k - 1) % 3 != 0}
    kept[7] = vs.vectors([7])[0]
    kept[500] = vs.vectors([500])[0]
    assert len(vs) == len(kept)
    query = unit(rng)
    keys, sims = vs.search(query, 10)
    truth = sorted(kept, key=lambda k: -float(kept[k] @ query))[:10]
    assert [int(k) for k in keys] == truth
    np.testing.assert_allclose(sims, [kept[k] @ query for k in truth], atol=1e-5)


def test_large_spaces_get_a_persisted_ann_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors_mod, "EXACT_BELOW", 50)
    rng = np.random.default_rng(6)
    cat = Catalog(tmp_path)
    store = VectorStore(cat, tmp_path / "vectors")
    small = [unit(rng) for _ in range(20)]
    ids = add_file(cat, tmp_path / "a.jpg", small)
    store.ensure(SPACE, 16).add(ids, np.stack(small))
    store.save()
    assert store.get(SPACE).graph is None  # type: ignore[union-attr]
    assert not (tmp_path / "vectors" / f"{slug(SPACE)}.usearch").exists()
    more = [unit(rng) for _ in range(60)]
    ids += add_file(cat, tmp_path / "b.jpg", more)
    store.get(SPACE).add(ids[20:], np.stack(more))  # type: ignore[union-attr]
    store.save()
    reopened = VectorStore(cat, tmp_path / "vectors").get(SPACE)
    assert reopened is not None and reopened.graph is not None and len(reopened.graph) == 80
    keys, sims = reopened.search(more[11], 3)
    assert int(keys[0]) == ids[31] and sims[0] == pytest.approx(1.0, abs=1e-4)
    # Removing items keeps matrix and graph in step.
    reopened.remove([ids[31]])
    keys, _ = reopened.search(more[11], 3)
    assert ids[31] not in {int(k) for k in keys} and len(reopened) == 79
    cat.close()


def test_replacing_a_file_removes_its_old_items_and_vectors(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    cat = Catalog(tmp_path)
    add_file(cat, tmp_path / "a.jpg", [unit(rng) for _ in range(3)])
    add_file(cat, tmp_path / "a.jpg", [unit(rng)])
    assert cat.counts()["files"] == 1 and cat.counts()["photo"] == 1
    assert cat.vector_counts() == {SPACE: 1}
    cat.close()
