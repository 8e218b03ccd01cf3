"""Map one encoder's embedding space into another's, learned from paired rows.

The product uses this to bring sentence-transformers chunk embeddings (e.g. 384-d MiniLM) into
the CLIP space (512-d) so a photo can retrieve paragraphs. No labels are needed: encoding the
same chunk text with both encoders gives the pairs (MiniLM(chunk), CLIP-text(chunk)), see
:func:`fit_text_bridge`.

Aligners, from cheapest to most flexible: orthogonal Procrustes (a rotation, or a
semi-orthogonal map when the dimensions differ), ridge least squares, a two-layer MLP, and a
residual MLP that starts from the ridge solution. All share ``fit / transform / save / load``;
``transform`` returns L2-normalised rows because downstream search is cosine. Files are one
safetensors file with the kind and config as JSON metadata (no pickle).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import torch
from safetensors.numpy import save_file
from torch import nn
from torch.nn import functional as F

from engine.align.geometry import l2_normalise
from engine.align.metrics import (
    info_nce,
    read_state,
    save_state,
    seeded,
    select_device,
    to_tensor,
    train_minibatch,
)


def _check_pairs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    def _from_state(cls, config: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Self: ...

    @classmethod
    def load(cls, path: str | Path) -> Self:
        kind, config, tensors = read_state(path)
        if kind != cls.kind:
            raise ValueError(f"{path} holds a {kind!r} aligner, not {cls.kind!r}")
        return cls._from_state(config, tensors)


# ---------------------------------------------------------------------------------------------
# Closed-form linear aligners


class _LinearAligner(Aligner):
    """y ≈ (x - src_mean) @ W + tgt_mean. Centring moves each modality's cone to the origin
    before mapping (the cones' offsets are the modality gap, not shared meaning)."""

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.weight: np.ndarray | None = None
        self.src_mean: np.ndarray | None = None
        self.tgt_mean: np.ndarray | None = None

    @abstractmethod
    def _solve(self, xc: np.ndarray, yc: np.ndarray) -> np.ndarray: ...

    def fit(self, x_src: np.ndarray, y_tgt: np.ndarray) -> Self:
        x, y = _check_pairs(x_src, y_tgt)
        centre = bool(self.config.get("center", True))
        self.src_mean = x.mean(0) if centre else np.zeros(x.shape[1])
        self.tgt_mean = y.mean(0) if centre else np.zeros(y.shape[1])
        self.weight = self._solve(x - self.src_mean, y - self.tgt_mean)
        return self

    def _params(self) -> dict[str, np.ndarray]:
        if self.weight is None or self.src_mean is None or self.tgt_mean is None:
            raise RuntimeError(f"{self.kind} aligner is not fitted; call fit() or load()")
        return {"weight": self.weight, "src_mean": self.src_mean, "tgt_mean": self.tgt_mean}

    def _map(self, x: np.ndarray) -> np.ndarray:
        p = self._params()
        return (x - p["src_mean"]) @ p["weight"] + p["tgt_mean"]

    def save(self, path: str | Path) -> None:
        arrays = self._params()
        save_file(
            {k: np.ascontiguousarray(v) for k, v in arrays.items()},
            str(path),
            metadata={"kind": self.kind, "config": json.dumps(self.config)},
        )

    @classmethod
    def _from_state(cls, config: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Self:
        aligner = cls(**config)
        aligner.weight = tensors["weight"].numpy()
        aligner.src_mean = tensors["src_mean"].numpy()
        aligner.tgt_mean = tensors["tgt_mean"].numpy()
        return aligner


class OrthogonalProcrustes(_LinearAligner):
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
        return u @ vt


class LeastSquares(_LinearAligner):
    """Ridge regression W = (XcᵀXc + λI)⁻¹ XcᵀYc with λ = alpha · mean eigenvalue of XcᵀXc.

    Scaling λ by the data keeps ``alpha`` meaningful whatever the embedding norms are;
    ``alpha=0`` is plain least squares (via lstsq, so rank-deficient data is still fine).
    """

    kind = "lstsq"

    def __init__(self, alpha: float = 1e-3, center: bool = True) -> None:
        super().__init__(alpha=alpha, center=center)

    def _solve(self, xc: np.ndarray, yc: np.ndarray) -> np.ndarray:
        alpha = float(self.config["alpha"])
        if alpha <= 0:
            return np.linalg.lstsq(xc, yc, rcond=None)[0]
        gram = xc.T @ xc
        lam = alpha * np.trace(gram) / gram.shape[0]
        return np.linalg.solve(gram + lam * np.eye(gram.shape[0]), xc.T @ yc)


# ---------------------------------------------------------------------------------------------
# Neural aligners


class _NeuralAligner(Aligner):
    """Trained with 1 - cos(pred, y) plus a small InfoNCE term: the cosine term pulls each
    prediction onto its target, the contrastive term keeps predictions apart so they do not
    collapse toward the target mean (which would hurt retrieval more than the loss shows)."""

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.net: nn.Module | None = None
        self.history: list[float] = []

    @abstractmethod
    def _build(self, d_src: int, d_tgt: int) -> nn.Module: ...

    def _init_from_data(self, net: nn.Module, x: np.ndarray, y: np.ndarray) -> None:
        """Hook for a data-dependent initialisation (the residual aligner's ridge warm start)."""

    def fit(self, x_src: np.ndarray, y_tgt: np.ndarray) -> Self:
        x, y = _check_pairs(x_src, y_tgt)
        cfg = self.config
        seed = int(cfg["seed"])
        device = select_device()
        with seeded(seed):
            net = self._build(x.shape[1], y.shape[1])
        self._init_from_data(net, x, y)
        self.net = net = net.to(device)
        self.config.update(d_src=int(x.shape[1]), d_tgt=int(y.shape[1]))
        xt, yt = to_tensor(x, device), F.normalize(to_tensor(y, device), dim=-1)
        scale = torch.tensor(1.0 / 0.05, device=device)

        def loss_fn(idx: torch.Tensor) -> torch.Tensor:
            pred = F.normalize(net(xt[idx]), dim=-1)
            target = yt[idx]
            cos_loss = (1.0 - (pred * target).sum(-1)).mean()
            return cos_loss + cfg["contrastive_weight"] * info_nce(pred, target, scale)

        self.history = train_minibatch(
            net,
            loss_fn,
            len(x),
            epochs=int(cfg["epochs"]),
            lr=float(cfg["lr"]),
            batch_size=int(cfg["batch_size"]),
            seed=seed,
            weight_decay=float(cfg["weight_decay"]),
        )
        return self

    @torch.no_grad()
    def _map(self, x: np.ndarray) -> np.ndarray:
        if self.net is None:
            raise RuntimeError(f"{self.kind} aligner is not fitted; call fit() or load()")
        device = next(self.net.parameters()).device
        out = [
            self.net(to_tensor(x[i : i + 8192], device)).double().cpu().numpy()
            for i in range(0, len(x), 8192)  # batches bound memory on a big index
        ]
        return np.vstack(out) if out else np.zeros((0, self.config["d_tgt"]))

    def save(self, path: str | Path) -> None:
        if self.net is None:
            raise RuntimeError(f"{self.kind} aligner is not fitted; nothing to save")
        save_state(path, self.kind, self.config, self.net)

    @classmethod
    def _from_state(cls, config: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Self:
        params = {k: v for k, v in config.items() if k not in ("d_src", "d_tgt")}
        aligner = cls(**params)
        aligner.config = dict(config)
        net = aligner._build(config["d_src"], config["d_tgt"])
        net.load_state_dict(tensors)
        aligner.net = net.to(select_device()).eval()
        return aligner


class MLPAligner(_NeuralAligner):
    """LayerNorm -> Linear -> GELU -> Linear: a general nonlinear map.

    It learns the whole map from scratch, so it needs more pairs than Procrustes or ridge.
    """

    kind = "mlp"

    def __init__(
        self,
        hidden: int = 1024,
        epochs: int = 60,
        lr: float = 1e-3,
        batch_size: int = 256,
        weight_decay: float = 1e-4,
        contrastive_weight: float = 0.1,
        seed: int = 0,
    ) -> None:
        super().__init__(
            hidden=hidden,
            epochs=epochs,
            lr=lr,
            batch_size=batch_size,
            weight_decay=weight_decay,
            contrastive_weight=contrastive_weight,
            seed=seed,
        )

    def _build(self, d_src: int, d_tgt: int) -> nn.Module:
        h = int(self.config["hidden"])
        # LayerNorm first: unit-norm inputs in hundreds of dimensions have tiny coordinates, so
        # without it the GELU sees near-zero inputs and the net starts (and stays) near-linear.
        return nn.Sequential(
            nn.LayerNorm(d_src), nn.Linear(d_src, h), nn.GELU(), nn.Linear(h, d_tgt)
        )


class _ResidualBlock(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.mlp = nn.Sequential(
            nn.LayerNorm(dim), nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)
        )
        with torch.no_grad():  # zero last layer: the block starts as the identity
            self.mlp[3].weight.zero_()
            self.mlp[3].bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mlp(x)


class _ResidualNet(nn.Module):
    def __init__(self, d_src: int, d_tgt: int, hidden: int, n_blocks: int) -> None:
        super().__init__()
        self.stem = nn.Linear(d_src, d_tgt)
        self.blocks = nn.Sequential(*(_ResidualBlock(d_tgt, hidden) for _ in range(n_blocks)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.stem(x))


class ResidualAligner(_NeuralAligner):
    """Linear stem + residual MLP blocks, warm-started at the ridge solution.

    The stem is set to the closed-form ridge map and every block starts as the identity, so
    training begins where :class:`LeastSquares` ends and only learns the nonlinear remainder.
    """

    kind = "residual"

    def __init__(
        self,
        hidden: int = 1024,
        n_blocks: int = 2,
        epochs: int = 60,
        lr: float = 5e-4,
        batch_size: int = 256,
        weight_decay: float = 1e-4,
        contrastive_weight: float = 0.1,
        ridge_alpha: float = 1e-3,
        seed: int = 0,
    ) -> None:
        super().__init__(
            hidden=hidden,
            n_blocks=n_blocks,
            epochs=epochs,
            lr=lr,
            batch_size=batch_size,
            weight_decay=weight_decay,
            contrastive_weight=contrastive_weight,
            ridge_alpha=ridge_alpha,
            seed=seed,
        )

    def _build(self, d_src: int, d_tgt: int) -> nn.Module:
        return _ResidualNet(d_src, d_tgt, int(self.config["hidden"]), int(self.config["n_blocks"]))

    def _init_from_data(self, net: nn.Module, x: np.ndarray, y: np.ndarray) -> None:
        p = LeastSquares(alpha=float(self.config["ridge_alpha"])).fit(x, y)._params()
        bias = p["tgt_mean"] - p["src_mean"] @ p["weight"]
        stem = net.stem
        assert isinstance(stem, nn.Linear)
        with torch.no_grad():
            stem.weight.copy_(torch.as_tensor(p["weight"].T, dtype=torch.float32))
            stem.bias.copy_(torch.as_tensor(bias, dtype=torch.float32))


# ---------------------------------------------------------------------------------------------
# Registry, loading and the unlabelled text bridge

ALIGNERS: dict[str, type[Aligner]] = {
    a.kind: a for a in (OrthogonalProcrustes, LeastSquares, MLPAligner, ResidualAligner)
}


def make_aligner(kind: str, **kwargs: Any) -> Aligner:
    """A fresh aligner of ``kind`` ("procrustes", "lstsq", "mlp", "residual")."""
    if kind not in ALIGNERS:
        raise KeyError(f"unknown aligner {kind!r}; choose from {', '.join(ALIGNERS)}")
    return ALIGNERS[kind](**kwargs)


def load_aligner(path: str | Path) -> Aligner:
    """Load a saved aligner of whichever kind the file says it holds."""
    kind, config, tensors = read_state(path)
    if kind not in ALIGNERS:
        raise ValueError(f"{path} holds {kind!r}, not an aligner")
    return ALIGNERS[kind]._from_state(config, tensors)


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
    kind: str = "procrustes",
    holdout: float = 0.2,
    seed: int = 0,
    refit_all: bool = True,
    **aligner_kwargs: Any,
) -> tuple[Aligner, dict[str, float]]:
    """Fit an aligner src -> tgt from free pairs (the same text through two encoders).

    Both sides are L2-normalised first (search is cosine). A random ``holdout`` fraction of the
    pairs measures held-out pair retrieval: ``recall@1/@5`` for the aligner, ``chance@1/@5``,
    ``identity_recall@*`` when both spaces have the same dimension (no mapping at all), and
    ``procrustes_recall@*`` as the linear reference when ``kind`` is something else. With
    ``refit_all`` the returned aligner is then refit on every pair (the report describes a
    model trained on slightly less data, so it is a mild underestimate).
    """
    src, tgt = _check_pairs(src_vecs, tgt_vecs)
    src, tgt = l2_normalise(src), l2_normalise(tgt)
    n = len(src)
    n_test = max(1, round(holdout * n))
    if n - n_test < 2:
        raise ValueError(f"{n} pairs are too few to fit and hold out {holdout:.0%}")
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    aligner = make_aligner(kind, **aligner_kwargs).fit(src[train], tgt[train])
    report: dict[str, float] = {"n_train": float(len(train)), "n_test": float(n_test)}
    mapped = aligner.transform(src[test])
    report.update(pair_recall(mapped, tgt[test]))
    report["mean_pair_cos"] = float(np.mean(np.sum(mapped * tgt[test], axis=1)))
    for k in (1, 5):
        report[f"chance@{k}"] = min(k, n_test) / n_test
    if src.shape[1] == tgt.shape[1]:
        ident = pair_recall(src[test], tgt[test])
        report.update({f"identity_{k}": v for k, v in ident.items()})
    if kind != "procrustes":
        linear = OrthogonalProcrustes().fit(src[train], tgt[train])
        ref = pair_recall(linear.transform(src[test]), tgt[test])
        report.update({f"procrustes_{k}": v for k, v in ref.items()})
    if refit_all:
        aligner = make_aligner(kind, **aligner_kwargs).fit(src, tgt)
    return aligner, report
