"""Recording what every signal said about every candidate of each example query, once per
fit: the examples are searched again (a text, or a photo from its stored features) and each
candidate item keeps its per-signal confidence and standardised similarity. A fit then ranks
these records under other parameters without searching again (engine.adapt.pack)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.feedback.store import StoredQuery
from engine.fusion import Hit
from engine.messages import Phase
from engine.search import Query, Searcher
from engine.types import CancelCheck, Progress, ProgressCallback

RECORD_TOP_K = 20  # the searcher's candidate pool is 8x this per signal (160 items)


@dataclass(frozen=True)
class RecordedQuery:
    """One labelled query's candidates: per item (rows) and signal (columns), the best
    confidence (0: the signal did not find it) and standardised similarity (nan: none)."""

    key: str
    modality: str  # "text" | "image"
    signals: tuple[str, ...]
    confidence: np.ndarray  # (items, signals) float64
    z: np.ndarray  # (items, signals) float64, nan where the signal gave no z-score
    cover: np.ndarray  # (items,) the lexical share of the query's words (1.0: no lexical hit)
    doc: np.ndarray  # (items,) int: index into ``docs``
    docs: tuple[bytes, ...]  # path keys of the candidates' documents
    targets: frozenset[bytes]  # path keys of the documents the user confirmed
    hits: tuple[Hit, ...] = ()  # as searched (a part that adds a signal records them again)

    @property
    def target_found(self) -> bool:
        """Whether any confirmed document is among the candidates (else no parameter helps)."""
        return any(d in self.targets for d in self.docs)


def record_queries(
    searcher: Searcher,
    queries: list[StoredQuery],
    progress: ProgressCallback,
    cancel: CancelCheck,
) -> list[RecordedQuery] | None:
    """Search every query once and record its candidates; None when cancelled."""
    out = []
    for n, stored in enumerate(queries):
        if cancel():
            return None
        label = stored.text or (stored.image_path.name if stored.image_path else "photo")
        progress(Progress(Phase.EVALUATE, n, len(queries), f"recording: {label}"[:80]))
        query = Query(text=stored.text, features=stored.features, top_k=RECORD_TOP_K)
        hits = searcher.hits(query) if stored.text or stored.features is not None else []
        out.append(recorded(searcher, stored, hits))
    progress(Progress(Phase.EVALUATE, len(queries), len(queries), "recorded"))
    return out


def recorded(searcher: Searcher, stored: StoredQuery, hits: list[Hit]) -> RecordedQuery:
    """``hits`` of ``stored`` as per-candidate arrays."""
    from engine.store.catalog import path_key

    items = sorted({h.item_id for h in hits})
    paths = dict(
        searcher.catalog.query_ids(
            "SELECT i.id, f.path FROM items i JOIN files f ON f.id = i.file_id WHERE i.id IN ({})",
            items,
        )
    )
    items = [i for i in items if i in paths]  # an item a re-index removed meanwhile
    signals = tuple(sorted({h.signal for h in hits}))
    row = {item: n for n, item in enumerate(items)}
    col = {s: n for n, s in enumerate(signals)}
    conf = np.zeros((len(items), len(signals)))
    z = np.full((len(items), len(signals)), np.nan)
    cover = np.ones(len(items))
    lexical_seen = np.zeros(len(items), dtype=bool)
    for hit in hits:
        r = row.get(hit.item_id)
        if r is None:
            continue
        c = col[hit.signal]
        conf[r, c] = max(conf[r, c], hit.confidence)
        if hit.z is not None and not math.isnan(hit.z):
            z[r, c] = hit.z if np.isnan(z[r, c]) else max(z[r, c], hit.z)
        if hit.signal == "lexical":
            cover[r] = hit.coverage if not lexical_seen[r] else max(cover[r], hit.coverage)
            lexical_seen[r] = True
    docs = tuple(dict.fromkeys(bytes(paths[i]) for i in items))
    doc_index = {d: n for n, d in enumerate(docs)}
    doc = np.array([doc_index[bytes(paths[i])] for i in items], dtype=np.int64)
    targets = frozenset(path_key(t) for t in stored.targets)
    modality = "image" if stored.features is not None else "text"
    return RecordedQuery(
        stored.key, modality, signals, conf, z, cover, doc, docs, targets, tuple(hits)
    )
