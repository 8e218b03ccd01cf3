"""Geometric verification: ratio-test matches between two images' local features, then a
RANSAC homography; the number of inliers is the evidence that a photo shows the very figure,
page or picture, and :func:`inlier_confidence` turns it into a score."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from engine.signals.visual.compact import expand_descriptors, root_sift
from engine.signals.visual.features import COMPACT_KIND, Features

MIN_INLIERS = 8  # a homography from fewer agreeing points is as likely chance as a match
_RATIO = 0.8  # Lowe's ratio test
SURE_INLIERS = 20  # where the logistic reaches 0.96 and starts to flatten
# A certain match (confidence 0.98): the rest of its document need not be verified.
CERTAIN_INLIERS = 40


@dataclass(frozen=True)
class MatchResult:
    inliers: int
    inlier_ratio: float  # inliers / ratio-test matches


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
    which is kinder to the histogram bins SIFT is made of) for SIFT, its PCA projection as
    float32 for COMPACT_KIND, packed bits for ORB."""
    cached = f.__dict__.get("_match_desc")
    if cached is None:
        if f.kind == "sift":
            cached = root_sift(f.descriptors)
        elif f.kind == COMPACT_KIND:
            cached = expand_descriptors(f.descriptors)
        else:
            cached = f.descriptors
        f.__dict__["_match_desc"] = cached
    return cached


def _good_matches(q: Features, c: Features) -> np.ndarray:
    """(query index, candidate index) pairs passing Lowe's ratio test, shape (m, 2).

    OpenCV's brute force on RootSIFT (SIFT) or Hamming (ORB). A float32 matrix product with a
    partial sort gives the same pairs and is faster with single-threaded BLAS, but slower than
    OpenCV with threaded BLAS on a busy machine (docs/SIGNALS.md), so OpenCV it is."""
    norm = cv2.NORM_HAMMING if q.kind == "orb" else cv2.NORM_L2
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
