"""Small typed records passed between the pipeline stages (crawl → extract → encode → store →
search). Plain dataclasses: no behaviour, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from engine.messages import Phase, Reason, Tier

if TYPE_CHECKING:
    from PIL import Image


class ItemKind(StrEnum):
    PAGE = "page"  # a rendered PDF page (image space)
    IMAGE = "image"  # an image embedded in a PDF page (image space)
    PHOTO = "photo"  # a standalone image file (image space)
    CHUNK = "chunk"  # a paragraph-sized run of text from a PDF page (text space)

    @property
    def is_visual(self) -> bool:
        return self is not ItemKind.CHUNK


class FileType(StrEnum):
    PDF = "pdf"
    IMAGE = "image"


@dataclass(frozen=True)
class FileEntry:
    """A file found by the crawler. ``mtime_ns`` and ``size`` decide whether it changed."""

    path: Path
    size: int
    mtime_ns: int
    file_type: FileType


@dataclass(frozen=True)
class Skipped:
    """A file (or folder) that could not be indexed, with a reason a person can act on."""

    path: Path
    reason: str


@dataclass
class ExtractedItem:
    """One searchable unit produced by extraction, before encoding.

    ``image`` is set for visual kinds (already oriented and size-capped), ``text`` for chunks.
    ``thumbnail`` is a small JPEG for display. ``digest`` identifies identical embedded images
    so they are stored once per document.
    """

    kind: ItemKind
    page: int | None = None  # 1-based page number, None for a photo
    text: str = ""
    image: Image.Image | None = None
    thumbnail: bytes | None = None
    bbox: tuple[float, float, float, float] | None = None  # position on the page, PDF points
    digest: str | None = None
    # Pages only: a sharper render for local visual features, dropped once they are computed.
    detail: Image.Image | None = None
    # Pages only: whether the page shows a figure or a photo, the only pages worth local
    # visual features (engine.extract.figures); a text page is matched by its text.
    figure: bool = True


@dataclass
class ExtractedFile:
    """Everything extraction got from one file; ``warnings`` are partial failures (a bad page)."""

    entry: FileEntry
    items: list[ExtractedItem] = field(default_factory=list)
    page_count: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    """One ranked hit. ``reasons`` says why it matched (typed: each client renders them)."""

    item_id: int
    path: Path
    kind: ItemKind
    page: int | None
    score: float
    snippet: str = ""
    reasons: list[Reason] = field(default_factory=list)
    file_exists: bool = True
    other_pages: list[int] = field(default_factory=list)  # further hits in the same document
    # The item whose picture represents this result: itself, or for a text chunk its page.
    preview_item_id: int | None = None
    # Not an exact match of what the query names (a part number no file mentions): shown
    # apart, as related results (engine.messages.NoteCode.PART_NUMBER_NOT_FOUND says why).
    related: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "item_id": self.item_id,
            "path": str(self.path),
            "page": self.page,
            "kind": self.kind.value,
            "score": round(float(self.score), 6),
            "snippet": self.snippet,
            "reasons": [r.to_json() for r in self.reasons],
            "file_exists": self.file_exists,
            "other_pages": list(self.other_pages),
            "related": self.related,
            "preview_item_id": self.preview_item_id,
        }


@dataclass(frozen=True)
class Progress:
    """A progress report from a long-running engine call: ``done`` of ``total`` (0: not
    known yet) in ``phase``. ``item`` names what is being worked on (a file name), never a
    sentence: clients word the phase themselves, in their own language."""

    phase: Phase
    done: int
    total: int
    item: str = ""
    pages: int = 0
    eta_seconds: float | None = None
    pages_total: int = 0  # 0: not known (the visual tier knows them from the lexical tier)
    rate: float | None = None  # pages per second in this phase so far

    def to_json(self) -> dict[str, object]:
        return {
            "phase": self.phase.value,
            "done": self.done,
            "total": self.total,
            "item": self.item,
            "pages": self.pages,
            "eta_seconds": self.eta_seconds,
            "pages_total": self.pages_total,
            "rate": self.rate,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Progress:
        eta = data.get("eta_seconds")
        return cls(
            Phase(str(data["phase"])),
            _as_int(data.get("done")),
            _as_int(data.get("total")),
            str(data.get("item", "")),
            _as_int(data.get("pages")),
            float(eta) if isinstance(eta, int | float) else None,
            _as_int(data.get("pages_total")),
            float(rate) if isinstance(rate := data.get("rate"), int | float) else None,
        )


@dataclass(frozen=True)
class TierDone:
    """A tier finished for every file of an index run (``files`` and ``pages`` it did in
    this run, ``elapsed_s`` since the run started): after ``Tier.LEXICAL`` every new file is
    searchable by its words."""

    tier: Tier
    elapsed_s: float
    files: int
    pages: int

    def to_json(self) -> dict[str, object]:
        # The exact line benchmarks read (benchmarks/bench_tiers.py): keep its keys.
        return {
            "event": "tier_done",
            "tier": self.tier.value,
            "elapsed_s": round(self.elapsed_s, 3),
            "files": self.files,
            "pages": self.pages,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> TierDone:
        elapsed = data.get("elapsed_s")
        return cls(
            Tier(str(data["tier"])),
            float(elapsed) if isinstance(elapsed, int | float) else 0.0,
            _as_int(data.get("files")),
            _as_int(data.get("pages")),
        )


def _as_int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


ProgressCallback = Callable[[Progress], None]
TierCallback = Callable[[TierDone], None]
CancelCheck = Callable[[], bool]


class Cancelled(Exception):
    """Raised inside the engine when the cancel callback asks to stop; work done so far is kept."""


def no_progress(_: Progress) -> None:
    return None


def no_tier_report(_: TierDone) -> None:
    return None


def never_cancel() -> bool:
    return False
