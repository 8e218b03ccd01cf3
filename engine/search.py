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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from engine.adapt.aligner import ALIGNED_SIGNAL
from engine.adapt.ranking import SHIPPED, RankingParams
from engine.align.state import AlignmentState
from engine.encode.encoders import Encoders
from engine.fusion import Fused, Hit, logistic
from engine.imaging import query_view
from engine.messages import Note, NoteCode, ReasonCode, note, reason
from engine.query import Query as Query  # clients import the query types from here
from engine.query import SearchOutcome as SearchOutcome
from engine.search_grouping import SNIPPET_CHARS as SNIPPET_CHARS
from engine.search_grouping import group, related_apart
from engine.search_grouping import passage as passage
from engine.signals.lexical import LexicalSearch
from engine.signals.lexicon import NO_VOCABULARY, repair_lines
from engine.signals.ocr import OcrLine, OcrResult
from engine.signals.ocr_choice import TextReader
from engine.signals.partnumbers import extract_part_numbers, match_part_number, salient_terms
from engine.signals.passage import PassageSearch, doubt_figures_without_the_text
from engine.signals.tokenize import query_terms
from engine.signals.visual import VisualSearch
from engine.signals.visual.features import Features
from engine.store.catalog import Catalog
from engine.store.vector_search import VectorSearch
from engine.team.access import ItemFilter

if TYPE_CHECKING:  # the encoder modules import torch: loaded with the models
    from engine.encode.clip import ClipEncoder
    from engine.encode.encoders import QueryTextEncoder

OCR_QUERY_TERMS = 12
OCR_SIGNALS = ("ocr-lexical", "ocr-part-number", "ocr-passage")


Signal = Callable[["_QueryContext"], list[Hit]]


@dataclass
class _QueryContext:
    query: Query
    pool: int  # how many candidates each signal may return
    notes: list[Note]
    params: RankingParams  # the adopted ranking parameters, read once for the whole query
    # Query vectors of a text query, computed on helper threads while the other signals run.
    clip_text: Future[np.ndarray] | None = None
    text_vector: Future[np.ndarray] | None = None
    # Text read off a query photo (the slowest signal: ~1 s), after the other signals ran.
    photo_text: OcrResult | None = None
    photo_vectors: dict[str, np.ndarray] | None = None  # the photo's image vectors, once
    within: ItemFilter | None = None  # the query's scope, bound to the catalog


