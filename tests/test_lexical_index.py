"""The lexical index on both stores (engine.store.lexical_index): SQLite FTS5 and PostgreSQL
postings with BM25 in SQL rank a small bilingual corpus the same way, with the same scores,
the same vocabulary, and the same word-search hits."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from engine.signals.lexical import NAME_WEIGHTS, LexicalSearch
from engine.signals.tokenize import fts_tokens, query_terms
from engine.store.catalog import Catalog
from engine.store.fts_lexical import FTS_WRITER
from engine.store.lexical_index import EVEN, LexicalReader
from engine.store.postgres.lexical import PostgresLexicalIndex, ensure_lexical_schema
from engine.store.postgres.source import ThreadConnections

# (item id, body, file name): English and Japanese datasheet text, part numbers, file names
# that carry the part (the name column weighs three times the body in word search).
CORPUS = [
    (1, "5V relay module for Raspberry Pi with optocoupler isolation", "relay module"),
    (2, "Relay coil voltage 5 VDC, contact rating 10 A 250 VAC. SRD-05VDC-SL-C relay", ""),
    (3, "リレーモジュール 5V フォトカプラ絶縁 ラズベリーパイ対応", "リレーモジュール"),
    (4, "照度センサ BH1750 は I2C で照度を測定します。照度センサの使い方", "BH1750 照度センサ"),
    (5, "BH1750FVI digital ambient light sensor, I2C interface, illuminance 1-65535 lx", ""),
    (6, "Dual motor driver TB6612FNG for DC motors, PWM up to 100 kHz", "TB6612FNG"),
    (7, "モータードライバ TB6612 のピン配置と PWM 制御", "モータードライバ"),
    (8, "Temperature sensor thermocouple amplifier MCP9600, I2C, type K", "MCP9600"),
    (9, "温度センサ 熱電対 アンプ MCP9600 の設定 温度 温度 温度", ""),
    (10, "Ultrasonic ranger Grove module, distance sensor 3 cm to 350 cm", "grove ultrasonic"),
    (11, "Electromagnetic relay: the coil, the armature and the contacts of a relay", ""),
    (12, "Light sensor module with photoresistor, relay output, adjustable threshold", ""),
    # Japanese compounds kept whole by the tokenizer, which FTS5 cuts at the middle dot.
    (13, "ロボ・カー 組み立てキット モータードライバ付き", "ロボ・カー"),
]

QUERIES = [
    "relay module",
    "relay",
    "リレーモジュール",
    "照度センサ",
    "light sensor i2c",
    "TB6612FNG",
    "tb6612",
    "motor driver pwm",
    "温度センサ MCP9600",
    "sensor",
    "grove ultrasonic ranger",
    "カー",
    "ロボ モータードライバ",
    "nothing matches this",
]


def sqlite_index(tmp_path: Path) -> tuple[Catalog, LexicalReader]:
    catalog = Catalog(tmp_path / "data")
    with catalog.transaction() as c:
        for item_id, body, name in CORPUS:
            FTS_WRITER.put(c, item_id, fts_tokens(body), fts_tokens(name))
    return catalog, catalog.lexical_index


@pytest.fixture
def both(tmp_path: Path, pg_url: str) -> Iterator[tuple[LexicalReader, PostgresLexicalIndex]]:
    catalog, fts = sqlite_index(tmp_path)
    source = ThreadConnections(pg_url)
    pg = PostgresLexicalIndex(source)
    with psycopg.connect(pg_url) as conn, conn.transaction():
        ensure_lexical_schema(conn)
        for item_id, body, name in CORPUS:
            pg.put(conn, item_id, fts_tokens(body), fts_tokens(name))
    yield fts, pg
    source.close()
    catalog.close()


def assert_same_ranking(a: list[tuple[int, float]], b: list[tuple[int, float]]) -> None:
    assert [i for i, _ in a] == [i for i, _ in b]
    for (_, x), (_, y) in zip(a, b, strict=True):
        assert math.isclose(x, y, rel_tol=1e-9), (a, b)


@pytest.mark.parametrize("weights", [EVEN, NAME_WEIGHTS])
@pytest.mark.parametrize("query", QUERIES)
def test_both_stores_rank_the_same_rows_with_the_same_bm25(
    both: tuple[LexicalReader, PostgresLexicalIndex], query: str, weights: Any
) -> None:
    fts, pg = both
    terms = query_terms(query)
    ranked = fts.rank(terms, 10, weights)
    assert_same_ranking(ranked, pg.rank(terms, 10, weights))
    if query != "nothing matches this":
        assert ranked
    assert fts.bodies([i for i, _ in ranked]) == pg.bodies([i for i, _ in ranked])


def test_the_file_name_weight_lifts_the_named_file(
    both: tuple[LexicalReader, PostgresLexicalIndex],
) -> None:
    _, pg = both
    # "relay" is in five bodies; only row 1 has it in its file name.
    assert pg.rank(["relay"], 1, NAME_WEIGHTS)[0][0] == 1
    assert pg.rank(["relay"], 1, EVEN)[0][0] != 1


def test_both_stores_have_the_same_vocabulary(
    both: tuple[LexicalReader, PostgresLexicalIndex],
) -> None:
    fts, pg = both
    for term in ("relay", "センサ", "bh1750", "tb6612", "absent"):
        assert fts.doc_count(term) == pg.doc_count(term)
    terms = ["relay", "sensor", "温度", "mcp9600", "absent"]
    assert fts.doc_counts(terms) == pg.doc_counts(terms)
    assert sorted(fts.completions("rela", 7)) == pg.completions("rela", 7)
    assert sorted(fts.completions("tb66", 12)) == pg.completions("tb66", 12)


def test_word_search_finds_the_same_hits_on_both_stores(
    tmp_path: Path, both: tuple[LexicalReader, PostgresLexicalIndex]
) -> None:
    fts, pg = both
    catalog = Catalog(tmp_path / "other")
    for query in ("relay module", "リレーモジュール", "照度センサ", "TB6612FNG", "MCP9600"):
        on_sqlite = LexicalSearch(catalog, fts).hits(query, 20)
        on_postgres = LexicalSearch(catalog, pg).hits(query, 20)
        key = [(h.item_id, h.signal, round(h.confidence, 9), h.reason) for h in on_sqlite]
        assert key == [(h.item_id, h.signal, round(h.confidence, 9), h.reason) for h in on_postgres]
        assert on_sqlite
    catalog.close()


def test_writes_replace_append_and_delete_alike_on_both_stores(
    tmp_path: Path, pg_url: str, both: tuple[LexicalReader, PostgresLexicalIndex]
) -> None:
    fts, pg = both
    catalog = Catalog(tmp_path / "data")  # the catalog ``both`` filled
    with catalog.transaction() as c:
        FTS_WRITER.put(c, 2, fts_tokens("a relay board, replaced"), "")
        FTS_WRITER.append_body(c, 12, fts_tokens("OCR read: RELAY 5V"))
        FTS_WRITER.append_body(c, 40, fts_tokens("a photo that reads relay"))
        FTS_WRITER.delete(c, [1, 3, 999])
    with psycopg.connect(pg_url) as conn, conn.transaction():
        pg.put(conn, 2, fts_tokens("a relay board, replaced"), "")
        pg.append_body(conn, 12, fts_tokens("OCR read: RELAY 5V"))
        pg.append_body(conn, 40, fts_tokens("a photo that reads relay"))
        pg.delete(conn, [1, 3, 999])
    for query in ("relay", "リレーモジュール", "relay module 5v", "photo"):
        terms = query_terms(query)
        assert_same_ranking(fts.rank(terms, 20, NAME_WEIGHTS), pg.rank(terms, 20, NAME_WEIGHTS))
    assert fts.bodies([12, 40]) == pg.bodies([12, 40])
    assert pg.bodies([1, 3]) == {}
    with psycopg.connect(pg_url) as conn:
        stats = conn.execute("SELECT rows, tokens FROM lexical_stats").fetchone()
        counted = conn.execute("SELECT count(*), sum(length) FROM lexical_rows").fetchone()
    assert stats == counted  # the BM25 averages follow every write
    catalog.close()


def test_a_write_rolled_back_leaves_no_posting(pg_url: str) -> None:
    source = ThreadConnections(pg_url)
    pg = PostgresLexicalIndex(source)
    with psycopg.connect(pg_url) as conn:
        with conn.transaction():
            ensure_lexical_schema(conn)
        with pytest.raises(RuntimeError), conn.transaction():
            pg.put(conn, 7, "relay module", "")
            raise RuntimeError("the file's transaction failed")
    assert pg.rank(["relay"], 5) == [] and pg.doc_count("relay") == 0
    source.close()


def test_a_row_deleted_by_the_catalogs_cascade_takes_its_postings_and_counts(
    both: tuple[LexicalReader, PostgresLexicalIndex], pg_url: str
) -> None:
    _, pg = both
    before = pg.doc_count("bh1750")
    with psycopg.connect(pg_url) as conn:
        with conn.transaction():  # as ON DELETE CASCADE from items would, without the index
            conn.execute("DELETE FROM lexical_rows WHERE item_id = 4")
        stats = conn.execute("SELECT rows, tokens FROM lexical_stats").fetchone()
        counted = conn.execute("SELECT count(*), sum(length) FROM lexical_rows").fetchone()
        orphans = conn.execute("SELECT count(*) FROM lexical_postings WHERE item_id = 4").fetchone()
    assert stats == counted and orphans == (0,)
    assert pg.doc_count("bh1750") == before - 1


def test_the_schema_is_made_once_and_joins_a_catalogs_lexical_rows_table(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        with conn.transaction():  # the PostgreSQL catalog's own table, rows already in it
            conn.execute(
                "CREATE TABLE lexical_rows (item_id BIGINT PRIMARY KEY, body TEXT NOT NULL,"
                " filename TEXT NOT NULL)"
            )
        for _ in range(2):
            with conn.transaction():
                ensure_lexical_schema(conn)
        pg = PostgresLexicalIndex(ThreadConnections(pg_url))
        with conn.transaction():
            pg.put(conn, 1, "relay module", "relay")
        assert conn.execute("SELECT rows, tokens FROM lexical_stats").fetchone() == (1, 3)
    assert pg.rank(["relay"], 5)[0][0] == 1
    pg.source.close()  # type: ignore[attr-defined]


def put_under_roots(catalog: Catalog, pg_url: str) -> None:
    """Rows 1-7 in files under root /a, rows 8-13 under /b, on both stores."""
    rows = [(item_id, 1 if item_id <= 7 else 2) for item_id, _, _ in CORPUS]
    with catalog.transaction() as c:
        for file_id, root in ((1, "/a"), (2, "/b")):
            c.execute(
                "INSERT INTO files (id, path, display_path, root, file_type, size, mtime_ns,"
                " indexed_at) VALUES (?, ?, ?, ?, 'pdf', 1, 1, 0)",
                (file_id, f"{root}/f.pdf".encode(), f"{root}/f.pdf", root),
            )
        c.executemany(
            "INSERT INTO items (id, file_id, kind, ordinal) VALUES (?, ?, 'page', 0)", rows
        )
    with psycopg.connect(pg_url) as conn, conn.transaction():
        conn.execute("CREATE TABLE files (id bigint PRIMARY KEY, root text NOT NULL)")
        conn.execute("CREATE TABLE items (id bigint PRIMARY KEY, file_id bigint NOT NULL)")
        conn.execute("INSERT INTO files VALUES (1, '/a'), (2, '/b')")
        conn.cursor().executemany("INSERT INTO items VALUES (%s, %s)", rows)


@pytest.mark.parametrize("query", ["relay", "sensor", "TB6612FNG", "温度センサ MCP9600"])
def test_a_scope_ranks_only_its_roots_rows_with_the_whole_index_scores(
    tmp_path: Path, pg_url: str, query: str
) -> None:
    catalog, fts = sqlite_index(tmp_path)
    source = ThreadConnections(pg_url)
    pg = PostgresLexicalIndex(source)
    with psycopg.connect(pg_url) as conn, conn.transaction():
        ensure_lexical_schema(conn)
        for item_id, body, name in CORPUS:
            pg.put(conn, item_id, fts_tokens(body), fts_tokens(name))
    put_under_roots(catalog, pg_url)
    terms = query_terms(query)
    whole = dict(fts.rank(terms, 20, NAME_WEIGHTS))
    for index in (fts, pg):
        for roots, ids in ((["/a"], range(1, 8)), (["/b"], range(8, 14)), ([], [])):
            scoped = index.rank(terms, 20, NAME_WEIGHTS, roots=roots)
            assert {i for i, _ in scoped} == {i for i in whole if i in ids}
            for item_id, score in scoped:  # term rarity stays that of the whole index
                assert math.isclose(score, whole[item_id], rel_tol=1e-9)
    source.close()
    catalog.close()
