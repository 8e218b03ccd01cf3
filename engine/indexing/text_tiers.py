"""The first two index tiers of a run: (1) lexical — every new or changed file's text layer,
file name and part numbers into the word index, committed per file, no page rendered and no
picture decoded; (2) text vectors — the sentence vectors of the chunks the lexical tier
stored, committed in batches with the tier of the files they complete.

:func:`read_text_layer` is the extraction of tier 1: a top-level function of picklable
arguments, so that a process pool can run it as well as the threads here."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from engine.config import Settings
from engine.extract import ExtractError
from engine.extract.text_layer import iter_text_items
from engine.indexing.eta import WorkEstimate
from engine.indexing.work import Job
from engine.messages import Phase, Tier
from engine.signals.tokenize import fts_tokens
from engine.store.records import FileRow, NewItem
from engine.types import CancelCheck, ItemKind, Progress, ProgressCallback, never_cancel

if TYPE_CHECKING:
    from engine.encode.encoders import Encoders
    from engine.store.catalog import Catalog
    from engine.store.vectors import VectorStore

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Chunks encoded per commit of the text-vector tier: large enough for the encoder's batches,
# small enough that a crash loses seconds of work.
TEXT_CHUNKS_PER_COMMIT = 256


class TierHost(Protocol):
    """What the text tiers need of the run (engine.indexing.indexer.Indexer)."""

    catalog: Catalog
    vectors: VectorStore
    encoders: Encoders
    settings: Settings
    workers: int

    def commit_text_layer(self, layer: TextLayer) -> None: ...

    def reject_file(self, job: Job, reason: str) -> None: ...


@dataclass
class TextLayer:
    """What the lexical tier read from one file (``failed``: why it could not be read)."""

    job: Job
    items: list[NewItem] = field(default_factory=list)
    page_count: int = 0
    warnings: list[str] = field(default_factory=list)
    failed: str | None = None


def read_text_layer(job: Job, settings: Settings) -> TextLayer:
    """Tier-1 extraction of one file: its pages (no pictures), text chunks tokenised for the
    word index, and its file name on the first page or the photo."""
    out = TextLayer(job)
    try:
        pages = list(iter_text_items(job.entry, settings, never_cancel, out.warnings))
    except ExtractError as exc:
        out.failed = exc.reason
        return out
    except Exception as exc:  # a bug or an exotic file must not stop the whole run
        log.exception("text extraction failed for %s", job.entry.path)
        out.failed = f"could not be read ({type(exc).__name__}: {exc})"
        return out
    for page_items in pages:
        for ordinal, extracted in enumerate(page_items):
            item = NewItem(kind=extracted.kind, page=extracted.page, ordinal=ordinal)
            item.text = extracted.text
            if extracted.text.strip():
                item.lexical_body = fts_tokens(extracted.text)
            out.items.append(item)
            out.page_count += extracted.kind is ItemKind.PAGE
    name = fts_tokens(os.fsdecode(job.entry.path.stem).replace("_", " "))
    for item in out.items:  # file names are searchable once per file
        if item.kind.is_visual:
            item.lexical_name = name
            break
    return out


def ordered_map(
    fn: Callable[[T], R], tasks: Iterable[T], workers: int, cancel: CancelCheck
) -> Iterator[R]:
    """``fn`` over ``tasks`` on ``workers`` threads, results in task order, at most a few
    tasks ahead of the consumer (memory stays bounded on a folder of thousands of files)."""
    ahead = max(1, workers) * 4
    with ThreadPoolExecutor(workers, thread_name_prefix="sagasu-text") as pool:
        pending: list[Future[R]] = []
        source = iter(tasks)
        try:
            while True:
                while len(pending) < ahead and (task := next(source, None)) is not None:
                    pending.append(pool.submit(fn, task))
                if not pending or cancel():
                    return
                yield pending.pop(0).result()
        finally:
            for future in pending:
                future.cancel()


def lexical_tier(
    ix: TierHost, jobs: list[Job], progress: ProgressCallback, cancel: CancelCheck
) -> tuple[int, int] | None:
    """Tier 1 over ``jobs``; (files, pages) committed, or None when cancelled first."""
    started = time.monotonic()
    estimate = WorkEstimate()
    estimate.plan_all((j.entry.file_type.value, j.entry.size) for j in jobs)
    files = pages = done = 0
    for layer in ordered_map(lambda j: read_text_layer(j, ix.settings), jobs, ix.workers, cancel):
        entry = layer.job.entry
        if layer.failed is not None:
            ix.reject_file(layer.job, layer.failed)
        else:
            ix.commit_text_layer(layer)
            files, pages = files + 1, pages + layer.page_count
        done += 1
        elapsed = time.monotonic() - started
        estimate.finished(entry.file_type.value, entry.size, at=elapsed)
        progress(
            Progress(
                Phase.LEXICAL,
                done,
                len(jobs),
                os.fsdecode(entry.path.name),
                pages=pages,
                eta_seconds=estimate.remaining(elapsed),
                rate=pages / elapsed if elapsed > 0 else None,
            )
        )
    return None if done < len(jobs) or cancel() else (files, pages)


def text_vector_tier(
    ix: TierHost, files: list[FileRow], progress: ProgressCallback, cancel: CancelCheck
) -> tuple[int, int] | None:
    """Tier 2 for ``files`` (those lacking it); (files, pages) done, or None if cancelled.
    Without a sentence model the tier is passed at once: the chunks are encoded later by
    Library.encode_pending, as before tiers."""
    if not files:
        return 0, 0  # nothing to do: no model is loaded for it
    text = ix.encoders.text()
    pages_total = sum(f.page_count for f in files)
    if text is None:
        ix.catalog.advance_tier(Tier.TEXT_VECTORS, [f.id for f in files])
        return len(files), pages_total
    started = time.monotonic()
    group: list[FileRow] = []
    chunks: list[tuple[int, str]] = []
    done = pages = 0

    def commit() -> None:
        nonlocal done, pages
        if chunks:
            vecs = text.encode([t for _, t in chunks])
            ids = [i for i, _ in chunks]
            ix.catalog.advance_tier(
                Tier.TEXT_VECTORS,
                [f.id for f in group],
                text.space_id,
                dict(zip(ids, vecs, strict=True)),
            )
            ix.vectors.ensure(text.space_id, vecs.shape[1]).add(ids, vecs)
        else:
            ix.catalog.advance_tier(Tier.TEXT_VECTORS, [f.id for f in group])
        done, pages = done + len(group), pages + sum(f.page_count for f in group)
        elapsed = time.monotonic() - started
        rate = pages / elapsed if elapsed > 0 else None
        eta = (pages_total - pages) / rate if rate else None
        name = group[-1].display_path if group else ""
        item = os.path.basename(name)
        progress(
            Progress(Phase.TEXT_VECTORS, done, len(files), item, pages, eta, pages_total, rate)
        )
        group.clear()
        chunks.clear()

    for row in files:
        if cancel():
            return None
        group.append(row)
        chunks += [(i, t) for i, t in ix.catalog.chunks_missing(row.id, text.space_id) if t.strip()]
        if len(chunks) >= TEXT_CHUNKS_PER_COMMIT:
            commit()
    commit()
    return done, pages
