"""The lexical index on PostgreSQL (engine.store.lexical_index): postings of the engine's own
tokens and BM25 computed in SQL, ranking as SQLite FTS5's ``bm25()`` does.

PostgreSQL's own full-text search does not fit: its parsers and dictionaries would cut the
engine's tokens again (Japanese words from Janome, part numbers with their variant stems), and
``ts_rank`` is not BM25. So the tokens go in as they are:

- ``lexical_rows``: one row per item (its body and file-name token strings, and its length in
  tokens over both columns: BM25's document length);
- ``lexical_postings``: one row per (term, item), with the term's frequency in each column;
- ``lexical_stats``: the number of rows and of tokens, for the average length, kept by a
  trigger on ``lexical_rows`` (so a row deleted by the catalog's cascade counts too). Writers
  take turns on that row (FTS5 has one writer at a time too); readers are never blocked.

A term's document frequency (for the IDF and the vocabulary) is counted from its postings at
query time, on the (term, item) primary key: no other shared counter for writers to queue on.
Terms use the "C" collation, so prefix completions are a range scan, in SQLite's order.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg

from engine.store.fts_lexical import prefix_end
from engine.store.lexical_index import BM25_B, BM25_K1, EVEN, MIN_IDF, ColumnWeights
from engine.store.postgres.source import ConnectionSource

Connection = psycopg.Connection[Any]

LEXICAL_DDL = (
    # The same table as the PostgreSQL catalog's (pg-store), with the row's length added.
    """CREATE TABLE IF NOT EXISTS lexical_rows (
        item_id BIGINT PRIMARY KEY,
        body TEXT NOT NULL,
        filename TEXT NOT NULL,
        length INTEGER NOT NULL DEFAULT 0
    )""",
    "ALTER TABLE lexical_rows ADD COLUMN IF NOT EXISTS length INTEGER NOT NULL DEFAULT 0",
    # Postings go with their row, however the row goes (a catalog's ON DELETE CASCADE too).
    """CREATE TABLE IF NOT EXISTS lexical_postings (
        term TEXT COLLATE "C" NOT NULL,
        item_id BIGINT NOT NULL REFERENCES lexical_rows (item_id) ON DELETE CASCADE,
        tf_body INTEGER NOT NULL,
        tf_name INTEGER NOT NULL,
        PRIMARY KEY (term, item_id)
    )""",
    "CREATE INDEX IF NOT EXISTS lexical_postings_item ON lexical_postings (item_id)",
    """CREATE TABLE IF NOT EXISTS lexical_stats (
        id SMALLINT PRIMARY KEY CHECK (id = 1),
        rows BIGINT NOT NULL,
        tokens BIGINT NOT NULL
    )""",
    """INSERT INTO lexical_stats (id, rows, tokens)
       SELECT 1, count(*), coalesce(sum(length), 0) FROM lexical_rows
       ON CONFLICT DO NOTHING""",
    # The averages follow every row written or deleted, cascades included.
    """CREATE OR REPLACE FUNCTION lexical_stats_follow() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
           IF TG_OP = 'INSERT' THEN
               UPDATE lexical_stats SET rows = rows + 1, tokens = tokens + NEW.length
               WHERE id = 1;
           ELSIF TG_OP = 'DELETE' THEN
               UPDATE lexical_stats SET rows = rows - 1, tokens = tokens - OLD.length
               WHERE id = 1;
           ELSE
               UPDATE lexical_stats SET tokens = tokens - OLD.length + NEW.length WHERE id = 1;
           END IF;
           RETURN NULL;
       END $$""",
    """CREATE OR REPLACE TRIGGER lexical_stats_follow
       AFTER INSERT OR DELETE OR UPDATE OF length ON lexical_rows
       FOR EACH ROW EXECUTE FUNCTION lexical_stats_follow()""",
)


def ensure_lexical_schema(c: Connection) -> None:
    """Create the lexical tables if missing, in the caller's transaction (idempotent: the
    store's migration step calls it)."""
    for statement in LEXICAL_DDL:
        c.execute(statement)


# BM25 as fts5_aux.c computes it: IDF from the rows holding the term (floored at MIN_IDF), the
# term frequency weighted per column, the row's length over both columns.
_RANK = """
WITH s AS (
    SELECT rows::float8 AS n, greatest(tokens, 1)::float8 / greatest(rows, 1) AS avgdl
    FROM lexical_stats WHERE id = 1
), hit AS (
    SELECT term, item_id, tf_body * %(wb)s + tf_name * %(wn)s AS f
    FROM lexical_postings WHERE term = ANY(%(terms)s)
), idf AS (
    SELECT hit.term, greatest(ln((s.n - count(*) + 0.5) / (count(*) + 0.5)), %(min_idf)s) AS w
    FROM hit CROSS JOIN s GROUP BY hit.term, s.n
)
SELECT hit.item_id,
       sum(idf.w * hit.f * (%(k1)s + 1)
           / (hit.f + %(k1)s * (1 - %(b)s + %(b)s * r.length / s.avgdl))) AS score
FROM hit JOIN idf USING (term) JOIN lexical_rows r USING (item_id) CROSS JOIN s
{scope}
GROUP BY hit.item_id
ORDER BY score DESC, hit.item_id
LIMIT %(limit)s
"""


