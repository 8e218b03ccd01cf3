"""The visual index: an inverted file over visual words (tf-idf, sparse scoring) that
shortlists the items a photo most likely shows, page tiles included, and verifies the
shortlist geometrically (engine.signals.visual.verification). Saved and loaded by
engine.signals.visual.persist."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.signals.visual.features import DEFAULT_N_FEATURES, Features
from engine.signals.visual.verification import (
    CERTAIN_INLIERS,
    MIN_INLIERS,
    inlier_confidence,
    verify,
)
from engine.signals.visual.vocabulary import VocabularyTree, as_float

# Words are trained from ~15 sampled descriptors each, and the sample keeps up to 200 per item:
# a collection gets about 13 words per image or page (44,000 for the corpus's 3,341), up to
# 65,536 from ~5,000 items on. Finer words rank true matches higher (docs/SIGNALS.md).
DEFAULT_VOCAB_SIZE = 65_536
DEFAULT_TRAIN_DESCRIPTORS = 1_000_000

# Pages (more keypoints than any image gets) are also scored window by window (_tile_masks).
TILE_MIN_FEATURES = DEFAULT_N_FEATURES
TILE_SPAN = 0.5
TILE_STEPS = 3

# Shortlist score = idf²-weighted word intersection / item size ** SIZE_NORM_POWER
# (0: plain intersection, 0.5: damped by the square root of the item's feature count).
SIZE_NORM_POWER = 0.5


@dataclass(frozen=True)
class VisualMatch:
    item_id: int
    inliers: int
    confidence: float


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
            vocab = VocabularyTree.train(as_float(sample, self.kind), k, seed=self.seed)
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

    def _quantise(self, features: Features, tiles: bool = True) -> list[_Bag]:
        """The item's bag of words, then (for pages: many keypoints) one bag per tile."""
        if self.vocab is None or not len(features):
            return [_Bag(np.zeros(0, np.int32), np.zeros(0, np.float32))]
        words = self.vocab.assign(as_float(features.descriptors, features.kind))
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
            ids, scores = self.bag_scores(query)
            order = np.argsort(-scores, kind="stable")
            _, first = np.unique(ids[order], return_index=True)  # an item's best bag or tile
            top = order[np.sort(first)][:k]
            result = [(int(ids[i]), float(scores[i])) for i in top]
            room = k - len(result)
            result += [(i, 0.0) for i in list(self._pending)[: max(0, room)]]
            return result

    def bag_scores(self, query: Features) -> tuple[np.ndarray, np.ndarray]:
        """(item id, score) of every scored bag, in :meth:`_rows` order: an item's whole bag,
        then its tiles. Needs a vocabulary."""
        with self._lock:
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
            return ids, scores

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
