"""Vector search on pgvector (engine.store.vector_search): one table per embedding space
(``item_id``, ``embedding vector(dim)``), searched exactly below ``EXACT_BELOW`` vectors and
through an HNSW index (``vector_cosine_ops``) above.

The tables hold the catalog's raw vectors themselves (unit float32, keyed by the catalog's
item ids), so nothing is stored twice: the store writes them with :meth:`PgVectorSearch.add`
in its per-file transaction, and every ``serve`` process searches the same index.

HNSW parameters (benchmarks/bench_pgvector.py, docs/BENCHMARKS.md): ``m`` = 16 (pgvector's
default), ``ef_construction`` = 128 (twice its default: with 64, recall@10 stopped near 0.97
at 300k vectors however wide the search; with 128 it reached 0.990, for a build 1.6x as long),
and ``hnsw.ef_search`` set per query to ``max(EF_SEARCH, k)`` = 400, which gave recall@10
≥ 0.99 against exact search on the measured sets (10k to 300k).

Below ``EXACT_BELOW`` a sequential scan is exact and fast enough (30-40 ms at 10-20k vectors
on 2 busy cores), and building the graph, the slow part (~1,500 vectors/s on 2 cores), waits
until a space is that big.

Filtered search (a user who may read some roots only): a filter that lets through at most
``exact_below`` items is searched exactly over them (a join through the primary key). Otherwise
the graph is walked, and pgvector before 0.8 filters the ef_search candidates it found, which
can leave fewer than k: the search runs again at the widest ef_search, then exactly over the
allowed items, so a restricted user always gets the k best allowed items there are; a graph
pass is tried only when its candidates should hold 2k allowed items. pgvector 0.8's iterative
scans (``hnsw.iterative_scan``) keep walking the graph instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql

from engine.store.postgres.source import ConnectionSource
from engine.store.vector_search import ItemFilter, Neighbours

Connection = psycopg.Connection[Any]

HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128  # twice pgvector's default: 64 capped recall@10 near 0.97 at 300k
EF_SEARCH = 400  # per query: max(EF_SEARCH, k); pgvector accepts up to 1000
MAX_EF_SEARCH = 1000
EXACT_BELOW = 10_000
PLAIN_UP_TO = 2000  # dimensions whose rows still fit a page (8 kB) kept inline
BUILD_MEMORY = "1GB"  # maintenance_work_mem for a graph build: an in-memory build is fast

VECTOR_DDL = (
    "CREATE EXTENSION IF NOT EXISTS vector",
    """CREATE TABLE IF NOT EXISTS vector_spaces (
        space TEXT PRIMARY KEY,
        tab TEXT NOT NULL UNIQUE,
        dim INTEGER NOT NULL,
        indexed BOOLEAN NOT NULL DEFAULT false
    )""",
)


def ensure_vector_schema(c: Connection) -> None:
    """Create the registry of spaces if missing, in the caller's transaction (idempotent);
    a space's own table is created with its first vector."""
    for statement in VECTOR_DDL:
        c.execute(statement)


def table_name(space: str) -> str:
    """A table name for ``space``: readable, unique (a hash), under PostgreSQL's 63 bytes."""
    readable = re.sub(r"[^a-z0-9]+", "_", space.lower()).strip("_")[:40]
    return f"vec_{readable}_{hashlib.sha1(space.encode()).hexdigest()[:8]}"


def registered(c: Connection) -> Connection:
    """``c`` with pgvector's types (numpy arrays in, vectors out), registered once."""
    if c.adapters.types.get("vector") is None:
        register_vector(c)
    return c


