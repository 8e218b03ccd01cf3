"""Exact visual match: does this photo show the very figure, page or picture that is indexed?

CLIP says "looks like a relay board"; engineers often need "this is *that* drawing". Local
features (SIFT, or ORB) plus a RANSAC homography answer that with an inlier count. Matching a
query against every indexed image costs seconds, so a bag-of-visual-words inverted file
(k-means vocabulary, tf-idf, sparse scoring) picks a shortlist first and only the shortlist is
verified geometrically.
"""

from __future__ import annotations

import json
import math
import os
import struct
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

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
MIN_INLIERS = 8  # a homography from fewer agreeing points is as likely chance as a match
_RATIO = 0.8  # Lowe's ratio test
SURE_INLIERS = 20  # where the logistic reaches 0.96 and starts to flatten
# A certain match (confidence 0.98): the rest of its document need not be verified.
CERTAIN_INLIERS = 40
_MAGIC = b"SGVF"
_KINDS = {"sift": 1, "orb": 2}
_HEADER = struct.Struct("<4sBBHIII")  # magic, version, kind, dim, n, width, height


@dataclass
class Features:
    """Keypoint positions (feature-image pixels) and descriptors of one image."""

    keypoints: np.ndarray  # (n, 2) float32
    descriptors: np.ndarray  # (n, d) uint8: SIFT 128 (already 0..255 in OpenCV), ORB 32 bytes
    kind: str = "sift"
    image_size: tuple[int, int] = (0, 0)

    def __len__(self) -> int:
        return int(self.keypoints.shape[0])

    def to_bytes(self) -> bytes:
        """Compact binary form for an SQLite BLOB (≈ 130 bytes per SIFT keypoint)."""
        n, dim = self.descriptors.shape if len(self) else (0, _dim(self.kind))
        header = _HEADER.pack(_MAGIC, 1, _KINDS[self.kind], dim, n, *self.image_size)
        kp = np.ascontiguousarray(self.keypoints, dtype="<f4").tobytes()
        return header + kp + np.ascontiguousarray(self.descriptors, dtype=np.uint8).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Features:
        if len(data) < _HEADER.size:
            raise ValueError("visual features blob is truncated (no header)")
        magic, version, kind_code, dim, n, width, height = _HEADER.unpack_from(data)
        kinds = {v: k for k, v in _KINDS.items()}
        if magic != _MAGIC or version != 1 or kind_code not in kinds:
            raise ValueError("not a visual features blob (bad magic, version or kind)")
        expected = _HEADER.size + n * 8 + n * dim
        if len(data) != expected:
            raise ValueError(f"visual features blob has {len(data)} bytes, expected {expected}")
        off = _HEADER.size
        kp = np.frombuffer(data, "<f4", n * 2, off).reshape(n, 2).astype(np.float32)
        desc = np.frombuffer(data, np.uint8, n * dim, off + n * 8).reshape(n, dim).copy()
        return cls(kp, desc, kinds[kind_code], (width, height))


def _dim(kind: str) -> int:
    return 128 if kind == "sift" else 32


def extract_features(
    img: Image.Image,
    max_side: int = DEFAULT_MAX_SIDE,
    n_features: int = DEFAULT_N_FEATURES,
    method: str = "sift",
    spread: bool = False,
) -> Features:
    """Local features of ``img`` on a grey copy scaled to ``max_side`` (small images upscaled
    to a third of it so thumbnails still yield keypoints).

    ``spread``: keep ``n_features`` spread over the image instead of the strongest ones. On a
    page, text corners are the strongest keypoints and can take the whole budget, leaving a
    figure on the same page with none (see :func:`_spread_out`)."""
    if method not in _KINDS:
        raise ValueError(f"unknown feature method {method!r}; use 'sift' or 'orb'")
    grey = img.convert("L")
    scale = max_side / max(grey.size)
    if scale < 1.0 or max(grey.size) < max_side // 3:
        scale = min(scale, 3.0)
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    arr = np.asarray(grey)
    budget = n_features * SPREAD_CANDIDATES if spread else n_features
    if method == "sift":
        detector = cv2.SIFT_create(nfeatures=budget)
    else:
        detector = cv2.ORB_create(nfeatures=budget)
    kps, desc = detector.detectAndCompute(arr, None)
    if desc is None or not kps:
        return Features(
            np.zeros((0, 2), np.float32), np.zeros((0, _dim(method)), np.uint8), method, grey.size
        )
    pts = np.array([k.pt for k in kps], dtype=np.float32)
    if spread and len(kps) > n_features:
        keep = _spread_out(pts, np.array([k.response for k in kps]), n_features, arr.shape)
        pts, desc = pts[keep], desc[keep]
    return Features(pts, np.clip(desc, 0, 255).astype(np.uint8), method, grey.size)


