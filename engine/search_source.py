"""What a window needs to search and show results, whether the index is on this computer
(``engine.library.Library``) or on a team server (``engine.team.remote.RemoteLibrary``): the
window holds one ``SearchSource`` and never asks which it is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PIL import Image

    from engine.search import Query, SearchOutcome
    from engine.types import SearchResult


class SearchSource(Protocol):
    def search(
        self, query: Query, on_partial: Callable[[SearchOutcome], None] | None = None
    ) -> SearchOutcome: ...

    def similar_to(self, item_id: int, top_k: int = 20) -> SearchOutcome: ...

    def thumbnail(self, item_id: int) -> bytes | None:
        """The item's small JPEG, or None."""
        ...

    def preview(self, result: SearchResult, max_side: int) -> Image.Image | None:
        """The result's page or photo at most ``max_side`` on a side; None when it cannot be
        shown (the window keeps the thumbnail)."""
        ...

    def counts(self) -> dict[str, object]:
        """What the status bar shows: ``counts``, ``tiers`` and maybe ``last_run``."""
        ...

    def original(self, result: SearchResult) -> Path:
        """Where the result's file is on this computer (it may be missing)."""
        ...

    def fetch_original(self, result: SearchResult) -> Path | None:
        """A copy of the file fetched from where the index lives, when ``original`` is
        missing; None when there is nowhere to fetch it from (a local index)."""
        ...