def as_array(value: Any) -> np.ndarray:
    """A loaded ``vector`` as float32 (pgvector's loader returns its own Vector type)."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float32, copy=False)
    return np.asarray(value.to_numpy(), dtype=np.float32)


class PgVectorSearch:
    """Per-space vector tables: writes in the caller's transaction, reads through ``source``."""

    def __init__(
        self,
        source: ConnectionSource,
        exact_below: int = EXACT_BELOW,
        ef_search: int = EF_SEARCH,
    ) -> None:
        self.source = source
        self.exact_below = exact_below
        self.ef_search = ef_search
        self._version: tuple[int, ...] | None = None

    # --- writes (the caller's transaction) ------------------------------------------------

    def add(self, c: Connection, space: str, item_ids: Sequence[int], vectors: np.ndarray) -> None:
        """Store the vectors of ``item_ids`` in ``space`` (replacing theirs), normalised."""
        if not len(item_ids):
            return
        matrix = np.asarray(vectors, np.float32).reshape(len(item_ids), -1)
        matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        tab = sql.Identifier(self._create_space(registered(c), space, matrix.shape[1]))
        c.execute(sql.SQL("DELETE FROM {} WHERE item_id = ANY(%s)").format(tab), (list(item_ids),))
        copy_sql = sql.SQL("COPY {} (item_id, embedding) FROM STDIN WITH (FORMAT BINARY)")
        with c.cursor().copy(copy_sql.format(tab)) as copy:
            copy.set_types(["int8", "vector"])
            for item_id, row in zip(item_ids, matrix, strict=True):
                copy.write_row((int(item_id), row))

    def delete(self, c: Connection, item_ids: Sequence[int]) -> set[str]:
        """Remove ``item_ids`` from every space; returns the spaces that had any."""
        ids = list(item_ids)
        touched: set[str] = set()
        for space, tab in c.execute("SELECT space, tab FROM vector_spaces").fetchall():
            gone = c.execute(
                sql.SQL("DELETE FROM {} WHERE item_id = ANY(%s)").format(sql.Identifier(tab)),
                (ids,),
            )
            if gone.rowcount:
                touched.add(str(space))
        return touched

    def drop(self, c: Connection, space: str) -> None:
        """Forget ``space`` and its table (a model switch drops its vectors)."""
        row = c.execute(
            "DELETE FROM vector_spaces WHERE space = %s RETURNING tab", (space,)
        ).fetchone()
        if row:
            c.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(str(row[0]))))

    def _create_space(self, c: Connection, space: str, dim: int) -> str:
        # The registry row is the lock: a second writer of a new space waits on it, then
        # finds the table made (or makes it, if the first rolled back).
        tab = table_name(space)
        made = c.execute(
            "INSERT INTO vector_spaces (space, tab, dim) VALUES (%s, %s, %s)"
            " ON CONFLICT (space) DO NOTHING RETURNING tab",
            (space, tab, dim),
        ).fetchone()
        if made:
            c.execute(
                sql.SQL(
                    "CREATE TABLE {} (item_id BIGINT PRIMARY KEY, embedding vector({}) NOT NULL)"
                ).format(sql.Identifier(tab), sql.Literal(dim))
            )
            if dim <= PLAIN_UP_TO:
                # A row over ~2 kB (512-d and up) would go to TOAST, out of line: an exact
                # search then read 10x slower (1.46 s against 0.14 s at 100k, 512-d vs 384-d).
                c.execute(
                    sql.SQL("ALTER TABLE {} ALTER COLUMN embedding SET STORAGE PLAIN").format(
                        sql.Identifier(tab)
                    )
                )
            return tab
        found = c.execute("SELECT tab, dim FROM vector_spaces WHERE space = %s", (space,))
        row = found.fetchone()
        if row is None or int(row[1]) != dim:
            raise ValueError(f"space {space} holds {row and row[1]}-d vectors, not {dim}-d")
        return str(row[0])

    # --- the graph ---------------------------------------------------------------------------

    def ensure_index(self, space: str) -> bool:
        """Build the space's HNSW index once it holds ``exact_below`` vectors (after an index
        run, like the local graph); True when the space has one. Built CONCURRENTLY: writers
        go on meanwhile, and searches stay exact until it is done. Call it from the one
        writer of the library (the indexer, under the store's writer lock): a second builder
        would drop the first one's index as an interrupted build."""
        found = self._space(space)
        if found is None:
            return False
        tab, _dim, indexed = found
        if indexed:
            return True
        if self.count(space) < self.exact_below:
            return False
        index = sql.Identifier(f"{tab}_hnsw")
        with self.source.connection() as conn:  # autocommit: CONCURRENTLY needs it
            conn.execute(sql.SQL("SET maintenance_work_mem = {}").format(sql.Literal(BUILD_MEMORY)))
            # A build that was interrupted leaves an invalid index of that name: start over.
            conn.execute(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(index))
            conn.execute(
                sql.SQL(
                    "CREATE INDEX CONCURRENTLY {} ON {} USING hnsw (embedding vector_cosine_ops)"
                    " WITH (m = {}, ef_construction = {})"
                ).format(
                    index,
                    sql.Identifier(tab),
                    sql.Literal(HNSW_M),
                    sql.Literal(HNSW_EF_CONSTRUCTION),
                )
            )
            conn.execute("UPDATE vector_spaces SET indexed = true WHERE space = %s", (space,))
        return True

    # --- reads -----------------------------------------------------------------------------

    def dims(self) -> dict[str, int]:
        rows = self._read("SELECT space, dim FROM vector_spaces", ())
        return {str(s): int(d) for s, d in rows}

    def count(self, space: str) -> int:
        found = self._space(space)
        if found is None:
            return 0
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(found[0]))
        return int(self._read(query, ())[0][0])

    def vectors(self, space: str) -> tuple[np.ndarray, np.ndarray]:
        """(keys, vectors) of the whole space, by item id (calibration, tests)."""
        found = self._space(space)
        if found is None:
            return np.zeros(0, np.uint64), np.zeros((0, 0), np.float32)
        tab, dim, _ = found
        query = sql.SQL("SELECT item_id, embedding FROM {} ORDER BY item_id")
        rows = self._read(query.format(sql.Identifier(tab)), ())
        keys = np.array([int(i) for i, _ in rows], np.uint64)
        matrix = np.zeros((len(rows), dim), np.float32)
        for n, (_, vec) in enumerate(rows):
            matrix[n] = as_array(vec)
        return keys, matrix

    def nearest(
        self, space: str, query: np.ndarray, k: int, allowed: ItemFilter | None = None
    ) -> Neighbours:
        found = self._space(space)
        if found is None or k <= 0:
            return Neighbours.none(found[1] if found else 0)
        tab, dim, indexed = found
        q = np.asarray(query, np.float32).reshape(dim)
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        with self.source.connection() as conn, conn.transaction():
            registered(conn)
            if not indexed:
                return self._search(conn, tab, dim, q, k, allowed)
            if allowed is None or allowed == ItemFilter():
                self._set(conn, "hnsw.ef_search", min(max(self.ef_search, k), MAX_EF_SEARCH))
                return self._search(conn, tab, dim, q, k, None)
            count = self._allowed_count(conn, allowed)
            if count > self.exact_below:
                share = count / max(self._rows(conn, tab), 1)
                got = self._filtered_graph_search(conn, tab, dim, q, k, allowed, share)
                if len(got) >= k:
                    return got
            # Few allowed items, or too few among the graph's candidates: exact over them.
            self._set(conn, "enable_indexscan", "off")
            return self._search(conn, tab, dim, q, k, allowed)

    def _filtered_graph_search(
        self,
        conn: Connection,
        tab: str,
        dim: int,
        q: np.ndarray,
        k: int,
        allowed: ItemFilter,
        share: float,
    ) -> Neighbours:
        """The graph's nearest allowed items; fewer than ``k`` when the graph's candidates hold
        fewer allowed ones. At the usual ef_search, then at the widest, each only when its
        candidates should hold twice ``k`` allowed items (``share`` of all are allowed): a
        pass that comes back short costs as much as one that does not."""
        iterative = self.version(conn) >= (0, 8)
        if iterative:  # the scan goes on until k allowed items are found
            self._set(conn, "hnsw.iterative_scan", "relaxed_order")
        first = min(max(self.ef_search, k), MAX_EF_SEARCH)
        passes = [first] if iterative else [first, MAX_EF_SEARCH]
        got = Neighbours.none(dim)
        for ef in dict.fromkeys(e for e in passes if iterative or e * share >= 2 * k):
            self._set(conn, "hnsw.ef_search", ef)
            got = self._search(conn, tab, dim, q, k, allowed)
            if len(got) >= k:
                break
        order = np.argsort(-got.sims, kind="stable")  # relaxed order: nearly sorted
        return Neighbours(got.keys[order], got.sims[order], got.vectors[order])

    def _allowed_count(self, conn: Connection, allowed: ItemFilter) -> int:
        """About how many items ``allowed`` lets through (the roots' items, any space): the
        planner's estimate for roots, as counting half a big library's items would cost more
        than the search it decides."""
        counts = [] if allowed.item_ids is None else [len(allowed.item_ids)]
        if allowed.roots is not None:
            row = conn.execute(
                "EXPLAIN (FORMAT JSON) SELECT 1 FROM items i JOIN files f ON f.id = i.file_id"
                " WHERE f.root = ANY(%s)",
                (list(allowed.roots),),
            ).fetchone()
            counts.append(int(row[0][0]["Plan"]["Plan Rows"]) if row else 0)
        return min(counts)

    def _rows(self, conn: Connection, tab: str) -> int:
        """The table's row count as the planner's statistics have it (no scan); counted when
        the table was never analysed."""
        row = conn.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", (tab,))
        estimate = row.fetchone()
        if estimate is not None and float(estimate[0]) >= 0:
            return int(estimate[0])
        counted = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(tab)))
        return int((counted.fetchone() or (0,))[0])

    def _search(
        self,
        conn: Connection,
        tab: str,
        dim: int,
        q: np.ndarray,
        k: int,
        allowed: ItemFilter | None,
    ) -> Neighbours:
        where, args = _where(allowed)
        query = sql.SQL(
            "SELECT item_id, 1 - (embedding <=> %(q)s), embedding FROM {} {}"
            " ORDER BY embedding <=> %(q)s LIMIT %(k)s"
        ).format(sql.Identifier(tab), where)
        rows = conn.execute(query, {"q": q, "k": k, **args}).fetchall()
        if not rows:
            return Neighbours.none(dim)
        return Neighbours(
            np.array([int(r[0]) for r in rows], np.uint64),
            np.array([float(r[1]) for r in rows], np.float32),
            np.stack([as_array(r[2]) for r in rows]),
        )

    def version(self, conn: Connection) -> tuple[int, ...]:
        """The installed pgvector's version (iterative scans came with 0.8)."""
        if self._version is None:
            row = conn.execute(
                "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
            ).fetchone()
            text = str(row[0]) if row else "0"
            self._version = tuple(int(p) for p in re.findall(r"\d+", text))
        return self._version

    def _set(self, conn: Connection, name: str, value: object) -> None:
        """A setting for this transaction only (SET LOCAL takes no bind parameters)."""
        conn.execute(
            sql.SQL("SET LOCAL {} = {}").format(
                sql.SQL(".").join(sql.Identifier(p) for p in name.split(".")),
                sql.Literal(str(value)),
            )
        )

    def _space(self, space: str) -> tuple[str, int, bool] | None:
        rows = self._read("SELECT tab, dim, indexed FROM vector_spaces WHERE space = %s", (space,))
        return (str(rows[0][0]), int(rows[0][1]), bool(rows[0][2])) if rows else None

    def _read(self, query: Any, args: Any) -> list[tuple[Any, ...]]:
        with self.source.connection() as conn:
            return registered(conn).execute(query, args).fetchall()


def _where(allowed: ItemFilter | None) -> tuple[sql.Composable, dict[str, Any]]:
    """The WHERE clause of a filtered search: ids, and roots through the catalog's items and
    files tables (engine.store.postgres catalog: items.file_id → files.id, files.root)."""
    if allowed is None:
        return sql.SQL(""), {}
    clauses: list[sql.Composable] = []
    args: dict[str, Any] = {}
    if allowed.item_ids is not None:
        clauses.append(sql.SQL("item_id = ANY(%(ids)s)"))
        args["ids"] = sorted(allowed.item_ids)
    if allowed.roots is not None:
        clauses.append(
            sql.SQL(
                "item_id IN (SELECT i.id FROM items i JOIN files f ON f.id = i.file_id"
                " WHERE f.root = ANY(%(roots)s))"
            )
        )
        args["roots"] = list(allowed.roots)
    if not clauses:
        return sql.SQL(""), {}
    return sql.SQL("WHERE ") + sql.SQL(" AND ").join(clauses), args