def _spread_out(pts: np.ndarray, response: np.ndarray, n: int, shape: tuple) -> np.ndarray:
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
    """The stored local features of an extracted visual item (pages from their sharp render)."""
    assert item.image is not None
    if item.kind is ItemKind.PAGE:
        return extract_features(
            item.detail or item.image, PAGE_MAX_SIDE, PAGE_N_FEATURES, spread=True
        )
    return extract_features(item.image)


# --- Geometric verification -------------------------------------------------------------------


@dataclass(frozen=True)
class MatchResult:
    inliers: int
    inlier_ratio: float  # inliers / ratio-test matches


@dataclass(frozen=True)
class VisualMatch:
    item_id: int
    inliers: int
    confidence: float


def inlier_confidence(inliers: int) -> float:
    """Inliers → [0, 1): ~0.1 at 8 (chance level), 0.5 at 12, ≥ 0.95 from 20 up.

    A logistic curve up to SURE_INLIERS; beyond, the remaining doubt shrinks as 1/inliers
    instead of vanishing. A logistic alone rounds every match above ~60 inliers to exactly 1.0,
    so a page that merely shows the same board (121 inliers) tied with the very photo (576)
    and the tie went to whichever was indexed first."""
    if inliers < MIN_INLIERS:
        return 0.0
    if inliers <= SURE_INLIERS:
        return _logistic_inliers(inliers)
    return 1.0 - (1.0 - _logistic_inliers(SURE_INLIERS)) * SURE_INLIERS / inliers


def _logistic_inliers(inliers: float) -> float:
    return 1.0 / (1.0 + math.exp(-(inliers - 12) / 2.5))


def _match_descriptors(f: Features) -> np.ndarray:
    """Descriptors as the matcher wants them, computed once per Features object: RootSIFT
    (L1-normalise, square root: Euclidean distance then compares like the Hellinger kernel,
    which is kinder to the histogram bins SIFT is made of) for SIFT, packed bits for ORB."""
    cached = f.__dict__.get("_match_desc")
    if cached is None:
        if f.kind == "sift":
            x = f.descriptors.astype(np.float32)
            x /= x.sum(axis=1, keepdims=True) + 1e-7
            cached = np.sqrt(x)
        else:
            cached = f.descriptors
        f.__dict__["_match_desc"] = cached
    return cached


def _good_matches(q: Features, c: Features) -> np.ndarray:
    """(query index, candidate index) pairs passing Lowe's ratio test, shape (m, 2).

    OpenCV's brute force on RootSIFT (SIFT) or Hamming (ORB). A float32 matrix product with a
    partial sort gives the same pairs and is faster with single-threaded BLAS, but slower than
    OpenCV with threaded BLAS on a busy machine (docs/SIGNALS.md), so OpenCV it is."""
    norm = cv2.NORM_L2 if q.kind == "sift" else cv2.NORM_HAMMING
    qd, cd = _match_descriptors(q), _match_descriptors(c)
    if len(cd) < 2:
        return np.zeros((0, 2), np.int64)
    pairs = cv2.BFMatcher(norm).knnMatch(qd, cd, k=2)
    good = [
        (p[0].queryIdx, p[0].trainIdx)
        for p in pairs
        if len(p) == 2 and p[0].distance < _RATIO * p[1].distance
    ]
    return np.array(good, np.int64).reshape(-1, 2)


