"""The indexing pipeline: crawl → plan (incremental) → extract → encode → store.

Extraction, thumbnailing and encoder preprocessing run in a thread pool a few files ahead;
only the encoder's forward pass runs on the calling thread, so the encoder never waits for
the disk. Each file is committed in one transaction with all its items and vectors, so a
crash loses at most the file in flight and never leaves half a file in the catalog.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.config import FolderConfig, Settings
from engine.crawl import content_hash, crawl, folder_root
from engine.encode.encoders import Encoders
from engine.extract import EXTRACTOR_VERSION, ExtractError, iter_file_items
from engine.extract.images import make_thumbnail
from engine.imaging import encoder_view
from engine.messages import Phase
from engine.signals.tokenize import fts_tokens
from engine.signals.visual import features_of
from engine.store.catalog import Catalog, FileState, NewItem, path_key
from engine.store.vectors import VectorStore
from engine.summary import IndexSummary
from engine.types import (
    CancelCheck,
    Cancelled,
    ExtractedItem,
    FileEntry,
    ItemKind,
    Progress,
    ProgressCallback,
    Skipped,
    never_cancel,
    no_progress,
)

if TYPE_CHECKING:  # both import torch: loaded with the models, not with the engine
    import torch

    from engine.encode.clip import ClipEncoder

log = logging.getLogger(__name__)

SAVE_EVERY_SECONDS = 60.0
QUEUE_DEPTH = 64

# What extract workers hand the consumer: (kind, file number, payload), kind being "items"
# (a list of _Prepared), "end" (the file's warnings) or "fail" (the reason).
_Unit = tuple[str, int, object]


@dataclass
class _Job:
    """A file that needs (re-)extraction."""

    entry: FileEntry
    root: str
    content_hash: str | None


@dataclass
class _Prepared:
    """An extracted item plus what the encoder needs, made on a worker thread."""

    item: NewItem
    pixels: torch.Tensor | None = None  # preprocessed tensor for the image encoder


@dataclass
class _FileState:
    job: _Job
    number: int = 0  # its key in the consumer's table
    items: list[_Prepared] = field(default_factory=list)
    page_count: int = 0
    warnings: list[str] = field(default_factory=list)
    ended: bool = False
    failed: str | None = None
    awaiting: int = 0  # items still waiting for image vectors


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
        self.workers = workers or max(1, min(4, (os.cpu_count() or 2)))
        self.summary = IndexSummary()

    def run(
        self,
        folders: list[FolderConfig],
        progress: ProgressCallback = no_progress,
        cancel: CancelCheck = never_cancel,
    ) -> IndexSummary:
        started = time.monotonic()
        run_id = self.catalog.start_run()
        status = "failed"
        try:
            jobs = self._plan(folders, progress, cancel)
            self._process(jobs, progress, cancel)
            status = "cancelled" if self.summary.cancelled else "completed"
        finally:
            self.vectors.save()
            self.summary.seconds = time.monotonic() - started
            self.catalog.finish_run(run_id, status, self.summary.to_json())
        return self.summary

    # --- plan: what changed since the last run --------------------------------------------

    def _plan(
        self, folders: list[FolderConfig], progress: ProgressCallback, cancel: CancelCheck
    ) -> list[_Job]:
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
    ) -> _Job | None:
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
                    return _Job(entry, root, digest)
                self.catalog.touch_file(row.id, entry, root)  # touched, not changed
                self.summary.files_unchanged += 1
                return None
            return _Job(entry, root, digest)
        for row in self.catalog.files_by_hash(digest, entry.size):
            if row.id in gone:
                # Same content, new path: a move or rename. Re-path; nothing is re-encoded.
                gone.discard(row.id)
                self.catalog.touch_file(row.id, entry, root)
                self.summary.files_moved += 1
                return None
        return _Job(entry, root, digest)

    def _delete(self, file_id: int) -> None:
        self.vectors.remove_items(self.catalog.delete_file(file_id))
        self.summary.files_deleted += 1

    def _skip(self, skipped: Skipped) -> None:
        self.catalog.record_skip(skipped.path, skipped.reason)
        self.summary.skipped.append((str(skipped.path), skipped.reason))

    # --- process: extract on workers, encode here, commit per file -------------------------

    def _process(self, jobs: list[_Job], progress: ProgressCallback, cancel: CancelCheck) -> None:
        if not jobs:
            return
        clip = self.encoders.clip()
        self.summary.image_search = "on" if clip else "off: " + self.encoders.clip_problem()
        text = self.encoders.text()
        self.summary.text_search = "on" if text else "off: " + self.encoders.text_problem()
        units: queue.Queue[_Unit] = queue.Queue(maxsize=QUEUE_DEPTH)
        stop = threading.Event()
        states = {n: _FileState(job, n) for n, job in enumerate(jobs)}
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="sagasu-extract")
        for n, job in enumerate(jobs):
            pool.submit(self._extract_worker, n, job, units, stop)
        try:
            _Consumer(self, states, units, progress, cancel).run()
        finally:
            stop.set()
            _drain(units)
            pool.shutdown(wait=True, cancel_futures=True)
            _drain(units)

    def _extract_worker(
        self, n: int, job: _Job, units: queue.Queue[_Unit], stop: threading.Event
    ) -> None:
        clip = self.encoders.clip()
        first = True
        warnings: list[str] = []
        try:
            for items in _iter_items(job.entry, self.settings, stop.is_set, warnings):
                if stop.is_set():
                    return
                features = self.settings.visual_match_enabled
                prepared = [_prepare(it, clip, i, features) for i, it in enumerate(items)]
                if first:
                    _name_first_visual(prepared, job.entry.path)
                    first = False
                _put(units, ("items", n, prepared), stop)
            _put(units, ("end", n, warnings), stop)
        except ExtractError as exc:
            _put(units, ("fail", n, exc.reason), stop)
        except Exception as exc:  # a bug or an exotic file must not stop the whole run
            log.exception("extraction failed for %s", job.entry.path)
            _put(units, ("fail", n, f"could not be read ({type(exc).__name__}: {exc})"), stop)

    def commit(self, state: _FileState) -> None:
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


class _Consumer:
    """Takes extracted items off the queue, batches them through the image encoder across
    files (photos are one item each: per-file batches would starve the encoder), and commits
    each file once all its items have vectors."""

    def __init__(
        self,
        indexer: Indexer,
        states: dict[int, _FileState],
        units: queue.Queue[_Unit],
        progress: ProgressCallback,
        cancel: CancelCheck,
    ) -> None:
        self.ix = indexer
        self.states = states
        self.units = units
        self.progress = progress
        self.cancel = cancel
        self.clip = indexer.encoders.clip()
        self.batch_size = max(1, indexer.settings.batch_size)
        self.pending: list[tuple[_FileState, _Prepared]] = []
        self.open = set(states)
        # Files that may be ready to commit: checked after each batch instead of rescanning
        # every open file (which made a first index of N files O(N²)).
        self.maybe_ready: set[int] = set()
        self.done = 0
        self.total = len(states)
        self.started = time.monotonic()
        self.last_save = self.started

    def run(self) -> None:
        while self.open:
            if self.cancel():
                self.ix.summary.cancelled = True
                return
            try:
                kind, n, payload = self.units.get(timeout=0.05)
            except queue.Empty:
                self._flush()  # the producer is behind: encode what we have, commit files
                continue
            self._handle(kind, self.states[n], payload)
            self.maybe_ready.add(n)
            if len(self.pending) >= self.batch_size:
                self._encode(self.pending[: self.batch_size])
                self.pending = self.pending[self.batch_size :]
            self._commit_ready()
        self._flush()

    def _handle(self, kind: str, state: _FileState, payload: object) -> None:
        if kind == "items":
            assert isinstance(payload, list)
            for prepared in payload:
                state.items.append(prepared)
                if prepared.pixels is not None:
                    state.awaiting += 1
                    self.pending.append((state, prepared))
                if prepared.item.kind is ItemKind.PAGE:
                    state.page_count += 1
        elif kind == "end":
            state.ended = True
            state.warnings = list(payload or [])  # type: ignore[call-overload]
        else:
            state.failed = str(payload)

    def _flush(self) -> None:
        while self.pending:
            self._encode(self.pending[: self.batch_size])
            self.pending = self.pending[self.batch_size :]
        self._commit_ready()

    def _encode(self, batch: list[tuple[_FileState, _Prepared]]) -> None:
        if not batch or self.clip is None:
            return
        import torch

        pixels: list[torch.Tensor] = []
        for _, p in batch:
            assert p.pixels is not None  # only items with pixels are pending
            pixels.append(p.pixels)
        vecs = self.clip.encode_image_tensors(torch.stack(pixels))
        for (state, prepared), vec in zip(batch, vecs, strict=True):
            prepared.item.vectors = {self.clip.space_id: vec}
            prepared.pixels = None
            state.awaiting -= 1
            self.maybe_ready.add(state.number)

    def _commit_ready(self) -> None:
        candidates, self.maybe_ready = sorted(self.maybe_ready & self.open), set()
        for n in candidates:
            state = self.states[n]
            if state.failed is not None:
                self._fail(n, state)
            elif state.ended and state.awaiting == 0:
                self.ix.commit(state)
                self._finish(n, state)
        if time.monotonic() - self.last_save > SAVE_EVERY_SECONDS:
            self.ix.vectors.save()
            self.last_save = time.monotonic()

    def _fail(self, n: int, state: _FileState) -> None:
        # A file that used to index fine and is now unreadable loses its stale items.
        old = self.ix.catalog.file_id(state.job.entry.path)
        if old is not None:
            self.ix._delete(old)
        self.ix._skip(Skipped(state.job.entry.path, state.failed or "unknown error"))
        self.pending = [(s, p) for s, p in self.pending if s is not state]
        self._finish(n, state)

    def _finish(self, n: int, state: _FileState) -> None:
        self.open.discard(n)
        self.states[n] = _FileState(state.job, n)  # release the pixels and thumbnails
        self.done += 1
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.total - self.done) if self.done else None
        self.progress(
            Progress(
                Phase.EXTRACT,
                self.done,
                self.total,
                os.fsdecode(state.job.entry.path.name),
                pages=self.ix.summary.pages,
                eta_seconds=eta,
            )
        )


def _iter_items(
    entry: FileEntry, settings: Settings, cancel: CancelCheck, warnings: list[str]
) -> Iterator[list[ExtractedItem]]:
    """Items one page at a time, so a 500-page PDF never sits in memory whole. The reader is
    chosen by content, not extension (a PNG named .pdf still indexes)."""
    yield from iter_file_items(entry, settings, cancel, warnings=warnings)


def _prepare(
    item: ExtractedItem, clip: ClipEncoder | None, ordinal: int, with_features: bool
) -> _Prepared:
    """Worker-thread half of encoding: thumbnail, JPEG, and the encoder's preprocessing."""
    thumbnail = item.thumbnail
    if item.image is not None and thumbnail is None:
        thumbnail = make_thumbnail(item.image)
    new = NewItem(
        kind=item.kind,
        page=item.page,
        ordinal=ordinal,
        text=item.text,
        bbox=item.bbox,
        thumbnail=thumbnail,
        digest=item.digest,
    )
    if item.text.strip():
        new.lexical_body = fts_tokens(item.text)
    if with_features and item.image is not None and item.kind.is_visual:
        # From the full-resolution image, which only exists here: thumbnails are too small
        # for a photo of a printed figure to match its page.
        found = features_of(item)
        new.features = found.to_bytes() if len(found) else None
    item.detail = None  # the sharp page render is only needed for the features
    pixels = None
    if clip is not None and thumbnail is not None and item.kind.is_visual:
        pixels = clip.preprocess(encoder_view(thumbnail))
    return _Prepared(new, pixels)


def _name_first_visual(prepared: list[_Prepared], path: Path) -> None:
    """File names are searchable once per file, on its first page or its photo."""
    for p in prepared:
        if p.item.kind.is_visual:
            p.item.lexical_name = fts_tokens(os.fsdecode(path.stem).replace("_", " "))
            return


def _put(units: queue.Queue[_Unit], unit: _Unit, stop: threading.Event) -> None:
    """Blocking put that gives up when the run is stopping (so workers never hang)."""
    while not stop.is_set():
        try:
            units.put(unit, timeout=0.1)
            return
        except queue.Full:
            continue


def _drain(units: queue.Queue[_Unit]) -> None:
    while True:
        try:
            units.get_nowait()
        except queue.Empty:
            return


def _same_file(state: FileState, entry: FileEntry) -> bool:
    return state.size == entry.size and state.mtime_ns == entry.mtime_ns


def _read_by_current_extractor(state: FileState, entry: FileEntry) -> bool:
    return state.extractor >= EXTRACTOR_VERSION[entry.file_type]
