"""What the indexing pipeline passes between its stages: the files to read, the items a
worker prepared for the encoder, one file's work in progress, and the queue between them.
Worker processes call :func:`prepare` (thumbnail, local features); the parent adds the
encoder's preprocessing (:func:`pixels_for`: torch stays out of the workers), so that only
the encoder's forward pass runs on the consuming thread."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine.config import Settings
from engine.extract import iter_file_items
from engine.extract.images import make_thumbnail
from engine.imaging import encoder_view
from engine.signals.tokenize import fts_tokens
from engine.signals.visual import features_of
from engine.store.records import NewItem
from engine.types import CancelCheck, ExtractedItem, FileEntry

if TYPE_CHECKING:  # both import torch: loaded with the models, not with the engine
    import torch

    from engine.encode.clip import ClipEncoder

QUEUE_DEPTH = 64

# What extract workers hand the consumer: (kind, file number, payload), kind being "items"
# (a list of Prepared), "end" (the file's warnings) or "fail" (the reason).
Unit = tuple[str, int, object]


@dataclass
class Job:
    """A file that needs (re-)extraction."""

    entry: FileEntry
    root: str
    content_hash: str | None
    # Set for the visual tier of a file the lexical tier stored (its catalog id): the
    # pictures are added to its items. None: the whole file is (re)written in one go.
    file_id: int | None = None


@dataclass
class Prepared:
    """An extracted item plus what the encoder needs, made on a worker thread."""

    item: NewItem
    pixels: torch.Tensor | None = None  # preprocessed tensor for the image encoder


@dataclass
class FileWork:
    """One file on its way through the pipeline (its key in the consumer's table)."""

    job: Job
    number: int = 0  # its key in the consumer's table
    items: list[Prepared] = field(default_factory=list)
    page_count: int = 0
    warnings: list[str] = field(default_factory=list)
    ended: bool = False
    failed: str | None = None
    awaiting: int = 0  # items still waiting for image vectors


def iter_items(
    entry: FileEntry, settings: Settings, cancel: CancelCheck, warnings: list[str]
) -> Iterator[list[ExtractedItem]]:
    """Items one page at a time, so a 500-page PDF never sits in memory whole. The reader is
    chosen by content, not extension (a PNG named .pdf still indexes)."""
    yield from iter_file_items(entry, settings, cancel, warnings=warnings)


def prepare(
    item: ExtractedItem, clip: ClipEncoder | None, ordinal: int, with_features: bool
) -> Prepared:
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
    return Prepared(new, pixels_for(new, clip))


def pixels_for(item: NewItem, clip: ClipEncoder | None) -> torch.Tensor | None:
    """The image encoder's input for a visual item, from its thumbnail (None without one)."""
    if clip is None or item.thumbnail is None or not item.kind.is_visual:
        return None
    return clip.preprocess(encoder_view(item.thumbnail))


def name_first_visual(prepared: list[Prepared], path: Path) -> None:
    """File names are searchable once per file, on its first page or its photo."""
    for p in prepared:
        if p.item.kind.is_visual:
            p.item.lexical_name = fts_tokens(os.fsdecode(path.stem).replace("_", " "))
            return


def put(units: queue.Queue[Unit], unit: Unit, stop: threading.Event) -> None:
    """Blocking put that gives up when the run is stopping (so workers never hang)."""
    while not stop.is_set():
        try:
            units.put(unit, timeout=0.1)
            return
        except queue.Full:
            continue


def drain(units: queue.Queue[Unit]) -> None:
    while True:
        try:
            units.get_nowait()
        except queue.Empty:
            return
