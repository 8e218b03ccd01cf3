"""The PostgreSQL fixture itself: a real server, pgvector present, one database per test."""

from __future__ import annotations

import psycopg


def test_each_test_gets_an_empty_database_with_pgvector(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        assert version.fetchone() is not None
        conn.execute("CREATE TABLE t (v vector(3))")
        conn.execute("INSERT INTO t VALUES ('[1,0,0]'), ('[0,1,0]')")
        nearest = conn.execute("SELECT v::text FROM t ORDER BY v <=> '[0.9,0.1,0]' LIMIT 1")
        assert nearest.fetchone() == ("[1,0,0]",)