def verify(query: Features, candidate: Features) -> MatchResult:
    """Ratio-test matches, then a RANSAC homography; the inlier count is the evidence."""
    if query.kind != candidate.kind or len(query) < 4 or len(candidate) < 4:
        return MatchResult(0, 0.0)
    good = _good_matches(query, candidate)
    if len(good) < MIN_INLIERS:
        return MatchResult(0, 0.0)
    src = query.keypoints[good[:, 0]].reshape(-1, 1, 2)
    dst = candidate.keypoints[good[:, 1]].reshape(-1, 1, 2)
    # 500 iterations find a homography with ≥ 25 % inliers at 99.5 %; more only costs time.
    h, mask = cv2.findHomography(src, dst, cv2.RANSAC, 6.0, maxIters=500, confidence=0.995)
    if h is None or mask is None or not _plausible(h):
        return MatchResult(0, 0.0)
    keep = mask.ravel().astype(bool)
    inliers = min(_distinct(src[keep]), _distinct(dst[keep]))
    return MatchResult(inliers, inliers / len(good))


def _distinct(points: np.ndarray) -> int:
    """Distinct positions: SIFT emits one keypoint per dominant orientation at the same spot,
    and many query points can pile onto one candidate point; neither is extra evidence."""
    return len(np.unique(np.round(points.reshape(-1, 2) / 2.0), axis=0))


def _plausible(h: np.ndarray) -> bool:
    """Reject homographies that collapse or mirror the image: chance fits on repeated texture."""
    det = float(np.linalg.det(h[:2, :2]))
    return 1e-3 < det < 1e3


# Words are trained from ~15 sampled descriptors each, and the sample keeps up to 200 per item:
# a collection gets about 13 words per image or page (44,000 for the corpus's 3,341), up to
# 65,536 from ~5,000 items on. Finer words rank true matches higher (docs/SIGNALS.md).
DEFAULT_VOCAB_SIZE = 65_536
DEFAULT_TRAIN_DESCRIPTORS = 1_000_000
PROBES = 2  # coarse cells searched per descriptor
FLAT_MAX_WORDS = 4096  # smaller vocabularies stay flat (one coarse cell)
FORMAT_VERSION = 2  # 2: vocabulary tree (1: flat k-means); an older file is rebuilt, not read

# Pages (more keypoints than any image gets) are also scored window by window (_tile_masks).
TILE_MIN_FEATURES = DEFAULT_N_FEATURES
TILE_SPAN = 0.5
TILE_STEPS = 3

# Shortlist score = idf²-weighted word intersection / item size ** SIZE_NORM_POWER
# (0: plain intersection, 0.5: damped by the square root of the item's feature count).
SIZE_NORM_POWER = 0.5

# --- Bag of visual words ----------------------------------------------------------------------


def _as_float(desc: np.ndarray, kind: str) -> np.ndarray:
    """Descriptors in a Euclidean space for k-means (ORB bits unpacked to 0/1)."""
    if kind == "orb":
        return np.unpackbits(desc, axis=1).astype(np.float32)
    return desc.astype(np.float32)


def _assign(x: np.ndarray, centres: np.ndarray, centre_sq: np.ndarray) -> np.ndarray:
    """Nearest centre per row via one matrix product (BLAS), in chunks to bound memory."""
    out = np.empty(len(x), np.int64)
    for start in range(0, len(x), 8192):
        chunk = x[start : start + 8192]
        out[start : start + 8192] = np.argmin(centre_sq[None, :] - 2.0 * chunk @ centres.T, 1)
    return out


def train_vocabulary(sample: np.ndarray, k: int, iterations: int = 8, seed: int = 0) -> np.ndarray:
    """Lloyd's k-means on a descriptor sample; empty clusters are re-seeded from the sample."""
    rng = np.random.default_rng(seed)
    k = max(1, min(k, len(sample)))
    centres = sample[rng.choice(len(sample), k, replace=False)].copy()
    for _ in range(iterations):
        labels = _assign(sample, centres, (centres**2).sum(1))
        counts = np.bincount(labels, minlength=k).astype(np.float32)
        order = np.argsort(labels, kind="stable")
        present = np.flatnonzero(counts)
        starts = np.concatenate([[0], np.cumsum(counts[present])[:-1]]).astype(np.int64)
        empty = counts == 0
        # reduceat over label-sorted rows: per-cluster sums without np.add.at's slow scatter
        centres[present] = np.add.reduceat(sample[order], starts, axis=0) / counts[present, None]
        centres[empty] = sample[rng.choice(len(sample), int(empty.sum()))]
    return centres.astype(np.float32)


