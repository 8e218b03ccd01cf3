"""Nearest-neighbour search on both stores (engine.store.vector_search.VectorSearch): the local
VectorStore and pgvector give the exact k nearest below their graph size, restrict to allowed
items (by ids, by roots), and pgvector's HNSW graph keeps recall@10 ≥ 0.99 above it, falling
back to exact search when a filter leaves the graph's candidates short."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest

from engine.messages import Tier
from engine.store.catalog import Catalog, NewItem
from engine.store.postgres.source import ThreadConnections
from engine.store.postgres.vectors import PgVectorSearch, ensure_vector_schema
from engine.store.vector_search import ItemFilter, VectorSearch
from engine.store.vectors import VectorStore
from engine.types import FileEntry, FileType, ItemKind

SPACE = "text:test-minilm"
DIM = 32
PAGES = 150  # per file; one file under each root


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def exact(keys: np.ndarray, matrix: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    sims = matrix @ (query / np.linalg.norm(query))
    return [int(keys[i]) for i in np.argsort(-sims, kind="stable")[:k]]


def pg_catalog_tables(conn: psycopg.Connection[Any], files: dict[int, str], items: dict[int, int]):
    """The two catalog tables a roots filter joins (pg-store's catalog has them, with more
    columns); here only what the join reads."""
    conn.execute("CREATE TABLE files (id BIGINT PRIMARY KEY, root TEXT NOT NULL)")
    conn.execute("CREATE TABLE items (id BIGINT PRIMARY KEY, file_id BIGINT NOT NULL)")
    for file_id, root in files.items():
        conn.execute("INSERT INTO files VALUES (%s, %s)", (file_id, root))
    for item_id, file_id in items.items():
        conn.execute("INSERT INTO items VALUES (%s, %s)", (item_id, file_id))


class Library:
    """The same vectors in a SQLite catalog (with its VectorStore) and in pgvector."""

    def __init__(self, tmp_path: Path, pg_url: str) -> None:
        rng = np.random.default_rng(7)
        self.catalog = Catalog(tmp_path / "data")
        self.matrix = unit(rng.normal(size=(2 * PAGES, DIM)))
        ids: list[int] = []
        files: dict[int, str] = {}
        items: dict[int, int] = {}
        for n, root in enumerate(("/share/a", "/share/b")):
            rows = self.matrix[n * PAGES : (n + 1) * PAGES]
            file_id, _, added = self.catalog.replace_file(
                FileEntry(Path(root) / "doc.pdf", 1, 1, FileType.PDF),
                root,
                None,
                PAGES,
                [],
                [NewItem(ItemKind.PAGE, p + 1, 0, vectors={SPACE: v}) for p, v in enumerate(rows)],
                extractor=1,
                tier=Tier.VISUAL,
            )
            files[file_id] = root
            items.update((i, file_id) for i in added[SPACE])
            ids += added[SPACE]
        self.keys = np.array(ids, np.uint64)
        self.roots = {i: files[f] for i, f in items.items()}
        self.local = VectorStore(self.catalog, tmp_path / "data" / "vectors")
        self.source = ThreadConnections(pg_url)
        self.pg = PgVectorSearch(self.source)
        with psycopg.connect(pg_url) as conn, conn.transaction():
            ensure_vector_schema(conn)
            pg_catalog_tables(conn, files, items)
            self.pg.add(conn, SPACE, ids, self.matrix)

    def close(self) -> None:
        self.source.close()
        self.catalog.close()


@pytest.fixture
def lib(tmp_path: Path, pg_url: str) -> Iterator[Library]:
    library = Library(tmp_path, pg_url)
    yield library
    library.close()


def stores(lib: Library) -> dict[str, VectorSearch]:
    return {"local": lib.local, "pgvector": lib.pg}


def test_both_stores_find_the_exact_nearest_items_with_their_vectors(lib: Library) -> None:
    query = np.random.default_rng(1).normal(size=DIM).astype(np.float32)
    want = exact(lib.keys, lib.matrix, query, 10)
    for name, store in stores(lib).items():
        near = store.nearest(SPACE, query, 10)
        assert [int(k) for k in near.keys] == want, name
        rows = [int(np.flatnonzero(lib.keys == k)[0]) for k in near.keys]
        np.testing.assert_allclose(near.vectors, lib.matrix[rows], atol=1e-6)
        np.testing.assert_allclose(near.sims, lib.matrix[rows] @ unit(query[None])[0], atol=1e-5)
        assert len(store.nearest("clip:unknown-space", query, 10)) == 0


def test_both_stores_restrict_a_search_to_allowed_ids_and_roots(lib: Library) -> None:
    query = np.random.default_rng(2).normal(size=DIM).astype(np.float32)
    some = frozenset(int(k) for k in lib.keys[::7])
    under_b = np.array([lib.roots[int(k)] == "/share/b" for k in lib.keys])
    both = frozenset(k for k in some if lib.roots[k] == "/share/b")
    cases = [
        (ItemFilter(item_ids=some), np.array([int(k) in some for k in lib.keys])),
        (ItemFilter(roots=("/share/b",)), under_b),
        (
            ItemFilter(item_ids=some, roots=("/share/b",)),
            np.array([int(k) in both for k in lib.keys]),
        ),
        (ItemFilter(roots=("/elsewhere",)), np.zeros(len(lib.keys), bool)),
    ]
    for allowed, mask in cases:
        want = exact(lib.keys[mask], lib.matrix[mask], query, 10)
        for name, store in stores(lib).items():
            near = store.nearest(SPACE, query, 10, allowed)
            assert [int(k) for k in near.keys] == want, (name, allowed)


def test_pgvector_writes_replace_delete_and_roll_back_with_the_transaction(
    lib: Library, pg_url: str
) -> None:
    first, second = int(lib.keys[0]), int(lib.keys[1])
    target = unit(np.ones((1, DIM)))
    with psycopg.connect(pg_url) as conn:
        with conn.transaction():
            lib.pg.add(conn, SPACE, [first], target)  # replaces its vector
            assert lib.pg.delete(conn, [second, 10**9]) == {SPACE}
        with pytest.raises(RuntimeError), conn.transaction():
            lib.pg.add(conn, SPACE, [second], target)
            raise RuntimeError("the file's transaction failed")
        with pytest.raises(ValueError, match="32-d"), conn.transaction():
            lib.pg.add(conn, SPACE, [second], np.ones((1, DIM + 1), np.float32))
    near = lib.pg.nearest(SPACE, target[0], 3)
    assert int(near.keys[0]) == first and near.sims[0] == pytest.approx(1.0, abs=1e-5)
    assert second not in {int(k) for k in near.keys}
    assert lib.pg.count(SPACE) == 2 * PAGES - 1
    assert lib.pg.dims() == {SPACE: DIM}


def clustered(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors around 50 topics, as embeddings of a library's pages gather."""
    centres = np.random.default_rng(0).normal(size=(50, DIM))
    return unit(centres[rng.integers(0, 50, n)] + 0.3 * rng.normal(size=(n, DIM)))


