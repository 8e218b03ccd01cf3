"""Search: a text or an image query → hits from every signal → one fused, grouped ranking.

Signals (each a function from the query to ``fusion.Hit``s):
- semantic-image: CLIP query vector against pages, embedded images and photos;
- semantic-text: sentence-transformers query vector against text chunks;
- semantic-bridge: an image query against text chunks brought into CLIP space by an aligner;
- lexical / part-number / visual: the engineering-document signals (engine.signals);
- ocr-lexical / ocr-part-number / ocr-passage: text read off a query photo, searched as words,
  as part numbers, and as a printed passage (the page a photo of print shows).

Raw cosine similarities are not comparable across modality pairs (the modality gap), so each
is standardised with statistics estimated from this index (engine.align.state) before fusion.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from engine.align.state import AlignmentState
from engine.crawl import folder_root
from engine.encode.encoders import Encoders
from engine.fusion import Fused, Hit, fuse, logistic
from engine.imaging import query_view
from engine.messages import Note, NoteCode, ReasonCode, note, reason
from engine.signals.lexical import LexicalSearch
from engine.signals.lexicon import repair_lines
from engine.signals.ocr import OcrResult
from engine.signals.ocr_choice import TextReader
from engine.signals.partnumbers import extract_part_numbers, match_part_number, salient_terms
from engine.signals.passage import PassageSearch
from engine.signals.tokenize import query_terms, token_list
from engine.signals.visual import VisualSearch
from engine.store.catalog import Catalog
from engine.store.records import ItemRow
from engine.store.vectors import VectorStore
from engine.text_safety import replace_surrogates
from engine.types import ItemKind, SearchResult

if TYPE_CHECKING:  # the encoder modules import torch: loaded with the models
    from engine.encode.clip import ClipEncoder
    from engine.encode.encoders import QueryTextEncoder

SNIPPET_CHARS = 220
OCR_QUERY_TERMS = 12
OCR_SIGNALS = ("ocr-lexical", "ocr-part-number", "ocr-passage")


@dataclass
class Query:
    """What the user asked. Exactly one of ``text`` / ``image`` is normally set."""

    text: str = ""
    image: Image.Image | None = None
    top_k: int = 20
    kinds: set[ItemKind] | None = None  # None: every kind
    folder: Path | None = None  # only results under this folder
    exclude_item: int | None = None  # "find similar" leaves out the item it started from
    # Only these signals (fusion.DEFAULT_WEIGHTS keys): per-signal evaluation, diagnostics.
    signals: set[str] | None = None

    def __post_init__(self) -> None:
        # Bytes that are not UTF-8 (from argv) arrive as lone surrogates, which tokenisers
        # reject with a TypeError: every signal sees U+FFFD instead (engine/text_safety.py).
        self.text = replace_surrogates(self.text)
        # Below 1, grouping stopped after the first document: `--top-k 0` gave one result.
        # The CLI says so to people (search, eval); here it is a caller's mistake.
        if self.top_k < 1:
            raise ValueError(f"top_k must be at least 1, not {self.top_k}")


@dataclass
class SearchOutcome:
    results: list[SearchResult]
    notes: list[Note] = field(default_factory=list)  # e.g. image search is off, and why
    seconds: float = 0.0
    partial: bool = False  # a first ranking, before the photo's text was read (on_partial)


Signal = Callable[["_QueryContext"], list[Hit]]


@dataclass
class _QueryContext:
    query: Query
    pool: int  # how many candidates each signal may return
    notes: list[Note]
    # Query vectors of a text query, computed on helper threads while the other signals run.
    clip_text: Future[np.ndarray] | None = None
    text_vector: Future[np.ndarray] | None = None
    # Text read off a query photo (the slowest signal: ~1 s), after the other signals ran.
    photo_text: OcrResult | None = None


class Searcher:
    def __init__(
        self,
        catalog: Catalog,
        vectors: VectorStore,
        encoders: Encoders,
        alignment: AlignmentState,
        visual: VisualSearch | None = None,
        ocr: Callable[[], TextReader | None] | None = None,
        extra_signals: list[Signal] | None = None,
    ) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.encoders = encoders
        self.alignment = alignment
        self.lexical = LexicalSearch(catalog)
        self.passages = PassageSearch(catalog, self.lexical.vocabulary)
        self.visual = visual
        self.ocr = ocr or (lambda: None)
        self.signals: list[Signal] = [
            self._lexical,
            self._semantic_text,
            self._semantic_image,
            self._visual_match,
        ]
        self.signals += extra_signals or []
        # Signals that wait for the query photo's OCR (about a second, several on slanted
        # print): a caller may show the others' ranking first (``on_partial``).
        self.photo_text_signals: list[Signal] = [self._text_on_photo, self._passage_on_photo]
        # A text query's two encoders run on helper threads while lexical search runs (torch
        # and SQLite release the GIL, so on two or more cores the query costs about its
        # slowest part). A photo's OCR does not: it runs after the other signals, once their
        # first ranking is handed out. Started beside the visual match it made both slower on
        # 2 cores (onnxruntime and OpenCV each spread over all cores); waiting took the first
        # ranking p50 348 → 150 ms and the whole query p50 676 → 524 ms (docs/SIGNALS.md).
        self._helper = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sagasu-query")

    def close(self) -> None:
        """Stop the helper threads (a query still running finishes first)."""
        self._helper.shutdown(wait=True, cancel_futures=True)

    def search(
        self, query: Query, on_partial: Callable[[SearchOutcome], None] | None = None
    ) -> SearchOutcome:
        """Fused, grouped results for ``query``.

        ``on_partial`` is called at most once, before the query photo's text is read (the
        slowest step, about a second), when the other signals (a figure matched, CLIP) found
        something: with their ranking, so that a window can show it at once and replace it
        when the text is in."""
        started = time.perf_counter()
        ctx = _QueryContext(query, pool=max(50, query.top_k * 8), notes=[])
        if not query.text.strip() and query.image is None:
            return SearchOutcome([], [note(NoteCode.EMPTY_QUERY)])
        if query.image is None and not query_terms(query.text):
            return SearchOutcome([], [note(NoteCode.NOTHING_TO_SEARCH, text=query.text.strip())])
        self._start_text_encoders(ctx)
        hits = [hit for signal in self.signals for hit in signal(ctx)]
        ocr = self._photo_ocr(ctx)
        if ocr is not None and query.image is not None:
            if on_partial is not None:
                self._hand_out_partial(hits, ctx, started, on_partial)
            ctx.photo_text = ocr.read(query.image)
            hits += [hit for signal in self.photo_text_signals for hit in signal(ctx)]
        return self._outcome(hits, ctx, started)

    def _hand_out_partial(
        self,
        hits: list[Hit],
        ctx: _QueryContext,
        started: float,
        on_partial: Callable[[SearchOutcome], None],
    ) -> None:
        partial = self._outcome(hits, ctx, started)
        if partial.results:  # nothing to show yet: the window keeps saying "Searching…"
            partial.partial = True
            partial.notes.append(note(NoteCode.READING_PHOTO))
            on_partial(partial)

    def _outcome(self, hits: list[Hit], ctx: _QueryContext, started: float) -> SearchOutcome:
        query = ctx.query
        if query.exclude_item is not None:
            hits = [h for h in hits if h.item_id != query.exclude_item]
        if query.signals is not None:
            hits = [h for h in hits if h.signal in query.signals]
        results = self._group(fuse(support_within_coverage(hits)), query)
        notes = list(ctx.notes)
        missing = self._parts_no_file_mentions(hits, ctx)
        if missing:
            notes += [note(NoteCode.PART_NUMBER_NOT_FOUND, part=pn) for pn in missing]
            results = _related_apart(results, extract_part_numbers(query.text))
        if not results and not notes:
            notes.append(note(NoteCode.NO_MATCHES))
        return SearchOutcome(results, notes, time.perf_counter() - started)

    def _parts_no_file_mentions(self, hits: list[Hit], ctx: _QueryContext) -> list[str]:
        """Part numbers of a text query that no indexed file mentions (an exact part-number
        hit is the proof of a mention: the lexical index holds every code whole)."""
        query = ctx.query
        if query.image is not None or not self._wants("part-number", ctx=ctx):
            return []
        found = [str(h.reason.params.get("part", "")) for h in hits if h.signal == "part-number"]
        return [
            pn
            for pn in extract_part_numbers(query.text)
            if not any(match_part_number(pn, part) >= 1.0 for part in found)
        ]

    def _start_text_encoders(self, ctx: _QueryContext) -> None:
        text = ctx.query.text
        if not text.strip():
            return
        encoder = self._text_encoder(ctx) if self._wants("semantic-text", ctx=ctx) else None
        if encoder is not None:
            ctx.text_vector = self._helper.submit(encoder.encode, [text])
        clip = self.encoders.clip() if self._wants("semantic-image", ctx=ctx) else None
        if clip is not None:
            ctx.clip_text = self._helper.submit(clip.encode_texts, [text])

    def _photo_ocr(self, ctx: _QueryContext) -> TextReader | None:
        """The OCR reader when this query is a photo whose text is wanted, else None."""
        if ctx.query.image is None or not self._wants(*OCR_SIGNALS, ctx=ctx):
            return None
        return self.ocr()

    @staticmethod
    def _wants(*signals: str, ctx: _QueryContext) -> bool:
        return ctx.query.signals is None or bool(ctx.query.signals.intersection(signals))

    def _lexical(self, ctx: _QueryContext) -> list[Hit]:
        text = ctx.query.text.strip()
        if not text or not self._wants("lexical", "part-number", ctx=ctx):
            return []
        return self.lexical.hits(text, ctx.pool)

    def _visual_match(self, ctx: _QueryContext) -> list[Hit]:
        image = ctx.query.image
        if image is None or self.visual is None or not self._wants("visual", ctx=ctx):
            return []
        return self.visual.hits(image, k=ctx.query.top_k)

    def _text_on_photo(self, ctx: _QueryContext) -> list[Hit]:
        """Text printed on the query photo (a part number on a board) searched lexically."""
        result = self._photo_text(ctx)
        if result is None or not self._wants("ocr-lexical", "ocr-part-number", ctx=ctx):
            return []
        # OCR splits and clips silkscreen words; mend them against the library's vocabulary.
        text = repair_lines((line.text for line in result.lines), self.lexical.vocabulary)
        terms = salient_terms(text, max_terms=OCR_QUERY_TERMS)
        if not terms:
            return []
        ctx.notes.append(note(NoteCode.READ_FROM_PHOTO, terms=" ".join(terms)))
        return self.lexical.hits(" ".join(terms), ctx.pool, source="ocr")

    def _passage_on_photo(self, ctx: _QueryContext) -> list[Hit]:
        """A photo of print (a paragraph, a table): the page whose text it shows."""
        result = self._photo_text(ctx)
        if result is None or not self._wants("ocr-passage", ctx=ctx):
            return []
        return self.passages.hits([(line.text, line.confidence) for line in result.lines])

    @staticmethod
    def _photo_text(ctx: _QueryContext) -> OcrResult | None:
        result = ctx.photo_text
        return result if result is not None and result.had_text else None

    # --- semantic signals ----------------------------------------------------------------

    def _semantic_text(self, ctx: _QueryContext) -> list[Hit]:
        """Text query: CLIP text against visual items, MiniLM against chunks."""
        q = ctx.query
        if not q.text.strip():
            return []
        hits: list[Hit] = []
        encoder = self.encoders.text_query() if ctx.text_vector is not None else None
        if encoder is not None and ctx.text_vector is not None:
            qv = ctx.text_vector.result()[0]
            why = ReasonCode.TEXT_SIMILAR
            hits += self._knn(encoder.space_id, qv, "text", ctx, "semantic-text", why)
        clip = self._clip(ctx)
        if clip is not None and ctx.clip_text is not None:
            qv = ctx.clip_text.result()[0]
            why = ReasonCode.LOOKS_LIKE_DESCRIPTION
            hits += self._knn(clip.space_id, qv, "text", ctx, "semantic-image", why)
        return hits

    def _semantic_image(self, ctx: _QueryContext) -> list[Hit]:
        """Image query: CLIP image against visual items, and across to text via the bridge."""
        q = ctx.query
        if q.image is None or not self._wants("semantic-image", "semantic-bridge", ctx=ctx):
            return []
        clip = self._clip(ctx)
        if clip is None:
            return []
        view = query_view(q.image)
        qv = clip.encode_images([view])[0]
        why = ReasonCode.VISUALLY_SIMILAR
        hits = self._knn(clip.space_id, qv, "image", ctx, "semantic-image", why)
        bridge = self.alignment.bridge_space(clip.space_id)
        if bridge is not None:
            why = ReasonCode.TEXT_ABOUT_IT
            hits += self._knn(bridge, qv, "image", ctx, "semantic-bridge", why)
        return hits

    def _clip(self, ctx: _QueryContext) -> ClipEncoder | None:
        clip = self.encoders.clip()
        if clip is None:
            problem = self.encoders.clip_problem()
            ctx.notes.append(note(NoteCode.IMAGE_SEARCH_OFF, problem=problem))
        return clip

    def _text_encoder(self, ctx: _QueryContext) -> QueryTextEncoder | None:
        """The sentence encoder; when it cannot load, the other signals still answer."""
        encoder = self.encoders.text_query()
        if encoder is None:
            problem = self.encoders.text_problem()
            ctx.notes.append(note(NoteCode.TEXT_SEARCH_OFF, problem=problem))
        return encoder

    def _knn(
        self,
        space: str,
        vector: np.ndarray,
        query_modality: str,
        ctx: _QueryContext,
        signal: str,
        why: ReasonCode,
    ) -> list[Hit]:
        index = self.vectors.get(space)
        if index is None:
            return []
        keys, sims, stored = index.search_with_vectors(vector, ctx.pool)
        kinds = self.catalog.item_kinds(int(k) for k in keys)
        rows = [n for n, k in enumerate(keys) if int(k) in kinds]  # still in the catalog
        found = [(int(keys[n]), float(sims[n]), kinds[int(keys[n])].value) for n in rows]
        if not found:
            return []
        vectors = stored[rows]
        hits = []
        for kind in {kind for _, _, kind in found}:
            picked = [n for n, (_, _, k) in enumerate(found) if k == kind]
            z = self.alignment.zscores(
                vector,
                query_modality,
                space,
                kind,
                vectors[picked],
                np.array([found[n][1] for n in picked]),
            )
            for n, zn in zip(picked, z, strict=True):
                key, sim, _ = found[n]
                confidence = logistic(float(zn))
                hits.append(Hit(key, signal, confidence, reason(why, similarity=round(sim, 4))))
        return hits

    # --- grouping ------------------------------------------------------------------------

    def _group(self, fused: list[Fused], query: Query) -> list[SearchResult]:
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
            rows.update(self.catalog.items(f.item_id for f in part))
            if self._take(part, rows, query, folder, terms, by_file, order):
                break
        results = [by_file[i] for i in order]
        self._attach_previews(results, rows)
        self._page_passages(results, terms)
        return results

    @staticmethod
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

    def _attach_previews(self, results: list[SearchResult], rows: dict[int, ItemRow]) -> None:
        """A text chunk has no picture of its own: show the page it is on."""
        for result in results:
            row = rows[result.item_id]
            if row.kind.is_visual:
                result.preview_item_id = row.id
                continue
            result.preview_item_id = self.catalog.page_item(row.file_id, row.page)

    def _page_passages(self, results: list[SearchResult], terms: set[str]) -> None:
        """A page result's snippet: the passage of that page that matches most of the query's
        terms (a page item holds no text of its own: its text is in its chunks)."""
        pages = {
            r.item_id: r
            for r in results
            if not r.snippet and r.page is not None and r.kind is ItemKind.PAGE
        }
        # One query for every page result (a window asks for 100 results at a time).
        rows = self.catalog.query_ids(
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


def support_within_coverage(hits: list[Hit]) -> list[Hit]:
    """Semantic text similarity supports what the words found; it may not overturn it.

    An item that contains only some of the query's words ("module" of "relay module") had
    its lexical confidence held down for that, but a high MiniLM similarity (the chunk is
    about *a* module) added by noisy-OR lifted it over items containing every word. So the
    semantic-text confidence of an item the lexical signal found partly is capped at that
    share: half the words, at most half the support. Items no word matched (a paraphrase,
    another language) keep their semantic confidence whole."""
    covered: dict[int, float] = {}
    for hit in hits:
        if hit.signal == "lexical":
            covered[hit.item_id] = max(covered.get(hit.item_id, 0.0), hit.coverage)
    out = []
    for hit in hits:
        cap = covered.get(hit.item_id, 1.0)
        if hit.signal == "semantic-text" and hit.confidence > cap:
            hit = replace(hit, confidence=cap)
        out.append(hit)
    return out


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


def _related_apart(results: list[SearchResult], parts: list[str]) -> list[SearchResult]:
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
