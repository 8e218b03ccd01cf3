"""Exact visual match: does this photo show the very figure, page or picture that is indexed?

CLIP says "looks like a relay board"; engineers often need "this is *that* drawing". Local
features (SIFT, or ORB) plus a RANSAC homography answer that with an inlier count. Matching a
query against every indexed image costs seconds, so a bag-of-visual-words inverted file
(k-means vocabulary, tf-idf, sparse scoring) picks a shortlist first and only the shortlist is
verified geometrically. The pipeline, one module per step:

- features: local features of an image, and their binary form for the catalog;
- vocabulary: the k-means vocabulary tree that turns descriptors into visual words;
- index: the inverted file that shortlists (page tiles included) and verifies;
- verification: ratio-test matching, RANSAC homography, inlier confidence;
- persist: the index on disk (npz + JSON), written atomically;
- search: VisualSearch, the search signal over the catalog, and when its index is rebuilt.
"""

from engine.signals.visual.features import (
    DEFAULT_MAX_SIDE,
    DEFAULT_N_FEATURES,
    PAGE_MAX_SIDE,
    PAGE_N_FEATURES,
    Features,
    extract_features,
    features_of,
)
from engine.signals.visual.index import VisualIndex, VisualMatch
from engine.signals.visual.persist import load_index, save_index
from engine.signals.visual.search import VisualSearch
from engine.signals.visual.verification import (
    CERTAIN_INLIERS,
    MIN_INLIERS,
    MatchResult,
    inlier_confidence,
    verify,
)
from engine.signals.visual.vocabulary import VocabularyTree

__all__ = [
    "CERTAIN_INLIERS",
    "DEFAULT_MAX_SIDE",
    "DEFAULT_N_FEATURES",
    "MIN_INLIERS",
    "PAGE_MAX_SIDE",
    "PAGE_N_FEATURES",
    "Features",
    "MatchResult",
    "VisualIndex",
    "VisualMatch",
    "VisualSearch",
    "VocabularyTree",
    "extract_features",
    "features_of",
    "inlier_confidence",
    "load_index",
    "save_index",
    "verify",
]
