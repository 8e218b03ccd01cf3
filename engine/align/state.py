"""The *align* step of the pipeline, run after encoding: fit, from the user's own index and
without labels,

1. per-space score calibration (engine.align.calibration): the mean and spread of similarities
   for each (query modality, item kind) pair, so photos, page renders and text chunks rank
   fairly in one list despite the modality gap;
2. a text bridge (engine.align.bridge): a Procrustes map from the sentence-transformers space
   into the CLIP space, trained on pairs that come for free (each chunk encoded by both
   models), so an image query can reach paragraphs.

Both are small files in ``<data dir>/alignment``; search reads them through AlignmentState.

Thread safety: the fitted state is an immutable :class:`AlignmentSnapshot`. Fitting and
reloading build a new snapshot and swap it in with one assignment; a search takes the current
snapshot once per call, so it never sees a half-fitted or half-reloaded (empty) state.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.align.calibration import ModalityCalibration
from engine.encode.encoders import Encoders
from engine.store.atomic import write_atomic
from engine.store.catalog import Catalog
from engine.store.sql import SharedState
from engine.store.vectors import VectorStore, slug
from engine.types import ItemKind

if TYPE_CHECKING:  # imports torch: loaded with the models, not with the engine
    from engine.encode.clip import ClipEncoder

log = logging.getLogger(__name__)

STATE_NAME = "alignment.json"  # the file in the data folder, the shared document
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


@dataclass(frozen=True)
class AlignmentSnapshot:
    """Fitted calibrations and bridges at one moment; read-only once built (see :meth:`of`)."""

    calibrations: Mapping[str, ModalityCalibration]  # space → its calibration
    bridges: Mapping[str, str]  # clip space → bridge space
    fitted_counts: Mapping[str, int]  # space (or "bridge:<text space>") → vectors when fitted

    @classmethod
    def of(
        cls,
        calibrations: Mapping[str, ModalityCalibration] | None = None,
        bridges: Mapping[str, str] | None = None,
        fitted_counts: Mapping[str, int] | None = None,
    ) -> AlignmentSnapshot:
        """A snapshot holding read-only copies of the given mappings."""
        return cls(
            MappingProxyType(dict(calibrations or {})),
            MappingProxyType(dict(bridges or {})),
            MappingProxyType(dict(fitted_counts or {})),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "bridges": dict(self.bridges),
            "fitted_counts": dict(self.fitted_counts),
            "calibrations": {s: c.to_json() for s, c in self.calibrations.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AlignmentSnapshot:
        return cls.of(
            {s: ModalityCalibration.from_json(c) for s, c in data.get("calibrations", {}).items()},
            dict(data.get("bridges", {})),
            {k: int(v) for k, v in data.get("fitted_counts", {}).items()},
        )


class AlignmentState:
    """Fitted calibrations and bridges of one library, loaded from and saved to disk.

    Readers (search threads) use :attr:`snapshot` (or the methods below, which take it once);
    :meth:`refresh` and :meth:`reload` replace it whole. ``enabled`` is a switch (settings,
    evaluation runs), not fitted state.
    """

    def __init__(self, directory: Path, shared: SharedState | None = None) -> None:
        """``shared``: where a team library keeps the fitted state for every machine (the
        data folder's file is then this machine's copy)."""
        self.directory = directory
        self.shared = shared
        self.enabled = True
        self._swap_lock = threading.Lock()  # a disk read or write together with its swap
        self._fit_lock = threading.Lock()  # one refresh at a time
        self._snapshot = self._read()

    @property
    def snapshot(self) -> AlignmentSnapshot:
        """The current fitted state (one attribute read: always a whole snapshot)."""
        return self._snapshot

    @property
    def calibrations(self) -> Mapping[str, ModalityCalibration]:
        return self._snapshot.calibrations

    @property
    def bridges(self) -> Mapping[str, str]:
        return self._snapshot.bridges

    @property
    def fitted_counts(self) -> Mapping[str, int]:
        return self._snapshot.fitted_counts

    def reload(self) -> None:
        """Read the fitted state again (another process refitted it)."""
        with self._swap_lock:
            self._snapshot = self._read()

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
        cal = self._snapshot.calibrations.get(space) if self.enabled else None
        qmod = QUERY_MODALITY[query_modality]
        if cal is not None and (qmod, item_kind) in cal.stats:
            scores: np.ndarray = cal.score(query[None, :], qmod, items, item_kind)[0]
            return scores
        mean, std = (
            TEXT_SPACE_FALLBACK if space.startswith("text:") else FALLBACK_STATS[query_modality]
        )
        fallback: np.ndarray = (raw - mean) / std
        return fallback

    def bridge_space(self, clip_space: str) -> str | None:
        return self._snapshot.bridges.get(clip_space)

    # --- fitting -------------------------------------------------------------------------

    def refresh(
        self, catalog: Catalog, vectors: VectorStore, encoders: Encoders, force: bool = False
    ) -> list[str]:
        """Refit what the index has outgrown (everything with ``force``); returns what was
        refitted, for the log. Call after anything that adds or removes vectors.

        Builds a new snapshot from the current one and swaps it in at the end. Without a text
        encoder (``encoders.text()`` is None) text spaces get no text probes and the bridge is
        neither refitted nor dropped.
        """
        with self._fit_lock:
            base = self._snapshot
            calibrations = dict(base.calibrations)
            bridges = dict(base.bridges)
            fitted = dict(base.fitted_counts)
            done: list[str] = []
            counts = catalog.vector_counts()
            for space, count in counts.items():
                if space.startswith("bridge:"):
                    continue
                if force or _grew(fitted.get(space, 0), count):
                    cal = _fit_calibration(catalog, encoders, space)
                    if cal is not None:
                        calibrations[space] = cal
                    fitted[space] = count
                    done.append(f"calibration {space}")
            clip = encoders.clip()
            text = encoders.text() if clip is not None and clip.space_id in counts else None
            if clip is not None and text is not None:
                text_space = text.space_id
                key = f"bridge:{text_space}"
                if text_space in counts and (
                    force
                    or clip.space_id not in bridges
                    or _grew(fitted.get(key, 0), counts[text_space])
                ):
                    fitted_bridge = self._fit_bridge(catalog, vectors, clip, text_space)
                    if fitted_bridge is not None:
                        bridge, cal = fitted_bridge
                        bridges[clip.space_id] = bridge
                        calibrations[bridge] = cal
                    fitted[key] = counts[text_space]
                    done.append(f"bridge {text_space} → {clip.space_id}")
            snapshot = AlignmentSnapshot.of(calibrations, bridges, fitted)
            with self._swap_lock:
                self._write(snapshot)
                self._snapshot = snapshot
            return done

    def _fit_bridge(
        self, catalog: Catalog, vectors: VectorStore, clip: ClipEncoder, text_space: str
    ) -> tuple[str, ModalityCalibration] | None:
        """Fit the text bridge into ``clip``'s space, save it, store every chunk's mapped
        vector under the bridge space; returns (bridge space, its calibration)."""
        rows = catalog.query(
            "SELECT i.id, i.text, e.vector FROM items i JOIN embeddings e ON e.item_id = i.id"
            " WHERE e.space = ? AND i.kind = 'chunk' ORDER BY i.id",
            (text_space,),
        )
        if len(rows) < 16:
            return None  # too few paragraphs to learn a map from
        sample = rows[:: max(1, len(rows) // MAX_BRIDGE_PAIRS)][:MAX_BRIDGE_PAIRS]
        src = np.stack([np.frombuffer(r[2], dtype=np.float32) for r in sample])
        tgt = clip.encode_texts([r[1] for r in sample])
        # safetensors' native library: loaded only when fitting (see engine.encode.preload)
        from engine.align.bridge import fit_text_bridge

        # A vector that is not finite (seen once from the tiny random CLIP in an indexing
        # child) would make the fit's SVD fail and with it the whole run: the bridge is an
        # extra, so those pairs are left out, and a fit that still fails is skipped.
        finite = np.isfinite(src).all(axis=1) & np.isfinite(tgt).all(axis=1)
        if int(finite.sum()) < 16:
            log.warning("text bridge not fitted: too few finite vector pairs")
            return None
        try:
            aligner, report = fit_text_bridge(src[finite], tgt[finite])
        except np.linalg.LinAlgError as exc:
            log.warning("text bridge not fitted: %s", exc)
            return None
        log.info("text bridge fitted: %s", report)
        bridge = f"bridge:{text_space}>{clip.space_id}"
        aligner.save(self.directory / f"{slug(bridge)}.aligner")
        all_ids = [int(r[0]) for r in rows]
        all_src = np.stack([np.frombuffer(r[2], dtype=np.float32) for r in rows])
        mapped = aligner.transform(all_src).astype(np.float32)
        catalog.drop_space(bridge)
        catalog.add_vectors(bridge, dict(zip(all_ids, mapped, strict=True)))
        vectors.invalidate(bridge)
        items = {ItemKind.CHUNK.value: _subsample(mapped, MAX_PER_KIND)}
        image_items = _sample_vectors_by_kind(catalog, clip.space_id)
        probes = (
            {
                QUERY_MODALITY["image"]: _subsample(
                    np.concatenate(list(image_items.values())), MAX_PROBES
                )
            }
            if image_items
            else None
        )
        return bridge, ModalityCalibration.fit(items, probes)

    # --- persistence ---------------------------------------------------------------------

    def _state_file(self) -> Path:
        return self.directory / STATE_NAME

    def _read(self) -> AlignmentSnapshot:
        try:
            text = self.shared.get(STATE_NAME) if self.shared is not None else None
            if text is None:
                text = self._state_file().read_text(encoding="utf-8")
            data = json.loads(text)
        except (OSError, ValueError):
            return AlignmentSnapshot.of()
        return AlignmentSnapshot.from_json(data)

    def _write(self, snapshot: AlignmentSnapshot) -> None:
        text = json.dumps(snapshot.to_json())
        if self.shared is not None:
            self.shared.put(STATE_NAME, text)
        write_atomic(self._state_file(), text)


def _fit_calibration(
    catalog: Catalog, encoders: Encoders, space: str
) -> ModalityCalibration | None:
    """The calibration of one space, or None when it holds no vectors."""
    items = _sample_vectors_by_kind(catalog, space)
    if not items:
        return None
    probes: dict[str, np.ndarray] = {}
    encode = _text_probe_encoder(encoders, space)
    texts = _probe_texts(catalog) if encode is not None else []
    if encode is not None and texts:
        probes[QUERY_MODALITY["text"]] = encode(texts)
    visual = [v for k, v in items.items() if k != ItemKind.CHUNK.value]
    if visual:
        probes[QUERY_MODALITY["image"]] = _subsample(np.concatenate(visual), MAX_PROBES)
    return ModalityCalibration.fit(items, probes)


def _text_probe_encoder(encoders: Encoders, space: str) -> Callable[[list[str]], np.ndarray] | None:
    """What encodes typed-query probes into ``space``: its text or CLIP encoder, when loaded."""
    if space.startswith("text:"):
        text = encoders.text()
        return text.encode if text is not None and text.space_id == space else None
    clip = encoders.clip()
    return clip.encode_texts if clip is not None and clip.space_id == space else None


def _grew(before: int, now: int) -> bool:
    return now != before and abs(now - before) > REFIT_GROWTH * max(before, 1)


def _subsample(x: np.ndarray, n: int) -> np.ndarray:
    if len(x) <= n:
        return x
    picked: np.ndarray = x[np.linspace(0, len(x) - 1, n).astype(int)]
    return picked


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
