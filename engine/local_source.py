"""The part of ``engine.search_source.SearchSource`` that a local ``Library`` adds to its
searching: a result's picture and file are on this computer's disk."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

    from engine.types import SearchResult


class LocalResults:
    """A mixin of engine.library.Library (which has ``render_page`` and ``load_query_image``)."""

    def preview(self, result: SearchResult, max_side: int) -> Image.Image | None:
        """The result's page or photo at most ``max_side`` on a side; None when the file is
        gone, damaged or unreadable (the window keeps the thumbnail)."""
        from engine.extract import ExtractError

        if not result.path.is_file():
            return None
        try:
            if result.path.suffix.lower() == ".pdf":
                return self.render_page(result.path, result.page or 1, max_side=max_side)  # type: ignore[attr-defined,no-any-return]
            picture: Image.Image = self.load_query_image(result.path)  # type: ignore[attr-defined]
        except (ExtractError, OSError):
            return None
        picture.thumbnail((max_side, max_side))
        return picture

    @staticmethod
    def original(result: SearchResult) -> Path:
        """Where the result's file is: here, where it was indexed."""
        return result.path

    @staticmethod
    def fetch_original(_result: SearchResult) -> Path | None:
        """A local index has nowhere else to fetch a missing file from."""
        return None
