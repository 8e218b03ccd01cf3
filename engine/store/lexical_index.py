"""The lexical index behind a small protocol, so word search runs on SQLite FTS5 (one
workstation, engine.store.fts_lexical) or on PostgreSQL (a team library,
engine.store.postgres.lexical) with the same ranking.

A row is one catalog item: its ``body`` (page text, chunk text, OCR text) and its
``filename`` (the file name, on the file's first page or photo), both already tokenised by
engine.signals.tokenize into space-separated tokens. Rows are keyed by the catalog's item id.

Writes take the caller's open transaction (``c``), so an item and its lexical row commit
together or not at all; reads open their own. Ranking is BM25 as SQLite FTS5 computes it
(``bm25()``, k1 = 1.2, b = 0.75, per-column weights on the term frequency, the document length
over both columns), so a library ranks its words the same way on either store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

# FTS5's constants (fts5_aux.c), which the PostgreSQL ranking reproduces.
BM25_K1 = 1.2
BM25_B = 0.75
# FTS5 floors a term's IDF here: a word in more than half the rows still counts a little.
MIN_IDF = 1e-6


@dataclass(frozen=True)
class ColumnWeights:
    """BM25 weights of the two columns: a term in the file name may count for more."""

    body: float = 1.0
    filename: float = 1.0


EVEN = ColumnWeights()

Conn = TypeVar("Conn", contravariant=True)


class LexicalVocabulary(Protocol):
    """The index's terms with the number of rows holding each (engine.signals.lexicon)."""

    def doc_count(self, term: str) -> int: ...

    def doc_counts(self, terms: Iterable[str]) -> dict[str, int]:
        """Row counts of those ``terms`` that are in the index."""
        ...

    def completions(self, prefix: str, max_length: int) -> list[tuple[str, int]]:
        """(term, row count) of every term starting with ``prefix``, at most ``max_length``
        characters long."""
        ...


class LexicalReader(LexicalVocabulary, Protocol):
    def rank(
        self,
        terms: Sequence[str],
        limit: int,
        weights: ColumnWeights = EVEN,
        roots: Sequence[str] | None = None,
    ) -> list[tuple[int, float]]:
        """The ``limit`` best rows holding any of ``terms`` (index tokens, OR-ed), as
        (item id, BM25 score), best first; the score is positive, higher is better.
        ``roots``: only items of files under these roots (``files.root``: a team user's
        scope); the scores stay those of the whole index (term rarity over every row)."""
        ...

    def bodies(self, item_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """item id → (body, filename) token strings of the rows that exist."""
        ...


class LexicalWriter(Protocol[Conn]):
    """Row writes inside the caller's transaction ``c``."""

    def put(self, c: Conn, item_id: int, body: str, filename: str) -> None:
        """Add the row of ``item_id``, replacing any it had."""
        ...

    def append_body(self, c: Conn, item_id: int, body: str) -> None:
        """Add ``body`` tokens to the row's body (OCR text); a missing row is created."""
        ...

    def delete(self, c: Conn, item_ids: Sequence[int]) -> None:
        """Remove the rows of ``item_ids`` (absent ones are ignored)."""
        ...


class LexicalIndex(LexicalReader, LexicalWriter[Conn], Protocol[Conn]):
    """Reads and writes of one store's lexical index."""
