"""Today's indexing pipeline for one PDF, stage by stage, each timed (profile_index.py).

The stages call the engine's own functions in the order ``Indexer`` runs them (extraction:
engine/extract/pdf.py ``_read_page`` and ``_page_items``; worker half: engine/indexing/work.py
``prepare``; consumer half: ``Indexer.commit``), on one thread, so each stage's cost is its
own. Each stage records wall seconds and process CPU seconds: on a shared machine the CPU
figure is the one that does not depend on the load (MiniLM's torch threads count in it too).

Beside the pipeline, one counterfactual is timed and kept out of the totals: rendering the
page directly at ``render_dpi`` (what display and CLIP need) instead of at ``feature_dpi``.
"""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from engine.config import Settings
from engine.crawl import content_hash
from engine.encode.text import TextEncoder
from engine.extract import EXTRACTOR_VERSION
from engine.extract import pdf as pdfx
from engine.extract.chunking import chunk_text
from engine.extract.images import make_thumbnail
from engine.signals.japanese import JAPANESE_RUN
from engine.signals.tokenize import fts_tokens
from engine.signals.visual import features_of
from engine.store.catalog import Catalog
from engine.store.records import NewItem
from engine.types import ExtractedItem, FileEntry, FileType, ItemKind

# The pipeline's stages in order; COUNTERFACTUAL is measured, never added to a total.
STAGES = (
    "hash file (plan)",
    "open PDF",
    "load page + text layer",
    "render at feature_dpi",
    "scale render to render_dpi",
    "embedded images: list, place, decode",
    "thumbnails (JPEG)",
    "chunking",
    "FTS tokens (Janome for ja)",
    "SIFT on page renders",
    "SIFT on embedded images",
    "MiniLM encode",
    "commit (SQLite, FTS5)",
)
COUNTERFACTUAL = "render at render_dpi directly"
PER_FILE = ("hash file (plan)", "open PDF", "commit (SQLite, FTS5)")  # shared over its pages
TEXT_LAYER_CHARS = 20  # fewer characters than this on a page: "no text layer" (a scan)
JAPANESE_SHARE = 0.1  # this share of Japanese characters in the text: a Japanese page


@dataclass
class Cost:
    wall: float = 0.0
    cpu: float = 0.0

    def add(self, other: Cost, share: float = 1.0) -> None:
        self.wall += other.wall * share
        self.cpu += other.cpu * share


@dataclass
class PageRecord:
    """One page's measured costs and what it holds."""

    folder: str
    kind: str  # "text only" | "figure/photo" | "no text layer"
    lang: str  # "en" | "ja"
    chunks: int = 0
    images: int = 0
    feature_bytes: int = 0
    thumbnail_bytes: int = 0
    costs: dict[str, Cost] = field(default_factory=lambda: defaultdict(Cost))

    @property
    def page_type(self) -> str:
        return f"{self.lang}, {self.kind}"


