"""Fused hits → one result per document: its best item, further hit pages listed with it,
a preview for a text chunk, and a snippet at the query's words (engine.search calls
:func:`group` last)."""

from __future__ import annotations

from pathlib import Path

from engine.crawl import folder_root
from engine.fusion import Fused
from engine.messages import ReasonCode
from engine.query import Query
from engine.signals.partnumbers import match_part_number
from engine.signals.tokenize import query_terms, token_list
from engine.store.catalog import Catalog
from engine.store.records import ItemRow
from engine.types import ItemKind, SearchResult

SNIPPET_CHARS = 220


def group(catalog: Catalog, fused: list[Fused], query: Query) -> list[SearchResult]:
    """One result per document (its best item), further hit pages listed with it."""
    folder = Path(folder_root(query.folder)) if query.folder is not None else None
    by_file: dict[int, SearchResult] = {}
    order: list[int] = []
    rows: dict[int, ItemRow] = {}
    # Rows are read in slices down the ranking: top_k documents are usually found in the
    # first few dozen hits, and reading all several hundred would cost more than fusing.
    step = max(64, query.top_k * 4)
    terms = set(query_terms(query.text))  # tokenised once: snippets start at a term
    for start in range(0, len(fused), step):
        part = fused[start : start + step]
        rows.update(catalog.items(f.item_id for f in part))
        if _take(part, rows, query, folder, terms, by_file, order):
            break
    results = [by_file[i] for i in order]
    _attach_previews(catalog, results, rows)
    _page_passages(catalog, results, terms)
    return results


def _take(
    fused: list[Fused],
    rows: dict[int, ItemRow],
    query: Query,
    folder: Path | None,
    terms: set[str],
    by_file: dict[int, SearchResult],
    order: list[int],
) -> bool:
    """Add ``fused`` hits to the per-document results; True once top_k are found."""
    for f in fused:
        row = rows.get(f.item_id)
        if row is None or not _passes(row, query, folder):
            continue
        if row.file_id in by_file:
            best = by_file[row.file_id]
            if row.page is not None and row.page not in (best.page, *best.other_pages):
                best.other_pages.append(row.page)
            continue
        by_file[row.file_id] = _result(row, f, terms)
        order.append(row.file_id)
        if len(order) >= query.top_k:
            return True
    return False


def _attach_previews(
    catalog: Catalog, results: list[SearchResult], rows: dict[int, ItemRow]
) -> None:
    """A text chunk has no picture of its own: show the page it is on."""
    for result in results:
        row = rows[result.item_id]
        if row.kind.is_visual:
            result.preview_item_id = row.id
            continue
        result.preview_item_id = catalog.page_item(row.file_id, row.page)


def _page_passages(catalog: Catalog, results: list[SearchResult], terms: set[str]) -> None:
    """A page result's snippet: the passage of that page that matches most of the query's
    terms (a page item holds no text of its own: its text is in its chunks)."""
    pages = {
        r.item_id: r
        for r in results
        if not r.snippet and r.page is not None and r.kind is ItemKind.PAGE
    }
    # One query for every page result (a window asks for 100 results at a time).
    rows = catalog.query_ids(
        "SELECT p.id, c.text FROM items p JOIN items c"
        " ON c.file_id = p.file_id AND c.page = p.page AND c.kind = 'chunk'"
        " WHERE p.id IN ({}) ORDER BY p.id, c.ordinal",
        list(pages),
    )
    texts: dict[int, list[str]] = {}
    for item_id, text in rows:
        if str(text).strip():
            texts.setdefault(int(item_id), []).append(str(text))
    for item_id, page_texts in texts.items():
        best = max(page_texts, key=lambda t: len(terms.intersection(token_list(t))))
        pages[item_id].snippet = passage(best, terms)


def passage(text: str, terms: set[str], size: int = SNIPPET_CHARS) -> str:
    """``text`` on one line, at most ``size`` characters, starting a little before the first
    query term it contains (so the snippet shows why it matched)."""
    text = " ".join(text.split())
    lowered = text.lower()
    hits = [i for i in (lowered.find(t.lower()) for t in terms if t) if i >= 0]
    start = 0
    if hits and min(hits) > size // 3:
        start = text.rfind(" ", 0, min(hits) - size // 5) + 1
    out = ("…" if start else "") + text[start:]
    return out if len(out) <= size else out[: size - 1] + "…"


def related_apart(results: list[SearchResult], parts: list[str]) -> list[SearchResult]:
    """Results that name none of ``parts`` exactly are only related: flagged, after the rest."""
    for result in results:
        named = [str(r.params["part"]) for r in result.reasons if r.code is ReasonCode.PART_NUMBER]
        result.related = not any(match_part_number(pn, n) >= 1.0 for pn in parts for n in named)
    return [r for r in results if not r.related] + [r for r in results if r.related]


def _passes(row: ItemRow, query: Query, folder: Path | None) -> bool:
    if query.kinds and row.kind not in query.kinds:
        return False
    return folder is None or row.path.is_relative_to(folder)


def _result(row: ItemRow, fused: Fused, terms: set[str]) -> SearchResult:
    snippet = passage(row.text or row.ocr_text, terms)
    return SearchResult(
        item_id=row.id,
        path=row.path,
        kind=row.kind,
        page=row.page,
        score=fused.score,
        snippet=snippet,
        reasons=list(fused.reasons),
        file_exists=row.path.exists(),
    )
