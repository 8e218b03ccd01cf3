"""Properties of the fixed metrics and training/persistence of the learned ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.align.geometry import l2_normalise
from engine.evaluation.similarity import (
    METRIC_NAMES,
    ChiSquareMetric,
    CosineMetric,
    LearnedMetric,
    MLPMetric,
    ResidualMetric,
    get_metric,
    load_metric,
)


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    # Tiny models: on a busy 2-core machine, torch's thread pool spends more time contending
    # than computing. One thread keeps these tests quick; the library itself is untouched.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def rand(n: int, d: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d))


def recall_at_1(scores: np.ndarray) -> float:
    """Fraction of queries whose own pair (the diagonal) scores highest."""
    return float(np.mean(scores.argmax(1) == np.arange(len(scores))))


def planted_pairs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """y_i is a fixed nonlinear function of x_i plus noise, so raw cosine is only a weak cue."""
    rng = np.random.default_rng(1234)  # the planted map is the same for train and test
    a = rng.standard_normal((16, 16)) / 4.0
    b = rng.standard_normal((16, 16)) / 4.0
    x = l2_normalise(rand(n, seed=seed))
    noise = np.random.default_rng(seed + 1).standard_normal((n, 16)) * 0.1
    y = l2_normalise(x + np.tanh(3.0 * x @ a) @ b + noise)
    return x, y


def test_registry_returns_every_metric_and_rejects_unknown() -> None:
    assert {"cosine", "dot", "euclidean", "manhattan", "chi2", "mlp", "residual"} <= set(
        METRIC_NAMES
    )
    for name in METRIC_NAMES:
        assert get_metric(name).name == name
    with pytest.raises(KeyError):
        get_metric("hamming")


@pytest.mark.parametrize("name", ["cosine", "dot", "euclidean", "manhattan", "chi2"])
def test_fixed_metrics_shape_and_self_is_best(name: str) -> None:
    x = l2_normalise(rand(20))
    s = get_metric(name).score(x[:5], x)
    assert s.shape == (5, 20)
    # On unit vectors every metric ranks a vector's own copy first.
    assert np.array_equal(s.argmax(1), np.arange(5))


def test_cosine_symmetric_and_scale_invariant() -> None:
    x, y = rand(7, seed=1), rand(9, seed=2)
    cos = CosineMetric()
    assert np.allclose(cos.score(x, y), cos.score(y, x).T)
    assert np.allclose(cos.score(3.5 * x, 0.01 * y), cos.score(x, y))
    assert np.all(np.abs(cos.score(x, y)) <= 1.0 + 1e-12)


def test_dot_matches_matmul() -> None:
    x, y = rand(4, seed=3), rand(6, seed=4)
    assert np.allclose(get_metric("dot").score(x, y), x @ y.T)


@pytest.mark.parametrize("name,p", [("euclidean", 2), ("manhattan", 1)])
def test_distances_match_definition_and_triangle_inequality(name: str, p: int) -> None:
    pts = rand(12, seed=5)
    dist = -get_metric(name).score(pts, pts)
    expected = np.linalg.norm(pts[:, None] - pts[None], ord=p, axis=-1)
    assert np.allclose(dist, expected)
    assert np.allclose(np.diag(dist), 0.0, atol=1e-9)
    # d(i, k) <= d(i, j) + d(j, k) for every triple.
    assert np.all(dist[:, None, :] <= dist[:, :, None] + dist[None, :, :] + 1e-9)


def test_chi_square_non_negative_zero_on_identical_and_known_value() -> None:
    x, y = rand(10, seed=6), rand(8, seed=7)
    chi = ChiSquareMetric()
    assert np.all(-chi.score(x, y) >= 0.0)
    assert np.allclose(np.diag(chi.score(x, x)), 0.0)
    # Hand computation on the documented shift (unit-normalise, then + 1).
    a = l2_normalise(x[:1])[0] + 1.0
    b = l2_normalise(y[:1])[0] + 1.0
    expected = 0.5 * np.sum((a - b) ** 2 / (a + b))
    assert -chi.score(x[:1], y[:1])[0, 0] == pytest.approx(expected)


def test_chi_square_blocking_matches_single_block() -> None:
    x, y = rand(50, seed=8), rand(30, seed=9)
    small = ChiSquareMetric()
    small.block_elements = 30 * 16 * 3  # forces many blocks of 3 queries
    assert np.allclose(small.score(x, y), ChiSquareMetric().score(x, y))


def test_untrained_learned_metric_refuses_to_score() -> None:
    with pytest.raises(RuntimeError):
        MLPMetric().score(rand(2), rand(3))


@pytest.mark.slow
@pytest.mark.parametrize("cls", [MLPMetric, ResidualMetric])
def test_learned_metric_beats_cosine_on_held_out_pairs(cls: type[LearnedMetric]) -> None:
    x_train, y_train = planted_pairs(1500, seed=0)
    x_test, y_test = planted_pairs(300, seed=99)
    metric = cls(hidden=128).fit(x_train, y_train, epochs=25, lr=3e-3, seed=0)
    assert metric.history[-1] < metric.history[0]  # the loss went down
    cos_r1 = recall_at_1(CosineMetric().score(x_test, y_test))
    learned_r1 = recall_at_1(metric.score(x_test, y_test))
    assert learned_r1 > cos_r1 + 0.3, (learned_r1, cos_r1)


def test_learned_metric_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    x, y = planted_pairs(400, seed=0)
    a = ResidualMetric(hidden=64).fit(x, y, epochs=3, seed=7)
    b = ResidualMetric(hidden=64).fit(x, y, epochs=3, seed=7)
    assert np.allclose(a.score(x[:20], y), b.score(x[:20], y), atol=1e-6)
    path = tmp_path / "metric.safetensors"
    a.save(path)
    loaded = load_metric(path)
    assert isinstance(loaded, ResidualMetric)
    assert np.allclose(loaded.score(x[:20], y), a.score(x[:20], y), atol=1e-6)
    with pytest.raises(ValueError):
        MLPMetric.load(path)  # the file says it holds a residual metric


def test_residual_metric_starts_as_cosine() -> None:
    # Zero epochs: the identity-initialised heads give exactly the cosine ranking.
    x, y = rand(30, seed=10), rand(40, seed=11)
    metric = ResidualMetric(hidden=32).fit(x, y[:30], epochs=0)
    assert np.allclose(metric.score(x, y), CosineMetric().score(x, y), atol=1e-5)


def test_mlp_metric_handles_different_dims(tmp_path: Path) -> None:
    x, y = rand(200, d=12, seed=12), rand(200, d=20, seed=13)
    metric = MLPMetric(hidden=32, out_dim=8).fit(x, y, epochs=2)
    assert metric.score(x[:3], y).shape == (3, 200)
    metric.save(tmp_path / "m.safetensors")
    assert np.allclose(
        load_metric(tmp_path / "m.safetensors").score(x[:3], y), metric.score(x[:3], y)
    )
