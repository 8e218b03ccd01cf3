"""Compact local descriptors: RootSIFT projected onto its first PCA_DIMS principal components
and quantised to int8, 64 bytes per keypoint instead of SIFT's 128.

RootSIFT (L1-normalise, square root) makes Euclidean distance compare descriptors like the
Hellinger kernel; its vectors have unit length, so an orthogonal projection keeps distances
except for the variance of the dropped components. The projection (mean, components and a
per-component quantisation step) was trained once on SIFT descriptors of photos and PDF pages
(benchmarks/train_rootsift_pca.py) and ships as ``rootsift_pca.npz`` beside this module: every
library and every query use the same space, and stored descriptors never need re-projecting.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PCA_DIMS = 64
PCA_FILE = Path(__file__).with_name("rootsift_pca.npz")
# Quantisation covers ±QUANT_SIGMAS standard deviations of each component in 127 steps.
QUANT_SIGMAS = 4.0


@dataclass(frozen=True)
class Projection:
    mean: np.ndarray  # (128,) float32, RootSIFT mean
    components: np.ndarray  # (PCA_DIMS, 128) float32, orthonormal rows
    step: np.ndarray  # (PCA_DIMS,) float32, value of one int8 step per component


@functools.cache
def projection() -> Projection:
    """The shipped projection (loaded once)."""
    with np.load(PCA_FILE, allow_pickle=False) as data:
        return Projection(
            data["mean"].astype(np.float32),
            data["components"].astype(np.float32),
            data["step"].astype(np.float32),
        )


def root_sift(desc: np.ndarray) -> np.ndarray:
    """RootSIFT of raw SIFT descriptors (rows), float32 with unit L2 norm."""
    x = desc.astype(np.float32)
    x /= x.sum(axis=1, keepdims=True) + 1e-7
    return np.sqrt(x)


def compact_descriptors(sift: np.ndarray) -> np.ndarray:
    """Raw SIFT descriptors (n, 128) → int8 (n, PCA_DIMS)."""
    p = projection()
    if not len(sift):
        return np.zeros((0, PCA_DIMS), np.int8)
    reduced: np.ndarray = (root_sift(sift) - p.mean) @ p.components.T
    steps: np.ndarray = np.clip(np.rint(reduced / p.step), -127, 127)
    return steps.astype(np.int8)


def expand_descriptors(compact: np.ndarray) -> np.ndarray:
    """int8 (n, PCA_DIMS) → float32 in the projected RootSIFT space (Euclidean distances
    there approximate RootSIFT's)."""
    expanded: np.ndarray = compact.astype(np.float32) * projection().step
    return expanded


def fit_projection(sift: np.ndarray, dims: int = PCA_DIMS) -> Projection:
    """PCA of the RootSIFT of ``sift`` (raw descriptors, rows): what the trainer saves."""
    x = root_sift(sift)
    mean = x.mean(axis=0)
    centred = x - mean
    cov = centred.T @ centred / max(1, len(x) - 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:dims]
    components = vectors[:, order].T.astype(np.float32)
    std = np.sqrt(np.maximum(values[order], 1e-12))
    step = (QUANT_SIGMAS * std / 127.0).astype(np.float32)
    return Projection(mean.astype(np.float32), components, step)


def explained_variance(sift: np.ndarray, p: Projection) -> float:
    """Share of the RootSIFT variance of ``sift`` that the projection keeps."""
    centred = root_sift(sift) - p.mean
    kept = ((centred @ p.components.T) ** 2).sum()
    return float(kept / max((centred**2).sum(), 1e-12))
