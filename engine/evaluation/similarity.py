"""Similarity metrics behind one interface: ``score(queries, items) -> (q, n)``, higher is better.

Fixed metrics (cosine, dot, negative Euclidean / Manhattan / Chi-square) need no training.
Learned metrics are trained with a symmetric InfoNCE loss on paired rows (x_i, y_i), the same
objective CLIP uses, so pairs that belong together score above all in-batch mismatches. They
are saved as one safetensors file whose header metadata holds the kind and config as JSON
(no pickle, so a saved model cannot run code when loaded).

Only benchmarks and tests use these (the runtime scores with plain cosine and calibration,
engine.align); the torch helpers are in engine.evaluation.training.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from engine.align.geometry import l2_normalise
from engine.evaluation.training import (
    info_nce,
    read_tensors,
    save_module,
    seeded,
    select_device,
    to_tensor,
    train_minibatch,
)

# ---------------------------------------------------------------------------------------------
# Fixed metrics


class Metric(ABC):
    """Scores every query against every item; higher means more similar."""

    name: ClassVar[str]

    @abstractmethod
    def score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        """(q, d) x (n, d) -> (q, n) float64 similarity matrix."""


def _as_2d(x: np.ndarray) -> np.ndarray:
    return np.atleast_2d(np.asarray(x, dtype=np.float64))


class CosineMetric(Metric):
    """Angle only; the best default for contrastive encoders (their norms carry no meaning)."""

    name = "cosine"

    def score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        sims: np.ndarray = l2_normalise(_as_2d(queries)) @ l2_normalise(_as_2d(items)).T
        return sims


class DotMetric(Metric):
    """Raw inner product: lets the vector norm act as a prior (e.g. confident embeddings)."""

    name = "dot"

    def score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        dots: np.ndarray = _as_2d(queries) @ _as_2d(items).T
        return dots


class _MinkowskiMetric(Metric):
    p: ClassVar[float]

    def score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        # torch.cdist avoids the (q, n, d) intermediate of numpy broadcasting.
        q = torch.as_tensor(_as_2d(queries))
        it = torch.as_tensor(_as_2d(items))
        dist = torch.cdist(q, it, p=self.p, compute_mode="donot_use_mm_for_euclid_dist")
        return -dist.numpy()


class EuclideanMetric(_MinkowskiMetric):
    """Negative L2 distance."""

    name = "euclidean"
    p = 2.0


class ManhattanMetric(_MinkowskiMetric):
    """Negative L1 distance."""

    name = "manhattan"
    p = 1.0


class ChiSquareMetric(Metric):
    """Negative Chi-square distance 0.5 * sum (a - b)² / (a + b).

    Chi-square is defined for non-negative histograms, but embeddings have signed coordinates.
    The shift: vectors are L2-normalised and then 1 is added to every coordinate, so each lies
    in [0, 2]. The shift is fixed (not taken from the data) so the score of a pair does not
    depend on what else is scored with it; coordinates where both sides are 0 contribute 0.
    """

    name = "chi2"
    block_elements: ClassVar[int] = 8_000_000  # cap on the (block, n, d) broadcast

    def score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        q = l2_normalise(_as_2d(queries)) + 1.0
        it = l2_normalise(_as_2d(items)) + 1.0
        out = np.empty((q.shape[0], it.shape[0]))
        step = max(1, self.block_elements // max(1, it.size))
        for start in range(0, q.shape[0], step):
            a = q[start : start + step, None, :]
            num = (a - it[None]) ** 2
            den = a + it[None]
            terms = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
            out[start : start + step] = -0.5 * terms.sum(-1)
        return out


# ---------------------------------------------------------------------------------------------
# Learned metrics


class _TwoTower(nn.Module):
    """A query tower and an item tower; the score is the cosine of their outputs."""

    def __init__(self, query_net: nn.Module, item_net: nn.Module, logit_scale: float) -> None:
        super().__init__()
        self.query_net = query_net
        self.item_net = item_net
        self.logit_scale = nn.Parameter(torch.tensor(math.log(logit_scale)))

    def embed_queries(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.query_net(F.normalize(x, dim=-1)), dim=-1)

    def embed_items(self, y: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.item_net(F.normalize(y, dim=-1)), dim=-1)

    def scale(self) -> torch.Tensor:
        # Clamp like CLIP: an unbounded temperature lets the loss blow up on easy batches.
        return self.logit_scale.exp().clamp(max=100.0)


class LearnedMetric(Metric):
    """Base for metrics trained on pairs; subclasses only build the two towers."""

    learn_temperature: ClassVar[bool] = False

    def __init__(self, **config: Any) -> None:
        self.config: dict[str, Any] = dict(config)
        self.model: _TwoTower | None = None
        self.history: list[float] = []

    @abstractmethod
    def _towers(self, d_query: int, d_item: int) -> tuple[nn.Module, nn.Module]: ...

    def _build(self, d_query: int, d_item: int) -> _TwoTower:
        query_net, item_net = self._towers(d_query, d_item)
        model = _TwoTower(query_net, item_net, 1.0 / self.config.get("temperature", 0.05))
        model.logit_scale.requires_grad_(self.learn_temperature)
        return model

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        epochs: int = 30,
        lr: float = 1e-3,
        seed: int = 0,
        batch_size: int = 256,
    ) -> Self:
        """Train on pairs: row i of ``x`` (query side) belongs with row i of ``y`` (item side)."""
        if len(x) != len(y):
            raise ValueError(f"need paired rows, got {len(x)} and {len(y)}")
        device = select_device()
        with seeded(seed):
            self.model = self._build(x.shape[1], y.shape[1]).to(device)
        xt, yt = to_tensor(x, device), to_tensor(y, device)
        model = self.model

        def loss_fn(idx: torch.Tensor) -> torch.Tensor:
            return info_nce(model.embed_queries(xt[idx]), model.embed_items(yt[idx]), model.scale())

        self.config.update(d_query=int(x.shape[1]), d_item=int(y.shape[1]))
        self.history = train_minibatch(
            model, loss_fn, len(x), epochs=epochs, lr=lr, batch_size=batch_size, seed=seed
        )
        return self

    def _require_model(self) -> _TwoTower:
        if self.model is None:
            raise RuntimeError(f"{self.name} metric is not trained; call fit() or load()")
        return self.model

    @torch.no_grad()
    def score(self, queries: np.ndarray, items: np.ndarray) -> np.ndarray:
        model = self._require_model()
        device = next(model.parameters()).device
        q = model.embed_queries(to_tensor(_as_2d(queries), device))
        k = model.embed_items(to_tensor(_as_2d(items), device))
        return (q @ k.T).double().cpu().numpy()

    def save(self, path: str | Path) -> None:
        save_module(path, self.name, self.config, self._require_model())

    @classmethod
    def load(cls, path: str | Path) -> Self:
        kind, config, tensors = read_tensors(path)
        if kind != cls.name:
            raise ValueError(f"{path} holds a {kind!r} metric, not {cls.name!r}")
        metric = cls(**{k: v for k, v in config.items() if k not in ("d_query", "d_item")})
        metric.config = config
        metric.model = metric._build(config["d_query"], config["d_item"])
        metric.model.load_state_dict(tensors)
        metric.model.to(select_device()).eval()
        return metric


def _mlp(d_in: int, hidden: int, d_out: int) -> nn.Module:
    return nn.Sequential(nn.Linear(d_in, hidden), nn.GELU(), nn.Linear(hidden, d_out))


class MLPMetric(LearnedMetric):
    """A two-layer MLP per side, then cosine; fixed InfoNCE temperature."""

    name = "mlp"

    def __init__(self, hidden: int = 512, out_dim: int = 256, temperature: float = 0.05) -> None:
        super().__init__(hidden=hidden, out_dim=out_dim, temperature=temperature)

    def _towers(self, d_query: int, d_item: int) -> tuple[nn.Module, nn.Module]:
        h, o = self.config["hidden"], self.config["out_dim"]
        return _mlp(d_query, h, o), _mlp(d_item, h, o)


class ResidualHead(nn.Module):
    """skip(x) + mlp(LayerNorm(x)), with the skip set to (rectangular) identity and the MLP's
    last layer zeroed: training starts exactly at plain cosine and learns only a correction,
    so it cannot do worse than cosine at step 0 and needs few pairs to improve on it."""

    def __init__(self, d_in: int, d_out: int, hidden: int) -> None:
        super().__init__()
        self.skip = nn.Linear(d_in, d_out, bias=False)
        self.branch = nn.Sequential(nn.LayerNorm(d_in), _mlp(d_in, hidden, d_out))
        with torch.no_grad():
            self.skip.weight.copy_(torch.eye(d_out, d_in))
            mlp = self.branch[1]
            assert isinstance(mlp, nn.Sequential)
            last = mlp[2]
            assert isinstance(last, nn.Linear)
            last.weight.zero_()
            last.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.skip(x) + self.branch(x)
        return out


class ResidualMetric(LearnedMetric):
    """Identity-initialised residual projection head per side with a learned temperature.

    Stronger than :class:`MLPMetric` when the raw space is already decent (the usual case for
    CLIP) because it refines cosine instead of learning a space from scratch.
    """

    name = "residual"
    learn_temperature = True

    def __init__(self, hidden: int = 512, out_dim: int = 0, temperature: float = 0.07) -> None:
        # out_dim 0 means "the item dimension", so the item side starts as the identity.
        super().__init__(hidden=hidden, out_dim=out_dim, temperature=temperature)

    def _towers(self, d_query: int, d_item: int) -> tuple[nn.Module, nn.Module]:
        out = self.config["out_dim"] or d_item
        h = self.config["hidden"]
        return ResidualHead(d_query, out, h), ResidualHead(d_item, out, h)


_FIXED: dict[str, type[Metric]] = {
    m.name: m for m in (CosineMetric, DotMetric, EuclideanMetric, ManhattanMetric, ChiSquareMetric)
}
_LEARNED: dict[str, type[LearnedMetric]] = {m.name: m for m in (MLPMetric, ResidualMetric)}
METRIC_NAMES: tuple[str, ...] = (*_FIXED, *_LEARNED)


def get_metric(name: str) -> Metric:
    """A fresh metric by name (learned ones come untrained: call ``fit`` or use ``load_metric``)."""
    cls = _FIXED.get(name) or _LEARNED.get(name)
    if cls is None:
        raise KeyError(f"unknown metric {name!r}; choose from {', '.join(METRIC_NAMES)}")
    return cls()


def load_metric(path: str | Path) -> LearnedMetric:
    """Load a saved learned metric, whichever kind it is."""
    kind, _, _ = read_tensors(path)
    if kind not in _LEARNED:
        raise ValueError(f"{path} holds {kind!r}, not a learned metric")
    return _LEARNED[kind].load(path)
