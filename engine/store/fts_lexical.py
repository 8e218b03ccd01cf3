"""The lexical index on SQLite FTS5 (engine.store.lexical_index): the ``lexical`` virtual table
of the catalog (schema v2), ``rowid`` = the item id, columns ``body`` and ``filename``.

Rows hold text pre-tokenised by engine.signals.tokenize, so FTS5's plain unicode61 tokenizer
sees space-separated tokens in both languages; ranking is FTS5's own ``bm25()``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from engine.store.lexical_index import EVEN, ColumnWeights

MAX_SQL_PARAMS = 900  # under SQLite's host-parameter limit on every build


class SqlReader(Protocol):
    """What the index reads through: the catalog's locked, damage-checked queries."""

    def query(self, sql: str, args: Iterable[object] = ()) -> list[tuple[Any, ...]]: ...

    def query_ids(self, sql: str, ids: Iterable[int] | Iterable[str]) -> list[tuple[Any, ...]]: ...


def quote_term(term: str) -> str:
    """An FTS5 string literal: operators, colons, stars and quotes lose their meaning."""
    return '"' + term.replace('"', '""') + '"'


def match_expression(terms: Iterable[str]) -> str:
    """An FTS5 MATCH expression OR-ing ``terms``."""
    return " OR ".join(quote_term(t) for t in terms)


class FtsLexicalWriter:
    """Row writes, inside the catalog's open transaction (no state: rows.py shares one)."""

    def put(self, c: sqlite3.Connection, item_id: int, body: str, filename: str) -> None:
        c.execute("DELETE FROM lexical WHERE rowid = ?", (item_id,))
        c.execute(
            "INSERT INTO lexical (rowid, body, filename) VALUES (?,?,?)",
            (item_id, body, filename),
        )

    def append_body(self, c: sqlite3.Connection, item_id: int, body: str) -> None:
        old = c.execute("SELECT body, filename FROM lexical WHERE rowid = ?", (item_id,)).fetchone()
        joined = f"{old[0]} {body}".strip() if old else body
        self.put(c, item_id, joined, old[1] if old else "")

    def delete(self, c: sqlite3.Connection, item_ids: Sequence[int]) -> None:
        ids = list(item_ids)
        for start in range(0, len(ids), MAX_SQL_PARAMS):
            part = ids[start : start + MAX_SQL_PARAMS]
            c.execute(f"DELETE FROM lexical WHERE rowid IN ({','.join('?' * len(part))})", part)


FTS_WRITER = FtsLexicalWriter()


class FtsLexicalIndex(FtsLexicalWriter):
    """Reads of the catalog's FTS5 table; the vocabulary through an ``fts5vocab`` table.

    The vocabulary table lives in the connection's temp schema: it is a view of the index,
    not data, so it needs no migration and follows every insert and delete.
    """

    def __init__(self, reader: SqlReader) -> None:
        self.reader = reader
        self._vocab_ready = False

    def rank(
        self,
        terms: Sequence[str],
        limit: int,
        weights: ColumnWeights = EVEN,
        roots: Sequence[str] | None = None,
    ) -> list[tuple[int, float]]:
        if not terms:
            return []
        # A scope filters the matches (``+rowid``: not handed to FTS5, which would run the
        # whole MATCH once per readable id: 5.8 s instead of 0.1 s on the corpus index).
        scope, scope_args = _scope_filter(roots)
        rows = self.reader.query(
            "SELECT rowid, -bm25(lexical, ?, ?) FROM lexical WHERE lexical MATCH ?"
            + scope
            + " ORDER BY bm25(lexical, ?, ?) LIMIT ?",
            (
                weights.body,
                weights.filename,
                match_expression(terms),
                *scope_args,
                weights.body,
                weights.filename,
                limit,
            ),
        )
        return [(int(i), float(s)) for i, s in rows]

    def bodies(self, item_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        rows = self.reader.query_ids(
            "SELECT rowid, body, filename FROM lexical WHERE rowid IN ({})", list(item_ids)
        )
        return {int(i): (str(b), str(n)) for i, b, n in rows}

    def _vocabulary(self) -> str:
        if not self._vocab_ready:
            self.reader.query(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.lexical_vocab"
                " USING fts5vocab(main, lexical, row)"
            )
            self._vocab_ready = True
        return "temp.lexical_vocab"

    def doc_count(self, term: str) -> int:
        rows = self.reader.query(f"SELECT doc FROM {self._vocabulary()} WHERE term = ?", (term,))
        return int(rows[0][0]) if rows else 0

    def doc_counts(self, terms: Iterable[str]) -> dict[str, int]:
        rows = self.reader.query_ids(
            f"SELECT term, doc FROM {self._vocabulary()} WHERE term IN ({{}})", list(set(terms))
        )
        return {str(t): int(d) for t, d in rows}

    def completions(self, prefix: str, max_length: int) -> list[tuple[str, int]]:
        if not prefix:
            return []
        # Every term that starts with ``prefix`` sorts in [prefix, prefix with its last
        # character bumped): a range scan of the vocabulary, not a pass over it.
        rows = self.reader.query(
            f"SELECT term, doc FROM {self._vocabulary()}"
            " WHERE term >= ? AND term < ? AND length(term) <= ?",
            (prefix, prefix_end(prefix), max_length),
        )
        return [(str(t), int(d)) for t, d in rows]


def prefix_end(prefix: str) -> str:
    """The first string after every string that starts with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _scope_filter(roots: Sequence[str] | None) -> tuple[str, list[str]]:
    """The SQL restricting a ranking to the items of files under ``roots``, and its args."""
    if roots is None:
        return "", []
    marks = ",".join("?" * len(roots)) or "NULL"
    return (
        " AND +rowid IN (SELECT i.id FROM items i JOIN files f ON f.id = i.file_id"
        f" WHERE f.root IN ({marks}))",
        list(roots),
    )
