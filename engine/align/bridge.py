"""The text bridge: map one encoder's embedding space into another's, learned from paired rows.

The product uses this to bring sentence-transformers chunk embeddings (e.g. 384-d MiniLM) into
the CLIP space (512-d) so a photo can retrieve paragraphs. No labels are needed: encoding the
same chunk text with both encoders gives the pairs (MiniLM(chunk), CLIP-text(chunk)), see
:func:`fit_text_bridge`.

The runtime fits orthogonal Procrustes (a rotation, or a semi-orthogonal map when the
dimensions differ). Other aligners, compared with it in benchmarks, live in
engine.evaluation.aligners and share the :class:`Aligner` interface ``fit / transform / save /
load``; ``transform`` returns L2-normalised rows because downstream search is cosine. Files are
one safetensors file with the kind and config as JSON metadata (engine.align.persist).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from engine.align.geometry import l2_normalise
from engine.align.persist import read_arrays, save_arrays


def check_pairs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both sides as float64 2-D arrays with the same number of rows, else ValueError."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.ndim != 2 or y.ndim != 2 or len(x) != len(y):
        raise ValueError(f"need paired 2-D arrays, got shapes {x.shape} and {y.shape}")
    return x, y


class Aligner(ABC):
    """Maps source-space rows to unit vectors in the target space."""

    kind: ClassVar[str]

    def __init__(self, **config: Any) -> None:
        self.config: dict[str, Any] = dict(config)

    @abstractmethod
    def fit(self, x_src: np.ndarray, y_tgt: np.ndarray) -> Self:
        """Learn the map from paired rows (row i of ``x_src`` belongs with row i of ``y_tgt``)."""

    @abstractmethod
    def _map(self, x: np.ndarray) -> np.ndarray: ...

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Source rows -> L2-normalised target-space rows."""
        return l2_normalise(self._map(np.atleast_2d(np.asarray(x, np.float64))))

    @abstractmethod
    def save(self, path: str | Path) -> None: ...

    @classmethod
    @abstractmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Self:
        """Rebuild a saved aligner from its config and arrays (see engine.align.persist)."""

    @classmethod
    def load(cls, path: str | Path) -> Self:
        kind, config, arrays = read_arrays(path)
        if kind != cls.kind:
            raise ValueError(f"{path} holds a {kind!r} aligner, not {cls.kind!r}")
        return cls.from_state(config, arrays)


class LinearAligner(Aligner):
    """y ≈ (x - src_mean) @ W + tgt_mean, W closed-form. Centring moves each modality's cone
    to the origin before mapping (the cones' offsets are the modality gap, not shared
    meaning)."""

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.weight: np.ndarray | None = None
        self.src_mean: np.ndarray | None = None
        self.tgt_mean: np.ndarray | None = None

    @abstractmethod
    def _solve(self, xc: np.ndarray, yc: np.ndarray) -> np.ndarray: ...

    def fit(self, x_src: np.ndarray, y_tgt: np.ndarray) -> Self:
        x, y = check_pairs(x_src, y_tgt)
        centre = bool(self.config.get("center", True))
        self.src_mean = x.mean(0) if centre else np.zeros(x.shape[1])
        self.tgt_mean = y.mean(0) if centre else np.zeros(y.shape[1])
        self.weight = self._solve(x - self.src_mean, y - self.tgt_mean)
        return self

    def params(self) -> dict[str, np.ndarray]:
        """The fitted ``weight``, ``src_mean`` and ``tgt_mean`` (RuntimeError when unfitted)."""
        if self.weight is None or self.src_mean is None or self.tgt_mean is None:
            raise RuntimeError(f"{self.kind} aligner is not fitted; call fit() or load()")
        return {"weight": self.weight, "src_mean": self.src_mean, "tgt_mean": self.tgt_mean}

    def _map(self, x: np.ndarray) -> np.ndarray:
        p = self.params()
        result: np.ndarray = (x - p["src_mean"]) @ p["weight"] + p["tgt_mean"]
        return result

    def save(self, path: str | Path) -> None:
        save_arrays(path, self.kind, self.config, self.params())

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Self:
        aligner = cls(**config)
        aligner.weight = arrays["weight"]
        aligner.src_mean = arrays["src_mean"]
        aligner.tgt_mean = arrays["tgt_mean"]
        return aligner