class Searcher:
    def __init__(
        self,
        catalog: Catalog,
        vectors: VectorSearch,
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
        # The adopted ranking parameters (engine.adapt.state): read once per query, so a
        # query ranks with one version while a fit adopts the next.
        self.params: Callable[[], RankingParams] = lambda: SHIPPED
        self.signals: list[Signal] = [
            self._lexical,
            self._semantic_text,
            self._semantic_image,
            self._visual_match,
            self._aligned,
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
        ctx = self._context(query)
        refused = _refusal(query)
        if refused is not None:
            return SearchOutcome([], [refused])
        hits = self._gather(ctx, started, on_partial)
        return self._outcome(hits, ctx, started)

    def hits(self, query: Query) -> list[Hit]:
        """Every signal's hits for ``query`` before fusion, as the ranking would see them
        (adaptation records them per candidate and ranks them again with other parameters:
        :func:`fused_ranking`)."""
        ctx = self._context(query)
        if _refusal(query) is not None:
            return []
        return _wanted(self._gather(ctx, time.perf_counter(), None), query)

    def _context(self, query: Query) -> _QueryContext:
        ctx = _QueryContext(query, max(50, query.top_k * 8), [], self.params())
        if query.scope is not None:  # hidden items take their share of every ranking
            ctx.within = ItemFilter(self.catalog, query.scope)
            ctx.pool = ctx.within.widen(ctx.pool)
        return ctx

    def _gather(
        self,
        ctx: _QueryContext,
        started: float,
        on_partial: Callable[[SearchOutcome], None] | None,
    ) -> list[Hit]:
        self._start_text_encoders(ctx)
        hits = [hit for signal in self.signals for hit in _readable(signal(ctx), ctx)]
        features = ctx.query.features
        if features is not None and self._wants(*OCR_SIGNALS, ctx=ctx):
            ctx.photo_text = _stored_photo_text(features.ocr_lines)
            hits += [h for s in self.photo_text_signals for h in _readable(s(ctx), ctx)]
            return self._doubt_figures(hits, ctx)
        ocr = self._photo_ocr(ctx)
        if ocr is not None and ctx.query.image is not None:
            if on_partial is not None:
                self._hand_out_partial(hits, ctx, started, on_partial)
            ctx.photo_text = ocr.read(ctx.query.image)
            hits += [h for s in self.photo_text_signals for h in _readable(s(ctx), ctx)]
            hits = self._doubt_figures(hits, ctx)
        return hits

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
        hits = _wanted(hits, query)
        results = group(self.catalog, fused_ranking(hits, ctx.params), query)
        notes = list(ctx.notes)
        missing = self._parts_no_file_mentions(hits, ctx)
        if missing:
            notes += [note(NoteCode.PART_NUMBER_NOT_FOUND, part=pn) for pn in missing]
            results = related_apart(results, extract_part_numbers(query.text))
        if not results and not notes:
            notes.append(note(NoteCode.NO_MATCHES))
        return SearchOutcome(results, notes, time.perf_counter() - started)

    def _parts_no_file_mentions(self, hits: list[Hit], ctx: _QueryContext) -> list[str]:
        """Part numbers of a text query that no indexed file mentions (an exact part-number
        hit is the proof of a mention: the lexical index holds every code whole)."""
        query = ctx.query
        if query.is_photo or not self._wants("part-number", ctx=ctx):
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
        return self.lexical.hits(text, ctx.pool, within=ctx.within)

    def _visual_match(self, ctx: _QueryContext) -> list[Hit]:
        query = ctx.query
        if not query.is_photo or self.visual is None or not self._wants("visual", ctx=ctx):
            return []
        k = query.top_k if ctx.within is None else ctx.within.widen(query.top_k)
        if query.features is None and query.image is not None:
            return self.visual.hits(query.image, k=k)
        blob = query.features.visual if query.features is not None else None
        if not blob:
            return []
        return self.visual.features_hits(Features.from_bytes(blob), k=k)

    def _text_on_photo(self, ctx: _QueryContext) -> list[Hit]:
        """Text printed on the query photo (a part number on a board) searched lexically."""
        result = self._photo_text(ctx)
        if result is None or not self._wants("ocr-lexical", "ocr-part-number", ctx=ctx):
            return []
        # OCR splits and clips silkscreen words; mend them against the library's vocabulary.
        # A scoped query mends nothing: the whole library's words would show in its note.
        words = self.lexical.vocabulary if ctx.within is None else NO_VOCABULARY
        text = repair_lines((line.text for line in result.lines), words)
        terms = salient_terms(text, max_terms=OCR_QUERY_TERMS)
        if not terms:
            return []
        ctx.notes.append(note(NoteCode.READ_FROM_PHOTO, terms=" ".join(terms)))
        return self.lexical.hits(" ".join(terms), ctx.pool, source="ocr", within=ctx.within)

    def _passage_on_photo(self, ctx: _QueryContext) -> list[Hit]:
        """A photo of print (a paragraph, a table): the page whose text it shows."""
        result = self._photo_text(ctx)
        if result is None or not self._wants("ocr-passage", ctx=ctx):
            return []
        return self.passages.hits([(line.text, line.confidence) for line in result.lines])

    def _doubt_figures(self, hits: list[Hit], ctx: _QueryContext) -> list[Hit]:
        """Figure matches contradicted by the photo's printed text (passage module)."""
        result = self._photo_text(ctx)
        if result is None:
            return hits
        lines = [(line.text, line.confidence) for line in result.lines]
        return doubt_figures_without_the_text(hits, lambda ids: self.passages.shares(lines, ids))

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
        if not q.is_photo or not self._wants("semantic-image", "semantic-bridge", ctx=ctx):
            return []
        hits = []
        for space, qv in self._photo_vectors(ctx).items():
            why = ReasonCode.VISUALLY_SIMILAR
            hits += self._knn(space, qv, "image", ctx, "semantic-image", why)
            bridge = self.alignment.bridge_space(space)
            if bridge is not None:
                why = ReasonCode.TEXT_ABOUT_IT
                hits += self._knn(bridge, qv, "image", ctx, "semantic-bridge", why)
        return hits

    def _aligned(self, ctx: _QueryContext) -> list[Hit]:
        """A photo query mapped into the text space by the adopted learned map (engine.adapt
        .aligner): the text about what the photo shows."""
        learned = ctx.params.photo_text_map
        if learned is None or not ctx.query.is_photo or not self._wants(ALIGNED_SIGNAL, ctx=ctx):
            return []
        vector = self._photo_vectors(ctx).get(learned.clip_space)
        if vector is None:
            return []
        return learned.hits(self.vectors, self.catalog, vector, ctx.pool)

    def _photo_vectors(self, ctx: _QueryContext) -> dict[str, np.ndarray]:
        """The query photo's image-encoder vector per space: stored with its features, or
        encoded now (once per query)."""
        if ctx.photo_vectors is not None:
            return ctx.photo_vectors
        ctx.photo_vectors = {}
        if ctx.query.features is not None:
            ctx.photo_vectors = dict(ctx.query.features.vectors)
            return ctx.photo_vectors
        clip = self._clip(ctx) if ctx.query.image is not None else None
        if clip is not None and ctx.query.image is not None:
            vector = clip.encode_images([query_view(ctx.query.image)])[0]
            ctx.photo_vectors = {clip.space_id: vector}
        return ctx.photo_vectors

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
        near = self.vectors.nearest(space, vector, ctx.pool)
        if not len(near):
            return []
        keys, sims, stored = near.keys, near.sims, near.vectors
        kinds = self.catalog.item_kinds(int(k) for k in keys)
        if ctx.within is not None:  # z-scores are fitted on the found set: readable items only
            readable = ctx.within.allowed(set(kinds))
            kinds = {i: k for i, k in kinds.items() if i in readable}
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
                why_here = reason(why, similarity=round(sim, 4))
                hits.append(Hit(key, signal, confidence, why_here, z=float(zn)))
        return hits


def fused_ranking(hits: list[Hit], params: RankingParams) -> list[Fused]:
    """The fused ranking of one query's hits under ``params`` (the searcher's adopted ones,
    or candidates a fit tries): calibration, semantic support capped, weighted noisy-OR."""
    return params.fuse(support_within_coverage(params.calibrated(hits)))


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


def _refusal(query: Query) -> Note | None:
    """Why ``query`` cannot be searched at all (nothing asked, no searchable word), or None."""
    if not query.text.strip() and not query.is_photo:
        return note(NoteCode.EMPTY_QUERY)
    if not query.is_photo and not query_terms(query.text):
        return note(NoteCode.NOTHING_TO_SEARCH, text=query.text.strip())
    return None


def _readable(hits: list[Hit], ctx: _QueryContext) -> list[Hit]:
    """The hits a scoped query may see: applied to every signal, before fusion."""
    return hits if ctx.within is None else ctx.within.keep(hits)


def _wanted(hits: list[Hit], query: Query) -> list[Hit]:
    """Hits the query allows: not the "find similar" start item, only asked-for signals."""
    if query.exclude_item is not None:
        hits = [h for h in hits if h.item_id != query.exclude_item]
    if query.signals is not None:
        hits = [h for h in hits if h.signal in query.signals]
    return hits


def _stored_photo_text(lines: tuple[tuple[str, float], ...]) -> OcrResult:
    """The text read off a query photo when its features were stored, as OCR returned it."""
    read = [OcrLine(text, confidence, ()) for text, confidence in lines]
    mean = sum(line.confidence for line in read) / len(read) if read else 0.0
    return OcrResult(read, "\n".join(line.text for line in read), mean, bool(read))
