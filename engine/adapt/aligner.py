"""Part (c) of adaptation: a learned map from a query photo's image-encoder (CLIP) vector to
the text encoder's (MiniLM) space, fitted on the user's photo → document pairs, searched as
one more signal (``semantic-aligned``) against the documents' text chunks.

The map is ridge least squares (engine.evaluation.aligners.LeastSquares, the aligner the
benchmarks compared with the runtime's Procrustes bridge), fitted in engine.adapt.aligner_fit;
each pair is a photo's vector and the mean of its confirmed document's chunk vectors. This
module only applies it, with numpy: search never imports the fitting code or torch.
Without CLIP weights there are no photo vectors and this part is never fitted
(docs/EVALUATION.md: tested on tiny random models, for correctness only).
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.fusion import Hit, logistic
from engine.messages import ReasonCode, reason
from engine.store.catalog import Catalog, path_key
from engine.store.vectors import VectorStore

ALIGNED_SIGNAL = "semantic-aligned"
ALIGNED_WEIGHT = 0.6  # as the runtime's text bridge (engine.fusion.DEFAULT_WEIGHTS)


@dataclass(frozen=True)
class PhotoTextMap:
    clip_space: str
    text_space: str
    weight: np.ndarray  # (clip dims, text dims)
    src_mean: np.ndarray
    tgt_mean: np.ndarray

    def map(self, vector: np.ndarray) -> np.ndarray:
        y: np.ndarray = (np.asarray(vector, np.float64) - self.src_mean) @ self.weight
        y = y + self.tgt_mean
        norm = float(np.linalg.norm(y))
        out: np.ndarray = (y / norm if norm > 0 else y).astype(np.float32)
        return out

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        header = json.dumps({"clip_space": self.clip_space, "text_space": self.text_space})
        np.savez(
            out,
            header=np.frombuffer(header.encode("utf-8"), dtype=np.uint8),
            weight=self.weight,
            src_mean=self.src_mean,
            tgt_mean=self.tgt_mean,
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> PhotoTextMap:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            header = json.loads(bytes(npz["header"]).decode("utf-8"))
            return cls(
                str(header["clip_space"]),
                str(header["text_space"]),
                np.array(npz["weight"]),
                np.array(npz["src_mean"]),
                np.array(npz["tgt_mean"]),
            )

    def hits(
        self, vectors: VectorStore, catalog: Catalog, clip_vector: np.ndarray, pool: int
    ) -> list[Hit]:
        """Text chunks near the mapped photo vector; confidence from the similarity's z-score
        within this query's own candidates (the pool is the crowd it stands out from)."""
        index = vectors.get(self.text_space)
        if index is None:
            return []
        keys, sims, _ = index.search_with_vectors(self.map(clip_vector), pool)
        kinds = catalog.item_kinds(int(k) for k in keys)
        rows = [n for n, k in enumerate(keys) if int(k) in kinds]
        if not rows:
            return []
        found = np.asarray(sims, np.float64)[rows]
        z = (found - found.mean()) / max(float(found.std()), 1e-6)
        return [
            Hit(
                int(keys[n]),
                ALIGNED_SIGNAL,
                logistic(float(zn)),
                reason(ReasonCode.TEXT_ABOUT_IT, similarity=round(float(sim), 4)),
                z=float(zn),
            )
            for n, sim, zn in zip(rows, found, z, strict=True)
        ]


def spaces_for(catalog: Catalog, photo_spaces: list[str]) -> tuple[str, str] | None:
    """(the photos' image space, the library's text space), or None when either is missing."""
    if not photo_spaces:
        return None
    clip_space = Counter(photo_spaces).most_common(1)[0][0]
    counts = catalog.vector_counts()
    text = [s for s in counts if s.startswith("text:") and counts[s]]
    if not text:
        return None
    return clip_space, max(text, key=lambda s: counts[s])


def document_vector(
    catalog: Catalog, text_space: str, targets: tuple[Path, ...]
) -> np.ndarray | None:
    """The mean chunk vector of the confirmed documents (None: none has text vectors)."""
    rows = []
    for target in targets:
        rows += catalog.query(
            "SELECT e.vector FROM embeddings e JOIN items i ON i.id = e.item_id"
            " JOIN files f ON f.id = i.file_id WHERE e.space = ? AND f.path = ?",
            (text_space, path_key(target)),
        )
    if not rows:
        return None
    mean = np.mean([np.frombuffer(r[0], dtype=np.float32) for r in rows], axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else None
