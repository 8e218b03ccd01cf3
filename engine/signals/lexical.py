"""Lexical and part-number signals over the store's lexical index (engine.store.lexical_index:
SQLite FTS5 on a workstation, BM25 over postings on PostgreSQL).

Rows hold text pre-tokenised by engine.signals.tokenize (Japanese split into words, part
numbers kept whole plus their variant stems), so FTS5's plain unicode61 tokenizer works for
both languages. Queries are expanded Japanese → English (and English → Japanese) offline with
engine.signals.japanese, so リレーモジュール finds English relay datasheets.

Confidence is built from how much of the query a row covers (all the concepts of the query,
in any of its languages) and its BM25 relative to the best row: a row matching one common word
of a four-word query stays a weak hint however high its raw BM25.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.fusion import Hit
from engine.messages import ReasonCode, reason
from engine.signals.expansion import expand_query
from engine.signals.partnumbers import extract_part_numbers, match_key, match_part_number
from engine.signals.tokenize import match_terms, token_list
from engine.store.catalog import Catalog
from engine.store.lexical_index import ColumnWeights, LexicalReader

if TYPE_CHECKING:
    from engine.team.access import ItemFilter

TRANSLATED_DISCOUNT = 0.85  # a match through the dictionary is a little less certain
NAME_WEIGHT = 3.0  # BM25 weight of file-name tokens relative to body text
NAME_WEIGHTS = ColumnWeights(body=1.0, filename=NAME_WEIGHT)
BODY_PART_NUMBER_FACTOR = 0.9


@dataclass(frozen=True)
class LexicalRow:
    item_id: int
    tokens: frozenset[str]
    name_tokens: frozenset[str]  # of the file name (set on the file's first page or photo)
    bm25: float  # positive, higher is better


class LexicalSearch:
    """Lexical + part-number hits for a text query (or text read off a query photo)."""

    def __init__(self, catalog: Catalog, index: LexicalReader | None = None) -> None:
        """``index``: the store's lexical index (by default the catalog's own)."""
        self.catalog = catalog
        self.index = index or catalog.lexical_index
        self.vocabulary: LexicalReader = self.index

    def hits(
        self, text: str, pool: int, source: str = "query", within: ItemFilter | None = None
    ) -> list[Hit]:
        """Hits for ``text``; ``within``: only readable items are ranked (a team user's), so
        their confidences are relative to the best readable row, not to a hidden one."""
        expansion = expand_query(text)
        groups = {
            "original": _tokens(expansion.original_terms),
            "english": _tokens(expansion.english_terms),
            "japanese": _tokens(expansion.japanese_terms),
        }
        terms = match_terms(expansion.all_terms)
        if not terms:
            return []
        rows = self._rows(terms, pool, within)
        hits = self._term_hits(rows, groups, source)
        hits += self._part_number_hits(text, pool, source, within)
        return hits

    def _rows(
        self, terms: list[str], limit: int, within: ItemFilter | None = None
    ) -> list[LexicalRow]:
        # Rank first, read texts second: reading the body in the ranking query would carry
        # every matching row's text through the sort, not just the top ``limit``.
        roots = within.roots if within is not None else None
        ranked = self.index.rank(terms, limit, NAME_WEIGHTS, roots=roots)
        if not ranked:
            return []
        texts = self.index.bodies([i for i, _ in ranked])
        rows = []
        for i, score in ranked:
            body, name = texts[i]
            rows.append(
                LexicalRow(i, frozenset(f"{body} {name}".split()), frozenset(name.split()), score)
            )
        return rows

    def _term_hits(
        self, rows: list[LexicalRow], groups: dict[str, set[str]], source: str
    ) -> list[Hit]:
        if not rows:
            return []
        best = max(r.bm25 for r in rows) or 1.0
        hits = []
        for row in rows:
            coverage, matched = _coverage(row.tokens, groups)
            if not matched:
                continue
            relative = max(0.0, row.bm25) / best
            confidence = coverage**1.5 * (0.55 + 0.45 * relative)
            code = ReasonCode.PHOTO_TERMS if source == "ocr" else ReasonCode.TERMS
            signal = "ocr-lexical" if source == "ocr" else "lexical"
            why = reason(code, terms=_shown(matched))
            hits.append(Hit(row.item_id, signal, confidence, why, coverage=coverage))
        return hits

    def _part_number_hits(
        self, text: str, pool: int, source: str, within: ItemFilter | None = None
    ) -> list[Hit]:
        hits = []
        for pn in extract_part_numbers(text):
            stem_rows = self._rows(sorted(_tokens([pn])), pool, within)
            for row in stem_rows:
                score, token = _best_part_match(pn, row.tokens)
                if score <= 0.0:
                    continue
                code = _PART_NUMBER_REASON[source == "ocr", score >= 1.0]
                if token not in row.name_tokens:
                    # A board that merely uses the chip mentions it in its text; the chip's
                    # own datasheet usually carries the number in its file name.
                    score *= BODY_PART_NUMBER_FACTOR
                signal = "ocr-part-number" if source == "ocr" else "part-number"
                why = reason(code, part=token.upper())
                hits.append(Hit(row.item_id, signal, score, why))
        return hits


# (read from a photo, exact) -> reason
_PART_NUMBER_REASON = {
    (False, True): ReasonCode.PART_NUMBER,
    (False, False): ReasonCode.SIMILAR_PART_NUMBER,
    (True, True): ReasonCode.PHOTO_PART_NUMBER,
    (True, False): ReasonCode.PHOTO_SIMILAR_PART_NUMBER,
}


def _shown(matched: set[str], limit: int = 6) -> str:
    """Matched terms for people: variant stems (srd05 of srd05vdcslc) and duplicates dropped."""
    whole = [t for t in matched if not any(o != t and o.startswith(t) for o in matched)]
    whole.sort(key=lambda t: (-len(t), t))
    extra = len(whole) - limit
    return ", ".join(whole[:limit]) + (f" (+{extra})" if extra > 0 else "")


def _tokens(terms: list[str]) -> set[str]:
    out: set[str] = set()
    for term in terms:
        out.update(token_list(term))
    return out


def _coverage(tokens: frozenset[str], groups: dict[str, set[str]]) -> tuple[float, set[str]]:
    """Best fraction of the query's terms found in the row, in whichever language matched."""
    best, best_matched = 0.0, set()
    for name, terms in groups.items():
        if not terms:
            continue
        matched = terms & tokens
        cov = len(matched) / len(terms)
        if name != "original":
            cov *= TRANSLATED_DISCOUNT
        if cov > best:
            best, best_matched = cov, matched
    return best, best_matched


def _best_part_match(pn: str, tokens: frozenset[str]) -> tuple[float, str]:
    best, best_token = 0.0, ""
    key = match_key(pn)
    for token in tokens:
        if not any(c.isdigit() for c in token) or match_key(token) != key:
            continue
        score = match_part_number(pn, token.upper())
        if score > best:
            best, best_token = score, token
    return best, best_token
