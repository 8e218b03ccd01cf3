"""The indexing pipeline: crawl → plan (incremental) → extract → encode → store.

Extraction, thumbnails and local features run in worker processes (engine.indexing.pool,
with a time limit per file); a feeder thread adds the image encoder's preprocessing, and only
the encoder's forward pass runs on the calling thread, so the encoder never waits for the
disk. Each file is committed in one transaction with all its items and vectors, so a
crash loses at most the file in flight and never leaves half a file in the catalog.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from typing import TYPE_CHECKING

import numpy as np

from engine.config import FolderConfig, Settings
from engine.crawl import content_hash, crawl, folder_root
from engine.encode.encoders import Encoders
from engine.extract import EXTRACTOR_VERSION
from engine.indexing.consumer import Consumer
from engine.indexing.extract_task import extract_file_task
from engine.indexing.pool import Chunk, Done, ExtractPool, PoolEvent, WorkLimits, auto_workers
from engine.indexing.work import (
    QUEUE_DEPTH,
    FileWork,
    Job,
    Prepared,
    Unit,
    drain,
    pixels_for,
    put,
)
from engine.messages import Phase, ReasonCode
from engine.store.catalog import Catalog, path_key
from engine.store.records import FileState, NewItem
from engine.store.vectors import VectorStore
from engine.summary import IndexSummary
from engine.types import (
    CancelCheck,
    Cancelled,
    FileEntry,
    ItemKind,
    Progress,
    ProgressCallback,
    Skipped,
    never_cancel,
    no_progress,
)

if TYPE_CHECKING:  # imports torch: loaded with the models, not with the engine
    from engine.encode.clip import ClipEncoder

log = logging.getLogger(__name__)


class Indexer:
    """Runs one index pass over some folders. Create one per run."""

    def __init__(
        self,
        catalog: Catalog,
        vectors: VectorStore,
        encoders: Encoders,
        settings: Settings,
        workers: int | None = None,
    ) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.encoders = encoders
        self.settings = settings
        self.workers = workers or auto_workers(settings.extract_workers)
        self.summary = IndexSummary()
        self.run_id: int | None = None  # the catalog's record of this run (runs.id)

    def run(
        self,
        folders: list[FolderConfig],
        progress: ProgressCallback = no_progress,
        cancel: CancelCheck = never_cancel,
    ) -> IndexSummary:
        started = time.monotonic()
        run_id = self.run_id = self.catalog.start_run()
        status = "failed"
        try:
            jobs = self._plan(folders, progress, cancel)
            self._process(jobs, progress, cancel)
            status = "cancelled" if self.summary.cancelled else "completed"
        except KeyboardInterrupt:  # Ctrl-C at a terminal: a cancel, not a failure
            self.summary.cancelled = True
            status = "cancelled"
            raise
        finally:
            self.vectors.save()
            self.summary.seconds = time.monotonic() - started
            self.catalog.finish_run(run_id, status, self.summary.to_json())
        return self.summary

    # --- plan: what changed since the last run --------------------------------------------

    def _plan(
        self, folders: list[FolderConfig], progress: ProgressCallback, cancel: CancelCheck
    ) -> list[Job]:
        known = self.catalog.file_states()
        seen: set[bytes] = set()
        candidates: list[tuple[FileEntry, str, FileState | None]] = []
        for folder in folders:
            root = folder_root(folder.path)
            progress(Progress(Phase.CRAWL, len(seen), 0, root))
            try:
                found = list(crawl([folder], on_skip=self._skip, cancel=cancel))
            except Cancelled:
                self.summary.cancelled = True
                return []
            for entry in found:
                key = path_key(entry.path)
                seen.add(key)
                self.summary.files_seen += 1
                state = known.get(key)
                if state and _same_file(state, entry) and _read_by_current_extractor(state, entry):
                    self.summary.files_unchanged += 1
                    continue
                candidates.append((entry, root, state))
                if len(seen) % 500 == 0:
                    progress(Progress(Phase.CRAWL, len(seen), 0))
            if cancel():
                self.summary.cancelled = True
                return []
        gone = self._gone_files(folders, seen)
        jobs = [job for job in (self._classify(c, gone) for c in candidates) if job]
        for file_id in gone:
            self._delete(file_id)
        return jobs

    def _gone_files(self, folders: list[FolderConfig], seen: set[bytes]) -> set[int]:
        """Catalogued files under the crawled roots that the crawl no longer found.

        A root that is missing altogether (an unplugged drive) keeps its files: deleting a
        whole index because a share was offline would lose hours of work.
        """
        roots = [folder_root(f.path) for f in folders]
        live_roots = [r for r in roots if os.path.isdir(r)]
        if not live_roots:
            return set()
        marks = ",".join("?" * len(live_roots))
        rows = self.catalog.query(f"SELECT id, path FROM files WHERE root IN ({marks})", live_roots)
        return {int(i) for i, p in rows if bytes(p) not in seen}

    def _classify(
        self,
        candidate: tuple[FileEntry, str, FileState | None],
        gone: set[int],
    ) -> Job | None:
        entry, root, state = candidate
        try:
            digest = content_hash(entry.path)
        except OSError as exc:
            self._skip(Skipped(entry.path, f"unreadable: {exc.strerror or exc}"))
            return None
        if state is not None:
            row = self.catalog.file_by_id(state.id)
            if row and row.content_hash == digest:
                if not _read_by_current_extractor(state, entry):
                    self.summary.files_upgraded += 1  # same content, read by an older version
                    return Job(entry, root, digest)
                self.catalog.touch_file(row.id, entry, root)  # touched, not changed
                self.summary.files_unchanged += 1
                return None
            return Job(entry, root, digest)
        for row in self.catalog.files_by_hash(digest, entry.size):
            if row.id in gone:
                # Same content, new path: a move or rename. Re-path; nothing is re-encoded.
                gone.discard(row.id)
                self.catalog.touch_file(row.id, entry, root)
                self.summary.files_moved += 1
                return None
        return Job(entry, root, digest)

    def _delete(self, file_id: int) -> None:
        self.vectors.remove_items(self.catalog.delete_file(file_id))
        self.summary.files_deleted += 1

    def _skip(self, skipped: Skipped) -> None:
        self.catalog.record_skip(skipped.path, skipped.reason)
        self.summary.skipped.append((str(skipped.path), skipped.reason))

    # --- process: extract on workers, encode here, commit per file -------------------------

    def _process(self, jobs: list[Job], progress: ProgressCallback, cancel: CancelCheck) -> None:
        if not jobs:
            return
        clip = self.encoders.clip()
        self.summary.image_search = "on" if clip else "off: " + self.encoders.clip_problem()
        text = self.encoders.text()
        self.summary.text_search = "on" if text else "off: " + self.encoders.text_problem()
        units: queue.Queue[Unit] = queue.Queue(maxsize=QUEUE_DEPTH)
        stop = threading.Event()
        states = {n: FileWork(job, n) for n, job in enumerate(jobs)}
        feeder = threading.Thread(
            target=self._feed, args=(jobs, units, stop), name="sagasu-extract", daemon=True
        )
        feeder.start()
        try:
            consumer = Consumer(
                self, states, units, clip, self.settings.batch_size, progress, cancel
            )
            self.summary.cancelled = not consumer.run()
        finally:
            stop.set()
            drain(units)
            feeder.join()
            drain(units)

    def _feed(self, jobs: list[Job], units: queue.Queue[Unit], stop: threading.Event) -> None:
        """Runs the worker processes' events into the consumer's queue, adding the image
        encoder's preprocessing here (on this thread, beside the encoder's forward pass)."""
        clip = self.encoders.clip()
        limits = WorkLimits.from_settings(self.settings)
        tasks = ((n, job.entry) for n, job in enumerate(jobs))
        try:
            with ExtractPool(extract_file_task, self.settings, self.workers, limits) as pool:
                for event in pool.run(tasks, stop.is_set):
                    put(units, _unit(event, clip, jobs), stop)
        except Exception as exc:  # the pool itself failed (no processes): the run stops
            log.exception("extraction workers failed")
            put(units, ("error", -1, exc), stop)

    def commit(self, state: FileWork) -> None:
        """Write one fully encoded file; called by the consumer on the calling thread."""
        items = [p.item for p in state.items]
        self._add_text_vectors(items)
        job = state.job
        _, removed, added = self.catalog.replace_file(
            job.entry,
            job.root,
            job.content_hash,
            state.page_count,
            state.warnings,
            items,
            extractor=EXTRACTOR_VERSION[job.entry.file_type],
        )
        self.vectors.remove_items(removed)
        for space, ids in added.items():
            # replace_file inserts in item order, so ids line up with items having this space.
            vecs = np.stack(
                [it.vectors[space] for it in items if it.vectors and space in it.vectors]
            )
            self.vectors.ensure(space, vecs.shape[1]).add(ids, vecs)
        self._count(items)
        self.summary.files_indexed += 1

    def reject(self, work: FileWork) -> None:
        """A file that could not be read: recorded as skipped with its reason; one that used
        to index fine and is now unreadable loses its stale items."""
        old = self.catalog.file_id(work.job.entry.path)
        if old is not None:
            self._delete(old)
        self._skip(Skipped(work.job.entry.path, work.failed or "unknown error"))

    def save(self) -> None:
        self.vectors.save()

    @property
    def pages(self) -> int:
        return self.summary.pages

    def _add_text_vectors(self, items: list[NewItem]) -> None:
        chunks = [it for it in items if it.kind is ItemKind.CHUNK and it.text.strip()]
        if not chunks:
            return
        text = self.encoders.text()
        if text is None:  # stored without text vectors; Library.encode_pending adds them later
            return
        vecs = text.encode([c.text for c in chunks])
        for item, vec in zip(chunks, vecs, strict=True):
            item.vectors = {**(item.vectors or {}), text.space_id: vec}

    def _count(self, items: list[NewItem]) -> None:
        for item in items:
            if item.kind is ItemKind.PAGE:
                self.summary.pages += 1
            elif item.kind is ItemKind.IMAGE:
                self.summary.images += 1
            elif item.kind is ItemKind.PHOTO:
                self.summary.photos += 1
            else:
                self.summary.chunks += 1


def _same_file(state: FileState, entry: FileEntry) -> bool:
    return state.size == entry.size and state.mtime_ns == entry.mtime_ns


def _read_by_current_extractor(state: FileState, entry: FileEntry) -> bool:
    return state.extractor >= EXTRACTOR_VERSION[entry.file_type]


def _unit(event: PoolEvent[list[NewItem]], clip: ClipEncoder | None, jobs: list[Job]) -> Unit:
    """A pool event as the consumer's unit: items with their encoder input, the end of a
    file with its warnings, or its failure in words (stored with the skipped file)."""
    if isinstance(event, Chunk):
        return ("items", event.number, [Prepared(it, pixels_for(it, clip)) for it in event.payload])
    if isinstance(event, Done):
        return ("end", event.number, event.result)
    if event.reason.code is not ReasonCode.UNREADABLE:
        log.warning("%s: %s", jobs[event.number].entry.path, event.reason.english())
    return ("fail", event.number, event.reason.english())
