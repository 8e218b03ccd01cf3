"""Printed passages as a search signal: the page whose text a photo of print shows.

Candidates come from the lexical index: the library's words found in what was read, rarest
first, BM25-ranked. OCR of dense print often runs words together
("Eachinterruptsourceofthe"), so the words are looked for inside what was read, not only
between its spaces. Each candidate page's whole text, from all its items, is then compared
with what was read (engine.signals.passage). The hit goes to the page's item that holds most
of the matched text, usually the chunk the lexical signals also hit, so their evidence adds
up.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.fusion import Hit
from engine.lexical import FtsVocabulary
from engine.signals.passage import grams, line_grams, match_pages, passage_units
from engine.signals.tokenize import quote_term, token_list
from engine.store.catalog import Catalog

MAX_QUERY_WORDS = 64  # the rarest words read: enough to find the page, a bounded query
MIN_WORD = 4  # shorter pieces of a run-together line are too often chance ("the", "bit")
MAX_WORD = 20
RUN_TOGETHER = 12  # a token this long is looked inside for words
CANDIDATE_ROWS = 100
CANDIDATE_PAGES = 30
EXCERPT_CHARS = 60

PageKey = tuple[int, int | None]  # (file id, page number; None for a photo or image file)


class PassageSearch:
    def __init__(self, catalog: Catalog, vocabulary: FtsVocabulary) -> None:
        self.catalog = catalog
        self.vocabulary = vocabulary

    def hits(self, lines: Sequence[tuple[str, float]]) -> list[Hit]:
        """Hits for OCR ``lines`` (text, confidence) of a query photo."""
        read = line_grams(lines)
        query = set().union(*(g for _, g in read))
        if not query:
            return []
        pages = self._candidate_pages(" ".join(text for text, _ in read))
        item_grams = {
            key: {item: grams(passage_units(text)) for item, text in rows}
            for key, rows in self._page_items(pages).items()
        }
        page_grams = {key: set().union(*items.values()) for key, items in item_grams.items()}
        hits = []
        for match in match_pages(query, page_grams):
            items = item_grams[match.page]  # type: ignore[index]
            holder = max(items, key=lambda item: len(query & items[item]))
            shown = _excerpt(read, page_grams[match.page])  # type: ignore[index]
            share = match.matched / len(query)
            reason = f"shows the text read from the photo ({share:.0%}): “{shown}”"
            hits.append(Hit(holder, "ocr-passage", match.confidence, reason))
        return hits

    def _candidate_pages(self, text: str) -> list[PageKey]:
        words = self.words_read(text)
        if not words:
            return []
        ranked = self.catalog.query(
            "SELECT rowid FROM lexical WHERE lexical MATCH ? ORDER BY bm25(lexical) LIMIT ?",
            (" OR ".join(quote_term(w) for w in words), CANDIDATE_ROWS),
        )
        where = self.catalog.query_ids(
            "SELECT id, file_id, page FROM items WHERE id IN ({})", [r[0] for r in ranked]
        )
        key_of = {int(i): (int(f), p) for i, f, p in where}
        pages = [key_of[int(r[0])] for r in ranked if int(r[0]) in key_of]
        return list(dict.fromkeys(pages))[:CANDIDATE_PAGES]

    def words_read(self, text: str) -> list[str]:
        """The library's words in ``text``, rarest first; a word inside another found is
        left out ("enable" inside "enabled")."""
        tokens = set(token_list(text))
        pieces = {
            token[i:j]
            for token in tokens
            if len(token) >= RUN_TOGETHER
            for i in range(len(token) - MIN_WORD + 1)
            for j in range(i + MIN_WORD, min(len(token), i + MAX_WORD) + 1)
        }
        known = self.vocabulary.doc_counts(tokens | pieces)
        whole = [w for w in known if not any(w != o and w in o for o in known)]
        whole.sort(key=lambda w: (known[w], -len(w), w))
        return whole[:MAX_QUERY_WORDS]

    def _page_items(self, pages: list[PageKey]) -> dict[PageKey, list[tuple[int, str]]]:
        """Every item's text (page text chunks, OCR of page renders and images) per page."""
        out: dict[PageKey, list[tuple[int, str]]] = {}
        for file_id, page in pages:
            rows = self.catalog.query(
                "SELECT id, text, ocr_text FROM items WHERE file_id = ? AND page IS ?",
                (file_id, page),
            )
            texts = [(int(i), f"{t or ''} {o or ''}") for i, t, o in rows]
            if texts:
                out[(file_id, page)] = texts
        return out


def _excerpt(read: list[tuple[str, set[str]]], page_grams: set[str]) -> str:
    """The line read that the page shows most of, shortened: the reason the user sees."""
    text = max(read, key=lambda line: len(line[1] & page_grams))[0].strip()
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"
