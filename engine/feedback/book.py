"""The library's examples: adding one (a confirmed result, or a file and page picked for a
failed query), listing, removing. Validation happens before anything is written: a refused
example is one line (ExampleRefused) and leaves the catalog as it was."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from engine.config import Settings
from engine.feedback import store
from engine.feedback.capture import (
    features_key,
    photo_features,
    photo_key,
    small_copy,
    text_key,
)
from engine.feedback.examples import Example, ExampleRefused, ExampleSource, Verdict
from engine.search import Query, Searcher
from engine.store.catalog import Catalog, display, path_key


class ExampleBook:
    def __init__(
        self, catalog: Catalog, searcher: Searcher, settings: Callable[[], Settings]
    ) -> None:
        self.catalog = catalog
        self.searcher = searcher
        self.settings = settings

    def add(
        self,
        query: Query,
        target: Path,
        page: int | None,
        verdict: Verdict = Verdict.IS_IT,
        source: ExampleSource = ExampleSource.WINDOW,
        image_path: Path | None = None,
    ) -> Example:
        """Store one example (the same one twice is stored once); raises ExampleRefused."""
        new = self.prepare(query, target, page, verdict, source, image_path)
        example_id = store.insert(self.catalog, new)
        return store.examples(self.catalog, [example_id])[0]

    def prepare(
        self,
        query: Query,
        target: Path,
        page: int | None,
        verdict: Verdict,
        source: ExampleSource,
        image_path: Path | None = None,
    ) -> store.NewExample:
        """The row to write, checked, with the photo's features taken (the slow part: CLIP,
        local features and OCR of the photo, about a second)."""
        target_key = self.target_key(target, page)
        text = query.text.strip()
        if query.is_photo:
            return self._photo_row(query, target_key, page, verdict, source, image_path)
        if not text:
            raise ExampleRefused("An example needs a query: a text or a photo.")
        return store.NewExample(
            text, text_key(text), None, None, None, target_key, display(target), page,
            verdict, source,
        )  # fmt: skip

    def _photo_row(
        self,
        query: Query,
        target_key: bytes,
        page: int | None,
        verdict: Verdict,
        source: ExampleSource,
        image_path: Path | None,
    ) -> store.NewExample:
        kept = None
        if query.image is not None:
            features = photo_features(self.searcher, query.image)
            key = photo_key(query.image)
            if self.settings().keep_query_images:
                kept = small_copy(query.image)
        else:
            assert query.features is not None  # is_photo: one of the two
            features, key = query.features, features_key(query.features)
        where = str(image_path) if image_path is not None else None
        return store.NewExample(
            "", key, features.to_bytes(), where, kept, target_key,
            display(Path(_decoded(target_key))), page, verdict, source,
        )  # fmt: skip

    def target_key(self, target: Path, page: int | None) -> bytes:
        """The target's path key, when it is an indexed file and ``page`` is one of its pages."""
        for candidate in dict.fromkeys((Path(target), Path(target).resolve())):
            file_id = self.catalog.file_id(candidate)
            if file_id is not None:
                break
        else:
            raise ExampleRefused(
                f"{display(target)} is not in the library: index its folder first."
            )
        row = self.catalog.file_by_id(file_id)
        pages = row.page_count if row is not None else 0
        if page is not None and (page < 1 or (pages and page > pages)):
            raise ExampleRefused(f"{display(target)} has no page {page} (it has {pages}).")
        return path_key(candidate)

    def examples(self) -> list[Example]:
        return store.examples(self.catalog)

    def remove(self, example_id: int) -> bool:
        return store.delete(self.catalog, example_id)

    def image(self, example_id: int) -> bytes | None:
        return store.image(self.catalog, example_id)


def _decoded(key: bytes) -> str:
    return os.fsdecode(key)
