"""Aligners compared with the runtime's Procrustes text bridge (engine.align.bridge) in
benchmarks and tests: ridge least squares, a two-layer MLP, and a residual MLP that starts from
the ridge solution. They share the :class:`engine.align.bridge.Aligner` interface and file
format; :func:`make_aligner` and :func:`load_aligner` know every kind, Procrustes included.
"""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any, Self

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from engine.align.bridge import Aligner, LinearAligner, OrthogonalProcrustes, check_pairs
from engine.align.bridge import load_aligner as _load_aligner
from engine.evaluation.training import (
    info_nce,
    save_module,
    seeded,
    select_device,
    to_tensor,
    train_minibatch,
)

# ---------------------------------------------------------------------------------------------
# Closed-form


class LeastSquares(LinearAligner):
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
            plain: np.ndarray = np.linalg.lstsq(xc, yc, rcond=None)[0]
            return plain
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
        x, y = check_pairs(x_src, y_tgt)
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
            loss: torch.Tensor = cos_loss + cfg["contrastive_weight"] * info_nce(
                pred, target, scale
            )
            return loss

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
        save_module(path, self.kind, self.config, self.net)

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Self:
        params = {k: v for k, v in config.items() if k not in ("d_src", "d_tgt")}
        aligner = cls(**params)
        aligner.config = dict(config)
        net = aligner._build(config["d_src"], config["d_tgt"])
        net.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()})
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
        last = self.mlp[3]
        assert isinstance(last, nn.Linear)
        with torch.no_grad():  # zero last layer: the block starts as the identity
            last.weight.zero_()
            last.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = x + self.mlp(x)
        return out


class _ResidualNet(nn.Module):
    def __init__(self, d_src: int, d_tgt: int, hidden: int, n_blocks: int) -> None:
        super().__init__()
        self.stem = nn.Linear(d_src, d_tgt)
        self.blocks = nn.Sequential(*(_ResidualBlock(d_tgt, hidden) for _ in range(n_blocks)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.blocks(self.stem(x))
        return out


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
        p = LeastSquares(alpha=float(self.config["ridge_alpha"])).fit(x, y).params()
        bias = p["tgt_mean"] - p["src_mean"] @ p["weight"]
        stem = net.stem
        assert isinstance(stem, nn.Linear)
        with torch.no_grad():
            stem.weight.copy_(torch.as_tensor(p["weight"].T, dtype=torch.float32))
            stem.bias.copy_(torch.as_tensor(bias, dtype=torch.float32))


# ---------------------------------------------------------------------------------------------
# Registry

ALIGNERS: dict[str, type[Aligner]] = {
    a.kind: a for a in (OrthogonalProcrustes, LeastSquares, MLPAligner, ResidualAligner)
}


def make_aligner(kind: str, **kwargs: Any) -> Aligner:
    """A fresh aligner of ``kind`` ("procrustes", "lstsq", "mlp", "residual")."""
    if kind not in ALIGNERS:
        raise KeyError(f"unknown aligner {kind!r}; choose from {', '.join(ALIGNERS)}")
    return ALIGNERS[kind](**kwargs)


def load_aligner(path: str | Path) -> Aligner:
    """Load a saved aligner of whichever kind (of :data:`ALIGNERS`) the file says it holds."""
    return _load_aligner(path, ALIGNERS)
