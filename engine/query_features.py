"""A query photo kept as what the signals need of it, not as the photo.

A confirmed example ("this photo shows that datasheet page") must be searchable again later,
for evaluation and adaptation, without keeping a copy of the user's private file: the query's
encoder vectors per embedding space, its compact local features (exact visual match) and the
text OCR read off it are enough for every image signal (engine.search). A few kilobytes
instead of the picture; the photo cannot be rebuilt from them.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import numpy as np

FORMAT = 1


@dataclass(frozen=True)
class QueryFeatures:
    """Everything the image signals read from a query photo, computed once.

    ``vectors``: the photo's image-encoder vector per embedding space (CLIP's space id);
    ``visual``: its compact local features (engine.signals.visual.features.Features bytes),
    None when none were taken; ``ocr_lines``: (text, confidence) of each line read off it;
    ``ocr_read``: whether OCR ran at all (False: the OCR signals have nothing to search)."""

    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    visual: bytes | None = None
    ocr_lines: tuple[tuple[str, float], ...] = ()
    ocr_read: bool = False

    def to_bytes(self) -> bytes:
        """One self-describing blob (an .npz: arrays, plus a JSON header)."""
        spaces = sorted(self.vectors)
        header = {
            "format": FORMAT,
            "spaces": spaces,
            "ocr_lines": [[t, c] for t, c in self.ocr_lines],
            "ocr_read": self.ocr_read,
        }
        arrays: dict[str, np.ndarray] = {
            f"v{n}": np.asarray(self.vectors[s], dtype=np.float32) for n, s in enumerate(spaces)
        }
        arrays["header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
        if self.visual is not None:
            arrays["visual"] = np.frombuffer(self.visual, dtype=np.uint8)
        out = io.BytesIO()
        np.savez_compressed(out, **arrays)  # type: ignore[arg-type]
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> QueryFeatures:
        """Read a blob written by :meth:`to_bytes`; raises ValueError for anything else."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                header = json.loads(bytes(npz["header"]).decode("utf-8"))
                if header.get("format") != FORMAT:
                    raise ValueError(f"query features format {header.get('format')!r}")
                vectors = {
                    str(s): np.array(npz[f"v{n}"], dtype=np.float32)
                    for n, s in enumerate(header["spaces"])
                }
                visual = bytes(npz["visual"]) if "visual" in npz.files else None
        except (OSError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ValueError(f"not a query features blob: {exc}") from exc
        lines = tuple((str(t), float(c)) for t, c in header.get("ocr_lines", []))
        return cls(vectors, visual, lines, bool(header.get("ocr_read")))
