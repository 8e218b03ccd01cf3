"""The consuming side of the indexing pipeline: takes what the extraction workers prepared
off the queue, batches pictures through the image encoder across files (photos are one item
each: per-file batches would starve the encoder), and hands each file to be committed once
all its items have vectors."""

from __future__ import annotations

import os
import queue
import time
from typing import TYPE_CHECKING, Protocol

from engine.indexing.eta import WorkEstimate
from engine.indexing.work import FileWork, Prepared, Unit
from engine.messages import Phase
from engine.types import CancelCheck, ItemKind, Progress, ProgressCallback

if TYPE_CHECKING:  # imports torch: loaded with the models, not with the engine
    from engine.encode.clip import ClipEncoder

SAVE_EVERY_SECONDS = 60.0


class Committer(Protocol):
    """Where finished files go (engine.indexing.indexer.Indexer)."""

    @property
    def pages(self) -> int: ...

    def commit(self, work: FileWork) -> None: ...

    def reject(self, work: FileWork) -> None: ...

    def save(self) -> None: ...


class Consumer:
    """Takes extracted items off the queue, batches them through the image encoder across
    files (photos are one item each: per-file batches would starve the encoder), and commits
    each file once all its items have vectors."""

    def __init__(
        self,
        committer: Committer,
        states: dict[int, FileWork],
        units: queue.Queue[Unit],
        clip: ClipEncoder | None,
        batch_size: int,
        progress: ProgressCallback,
        cancel: CancelCheck,
    ) -> None:
        self.ix = committer
        self.states = states
        self.units = units
        self.progress = progress
        self.cancel = cancel
        self.clip = clip
        self.batch_size = max(1, batch_size)
        self.pending: list[tuple[FileWork, Prepared]] = []
        self.open = set(states)
        # Files that may be ready to commit: checked after each batch instead of rescanning
        # every open file (which made a first index of N files O(N²)).
        self.maybe_ready: set[int] = set()
        self.done = 0
        self.total = len(states)
        self.started = time.monotonic()
        self.last_save = self.started
        # Time left weighed by each file's type and bytes, not by the count of files.
        self.estimate = WorkEstimate()
        self.estimate.plan_all(_weight(s) for s in states.values())
        self.pages_total = 0  # the pages the lexical tier found in these files (0: unknown)

    def run(self) -> bool:
        """Consume until every file is committed or rejected; False if cancelled first."""
        while self.open:
            if self.cancel():
                return False
            try:
                kind, n, payload = self.units.get(timeout=0.05)
            except queue.Empty:
                self._flush()  # the producer is behind: encode what we have, commit files
                continue
            if kind == "error":  # the extraction workers failed as a whole
                assert isinstance(payload, BaseException)
                raise payload
            self._handle(kind, self.states[n], payload)
            self.maybe_ready.add(n)
            if len(self.pending) >= self.batch_size:
                self._encode(self.pending[: self.batch_size])
                self.pending = self.pending[self.batch_size :]
            self._commit_ready()
        self._flush()
        return True

    def _handle(self, kind: str, state: FileWork, payload: object) -> None:
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

    def _encode(self, batch: list[tuple[FileWork, Prepared]]) -> None:
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
            self.ix.save()
            self.last_save = time.monotonic()

    def _fail(self, n: int, state: FileWork) -> None:
        self.ix.reject(state)
        self.pending = [(s, p) for s, p in self.pending if s is not state]
        self._finish(n, state)

    def _finish(self, n: int, state: FileWork) -> None:
        self.open.discard(n)
        self.states[n] = FileWork(state.job, n)  # release the pixels and thumbnails
        self.done += 1
        elapsed = time.monotonic() - self.started
        self.estimate.finished(*_weight(state), at=elapsed)
        eta = self.estimate.remaining(elapsed)
        pages = self.ix.pages
        self.progress(
            Progress(
                Phase.EXTRACT,
                self.done,
                self.total,
                os.fsdecode(state.job.entry.path.name),
                pages=pages,
                eta_seconds=eta,
                pages_total=self.pages_total,
                rate=pages / elapsed if elapsed > 0 else None,
            )
        )


def _weight(state: FileWork) -> tuple[str, int]:
    """What a file weighs for the estimate of time left: its type and its bytes."""
    entry = state.job.entry
    return entry.file_type.value, entry.size
