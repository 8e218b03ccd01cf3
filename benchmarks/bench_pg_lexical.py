"""Word search on PostgreSQL against SQLite FTS5 on a real library (issue #15): the same rows
ranked, the same scores, and the time of a ranking query on each.

The lexical rows of a library's catalog (a copy: opening one can migrate it) are written into
a fresh PostgreSQL database through ``PostgresLexicalIndex.put`` (one transaction), then each
query of a query set is ranked on both stores as word search ranks it (the query expanded
Japanese ↔ English, its index tokens, file names weighing 3), 100 rows, 5 times each.

    .venv/bin/python benchmarks/bench_pg_lexical.py --catalog /tmp/copy/catalog.sqlite3 \\
        [--queries ../shared/corpus/text-queries.csv] [--url postgresql://…]

Without ``--url`` a private PostgreSQL (pgserver, Unix socket, temporary folder) is started.
"""

from __future__ import annotations

import argparse
import csv
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import common
import psycopg

from engine.signals.expansion import expand_query
from engine.signals.lexical import NAME_WEIGHTS
from engine.signals.tokenize import match_terms
from engine.store.fts_lexical import FtsLexicalIndex
from engine.store.postgres.lexical import PostgresLexicalIndex, ensure_lexical_schema
from engine.store.postgres.source import ThreadConnections

REPEATS = 5
LIMIT = 100


class ReadOnlyCatalog:
    """The FTS5 reader over a catalog opened read-only (no migration, no write)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def query(self, sql: str, args: object = ()) -> list[tuple[object, ...]]:
        return self.conn.execute(sql, tuple(args)).fetchall()

    def query_ids(self, sql: str, ids: object) -> list[tuple[object, ...]]:
        values = list(ids)
        return self.conn.execute(sql.format(",".join("?" * len(values))), values).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", required=True, type=Path)
    parser.add_argument("--queries", type=Path, default=common.CORPUS / "text-queries.csv")
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"machine: {common.machine_line()}")
    server = None
    url = args.url
    if not url:
        import pgserver

        server = pgserver.get_server(tempfile.mkdtemp(prefix="pglex"), cleanup_mode="delete")
        server.psql("CREATE DATABASE lexical;")
        url = str(server.get_uri("lexical"))
    try:
        run(args, url)
    finally:
        if server is not None:
            server.cleanup()


def run(args: argparse.Namespace, url: str) -> None:
    sqlite = ReadOnlyCatalog(args.catalog)
    fts = FtsLexicalIndex(sqlite)
    rows = sqlite.query("SELECT rowid, body, filename FROM lexical")
    source = ThreadConnections(url)
    pg = PostgresLexicalIndex(source)
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.transaction():
        ensure_lexical_schema(conn)
        for item_id, body, name in rows:
            pg.put(conn, int(item_id), str(body), str(name))
    load_s = time.perf_counter() - started
    with source.connection() as conn:
        conn.execute("VACUUM ANALYZE")
        (postings,) = conn.execute("SELECT count(*) FROM lexical_postings").fetchone() or (0,)
    print(f"{len(rows):,} lexical rows, {postings:,} postings written in {load_s:.1f} s")

    with args.queries.open(encoding="utf-8-sig", newline="") as f:
        queries = [row["query"] for row in csv.DictReader(f) if row.get("query")]
    same_top10 = 0
    worst = 0.0
    times: dict[str, list[float]] = {"fts5": [], "postgres": []}
    for text in queries:
        terms = match_terms(expand_query(text).all_terms)
        ranked = {}
        for name, index in (("fts5", fts), ("postgres", pg)):
            for _ in range(REPEATS):
                t = time.perf_counter()
                ranked[name] = index.rank(terms, LIMIT, NAME_WEIGHTS)
                times[name].append(time.perf_counter() - t)
        a, b = ranked["fts5"], ranked["postgres"]
        same_top10 += [i for i, _ in a[:10]] == [i for i, _ in b[:10]]
        scores = dict(b)
        for item, score in a[:10]:
            if item in scores:
                worst = max(worst, abs(score - scores[item]) / max(abs(score), 1e-12))
        if [i for i, _ in a[:10]] != [i for i, _ in b[:10]]:
            print(f"  differs: {text!r}")
    print(f"{len(queries)} queries ({args.queries.name}): the same top 10 in {same_top10}")
    print(f"largest relative score difference in a top 10: {worst:.1e}")
    for name, values in times.items():
        print(f"rank {LIMIT} rows, {name:8}: {common.summary_ms(values)}")
    source.close()


if __name__ == "__main__":
    main()
