"""The *align* step of the pipeline, run after encoding: fit, from the user's own index and
without labels,

1. per-space score calibration (engine.align.calibration): the mean and spread of similarities
   for each (query modality, item kind) pair, so photos, page renders and text chunks rank
   fairly in one list despite the modality gap;
2. a text bridge (engine.align.aligners): an aligner from the sentence-transformers space into
   the CLIP space, trained on pairs that come for free (each chunk encoded by both models), so
   an image query can reach paragraphs.

Both are small files in ``<data dir>/alignment``; search reads them through AlignmentState.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from engine.align.calibration import ModalityCalibration
from engine.encoders import Encoders
from engine.store.atomic import atomic_path, write_atomic
from engine.store.catalog import Catalog
from engine.store.vectors import VectorStore, slug
from engine.types import ItemKind

log = logging.getLogger(__name__)

MAX_PER_KIND = 2000
MAX_PROBES = 256
MAX_BRIDGE_PAIRS = 1500
PROBE_CHARS = 60
PROBE_WORDS = 8  # probes mimic typed queries: a few words, not whole paragraphs
REFIT_GROWTH = 0.10  # refit when the index changed by more than this fraction

# Query modalities get their own names: "image" is also an item kind (embedded images).
QUERY_MODALITY = {"text": "query-text", "image": "query-image"}

# Before any fit (an empty or brand-new index): typical cosine statistics of each pairing.
FALLBACK_STATS = {"text": (0.20, 0.06), "image": (0.55, 0.12)}
TEXT_SPACE_FALLBACK = (0.10, 0.12)


class AlignmentState:
    """Fitted calibrations and bridges of one library, loaded from and saved to disk."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.calibrations: dict[str, ModalityCalibration] = {}
        self.bridges: dict[str, str] = {}  # clip space → bridge space
        self.fitted_counts: dict[str, int] = {}
        self.enabled = True
        self._load()

    def reload(self) -> None:
        """Read the fitted state again (another process refitted it)."""
        self.calibrations, self.bridges, self.fitted_counts = {}, {}, {}
        self._load()

    # --- used by search ------------------------------------------------------------------

    def zscores(
        self,
        query: np.ndarray,
        query_modality: str,
        space: str,
        item_kind: str,
        items: np.ndarray,
        raw: np.ndarray,
    ) -> np.ndarray:
        """Calibrated scores of candidate ``items`` (one kind) for ``query``.

        With a fitted calibration: remove each modality's mean, take cosines, standardise per
        (query modality, item kind). Otherwise (calibration off, or nothing fitted yet): the
        raw cosines ``raw`` standardised with typical statistics.
        """
        cal = self.calibrations.get(space) if self.enabled else None
        qmod = QUERY_MODALITY[query_modality]
        if cal is not None and (qmod, item_kind) in cal.stats:
            return cal.score(query[None, :], qmod, items, item_kind)[0]
        mean, std = (
            TEXT_SPACE_FALLBACK if space.startswith("text:") else FALLBACK_STATS[query_modality]
        )
        return (raw - mean) / std

    def bridge_space(self, clip_space: str) -> str | None:
        return self.bridges.get(clip_space)

    # --- fitting -------------------------------------------------------------------------

    def refresh(
        self, catalog: Catalog, vectors: VectorStore, encoders: Encoders, force: bool = False
    ) -> list[str]:
        """Refit what the index has outgrown; returns what was refitted, for the log."""
        done: list[str] = []
        counts = catalog.vector_counts()
        for space, count in counts.items():
            if space.startswith("bridge:"):
                continue
            if force or _grew(self.fitted_counts.get(space, 0), count):
                self._fit_calibration(catalog, encoders, space)
                self.fitted_counts[space] = count
                done.append(f"calibration {space}")
        clip = encoders.clip()
        if clip is not None and clip.space_id in counts:
            text_space = encoders.text().space_id
            key = f"bridge:{text_space}"
            if text_space in counts and (
                force
                or clip.space_id not in self.bridges
                or _grew(self.fitted_counts.get(key, 0), counts[text_space])
            ):
                self._fit_bridge(catalog, vectors, encoders, clip.space_id, text_space)
                self.fitted_counts[key] = counts[text_space]
                done.append(f"bridge {text_space} → {clip.space_id}")
        self._save()
        return done

    def _fit_calibration(self, catalog: Catalog, encoders: Encoders, space: str) -> None:
        items = _sample_vectors_by_kind(catalog, space)
        if not items:
            return
        probes: dict[str, np.ndarray] = {}
        texts = _probe_texts(catalog)
        if texts:
            if space.startswith("text:"):
                probes[QUERY_MODALITY["text"]] = encoders.text().encode(texts)
            else:
                clip = encoders.clip()
                if clip is not None and clip.space_id == space:
                    probes[QUERY_MODALITY["text"]] = clip.encode_texts(texts)
        visual = [v for k, v in items.items() if k != ItemKind.CHUNK.value]
        if visual:
            probes[QUERY_MODALITY["image"]] = _subsample(np.concatenate(visual), MAX_PROBES)
        self.calibrations[space] = ModalityCalibration.fit(items, probes)

    def _fit_bridge(
        self,
        catalog: Catalog,
        vectors: VectorStore,
        encoders: Encoders,
        clip_space: str,
        text_space: str,
    ) -> None:
        clip = encoders.clip()
        assert clip is not None
        rows = catalog.query(
            "SELECT i.id, i.text, e.vector FROM items i JOIN embeddings e ON e.item_id = i.id"
            " WHERE e.space = ? AND i.kind = 'chunk' ORDER BY i.id",
            (text_space,),
        )
        if len(rows) < 16:
            return  # too few paragraphs to learn a map from
        sample = rows[:: max(1, len(rows) // MAX_BRIDGE_PAIRS)][:MAX_BRIDGE_PAIRS]
        src = np.stack([np.frombuffer(r[2], dtype=np.float32) for r in sample])
        tgt = clip.encode_texts([r[1] for r in sample])
        from engine.align.aligners import fit_text_bridge  # torch: only when fitting

        aligner, report = fit_text_bridge(src, tgt, kind="procrustes")
        log.info("text bridge fitted: %s", report)
        bridge = f"bridge:{text_space}>{clip_space}"
        self.directory.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.directory / f"{slug(bridge)}.aligner") as tmp:
            aligner.save(tmp)
        all_ids = [int(r[0]) for r in rows]
        all_src = np.stack([np.frombuffer(r[2], dtype=np.float32) for r in rows])
        mapped = aligner.transform(all_src).astype(np.float32)
        catalog.drop_space(bridge)
        catalog.add_vectors(bridge, dict(zip(all_ids, mapped, strict=True)))
        vectors.invalidate(bridge)
        self.bridges[clip_space] = bridge
        items = {ItemKind.CHUNK.value: _subsample(mapped, MAX_PER_KIND)}
        image_items = _sample_vectors_by_kind(catalog, clip_space)
        probes = (
            {"image": _subsample(np.concatenate([v for v in image_items.values()]), MAX_PROBES)}
            if image_items
            else None
        )
        self.calibrations[bridge] = ModalityCalibration.fit(items, probes)

    def aligner_for(self, bridge: str):
        from engine.align.aligners import load_aligner  # torch: only with a bridge

        return load_aligner(self.directory / f"{slug(bridge)}.aligner")

    # --- persistence ---------------------------------------------------------------------

    def _state_file(self) -> Path:
        return self.directory / "alignment.json"

    def _load(self) -> None:
        try:
            data = json.loads(self._state_file().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        self.bridges = dict(data.get("bridges", {}))
        self.fitted_counts = {k: int(v) for k, v in data.get("fitted_counts", {}).items()}
        self.calibrations = {
            space: ModalityCalibration.from_json(cal)
            for space, cal in data.get("calibrations", {}).items()
        }

    def _save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        data = {
            "bridges": self.bridges,
            "fitted_counts": self.fitted_counts,
            "calibrations": {s: c.to_json() for s, c in self.calibrations.items()},
        }
        write_atomic(self._state_file(), json.dumps(data))


def _grew(before: int, now: int) -> bool:
    return now != before and abs(now - before) > REFIT_GROWTH * max(before, 1)


def _subsample(x: np.ndarray, n: int) -> np.ndarray:
    if len(x) <= n:
        return x
    return x[np.linspace(0, len(x) - 1, n).astype(int)]


def _sample_vectors_by_kind(catalog: Catalog, space: str) -> dict[str, np.ndarray]:
    rows = catalog.query(
        "SELECT i.kind, e.vector FROM embeddings e JOIN items i ON i.id = e.item_id"
        " WHERE e.space = ? ORDER BY e.item_id",
        (space,),
    )
    by_kind: dict[str, list[np.ndarray]] = {}
    for kind, blob in rows:
        by_kind.setdefault(kind, []).append(np.frombuffer(blob, dtype=np.float32))
    return {k: _subsample(np.stack(v), MAX_PER_KIND) for k, v in by_kind.items()}


def _probe_texts(catalog: Catalog) -> list[str]:
    """Query-like probes made from the user's own paragraphs: their first few words."""
    rows = catalog.query("SELECT text FROM items WHERE kind = 'chunk' ORDER BY id")
    # Japanese has no spaces, so cap by characters as well as by words.
    texts = [" ".join(r[0].split()[:PROBE_WORDS])[:PROBE_CHARS] for r in rows if r[0].strip()]
    if len(texts) > MAX_PROBES:
        step = len(texts) / MAX_PROBES
        texts = [texts[int(i * step)] for i in range(MAX_PROBES)]
    return texts