class VocabularyTree:
    """Two-level hierarchical k-means (Nistér & Stewénius, 2006): ``coarse`` centres, each
    with its own ``leaves``. A descriptor is compared with ~2·sqrt(K) centres instead of K,
    so a fine vocabulary (44,000 words) costs less than a flat one of 4,096 did. A fine
    vocabulary makes a shared visual word rarer and more telling: on photo-queries.csv the
    share of verified matches the shortlist puts in its top 10 rose from 0.37 (flat, 4,096
    words) to 0.56 (docs/SIGNALS.md)."""

    def __init__(self, coarse: np.ndarray, leaves: np.ndarray, starts: np.ndarray) -> None:
        self.coarse = coarse.astype(np.float32)  # (k1, d)
        self.leaves = leaves.astype(np.float32)  # (K, d), grouped by coarse centre
        self.starts = starts.astype(np.int64)  # (k1 + 1,): leaves of centre c: starts[c]:[c+1]
        self._coarse_sq = (self.coarse**2).sum(1)
        self._leaf_sq = (self.leaves**2).sum(1)

    def __len__(self) -> int:
        return len(self.leaves)

    @classmethod
    def train(cls, sample: np.ndarray, k: int, seed: int = 0) -> VocabularyTree:
        """About ``k`` leaves: sqrt(k) coarse centres, then each centre's share of ``k``
        (in proportion to the sample it holds) trained on its members. Up to FLAT_MAX_WORDS
        a single coarse cell holds them all: a flat vocabulary, affordable at that size and
        more exact (distortion benchmark at 2,550 words: R@1 0.875 flat, 0.825 as a tree)."""
        k = max(1, min(k, len(sample)))
        k1 = 1 if k <= FLAT_MAX_WORDS else round(math.sqrt(k))
        coarse = train_vocabulary(sample, k1, seed=seed)
        labels = _assign(sample, coarse, (coarse**2).sum(1))
        leaves, starts = [], [0]
        for c in range(len(coarse)):
            members = sample[labels == c]
            share = round(k * len(members) / len(sample))
            if len(members) == 0:
                centres = coarse[c : c + 1]  # an empty cell still needs one word
            else:
                centres = train_vocabulary(members, max(1, min(share, len(members))), seed=seed)
            leaves.append(centres)
            starts.append(starts[-1] + len(centres))
        return cls(coarse, np.concatenate(leaves), np.array(starts))

    def assign(self, x: np.ndarray) -> np.ndarray:
        """Leaf (word) id of every row of ``x``: the nearest leaf under its PROBES nearest
        coarse centres (a descriptor near a coarse boundary finds its word on the other
        side, as a flat vocabulary would)."""
        coarse_d = self._coarse_sq[None, :] - 2.0 * x @ self.coarse.T
        probes = min(PROBES, len(self.coarse))
        nearest = np.argsort(coarse_d, axis=1)[:, :probes]
        words = np.zeros(len(x), np.int64)
        best = np.full(len(x), np.inf, np.float32)
        for p in range(probes):
            cells = nearest[:, p]
            for c in np.unique(cells):
                rows = np.flatnonzero(cells == c)
                lo, hi = self.starts[c], self.starts[c + 1]
                d = self._leaf_sq[None, lo:hi] - 2.0 * x[rows] @ self.leaves[lo:hi].T
                arg = np.argmin(d, axis=1)
                dist = d[np.arange(len(rows)), arg]
                better = dist < best[rows]
                words[rows[better]] = lo + arg[better]
                best[rows[better]] = dist[better]
        return words


@dataclass
class _Bag:
    words: np.ndarray  # unique visual word ids, int32
    counts: np.ndarray  # their term frequencies, float32


def _content_key(descriptors: np.ndarray) -> int:
    return zlib.crc32(np.ascontiguousarray(descriptors).tobytes())


def _bag(words: np.ndarray) -> _Bag:
    uniq, counts = np.unique(words, return_counts=True)
    return _Bag(uniq.astype(np.int32), counts.astype(np.float32))


def _tile_masks(features: Features) -> list[np.ndarray]:
    """Keypoints in each of TILE_STEPS² overlapping windows of TILE_SPAN of the image's
    width and height. A photo of a page region shares its words with a window of the page
    about its size, whose bag is not diluted by the rest of the page's text and figures."""
    width, height = features.image_size
    if not width or not height:
        return []
    x, y = features.keypoints[:, 0] / width, features.keypoints[:, 1] / height
    offsets = np.linspace(0.0, 1.0 - TILE_SPAN, TILE_STEPS)
    return [
        (x >= ox) & (x < ox + TILE_SPAN) & (y >= oy) & (y < oy + TILE_SPAN)
        for oy in offsets
        for ox in offsets
    ]