_SCOPE = """WHERE hit.item_id IN (
    SELECT i.id FROM items i JOIN files f ON f.id = i.file_id WHERE f.root = ANY(%(roots)s)
)"""


def fts_terms(text: str) -> list[str]:
    """The tokens FTS5's unicode61 tokenizer reads in a stored token string: the engine's
    tokens, each cut again at any character that is not a letter, a number or private use
    (a Japanese compound the tokenizer kept whole, ロボ・カー, is two tokens to FTS5)."""
    out: list[str] = []
    for token in text.split():
        if token.isalnum():  # letters and numbers only: nearly every token
            out.append(token)
            continue
        part = ""
        for ch in token:
            if ch.isalnum() or unicodedata.category(ch) == "Co":
                part += ch
            elif part:
                out.append(part)
                part = ""
        if part:
            out.append(part)
    return out


class PostgresLexicalIndex:
    """Reads through ``source``; writes in the caller's transaction (a psycopg connection)."""

    def __init__(self, source: ConnectionSource) -> None:
        self.source = source

    # --- writes ----------------------------------------------------------------------------

    def put(self, c: Connection, item_id: int, body: str, filename: str) -> None:
        self.delete(c, [item_id])
        body_tf, name_tf = Counter(fts_terms(body)), Counter(fts_terms(filename))
        length = body_tf.total() + name_tf.total()
        c.execute(
            "INSERT INTO lexical_rows (item_id, body, filename, length) VALUES (%s,%s,%s,%s)",
            (item_id, body, filename, length),
        )
        terms = sorted(body_tf.keys() | name_tf.keys())
        c.execute(
            "INSERT INTO lexical_postings (term, item_id, tf_body, tf_name)"
            " SELECT t, %s, b, n FROM unnest(%s::text[], %s::int[], %s::int[]) AS u(t, b, n)",
            (item_id, terms, [body_tf[t] for t in terms], [name_tf[t] for t in terms]),
        )

    def append_body(self, c: Connection, item_id: int, body: str) -> None:
        old = c.execute(
            "SELECT body, filename FROM lexical_rows WHERE item_id = %s FOR UPDATE", (item_id,)
        ).fetchone()
        joined = f"{old[0]} {body}".strip() if old else body
        self.put(c, item_id, joined, old[1] if old else "")

    def delete(self, c: Connection, item_ids: Sequence[int]) -> None:
        # The postings go by cascade, the averages by trigger.
        c.execute("DELETE FROM lexical_rows WHERE item_id = ANY(%s)", (list(item_ids),))

    # --- reads -----------------------------------------------------------------------------

    def rank(
        self,
        terms: Sequence[str],
        limit: int,
        weights: ColumnWeights = EVEN,
        roots: Sequence[str] | None = None,
    ) -> list[tuple[int, float]]:
        if not terms or limit <= 0:
            return []
        # A term with a separator inside (ロボ・カー) is a phrase to FTS5; here its parts.
        args = {
            "terms": list(dict.fromkeys(fts_terms(" ".join(terms)))),
            "wb": weights.body,
            "wn": weights.filename,
            "k1": BM25_K1,
            "b": BM25_B,
            "min_idf": MIN_IDF,
            "limit": limit,
            "roots": [] if roots is None else list(roots),
        }
        # A scope filters the ranked rows, not the term statistics (as on FTS5).
        rows = self._read(_RANK.format(scope="" if roots is None else _SCOPE), args)
        return [(int(i), float(s)) for i, s in rows]

    def bodies(self, item_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        rows = self._read(
            "SELECT item_id, body, filename FROM lexical_rows WHERE item_id = ANY(%s)",
            (list(item_ids),),
        )
        return {int(i): (str(b), str(n)) for i, b, n in rows}

    def doc_count(self, term: str) -> int:
        rows = self._read("SELECT count(*) FROM lexical_postings WHERE term = %s", (term,))
        return int(rows[0][0])

    def doc_counts(self, terms: Iterable[str]) -> dict[str, int]:
        rows = self._read(
            "SELECT term, count(*) FROM lexical_postings WHERE term = ANY(%s) GROUP BY term",
            (list(set(terms)),),
        )
        return {str(t): int(n) for t, n in rows}

    def completions(self, prefix: str, max_length: int) -> list[tuple[str, int]]:
        if not prefix:
            return []
        rows = self._read(
            "SELECT term, count(*) FROM lexical_postings WHERE term >= %s AND term < %s"
            " AND length(term) <= %s GROUP BY term ORDER BY term",
            (prefix, prefix_end(prefix), max_length),
        )
        return [(str(t), int(n)) for t, n in rows]

    def _read(self, sql: str, args: Any) -> list[tuple[Any, ...]]:
        with self.source.connection() as conn:
            return conn.execute(sql, args).fetchall()