class Clock:
    """Accumulates wall and CPU time into a ``dict[stage, Cost]`` chosen per block."""

    @contextlib.contextmanager
    def stage(self, into: dict[str, Cost], name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            into[name].add(Cost(time.perf_counter() - wall, time.process_time() - cpu))


def profile_pdf(
    path: Path, folder: str, settings: Settings, text: TextEncoder, catalog: Catalog
) -> list[PageRecord]:
    """Index one PDF as the pipeline does, stage by stage; one record per page."""
    clock = Clock()
    per_file: dict[str, Cost] = defaultdict(Cost)
    stat = path.stat()
    entry = FileEntry(path, stat.st_size, stat.st_mtime_ns, FileType.PDF)
    with clock.stage(per_file, "hash file (plan)"):
        digest = content_hash(path)
    with clock.stage(per_file, "open PDF"):
        doc = pdfx._open_pdf(path)
    seen: set[str] = set()
    records: list[PageRecord] = []
    items: list[NewItem] = []
    try:
        for index in range(doc.page_count):
            record, page_items = _profile_page(doc, index, folder, settings, seen, clock)
            records.append(record)
            for item in page_items:
                item.ordinal = len(items)
                items.append(item)
    finally:
        doc.close()
    _encode_chunks(items, records, text, clock)
    with clock.stage(per_file, "commit (SQLite, FTS5)"):
        version = EXTRACTOR_VERSION[FileType.PDF]
        catalog.replace_file(
            entry, str(path.parent), digest, len(records), [], items, extractor=version
        )
    for record in records:  # per-file work is shared evenly by the file's pages
        for name, cost in per_file.items():
            record.costs[name].add(cost, 1.0 / max(1, len(records)))
    return records


def _profile_page(
    doc: object, index: int, folder: str, settings: Settings, seen: set[str], clock: Clock
) -> tuple[PageRecord, list[NewItem]]:
    costs: dict[str, Cost] = defaultdict(Cost)
    warnings: list[str] = []
    number = index + 1
    with clock.stage(costs, "load page + text layer"):
        page = doc.load_page(index)  # type: ignore[attr-defined]
        text = pdfx._page_text(page, number, warnings)
    sharp = settings.visual_match_enabled and settings.feature_dpi > settings.render_dpi
    dpi, side = settings.render_dpi, pdfx.MAX_RENDER_SIDE
    if sharp:  # one render at feature_dpi serves features, display and CLIP
        dpi, side = settings.feature_dpi, pdfx.FEATURE_MAX_SIDE
    with clock.stage(costs, "render at feature_dpi"):
        render = pdfx._render_page(page, dpi, number, warnings, side)
    with clock.stage(costs, COUNTERFACTUAL):
        pdfx._render_page(page, settings.render_dpi, number, warnings, pdfx.MAX_RENDER_SIDE)
    if render is not None and sharp:
        with clock.stage(costs, "scale render to render_dpi"):
            size = pdfx._render_size(page, settings.render_dpi, pdfx.MAX_RENDER_SIDE)
            pdfx._split_detail(render, size)
    shown = _pictures_shown(page, settings)  # for the page type only: not timed
    with clock.stage(costs, "embedded images: list, place, decode"):
        images = pdfx._embedded_images(doc, page, settings, number, seen, warnings)  # type: ignore[arg-type]
    record = PageRecord(folder, _kind(text, shown), _lang(text), images=len(images))
    record.costs = costs
    visual = ([render] if render is not None else []) + images
    new = _prepare(visual, text, settings, record, clock)
    return record, new


def _prepare(
    visual: list[ExtractedItem], text: str, settings: Settings, record: PageRecord, clock: Clock
) -> list[NewItem]:
    """The worker half: thumbnails, chunks, FTS tokens, SIFT, as engine.indexing.work.prepare."""
    costs = record.costs
    with clock.stage(costs, "thumbnails (JPEG)"):
        for item in visual:
            item.thumbnail = make_thumbnail(item.image)  # type: ignore[arg-type]
    with clock.stage(costs, "chunking"):
        chunks = chunk_text(text, settings.chunk_words)
    record.chunks = len(chunks)
    out = [_new_item(item) for item in visual]
    out += [NewItem(ItemKind.CHUNK, visual[0].page if visual else None, 0, c) for c in chunks]
    with clock.stage(costs, "FTS tokens (Janome for ja)"):
        for new in out:
            if new.text.strip():
                new.lexical_body = fts_tokens(new.text)
    if settings.visual_match_enabled:
        for item, new in zip(visual, out, strict=False):
            on_page = item.kind is ItemKind.PAGE
            name = "SIFT on page renders" if on_page else "SIFT on embedded images"
            with clock.stage(costs, name):
                found = features_of(item)
                new.features = found.to_bytes() if len(found) else None
            record.feature_bytes += len(new.features or b"")
    record.thumbnail_bytes = sum(len(n.thumbnail or b"") for n in out)
    return out


def _new_item(item: ExtractedItem) -> NewItem:
    return NewItem(
        item.kind, item.page, 0, item.text, item.bbox, item.thumbnail, digest=item.digest
    )


def _encode_chunks(
    items: list[NewItem], records: list[PageRecord], text: TextEncoder, clock: Clock
) -> None:
    """MiniLM over the file's chunks in one call, as ``Indexer.commit`` does; each page is
    charged its share of the chunks."""
    chunks = [it for it in items if it.kind is ItemKind.CHUNK and it.text.strip()]
    if not chunks:
        return
    spent: dict[str, Cost] = defaultdict(Cost)
    with clock.stage(spent, "MiniLM encode"):
        vecs = text.encode([c.text for c in chunks])
    for item, vec in zip(chunks, vecs, strict=True):
        item.vectors = {text.space_id: vec}
    for record in records:
        record.costs["MiniLM encode"].add(spent["MiniLM encode"], record.chunks / len(chunks))


def _pictures_shown(page: object, settings: Settings) -> int:
    """Pictures the page shows that extraction would consider (before de-duplication)."""
    try:
        infos = page.get_images(full=True)  # type: ignore[attr-defined]
    except Exception:
        return 0
    return sum(1 for info in infos if pdfx._worth_extracting(info, settings, 0, []))


def _kind(text: str, pictures: int) -> str:
    if len(text.strip()) < TEXT_LAYER_CHARS:
        return "no text layer"
    return "figure/photo" if pictures else "text only"


def _lang(text: str) -> str:
    letters = sum(1 for ch in text if not ch.isspace())
    japanese = sum(len(run) for run in JAPANESE_RUN.findall(text))
    return "ja" if letters and japanese / letters >= JAPANESE_SHARE else "en"
