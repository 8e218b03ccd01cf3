"""Small torch helpers shared by the learned similarity metrics (engine.evaluation.similarity)
and the neural aligners (engine.evaluation.aligners): device choice, seeding, a minimal AdamW,
minibatch training, the InfoNCE loss, and safetensors I/O of a module's weights (through
engine.align.persist, so all fitted models share one file format).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from engine.align.persist import read_arrays, save_arrays


def select_device() -> torch.device:
    """CUDA when present (training is then much faster), else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed torch for the block without disturbing the caller's global RNG state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def to_tensor(x: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x, dtype=np.float32), device=device)


class AdamW:
    """Minimal AdamW (decoupled weight decay), numerically the textbook update.

    Why not ``torch.optim.AdamW``: its first ``step()`` imports ``torch._dynamo``, which costs
    seconds (8 s on a busy 2-core machine) for models that otherwise train in under a second,
    which every test and benchmark run would pay.
    """

    def __init__(
        self,
        params: Iterator[nn.Parameter],
        lr: float,
        weight_decay: float = 0.0,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.weight_decay, self.betas, self.eps = lr, weight_decay, betas, eps
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            if p.grad is None:
                continue
            p.mul_(1.0 - self.lr * self.weight_decay)
            m.mul_(b1).add_(p.grad, alpha=1.0 - b1)
            v.mul_(b2).addcmul_(p.grad, p.grad, value=1.0 - b2)
            p.addcdiv_(m, (v / c2).sqrt_().add_(self.eps), value=-self.lr / c1)


def train_minibatch(
    module: nn.Module,
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    n: int,
    *,
    epochs: int,
    lr: float,
    batch_size: int,
    seed: int,
    weight_decay: float = 0.0,
) -> list[float]:
    """AdamW over shuffled minibatches; ``loss_fn`` gets the row indices of a batch.

    Shuffling uses its own generator so the same seed gives the same model. Returns the mean
    loss of each epoch (useful for reports and for checking that training converged).
    """
    device = next(module.parameters()).device
    opt = AdamW(module.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    history: list[float] = []
    module.train()
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen).to(device)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            if len(idx) < 2:  # a contrastive batch needs at least one negative
                continue
            loss = loss_fn(idx)
            opt.zero_grad()
            torch.autograd.backward(loss)  # loss.backward(), which torch leaves untyped
            opt.step()
            total += float(loss.detach()) * len(idx)
        history.append(total / n)
    module.eval()
    return history


def info_nce(q: torch.Tensor, k: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE on unit vectors: row i of q should pick row i of k and vice versa."""
    logits = logit_scale * q @ k.T
    target = torch.arange(len(q), device=q.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


def save_module(path: str | Path, kind: str, config: dict[str, Any], module: nn.Module) -> None:
    """One safetensors file: the module's weights, plus kind and config as JSON in the header."""
    arrays = {k: v.detach().cpu().contiguous().numpy() for k, v in module.state_dict().items()}
    save_arrays(path, kind, config, arrays)


def read_tensors(path: str | Path) -> tuple[str, dict[str, Any], dict[str, torch.Tensor]]:
    """Inverse of :func:`save_module`: (kind, config, weights as tensors)."""
    kind, config, arrays = read_arrays(path)
    return kind, config, {k: torch.from_numpy(v) for k, v in arrays.items()}
