"""What a search is asked and what it answers: Query and SearchOutcome (engine.search runs
them; engine.search_grouping turns fused hits into one result per document)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from engine.messages import Note
from engine.query_features import QueryFeatures
from engine.text_safety import replace_surrogates
from engine.types import ItemKind, SearchResult


@dataclass
class Query:
    """What the user asked. Exactly one of ``text`` / ``image`` / ``features`` is normally
    set; ``features`` is a query photo kept as its features (a stored example, searched again
    for evaluation and adaptation: engine.query_features)."""

    text: str = ""
    image: Image.Image | None = None
    top_k: int = 20
    kinds: set[ItemKind] | None = None  # None: every kind
    folder: Path | None = None  # only results under this folder
    exclude_item: int | None = None  # "find similar" leaves out the item it started from
    # Only these signals (fusion.DEFAULT_WEIGHTS keys): per-signal evaluation, diagnostics.
    signals: set[str] | None = None
    features: QueryFeatures | None = None

    def __post_init__(self) -> None:
        # Bytes that are not UTF-8 (from argv) arrive as lone surrogates, which tokenisers
        # reject with a TypeError: every signal sees U+FFFD instead (engine/text_safety.py).
        self.text = replace_surrogates(self.text)
        # Below 1, grouping stopped after the first document: `--top-k 0` gave one result.
        # The CLI says so to people (search, eval); here it is a caller's mistake.
        if self.top_k < 1:
            raise ValueError(f"top_k must be at least 1, not {self.top_k}")

    @property
    def is_photo(self) -> bool:
        """A photo query: the photo itself or its stored features."""
        return self.image is not None or self.features is not None


@dataclass
class SearchOutcome:
    results: list[SearchResult]
    notes: list[Note] = field(default_factory=list)  # e.g. image search is off, and why
    seconds: float = 0.0
    partial: bool = False  # a first ranking, before the photo's text was read (on_partial)