class OrthogonalProcrustes(LinearAligner):
    """The (semi-)orthogonal W minimising ||Xc W - Yc||_F: W = U Vᵀ from SVD(Xcᵀ Yc).

    With d_src < d_tgt, W has orthonormal rows (an isometric embedding, e.g. 384 -> 512); with
    d_src > d_tgt, orthonormal columns (a projection). Preserving angles means it cannot
    overfit a small training set, which makes it the safe default.
    """

    kind = "procrustes"

    def __init__(self, center: bool = True) -> None:
        super().__init__(center=center)

    def _solve(self, xc: np.ndarray, yc: np.ndarray) -> np.ndarray:
        u, _, vt = np.linalg.svd(xc.T @ yc, full_matrices=False)
        result: np.ndarray = u @ vt
        return result


# The kinds the runtime saves and loads; engine.evaluation.aligners adds the others.
RUNTIME_ALIGNERS: Mapping[str, type[Aligner]] = {OrthogonalProcrustes.kind: OrthogonalProcrustes}


def load_aligner(
    path: str | Path, kinds: Mapping[str, type[Aligner]] = RUNTIME_ALIGNERS
) -> Aligner:
    """Load a saved aligner of whichever of ``kinds`` the file says it holds."""
    kind, config, arrays = read_arrays(path)
    if kind not in kinds:
        raise ValueError(f"{path} holds {kind!r}, not an aligner")
    return kinds[kind].from_state(config, arrays)


def pair_recall(
    queries: np.ndarray, targets: np.ndarray, ks: tuple[int, ...] = (1, 5)
) -> dict[str, float]:
    """Recall@k of finding row i of ``targets`` for row i of ``queries`` by cosine."""
    sims = l2_normalise(queries) @ l2_normalise(targets).T
    # Rank = how many targets beat the true one; ties count in the pair's favour.
    rank = np.sum(sims > np.diag(sims)[:, None], axis=1)
    return {f"recall@{k}": float(np.mean(rank < k)) for k in ks}


def fit_text_bridge(
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    make: Callable[[], Aligner] = OrthogonalProcrustes,
    holdout: float = 0.2,
    seed: int = 0,
    refit_all: bool = True,
) -> tuple[Aligner, dict[str, float]]:
    """Fit an aligner src -> tgt from free pairs (the same text through two encoders).

    ``make`` builds a fresh, unfitted aligner (a class, or e.g.
    ``functools.partial(engine.evaluation.aligners.make_aligner, "mlp")``). Both sides are
    L2-normalised first (search is cosine). A random ``holdout`` fraction of the pairs measures
    held-out pair retrieval: ``recall@1/@5`` for the aligner, ``chance@1/@5``,
    ``identity_recall@*`` when both spaces have the same dimension (no mapping at all), and
    ``procrustes_recall@*`` as the linear reference when the aligner is something else. With
    ``refit_all`` the returned aligner is then refit on every pair (the report describes a
    model trained on slightly less data, so it is a mild underestimate).
    """
    src, tgt = check_pairs(src_vecs, tgt_vecs)
    src, tgt = l2_normalise(src), l2_normalise(tgt)
    n = len(src)
    n_test = max(1, round(holdout * n))
    if n - n_test < 2:
        raise ValueError(f"{n} pairs are too few to fit and hold out {holdout:.0%}")
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    aligner = make().fit(src[train], tgt[train])
    report: dict[str, float] = {"n_train": float(len(train)), "n_test": float(n_test)}
    mapped = aligner.transform(src[test])
    report.update(pair_recall(mapped, tgt[test]))
    report["mean_pair_cos"] = float(np.mean(np.sum(mapped * tgt[test], axis=1)))
    for k in (1, 5):
        report[f"chance@{k}"] = min(k, n_test) / n_test
    if src.shape[1] == tgt.shape[1]:
        ident = pair_recall(src[test], tgt[test])
        report.update({f"identity_{k}": v for k, v in ident.items()})
    if aligner.kind != OrthogonalProcrustes.kind:
        linear = OrthogonalProcrustes().fit(src[train], tgt[train])
        ref = pair_recall(linear.transform(src[test]), tgt[test])
        report.update({f"procrustes_{k}": v for k, v in ref.items()})
    if refit_all:
        aligner = make().fit(src, tgt)
    return aligner, report
