"""The first two index tiers of a run: (1) lexical — every new or changed file's text layer,
file name and part numbers into the word index, committed per file, no page rendered and no
picture decoded (read in worker processes: engine.indexing.extract_task.text_layer_task);
(2) text vectors — the sentence vectors of the chunks the lexical tier stored, committed in
batches with the tier of the files they complete."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from engine.config import Settings
from engine.indexing.eta import WorkEstimate
from engine.indexing.extract_task import text_layer_task
from engine.indexing.pool import Chunk, Done, WorkLimits
from engine.indexing.work import Job
from engine.messages import Phase, ReasonCode, Tier
from engine.store.records import FileRow, NewItem
from engine.types import CancelCheck, ItemKind, Progress, ProgressCallback

if TYPE_CHECKING:
    from engine.encode.encoders import Encoders
    from engine.indexing.executor import Executor
    from engine.store.catalog import Catalog
    from engine.store.vectors import VectorStore

log = logging.getLogger(__name__)


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
    executor: Executor

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


def lexical_tier(
    ix: TierHost, jobs: list[Job], progress: ProgressCallback, cancel: CancelCheck
) -> tuple[int, int] | None:
    """Tier 1 over ``jobs``, read in worker processes (text_layer_task), committed here file
    by file; (files, pages) committed, or None when cancelled first."""
    if not jobs:
        return 0, 0
    started = time.monotonic()
    estimate = WorkEstimate()
    estimate.plan_all((j.entry.file_type.value, j.entry.size) for j in jobs)
    files = pages = done = 0
    reading: dict[int, TextLayer] = {}
    limits = WorkLimits.from_settings(ix.settings)
    tasks = ((n, job.entry) for n, job in enumerate(jobs))
    runner = ix.executor.runner(text_layer_task, ix.settings, ix.workers, limits, encode=False)
    with runner as pool:
        for event in pool.run(tasks, cancel):
            layer = reading.setdefault(event.number, TextLayer(jobs[event.number]))
            if isinstance(event, Chunk):
                layer.items += event.payload
                layer.page_count += sum(it.kind is ItemKind.PAGE for it in event.payload)
                continue
            del reading[event.number]
            if isinstance(event, Done):
                layer.warnings = list(event.result)  # type: ignore[call-overload]
                ix.commit_text_layer(layer)
                files, pages = files + 1, pages + layer.page_count
            else:
                if event.reason.code is not ReasonCode.UNREADABLE:
                    log.warning("%s: %s", layer.job.entry.path, event.reason.english())
                ix.reject_file(layer.job, event.reason.english())
            done += 1
            entry = layer.job.entry
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
    text = ix.executor.text_encoder(ix.encoders)  # here, or on the cluster's workers
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
