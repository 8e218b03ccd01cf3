"""The rows the catalog reads and writes (engine.store.catalog re-exports them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.types import ItemKind


@dataclass(frozen=True)
class FileState:
    """What a scan compares a found file with: changed size or mtime, or an older extractor
    (see engine.extract.EXTRACTOR_VERSION), means the file is read again."""

    id: int
    size: int
    mtime_ns: int
    extractor: int


@dataclass(frozen=True)
class FileRow:
    id: int
    path: Path
    display_path: str
    root: str
    file_type: str
    size: int
    mtime_ns: int
    content_hash: str | None
    page_count: int


@dataclass(frozen=True)
class ItemRow:
    id: int
    file_id: int
    kind: ItemKind
    page: int | None
    text: str
    ocr_text: str
    path: Path
    display_path: str


@dataclass
class NewItem:
    """An item ready to be written, with its vectors per space."""

    kind: ItemKind
    page: int | None
    ordinal: int
    text: str = ""
    bbox: tuple[float, float, float, float] | None = None
    thumbnail: bytes | None = None
    digest: str | None = None
    vectors: dict[str, np.ndarray] | None = None
    lexical_body: str = ""  # pre-tokenised text for the FTS5 index (engine.signals.tokenize)
    lexical_name: str = ""  # pre-tokenised file name, on the file's first visual item
    features: bytes | None = None  # local visual features (engine.signals.visual.Features)
