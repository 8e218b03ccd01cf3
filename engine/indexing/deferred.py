"""Deferred encoding: vectors for stored items that lack one of a model now usable (weights
imported after indexing, a sentence model that was missing). Pictures are encoded from their
stored thumbnails, text chunks from their stored text; nothing is extracted again."""

from __future__ import annotations

import numpy as np

from engine.encode.encoders import Encoders
from engine.imaging import encoder_view
from engine.messages import Phase
from engine.store.catalog import Catalog
from engine.store.vectors import VectorStore
from engine.types import CancelCheck, ItemKind, Progress, ProgressCallback


def encode_missing(
    catalog: Catalog,
    vectors: VectorStore,
    encoders: Encoders,
    batch_size: int,
    progress: ProgressCallback,
    cancel: CancelCheck,
) -> int:
    """Encode what lacks a vector, in batches committed one by one; returns items done."""
    clip, text = encoders.clip(), encoders.text()
    visual = [k for k in ItemKind if k.is_visual]
    missing = catalog.items_missing_space(clip.space_id, visual) if clip else []
    chunks = catalog.items_missing_space(text.space_id, [ItemKind.CHUNK]) if text else []
    total, done = len(missing) + len(chunks), 0
    batch = max(1, batch_size)

    def store(space: str, ids: list[int], vecs: np.ndarray) -> None:
        catalog.add_vectors(space, dict(zip(ids, vecs, strict=True)))
        vectors.ensure(space, vecs.shape[1]).add(ids, vecs)

    for start in range(0, len(missing), batch):
        if cancel():
            return done
        assert clip is not None
        views = {i: catalog.thumbnail(i) for i in missing[start : start + batch]}
        images = {i: encoder_view(v) for i, v in views.items() if v}
        if images:
            store(clip.space_id, list(images), clip.encode_images(list(images.values())))
        done += len(views)
        progress(Progress(Phase.ENCODE, done, total))
    for start in range(0, len(chunks), batch):
        if cancel():
            return done
        assert text is not None
        rows = catalog.items(chunks[start : start + batch])
        ids = [i for i, row in rows.items() if row.text.strip()]
        if ids:
            store(text.space_id, ids, text.encode([rows[i].text for i in ids]))
        done += len(rows)
        progress(Progress(Phase.ENCODE, done, total))
    vectors.save()
    return done
