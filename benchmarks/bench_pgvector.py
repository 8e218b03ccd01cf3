"""pgvector HNSW vs exact search (issue #15): recall@10, query latency p50/p95, insert and
index build time, filtered queries, through the engine's own PgVectorSearch.

Each (dimension, size) gets a fresh database: vectors go in through ``PgVectorSearch.add``
(binary COPY, 20,000 per transaction), exact search is timed on the unindexed table (what a
space below ``EXACT_BELOW`` does), then the HNSW index is built by ``ensure_index`` (the
engine's m / ef_construction) and every query is searched one at a time as a user's query is,
at the engine's ``ef_search`` and the others given. Ground truth is a numpy matrix product.
Filtered queries restrict to the items of some roots (a join with ``items`` and ``files``, as
the team server restricts a user), at 50 %, 10 % and 1 % of the items.

Vectors. With ``--real CATALOG`` (a copy of a library's catalog.sqlite3), the 384-d sets are
that library's real MiniLM chunk vectors, and past their number neighbours of them (a real
vector plus Gaussian noise of norm ~0.8: at 100k the nearest and 10th nearest cosines of a
query are 0.79 and 0.64, against 0.79 and 0.60 among the 10.7k real ones); the queries are
real chunks held out of the set. Otherwise (and for 512-d) unit vectors around 500 topics
and 20 sub-topics each, with a shared offset. Each run prints the mean cosine of a query's
nearest and 10th nearest items and the mean cosine between items. (A set of the real vectors
followed by topic vectors — this script at commit ced81e3 — is two islands, and HNSW then
misses much of the smaller one: docs/BENCHMARKS.md.)

    .venv/bin/python benchmarks/bench_pgvector.py --size 20000,100000 --dim 384,512 \\
        --real /tmp/copy-of-library/catalog.sqlite3
    .venv/bin/python benchmarks/bench_pgvector.py --size 1000000 --dim 384 --workers 15 \\
        --build-memory 8GB        # a 16-core, 128 GiB machine

Without ``--url`` a private PostgreSQL (pgserver, Unix socket, temporary folder) is started.
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import common
import numpy as np
import psycopg

from engine.store.postgres import vectors as pgv
from engine.store.postgres.source import ThreadConnections
from engine.store.postgres.vectors import PgVectorSearch, ensure_vector_schema
from engine.store.vector_search import ItemFilter

SPACE = "bench:vectors"
AROUND_REAL = 0.8  # noise around a real vector (module docstring)
BATCH = 20_000
FILES = 100  # items belong to files round robin; each file has its own root


@dataclass
class DataSet:
    vectors: np.ndarray
    queries: np.ndarray
    real_queries: int  # the first ones are real held-out vectors


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


class Topics:
    """Unit vectors around topics and sub-topics with a shared offset (module docstring)."""

    def __init__(self, dim: int, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.dim = dim
        self.offset = unit(rng.normal(size=(1, dim)))[0]
        self.topics = rng.normal(size=(500, dim)) / np.sqrt(dim)
        self.subs = rng.normal(size=(500, 20, dim)) / np.sqrt(dim)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        out = np.empty((n, self.dim), np.float32)
        for start in range(0, n, 50_000):
            m = min(n, start + 50_000) - start
            t, s = rng.integers(0, 500, m), rng.integers(0, 20, m)
            noise = rng.normal(size=(m, self.dim)) / np.sqrt(self.dim)
            out[start : start + m] = unit(
                0.55 * self.offset + self.topics[t] + 0.8 * self.subs[t, s] + 0.45 * noise
            )
        return out


def real_vectors(catalog: str, dim: int) -> np.ndarray:
    conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT e.vector FROM embeddings e JOIN spaces s ON s.space = e.space"
        " WHERE s.dim = ? AND e.space LIKE 'text:%' ORDER BY e.item_id",
        (dim,),
    ).fetchall()
    conn.close()
    return np.stack([np.frombuffer(r[0], np.float32) for r in rows]) if rows else np.zeros((0, dim))


def data_set(size: int, dim: int, queries: int, real: np.ndarray, seed: int) -> DataSet:
    rng = np.random.default_rng(seed)
    if not len(real):
        topics = Topics(dim)
        return DataSet(topics.sample(size, rng), topics.sample(queries, rng), 0)
    # Real chunks, held-out real chunks as queries, and past the real ones neighbours of them:
    # one distribution, as a bigger library of the same kind of documents would be.
    real = real[rng.permutation(len(real))]
    held, kept = real[:queries], real[queries : queries + size]
    seeds = kept[rng.integers(0, len(kept), size - len(kept))]
    noise = rng.normal(size=seeds.shape).astype(np.float32) / np.sqrt(dim)
    vectors = np.concatenate([kept, unit(seeds + AROUND_REAL * noise)])
    return DataSet(unit(vectors), unit(held), len(held))


def neighbour_stats(data: np.ndarray, queries: np.ndarray) -> str:
    top = -np.partition(-(queries @ data.T), [0, 9], axis=1)
    pair = float((data[:2000] @ data[:2000].T).mean())
    return f"nearest {top[:, 0].mean():.2f}, 10th {top[:, 9].mean():.2f}, between items {pair:.2f}"


def exact_topk(data: np.ndarray, queries: np.ndarray, k: int, mask: Any = None) -> np.ndarray:
    """Per query, the cosine of its k-th nearest row (among ``mask`` rows if given)."""
    out = []
    rows = np.arange(len(data)) if mask is None else np.flatnonzero(mask)
    for start in range(0, len(queries), 100):
        sims = queries[start : start + 100] @ data[rows].T
        out.append(-np.partition(-sims, k - 1, axis=1)[:, k - 1])
    return np.concatenate(out)


def timed_queries(
    search: PgVectorSearch, queries: np.ndarray, k: int, allowed: ItemFilter | None = None
) -> tuple[list[set[int]], list[float]]:
    found, times = [], []
    for q in queries:
        t = time.perf_counter()
        near = search.nearest(SPACE, q, k, allowed)
        times.append(time.perf_counter() - t)
        found.append({int(key) for key in near.keys})
    return found, times


def recall(
    found: list[set[int]], kth: np.ndarray, k: int, data: np.ndarray, queries: np.ndarray
) -> float:
    """Share of the true k nearest found. A found item counts when it is as near as the true
    k-th: the real vectors hold identical chunks (a repeated header), and any of a tie is right."""
    hits = 0
    for ids, threshold, q in zip(found, kth, queries, strict=True):
        sims = data[[i - 1 for i in ids]] @ q if ids else np.zeros(0)
        hits += min(k, int(np.sum(sims >= threshold - 1e-5)))
    return hits / (k * len(kth))


def ms(times: list[float]) -> str:
    p95 = float(np.percentile(times, 95)) if len(times) > 1 else times[0]
    return f"p50 {1000 * statistics.median(times):6.1f} ms  p95 {1000 * p95:6.1f} ms"


def fill(url: str, data: np.ndarray) -> float:
    """Insert every vector (ids 1..n) and the catalog rows a roots filter joins; seconds."""
    search = PgVectorSearch(ThreadConnections(url))
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:  # VACUUM needs autocommit
        with conn.transaction():
            ensure_vector_schema(conn)
        for start in range(0, len(data), BATCH):
            stop = min(len(data), start + BATCH)
            with conn.transaction():
                search.add(conn, SPACE, list(range(start + 1, stop + 1)), data[start:stop])
        elapsed = time.perf_counter() - started
        with conn.transaction():
            conn.execute("CREATE TABLE files (id BIGINT PRIMARY KEY, root TEXT NOT NULL)")
            conn.execute("CREATE TABLE items (id BIGINT PRIMARY KEY, file_id BIGINT NOT NULL)")
            conn.execute("CREATE INDEX items_file ON items (file_id)")  # as the catalog has
            conn.execute(
                "INSERT INTO files SELECT g, 'root' || g FROM generate_series(0, %s) g",
                (FILES - 1,),
            )
            conn.execute(
                "INSERT INTO items SELECT g, g %% %s FROM generate_series(1, %s) g",
                (FILES, len(data)),
            )
        conn.execute("VACUUM ANALYZE")
    return elapsed


def run_one(
    server: Any, url_of: Any, size: int, dim: int, args: argparse.Namespace, real: np.ndarray
) -> None:
    print(f"\n== {size:,} vectors, {dim}-d ==", flush=True)
    own = real if dim == real.shape[1] else np.zeros((0, dim), np.float32)
    ds = data_set(size, dim, args.queries, own, args.seed)
    origin = "real MiniLM chunks, then neighbours of them" if ds.real_queries else "topics"
    print(f"data: {size:,} vectors ({origin}); {len(ds.queries)} queries, {ds.real_queries} real")
    print(f"  cosines: {neighbour_stats(ds.vectors, ds.queries)}")
    name = f"bench_{dim}_{size}"
    url = url_of(name)
    insert_s = fill(url, ds.vectors)
    print(
        f"insert: {insert_s:.1f} s ({size / insert_s:,.0f} vectors/s,"
        f" binary COPY, {BATCH:,} a transaction)"
    )
    source = ThreadConnections(url)
    k = args.k
    truth = exact_topk(ds.vectors, ds.queries, k)

    def rc(found: list[set[int]], part: slice = slice(None), kth: np.ndarray = truth) -> float:
        return recall(found, kth[part], k, ds.vectors, ds.queries[part])

    exact = PgVectorSearch(source, exact_below=size + 1)
    n_exact = min(args.exact_queries, len(ds.queries))
    found, times = timed_queries(exact, ds.queries[:n_exact], k)
    print(
        f"exact (sequential scan, {n_exact} queries): {ms(times)}"
        f"  recall@{k} {rc(found, slice(0, n_exact)):.3f}"
    )

    with source.connection() as conn:
        conn.execute(f"SET max_parallel_maintenance_workers = {args.workers}")
    pgv.BUILD_MEMORY = args.build_memory
    started = time.perf_counter()
    PgVectorSearch(source, exact_below=0).ensure_index(SPACE)
    build_s = time.perf_counter() - started
    with source.connection() as conn:
        tab = pgv.table_name(SPACE)
        sizes = conn.execute(
            "SELECT pg_relation_size(%s), pg_relation_size(%s)", (tab, f"{tab}_hnsw")
        ).fetchone()
    print(
        f"HNSW build (m={pgv.HNSW_M}, ef_construction={pgv.HNSW_EF_CONSTRUCTION}, "
        f"{args.workers} parallel workers, maintenance_work_mem {args.build_memory}): "
        f"{build_s:.1f} s ({size / build_s:,.0f} vectors/s); table {sizes[0] / 2**20:.0f} MiB, "
        f"index {sizes[1] / 2**20:.0f} MiB"
    )

    efs = sorted({pgv.EF_SEARCH, *(int(e) for e in args.ef.split(","))})
    for ef in efs:
        search = PgVectorSearch(source, exact_below=0, ef_search=ef)
        search.nearest(SPACE, ds.queries[0], k)  # warm the index pages
        found, times = timed_queries(search, ds.queries, k)
        mark = " (engine)" if ef == pgv.EF_SEARCH else " " * 9
        line = f"HNSW ef_search={ef:<4}{mark}: {ms(times)}  recall@{k} {rc(found):.3f}"
        print(line, flush=True)

    search = PgVectorSearch(source, exact_below=0)
    files = np.arange(1, size + 1) % FILES
    for share in (50, 10, 1):
        roots = tuple(f"root{f}" for f in range(share))
        mask = files < share
        allowed = ItemFilter(roots=roots)
        want = exact_topk(ds.vectors, ds.queries, k, mask)
        found, times = timed_queries(search, ds.queries, k, allowed)
        print(
            f"filtered to {share:>2} % of the items (roots join): {ms(times)}"
            f"  recall@{k} {rc(found, kth=want):.3f}",
            flush=True,
        )
    source.close()
    if server is not None:
        server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="20000,100000", help="comma-separated vector counts")
    parser.add_argument("--dim", default="384", help="comma-separated dimensions")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--exact-queries", type=int, default=20)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--ef", default="40,200,400", help="ef_search values besides the engine's")
    parser.add_argument("--workers", type=int, default=2, help="max_parallel_maintenance_workers")
    parser.add_argument("--build-memory", default=pgv.BUILD_MEMORY)
    parser.add_argument("--m", type=int, default=pgv.HNSW_M, help="HNSW m (engine's default)")
    parser.add_argument("--ef-construction", type=int, default=pgv.HNSW_EF_CONSTRUCTION)
    parser.add_argument("--real", default="", help="a library's catalog.sqlite3 (a copy)")
    parser.add_argument("--url", default="", help="an existing server (databases are created)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    # A killed run (timeout sends SIGTERM) still stops its private server (finally, below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    pgv.HNSW_M, pgv.HNSW_EF_CONSTRUCTION = args.m, args.ef_construction  # what ensure_index uses
    print(f"machine: {common.machine_line()}")
    real = real_vectors(args.real, 384) if args.real else np.zeros((0, 384), np.float32)
    if len(real):
        print(f"real MiniLM vectors: {len(real):,} from {args.real}")
    server = None
    if args.url:
        base = args.url.rsplit("/", 1)[0]

        def url_of(name: str) -> str:
            with psycopg.connect(args.url, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            with psycopg.connect(f"{base}/{name}", autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            return f"{base}/{name}"
    else:
        import pgserver

        server = pgserver.get_server(tempfile.mkdtemp(prefix="pgbench"), cleanup_mode="delete")

        def url_of(name: str) -> str:
            server.psql(f"CREATE DATABASE {name};")
            server.psql(f"\\c {name}\nCREATE EXTENSION IF NOT EXISTS vector;")
            return str(server.get_uri(name))

    try:
        with psycopg.connect(url_of("bench_probe"), autocommit=True) as conn:
            version = conn.execute(
                "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
            ).fetchone()
            pg = conn.execute("SHOW server_version").fetchone()
            print(
                f"PostgreSQL {pg[0] if pg else '?'},"
                f" pgvector {version[0] if version else 'not installed'}"
            )
        for dim in (int(d) for d in args.dim.split(",")):
            for size in (int(s) for s in args.size.split(",")):
                run_one(server, url_of, size, dim, args, real)
    finally:  # a failed run must not leave its private server running
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    main()