@pytest.fixture
def graph(pg_url: str) -> Iterator[tuple[PgVectorSearch, np.ndarray, np.ndarray]]:
    """5,000 clustered vectors in pgvector, past a lowered graph size: an HNSW index (and a
    filter letting through over 2,000 items walks the graph)."""
    matrix = clustered(5000, np.random.default_rng(3))
    keys = np.arange(1, 5001, dtype=np.uint64)
    source = ThreadConnections(pg_url)
    search = PgVectorSearch(source, exact_below=2000)
    with psycopg.connect(pg_url) as conn, conn.transaction():
        ensure_vector_schema(conn)
        search.add(conn, SPACE, [int(k) for k in keys], matrix)
    assert search.ensure_index(SPACE)
    yield search, keys, matrix
    source.close()


def test_pgvector_builds_its_hnsw_index_past_the_size_and_keeps_recall(
    graph: tuple[PgVectorSearch, np.ndarray, np.ndarray], pg_url: str
) -> None:
    search, keys, matrix = graph
    with psycopg.connect(pg_url) as conn:
        (definition,) = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname LIKE 'vec_%hnsw'"
        ).fetchone()
    assert "hnsw" in definition and "vector_cosine_ops" in definition and "m='16'" in definition
    queries = clustered(30, np.random.default_rng(4))  # held out, like the items
    found = 0
    for query in queries:
        near = search.nearest(SPACE, query, 10)
        found += len(set(exact(keys, matrix, query, 10)) & {int(k) for k in near.keys})
    assert found / (10 * len(queries)) >= 0.99


def test_a_filter_of_half_the_items_keeps_recall_on_the_graph(
    graph: tuple[PgVectorSearch, np.ndarray, np.ndarray],
) -> None:
    search, keys, matrix = graph
    half = np.random.default_rng(6).random(len(keys)) < 0.5
    allowed = ItemFilter(item_ids=frozenset(int(k) for k in keys[half]))
    found = 0
    for query in clustered(20, np.random.default_rng(7)):
        near = search.nearest(SPACE, query, 10, allowed)
        assert all(half[int(k) - 1] for k in near.keys)
        found += len(set(exact(keys[half], matrix[half], query, 10)) & {int(k) for k in near.keys})
    assert found / 200 >= 0.99


def test_a_filter_the_graph_misses_falls_back_to_exact_search(
    graph: tuple[PgVectorSearch, np.ndarray, np.ndarray],
) -> None:
    search, keys, matrix = graph
    query = np.random.default_rng(5).normal(size=DIM).astype(np.float32)
    # Half the items, the half farthest from the query: the planner walks the graph (the
    # filter is not selective), whose candidates are all near the query, so none is allowed.
    far = np.argsort(matrix @ query)[:2500]
    allowed = ItemFilter(item_ids=frozenset(int(keys[i]) for i in far))
    near = search.nearest(SPACE, query, 10, allowed)
    assert [int(k) for k in near.keys] == exact(keys[far], matrix[far], query, 10)


def test_a_roots_filter_on_the_graph_finds_the_nearest_items_under_those_roots(
    graph: tuple[PgVectorSearch, np.ndarray, np.ndarray], pg_url: str
) -> None:
    search, keys, matrix = graph
    # 5,000 items in 100 files, each under its own root; ANALYZE gives the planner its counts.
    files = {f: f"/share/{f}" for f in range(100)}
    with psycopg.connect(pg_url) as conn:
        with conn.transaction():
            pg_catalog_tables(conn, files, {int(k): int(k) % 100 for k in keys})
        conn.execute("ANALYZE")
    file_of = keys.astype(np.int64) % 100
    for share in (60, 1):  # the graph, then exact search over 50 items
        allowed = ItemFilter(roots=tuple(files[f] for f in range(share)))
        mask = file_of < share
        found = 0
        for query in clustered(10, np.random.default_rng(8)):
            near = search.nearest(SPACE, query, 10, allowed)
            assert all(mask[int(k) - 1] for k in near.keys)
            found += len(
                set(exact(keys[mask], matrix[mask], query, 10)) & {int(k) for k in near.keys}
            )
        assert found / 100 >= 0.99, share
