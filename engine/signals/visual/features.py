"""Local features of an image: SIFT (or ORB) keypoints and descriptors, and their compact
binary form for the catalog. The first step of exact visual match (engine.signals.visual).

Stored and queried features are COMPACT_KIND: SIFT keypoints with RootSIFT-PCA int8
descriptors (engine.signals.visual.compact), 68 bytes per keypoint in the blob instead of 136.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from engine.signals.visual.compact import PCA_DIMS, compact_descriptors
from engine.types import ExtractedItem, ItemKind

DEFAULT_MAX_SIDE = 1024
DEFAULT_N_FEATURES = 800
# A page holds text, tables and figures at once: a photographed figure covers a fraction of it,
# so pages get a sharper image and more keypoints (distortion benchmark: the verification
# upper bound for page-region photos rose from 11/19 to 17/19, docs/SIGNALS.md).
PAGE_MAX_SIDE = 1600
PAGE_N_FEATURES = 2000
SPREAD_GRID = 8  # cells per side when keypoints are spread over a page
SPREAD_CANDIDATES = 4  # detect this many times the budget, then spread the budget over them
_MAGIC = b"SGVF"
COMPACT_KIND = "rootsift-pca"  # SIFT keypoints, RootSIFT-PCA int8 descriptors
_KINDS = {"sift": 1, "orb": 2, COMPACT_KIND: 3}
_HEADER = struct.Struct("<4sBBHIII")  # magic, version, kind, dim, n, width, height
# Blob versions: 1 float32 positions; 2 (written now) uint16 positions in steps of the image's
# long side / 65,535 (0.025 px on a 1,600 px page). Descriptors follow as their dtype's bytes.
BLOB_VERSION = 2
_POSITION_STEPS = 65_535


@dataclass
class Features:
    """Keypoint positions (feature-image pixels) and descriptors of one image."""

    keypoints: np.ndarray  # (n, 2) float32
    # (n, d): RootSIFT-PCA int8 (COMPACT_KIND), SIFT 128 uint8 (0..255 in OpenCV), ORB 32 bytes
    descriptors: np.ndarray
    kind: str = "sift"
    image_size: tuple[int, int] = (0, 0)

    def __len__(self) -> int:
        return int(self.keypoints.shape[0])

    def to_bytes(self) -> bytes:
        """Compact binary form for an SQLite BLOB (BLOB_VERSION: 4 bytes of position per
        keypoint, then the descriptor: 68 bytes per keypoint for COMPACT_KIND)."""
        n, dim = self.descriptors.shape if len(self) else (0, descriptor_dim(self.kind))
        header = _HEADER.pack(_MAGIC, BLOB_VERSION, _KINDS[self.kind], dim, n, *self.image_size)
        step = _position_step(self.image_size)
        kp = np.clip(np.rint(self.keypoints / step), 0, _POSITION_STEPS).astype("<u2")
        desc = np.ascontiguousarray(self.descriptors, dtype=descriptor_dtype(self.kind))
        return header + kp.tobytes() + desc.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Features:
        """Read a blob of any version (1: float32 positions, 2: uint16)."""
        if len(data) < _HEADER.size:
            raise ValueError("visual features blob is truncated (no header)")
        magic, version, kind_code, dim, n, width, height = _HEADER.unpack_from(data)
        kinds = {v: k for k, v in _KINDS.items()}
        if magic != _MAGIC or version not in (1, 2) or kind_code not in kinds:
            raise ValueError("not a visual features blob (bad magic, version or kind)")
        kind = kinds[kind_code]
        pos_bytes = 8 if version == 1 else 4
        expected = _HEADER.size + n * pos_bytes + n * dim
        if len(data) != expected:
            raise ValueError(f"visual features blob has {len(data)} bytes, expected {expected}")
        off = _HEADER.size
        if version == 1:
            kp = np.frombuffer(data, "<f4", n * 2, off).astype(np.float32)
        else:
            steps = np.frombuffer(data, "<u2", n * 2, off).astype(np.float32)
            kp = steps * np.float32(_position_step((width, height)))
        dtype = descriptor_dtype(kind)
        desc = np.frombuffer(data, dtype, n * dim, off + n * pos_bytes).reshape(n, dim).copy()
        return cls(kp.reshape(n, 2), desc, kind, (width, height))


def _position_step(image_size: tuple[int, int]) -> float:
    """Pixels per stored position step: the long side over 65,535 (1/16 px without a size)."""
    long_side = max(image_size)
    return long_side / _POSITION_STEPS if long_side > 0 else 1.0 / 16


def as_compact(features: Features) -> Features:
    """``features`` in COMPACT_KIND: raw SIFT (an older library's blob) is projected, ORB
    cannot be and stays as it is."""
    if features.kind != "sift":
        return features
    desc = compact_descriptors(features.descriptors)
    return Features(features.keypoints, desc, COMPACT_KIND, features.image_size)


def descriptor_dim(kind: str) -> int:
    return {"sift": 128, "orb": 32}.get(kind, PCA_DIMS)


def descriptor_dtype(kind: str) -> type[np.integer]:
    """int8 for the signed PCA components of COMPACT_KIND, uint8 for SIFT and ORB bytes."""
    return np.int8 if kind == COMPACT_KIND else np.uint8


def extract_features(
    img: Image.Image,
    max_side: int = DEFAULT_MAX_SIDE,
    n_features: int = DEFAULT_N_FEATURES,
    method: str = COMPACT_KIND,
    spread: bool = False,
) -> Features:
    """Local features of ``img`` on a grey copy scaled to ``max_side`` (small images upscaled
    to a third of it so thumbnails still yield keypoints).

    ``spread``: keep ``n_features`` spread over the image instead of the strongest ones. On a
    page, text corners are the strongest keypoints and can take the whole budget, leaving a
    figure on the same page with none (see :func:`_spread_out`).

    ``method``: COMPACT_KIND (what the catalog stores and queries use), "sift" (raw
    descriptors) or "orb"."""
    if method not in _KINDS:
        raise ValueError(f"unknown feature method {method!r}; use {', '.join(_KINDS)}")
    grey = img.convert("L")
    scale = max_side / max(grey.size)
    if scale < 1.0 or max(grey.size) < max_side // 3:
        scale = min(scale, 3.0)
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    arr = np.asarray(grey)
    budget = n_features * SPREAD_CANDIDATES if spread else n_features
    detector: cv2.Feature2D
    if method != "orb":
        detector = cv2.SIFT.create(nfeatures=budget)
    else:
        detector = cv2.ORB.create(nfeatures=budget)
    kps, desc = detector.detectAndCompute(arr, None)
    if desc is None or not kps:
        return Features(
            np.zeros((0, 2), np.float32),
            np.zeros((0, descriptor_dim(method)), descriptor_dtype(method)),
            method,
            grey.size,
        )
    pts = np.array([k.pt for k in kps], dtype=np.float32)
    if spread and len(kps) > n_features:
        keep = _spread_out(pts, np.array([k.response for k in kps]), n_features, arr.shape)
        pts, desc = pts[keep], desc[keep]
    raw = np.clip(desc, 0, 255).astype(np.uint8)
    if method == COMPACT_KIND:
        return Features(pts, compact_descriptors(raw), method, grey.size)
    return Features(pts, raw, method, grey.size)


def _spread_out(
    pts: np.ndarray, response: np.ndarray, n: int, shape: tuple[int, ...]
) -> np.ndarray:
    """Indices of ``n`` keypoints taken round-robin over a SPREAD_GRID² grid of cells, each
    cell giving its strongest first: every textured region of the image keeps keypoints."""
    h, w = shape[:2]
    cell = (
        np.minimum(pts[:, 1] * SPREAD_GRID // max(h, 1), SPREAD_GRID - 1) * SPREAD_GRID
        + np.minimum(pts[:, 0] * SPREAD_GRID // max(w, 1), SPREAD_GRID - 1)
    ).astype(np.int64)
    by_strength = np.argsort(-response, kind="stable")
    order = by_strength[np.argsort(cell[by_strength], kind="stable")]  # per cell, strongest first
    cells = cell[order]
    first = np.searchsorted(cells, cells, side="left")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order)) - first  # 0 = the cell's strongest keypoint
    return np.lexsort((-response, rank))[:n]


def features_of(item: ExtractedItem) -> Features:
    """The stored local features of an extracted visual item (pages from their sharp render;
    none for a page without a figure or photo)."""
    assert item.image is not None
    if item.kind is ItemKind.PAGE and not item.figure:
        return Features(np.zeros((0, 2), np.float32), np.zeros((0, PCA_DIMS), np.int8))
    if item.kind is ItemKind.PAGE:
        return extract_features(
            item.detail or item.image, PAGE_MAX_SIDE, PAGE_N_FEATURES, spread=True
        )
    return extract_features(item.image)
