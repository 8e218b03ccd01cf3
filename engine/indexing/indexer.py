"""The indexing pipeline: crawl → plan (incremental) → the tiers, each over the whole run.

The lexical and text-vector tiers live in engine.indexing.text_tiers; this module plans the
run and does the visual tier: extraction, thumbnails and local features run in worker
processes (engine.indexing.pool, with a time limit per file); a feeder thread adds the image
encoder's preprocessing, and only the encoder's forward pass runs on the calling thread, so
the encoder never waits for the disk. Every tier commits each file in one transaction, with
the tier it reached (``files.tier``), so a crash loses at most the files in flight and a
re-run takes each file on from the tier it has.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.config import FolderConfig, Settings
from engine.crawl import Walk, content_hash, crawl, folder_root
from engine.encode.encoders import Encoders
from engine.extract import EXTRACTOR_VERSION
from engine.indexing.consumer import Consumer
from engine.indexing.executor import Executor, LocalExecutor
from engine.indexing.extract_task import VisualTask, extract_visual_task
from engine.indexing.pool import Chunk, Done, PoolEvent, WorkLimits, auto_workers
from engine.indexing.text_tiers import TextLayer, lexical_tier, text_vector_tier
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
from engine.messages import Phase, ReasonCode, Tier
from engine.store.catalog import Catalog, path_key
from engine.store.records import FileRow, FileState, NewItem
from engine.store.vectors import VectorStore
from engine.summary import IndexSummary
from engine.types import (
    CancelCheck,
    Cancelled,
    FileEntry,
    FileType,
    ItemKind,
    Progress,
    ProgressCallback,
    Skipped,
    TierCallback,
    TierDone,
    never_cancel,
    no_progress,
    no_tier_report,
)

if TYPE_CHECKING:  # imports torch: loaded with the models, not with the engine
    import torch

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
        executor: Executor | None = None,
    ) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.encoders = encoders
        self.settings = settings
        self.workers = workers or auto_workers(settings.extract_workers)
        # Where files are read (and, on a cluster, encoded): engine.indexing.executor.
        self.executor: Executor = executor or LocalExecutor()
        self.summary = IndexSummary()
        self.run_id: int | None = None  # the catalog's record of this run (runs.id)
        self.started = time.monotonic()  # what the tiers' elapsed_s count from
        self.visual_pages = 0  # pages given their pictures by the visual tier of this run
        # What this run's lexical tier committed, per file: uncounted should a later tier fail.
        self.new_items: dict[Path, list[ItemKind]] = {}

    def run(
        self,
        folders: list[FolderConfig],
        progress: ProgressCallback = no_progress,
        cancel: CancelCheck = never_cancel,
        on_tier: TierCallback = no_tier_report,
    ) -> IndexSummary:
        """Plan, then the lexical, text-vector and visual tiers over every file of the run;
        ``on_tier`` hears of each tier as it completes for the whole run."""
        run_id = self.run_id = self.catalog.start_run()
        status = "failed"
        try:
            jobs = self._plan(folders, progress, cancel)
            if not self.summary.cancelled:
                self._tiers(jobs, _live_roots(folders), progress, cancel, on_tier)
            status = "cancelled" if self.summary.cancelled else "completed"
        except KeyboardInterrupt:  # Ctrl-C at a terminal: a cancel, not a failure
            self.summary.cancelled = True
            status = "cancelled"
            raise
        finally:
            self.vectors.save()
            self.summary.seconds = time.monotonic() - self.started
            self.catalog.finish_run(run_id, status, self.summary.to_json())
        return self.summary

    def _tiers(
        self,
        jobs: list[Job],
        roots: list[str],
        progress: ProgressCallback,
        cancel: CancelCheck,
        on_tier: TierCallback,
    ) -> None:
        """Each tier over the whole run, stopping at a cancel (what is committed stays).
        The later tiers also take on files an earlier, interrupted run left behind."""
        done = lexical_tier(self, jobs, progress, cancel)
        if done is None:
            self.summary.cancelled = True
            return
        on_tier(TierDone(Tier.LEXICAL, time.monotonic() - self.started, *done))
        behind = self.catalog.files_below(Tier.TEXT_VECTORS, roots)
        if behind:  # the models load after the lexical tier, which needs none
            self._models_state()
        done = text_vector_tier(self, behind, progress, cancel)
        if done is None:
            self.summary.cancelled = True
            return
        self.vectors.save()
        on_tier(TierDone(Tier.TEXT_VECTORS, time.monotonic() - self.started, *done))
        behind = self.catalog.files_below(Tier.VISUAL, roots)
        self._process([self._visual_job(row) for row in behind], progress, cancel)
        if not self.summary.cancelled:
            pages = self.visual_pages
            on_tier(TierDone(Tier.VISUAL, time.monotonic() - self.started, len(behind), pages))

    # --- plan: what changed since the last run --------------------------------------------

    def _plan(
        self, folders: list[FolderConfig], progress: ProgressCallback, cancel: CancelCheck
    ) -> list[Job]:
        known = self.catalog.file_states()
        seen: set[bytes] = set()
        candidates: list[tuple[FileEntry, str, FileState | None]] = []
        # One walk for every root: a file is listed once, and a link into any of the
        # library's folders counts as inside (engine.crawl.Walk).
        walk = Walk([*folders, *self.settings.folders])
        for folder in folders:
            root = folder_root(folder.path)
            progress(Progress(Phase.CRAWL, len(seen), 0, root))
            try:
                found = list(crawl([folder], on_skip=self._skip, cancel=cancel, walk=walk))
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

    def _visual_job(self, row: FileRow) -> Job:
        """The visual tier of a stored file; one changed since its lexical tier is read again
        whole (from tier 1, in one transaction)."""
        entry = FileEntry(row.path, row.size, row.mtime_ns, FileType(row.file_type))
        try:
            found = row.path.stat()
        except OSError:
            return Job(entry, row.root, row.content_hash, row.id)  # its reading says why
        if (found.st_size, found.st_mtime_ns) == (row.size, row.mtime_ns):
            return Job(entry, row.root, row.content_hash, row.id)
        changed = FileEntry(row.path, found.st_size, found.st_mtime_ns, entry.file_type)
        try:
            return Job(changed, row.root, content_hash(row.path))
        except OSError:
            return Job(entry, row.root, row.content_hash, row.id)

    def _skip(self, skipped: Skipped) -> None:
        self.catalog.record_skip(skipped.path, skipped.reason)
        self.summary.skipped.append((str(skipped.path), skipped.reason))

    # --- process: extract on workers, encode here, commit per file -------------------------

    def _models_state(self) -> None:
        clip = self.encoders.clip()
        self.summary.image_search = "on" if clip else "off: " + self.encoders.clip_problem()
        text = self.encoders.text()
        self.summary.text_search = "on" if text else "off: " + self.encoders.text_problem()

    def _process(self, jobs: list[Job], progress: ProgressCallback, cancel: CancelCheck) -> None:
        """The visual tier: renders, thumbnails, embedded images, local features and picture
        vectors of ``jobs``, batched through the image encoder across files."""
        if not jobs:
            return
        self._models_state()
        clip = self._head_clip()
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
            consumer.pages_total = sum(_pages_of(self.catalog, job) for job in jobs)
            self.summary.cancelled = not consumer.run()
        finally:
            stop.set()
            drain(units)
            feeder.join()
            drain(units)

    def _feed(self, jobs: list[Job], units: queue.Queue[Unit], stop: threading.Event) -> None:
        """Runs the worker processes' events into the consumer's queue, adding the image
        encoder's preprocessing here (on this thread, beside the encoder's forward pass)."""
        clip = self._head_clip()
        limits = WorkLimits.from_settings(self.settings)
        # A file its lexical tier stored needs only its pictures.
        tasks = (
            (n, VisualTask(job.entry, pictures_only=job.file_id is not None))
            for n, job in enumerate(jobs)
        )
        try:
            runner = self.executor.runner(
                extract_visual_task, self.settings, self.workers, limits, encode=True
            )
            with runner as pool:
                for event in pool.run(tasks, stop.is_set):
                    put(units, _unit(event, clip, jobs), stop)
        except Exception as exc:  # the pool itself failed (no processes): the run stops
            log.exception("extraction workers failed")
            put(units, ("error", -1, exc), stop)

    def _head_clip(self) -> ClipEncoder | None:
        """The image encoder of this process, None when the executor encodes pictures where
        it reads them (what it could not encode, encode-and-refit adds here later)."""
        return None if self.executor.encodes else self.encoders.clip()

    def commit_text_layer(self, layer: TextLayer) -> None:
        """The lexical tier of one file, replacing any older version of it."""
        job = layer.job
        _, removed, _ = self.catalog.replace_file(
            job.entry,
            job.root,
            job.content_hash,
            layer.page_count,
            layer.warnings,
            layer.items,
            extractor=EXTRACTOR_VERSION[job.entry.file_type],
            tier=Tier.LEXICAL,
        )
        self.vectors.remove_items(removed)
        self._count(layer.items)
        self.summary.files_indexed += 1
        self.new_items[job.entry.path] = [i.kind for i in layer.items]

    def commit(self, state: FileWork) -> None:
        """The visual tier of one file, once its pictures are encoded; called by the
        consumer on the calling thread."""
        items = [p.item for p in state.items]
        job = state.job
        self.visual_pages += state.page_count
        if job.file_id is not None:
            added = self.catalog.complete_visual(job.file_id, state.warnings, items)
            self._add_vectors(items, added)
            self._count([it for it in items if it.kind is ItemKind.IMAGE])
            return
        self._add_text_vectors(items)  # changed since its lexical tier: all tiers at once
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
        self._add_vectors(items, added)
        self._count([it for it in items if it.kind is ItemKind.IMAGE])

    def _add_vectors(self, items: list[NewItem], added: dict[str, list[int]]) -> None:
        for space, ids in added.items():
            # replace_file inserts in item order, so ids line up with items having this space.
            vecs = np.stack(
                [it.vectors[space] for it in items if it.vectors and space in it.vectors]
            )
            self.vectors.ensure(space, vecs.shape[1]).add(ids, vecs)

    def reject(self, work: FileWork) -> None:
        self.reject_file(work.job, work.failed or "unknown error")

    def reject_file(self, job: Job, reason: str) -> None:
        """A file that could not be read in some tier: recorded as skipped with its reason;
        one that used to index fine (or got an earlier tier) loses its stale items."""
        old = self.catalog.file_id(job.entry.path)
        stored_now = self.new_items.pop(job.entry.path, None)
        if old is not None and stored_now is not None:  # new in this run: not indexed after all
            self.vectors.remove_items(self.catalog.delete_file(old))
            self._count(stored_now, -1)
            self.summary.files_indexed -= 1
        elif old is not None:
            self._delete(old)
        self._skip(Skipped(job.entry.path, reason))

    def save(self) -> None:
        self.vectors.save()

    @property
    def pages(self) -> int:
        return self.visual_pages

    def _add_text_vectors(self, items: list[NewItem]) -> None:
        chunks = [it for it in items if it.kind is ItemKind.CHUNK and it.text.strip()]
        chunks = [c for c in chunks if not c.vectors]  # none encoded where they were read
        if not chunks:
            return
        text = self.encoders.text()
        if text is None:  # stored without text vectors; Library.encode_pending adds them later
            return
        vecs = text.encode([c.text for c in chunks])
        for item, vec in zip(chunks, vecs, strict=True):
            item.vectors = {**(item.vectors or {}), text.space_id: vec}

    def _count(self, items: list[NewItem] | list[ItemKind], sign: int = 1) -> None:
        for item in items:
            kind = item if isinstance(item, ItemKind) else item.kind
            if kind is ItemKind.PAGE:
                self.summary.pages += sign
            elif kind is ItemKind.IMAGE:
                self.summary.images += sign
            elif kind is ItemKind.PHOTO:
                self.summary.photos += sign
            else:
                self.summary.chunks += sign


def _live_roots(folders: list[FolderConfig]) -> list[str]:
    """The roots whose files the later tiers take on: an offline root's files wait (their
    reading would fail, and a failure forgets a file)."""
    return [r for r in (folder_root(f.path) for f in folders) if os.path.isdir(r)]


def _pages_of(catalog: Catalog, job: Job) -> int:
    """The pages a visual-tier job will render, known from its lexical tier."""
    if job.file_id is None:
        return 0
    row = catalog.file_by_id(job.file_id)
    return row.page_count if row else 0


def _same_file(state: FileState, entry: FileEntry) -> bool:
    return state.size == entry.size and state.mtime_ns == entry.mtime_ns


def _read_by_current_extractor(state: FileState, entry: FileEntry) -> bool:
    return state.extractor >= EXTRACTOR_VERSION[entry.file_type]


def _unit(event: PoolEvent[list[NewItem]], clip: ClipEncoder | None, jobs: list[Job]) -> Unit:
    """A pool event as the consumer's unit: items with their encoder input, the end of a
    file with its warnings, or its failure in words (stored with the skipped file)."""
    if isinstance(event, Chunk):  # an item encoded where it was read needs no pixels here
        items = event.payload
        return ("items", event.number, [Prepared(it, _pixels(it, clip)) for it in items])
    if isinstance(event, Done):
        return ("end", event.number, event.result)
    if event.reason.code is not ReasonCode.UNREADABLE:
        log.warning("%s: %s", jobs[event.number].entry.path, event.reason.english())
    return ("fail", event.number, event.reason.english())


def _pixels(item: NewItem, clip: ClipEncoder | None) -> torch.Tensor | None:
    """The image encoder's input for an item that has no picture vector yet."""
    if clip is not None and item.vectors and clip.space_id in item.vectors:
        return None
    return pixels_for(item, clip)