class VisualIndex:
    """Inverted file over visual words with geometric re-ranking.

    Items added before :meth:`train` wait (with their descriptors) until the vocabulary exists;
    afterwards they are quantised on ``add`` without retraining. When the collection has grown
    a lot since training, :attr:`needs_retrain` turns true: call :meth:`train` with a loader.
    """

    def __init__(
        self,
        vocab_size: int = DEFAULT_VOCAB_SIZE,
        max_train_descriptors: int = DEFAULT_TRAIN_DESCRIPTORS,
        seed: int = 0,
    ) -> None:
        self.vocab_size = vocab_size
        self.max_train_descriptors = max_train_descriptors
        self.seed = seed
        self.kind: str | None = None
        self.vocab: VocabularyTree | None = None
        self.trained_on = 0
        self._bags: dict[int, list[_Bag]] = {}  # per item: whole image first, then tiles
        self._pending: dict[int, Features] = {}
        self._sample: dict[int, np.ndarray] = {}  # per item, so removals drop their share
        self._csr: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._idf = np.zeros(0, np.float32)
        self._size_norm = np.zeros(0, np.float32)
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._bags) + len(self._pending)

    def __contains__(self, item_id: int) -> bool:
        return item_id in self._bags or item_id in self._pending

    @property
    def needs_retrain(self) -> bool:
        """True when no vocabulary exists yet or the collection quadrupled since training."""
        n = len(self)
        return n > 0 and (self.vocab is None or n >= max(50, 4 * self.trained_on))

    # -- adding and removing --

    def add(self, item_id: int, features: Features) -> None:
        with self._lock:
            if self.kind is None:
                self.kind = features.kind
            if features.kind != self.kind:
                raise ValueError(f"index holds {self.kind} features, got {features.kind}")
            self.remove(item_id)
            self._keep_sample(item_id, features)
            if self.vocab is None:
                self._pending[item_id] = features
            else:
                self._bags[item_id] = self._quantise(features)
            self._csr = None

    def remove(self, item_id: int) -> None:
        with self._lock:
            found = self._bags.pop(item_id, None) or self._pending.pop(item_id, None)
            self._sample.pop(item_id, None)
            if found is not None:
                self._csr = None

    def _keep_sample(self, item_id: int, features: Features) -> None:
        per_item = 200  # enough for the vocabulary to see every image's kind of texture
        desc = features.descriptors
        if len(desc) > per_item:
            # Drawn by content, not item id: ids follow the order in which extraction workers
            # finish, and the same documents must give the same vocabulary on every run.
            rng = np.random.default_rng(self.seed + _content_key(desc))
            desc = desc[rng.choice(len(desc), per_item, replace=False)]
        self._sample[item_id] = desc

    # -- vocabulary --

    def train(self, load_features: Callable[[int], Features | None] | None = None) -> None:
        """Build the vocabulary from the descriptor sample and quantise every item.

        Items quantised under an older vocabulary need their features again: pass
        ``load_features``; without it they are dropped from the shortlist until re-added."""
        with self._lock:
            if not self._sample or self.kind is None:
                return
            sample = np.concatenate(sorted(self._sample.values(), key=_content_key))
            if len(sample) > self.max_train_descriptors:
                rng = np.random.default_rng(self.seed)
                sample = sample[rng.choice(len(sample), self.max_train_descriptors, False)]
            # ~15 sampled descriptors per word keeps words meaningful in small collections.
            k = int(np.clip(len(sample) // 15, 8, self.vocab_size))
            vocab = VocabularyTree.train(_as_float(sample, self.kind), k, seed=self.seed)
            old = list(self._bags)
            self.vocab = vocab
            self.trained_on = len(self)
            self._bags = {i: self._quantise(f) for i, f in self._pending.items()}
            self._pending.clear()
            for item_id in old:
                features = load_features(item_id) if load_features else None
                if features is not None:
                    self._bags[item_id] = self._quantise(features)
                else:
                    self._sample.pop(item_id, None)
            self._csr = None

    build = train

    def _quantise(self, features: Features, tiles: bool = True) -> list[_Bag]:
        """The item's bag of words, then (for pages: many keypoints) one bag per tile."""
        if self.vocab is None or not len(features):
            return [_Bag(np.zeros(0, np.int32), np.zeros(0, np.float32))]
        words = self.vocab.assign(_as_float(features.descriptors, features.kind))
        bags = [_bag(words)]
        if tiles and len(features) > TILE_MIN_FEATURES:
            bags += [_bag(words[inside]) for inside in _tile_masks(features)]
        return bags

    def _rows(self) -> tuple[np.ndarray, list[_Bag]]:
        """Every scored bag (an item's whole bag, then its tiles) with its item id."""
        ids = np.array([i for i, item in self._bags.items() for _ in item], np.int64)
        return ids, [bag for item in self._bags.values() for bag in item]

    # -- scoring --

    def _inverted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(item ids, word pointers, posting item positions, posting term frequencies), with
        the idf of every word and each item's size (its number of features)."""
        if self._csr is not None:
            return self._csr
        assert self.vocab is not None
        k = len(self.vocab)
        ids, bags = self._rows()
        words = np.concatenate([b.words for b in bags]) if bags else np.zeros(0, np.int32)
        tf = np.concatenate([b.counts for b in bags]) if bags else np.zeros(0, np.float32)
        pos = np.repeat(np.arange(len(bags)), [len(b.words) for b in bags])
        df = np.bincount(words, minlength=k)
        idf = np.log((len(bags) + 1) / (df + 1)).astype(np.float32)
        # Size as a plain feature count: weighting it by idf would punish pages for text
        # that only they contain, which no photo of a figure will ever share.
        size = np.bincount(pos, weights=tf, minlength=len(bags))
        order = np.argsort(words, kind="stable")
        ptr = np.concatenate([[0], np.cumsum(df)])
        self._csr = (ids, ptr, pos[order], tf[order].astype(np.float32))
        self._idf = idf
        self._size_norm = (size**SIZE_NORM_POWER + 1e-9).astype(np.float32)
        return self._csr

    def shortlist(self, query: Features, k: int = 50) -> list[tuple[int, float]]:
        """Up to ``k`` (item_id, bow_score) most likely to match, best first. With no vocabulary
        yet (or ``k`` ≥ collection) every item is a candidate."""
        with self._lock:
            if self.vocab is None:  # nothing to rank with yet: verification decides
                return [(i, 0.0) for i in list(self._pending)[:k]]
            ids, ptr, post_pos, post_tf = self._inverted()
            bag = self._quantise(query, tiles=False)[0]
            scores = np.zeros(len(ids), np.float32)
            if len(bag.words) and len(ids):
                # idf²-weighted histogram intersection: every visual word the photo shares
                # with an item counts, however much else the item shows (a photo of one
                # figure on a full page), damped by the item's size so that large pages do
                # not win on size alone.
                starts, ends = ptr[bag.words], ptr[bag.words + 1]
                lengths = ends - starts
                idx = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(
                    lengths.sum()
                )
                shared = np.minimum(np.repeat(bag.counts, lengths), post_tf[idx])
                weight = np.repeat(self._idf[bag.words] ** 2, lengths)
                np.add.at(scores, post_pos[idx], shared * weight)
                scores /= self._size_norm
            order = np.argsort(-scores, kind="stable")
            _, first = np.unique(ids[order], return_index=True)  # an item's best bag or tile
            top = order[np.sort(first)][:k]
            result = [(int(ids[i]), float(scores[i])) for i in top]
            room = k - len(result)
            result += [(i, 0.0) for i in list(self._pending)[: max(0, room)]]
            return result

    def verify(self, query: Features, candidate: Features) -> MatchResult:
        return verify(query, candidate)

    def search(
        self,
        query: Features,
        load_features: Callable[[int], Features | None],
        k: int = 10,
        shortlist_k: int = 10,
        document_of: Callable[[int], object] | None = None,
    ) -> list[VisualMatch]:
        """Verified matches (≥ MIN_INLIERS), most inliers first. Unloadable items are skipped.

        The whole shortlist is verified, in order, except that once an item matches for
        certain (CERTAIN_INLIERS), further items of its document (``document_of``) are
        skipped: results are listed per document, so the time goes to other documents that
        show the same picture. (Stopping at the first certain match, as an earlier version
        did, hid them: a board photo found its product page and lost the datasheet that
        shows the same board, shortlisted seventh.)"""
        if self.needs_retrain and self.vocab is None:
            self.train()
        group = document_of or (lambda item_id: item_id)
        settled: set[object] = set()
        matches = []
        for item_id, _ in self.shortlist(query, shortlist_k):
            if settled and group(item_id) in settled:
                continue
            try:
                candidate = load_features(item_id)
            except Exception:  # a broken blob must not sink the whole search
                candidate = None
            if candidate is None:
                continue
            result = verify(query, candidate)
            if result.inliers >= MIN_INLIERS:
                matches.append(
                    VisualMatch(item_id, result.inliers, inlier_confidence(result.inliers))
                )
            if result.inliers >= CERTAIN_INLIERS:
                settled.add(group(item_id))
        matches.sort(key=lambda m: -m.inliers)
        return matches[:k]

    # -- persistence (npz + JSON sidecar, no pickle) --

    def save(self, path: str | Path) -> None:
        """Write ``path`` (.npz) and ``path`` with .json; trains first if items are pending."""
        path = Path(path)
        with self._lock:
            if self._pending:
                self.train()
            ids, bags = self._rows()
            sample_ids = np.array(list(self._sample), np.int64)
            arrays = {
                **self._vocab_arrays(),
                "ids": ids,
                "lengths": np.array([len(b.words) for b in bags], np.int64),
                "words": _cat([b.words for b in bags], np.int32),
                "counts": _cat([b.counts for b in bags], np.float32),
                "sample_ids": sample_ids,
                "sample_lengths": np.array([len(s) for s in self._sample.values()], np.int64),
                "sample": _cat(list(self._sample.values()), np.uint8, _dim(self.kind or "sift")),
            }
            meta = {
                "format": "sagasu-visual-index",
                "version": FORMAT_VERSION,
                "kind": self.kind,
                "vocab_size": self.vocab_size,
                "trained_on": self.trained_on,
                "max_train_descriptors": self.max_train_descriptors,
                "seed": self.seed,
            }
            tmp = path.with_name(path.name + ".tmp.npz")
            np.savez_compressed(tmp, **arrays)
            os.replace(tmp, path)
            _write_text_atomic(path.with_suffix(".json"), json.dumps(meta))

    def _vocab_arrays(self) -> dict[str, np.ndarray]:
        tree = self.vocab
        if tree is None:
            empty = np.zeros((0, 0), np.float32)
            return {"coarse": empty, "leaves": empty, "starts": np.zeros(0, np.int64)}
        return {"coarse": tree.coarse, "leaves": tree.leaves, "starts": tree.starts}

    @classmethod
    def load(cls, path: str | Path) -> VisualIndex:
        path = Path(path)
        try:
            meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            if meta.get("format") != "sagasu-visual-index" or meta.get("version") != FORMAT_VERSION:
                raise ValueError("unknown format or version")
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
            raise ValueError(f"visual index at {path} is unreadable: {exc}") from exc
        index = cls(meta["vocab_size"], meta["max_train_descriptors"], meta["seed"])
        index.kind = meta["kind"]
        index.trained_on = int(meta["trained_on"])
        if arrays["leaves"].size:
            index.vocab = VocabularyTree(arrays["coarse"], arrays["leaves"], arrays["starts"])
        splits = np.cumsum(arrays["lengths"])[:-1]
        for item_id, w, c in zip(
            arrays["ids"],
            np.split(arrays["words"], splits),
            np.split(arrays["counts"], splits),
            strict=True,
        ):
            index._bags.setdefault(int(item_id), []).append(_Bag(w, c))  # whole, then tiles
        s_splits = np.cumsum(arrays["sample_lengths"])[:-1]
        for item_id, s in zip(
            arrays["sample_ids"], np.split(arrays["sample"], s_splits), strict=True
        ):
            index._sample[int(item_id)] = s
        return index


def _cat(parts: list[np.ndarray], dtype: type, dim: int | None = None) -> np.ndarray:
    if parts:
        return np.concatenate(parts).astype(dtype)
    return np.zeros((0, dim) if dim else 0, dtype)


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
