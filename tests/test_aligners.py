"""Planted-map recovery, persistence and the text bridge: engine.align.bridge (the runtime's
Procrustes) and engine.evaluation.aligners (the others)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.align.bridge import OrthogonalProcrustes, fit_text_bridge, pair_recall
from engine.align.geometry import l2_normalise
from engine.evaluation.aligners import (
    ALIGNERS,
    LeastSquares,
    ResidualAligner,
    load_aligner,
    make_aligner,
)


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    # Tiny models: on a busy 2-core machine, torch's thread pool spends more time contending
    # than computing. One thread keeps these tests quick; the library itself is untouched.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def unit(n: int, d: int, seed: int) -> np.ndarray:
    return l2_normalise(np.random.default_rng(seed).standard_normal((n, d)))


def random_rotation(d: int, seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def semi_orthogonal(d_in: int, d_out: int, seed: int) -> np.ndarray:
    """d_in x d_out with orthonormal rows (d_in <= d_out): an isometric embedding."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d_out, d_in)))
    return q.T


def nonlinear_pairs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """An even function of x dominates y, which no linear map can express."""
    b = np.random.default_rng(5).standard_normal((8, 8))  # same planted map for every split
    x = unit(n, 8, seed)
    return x, l2_normalise((np.abs(x) - 0.3) @ b + 0.3 * x)


def mean_cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.sum(l2_normalise(a) * l2_normalise(b), axis=1)))


@pytest.mark.parametrize("center", [True, False])
def test_procrustes_recovers_planted_rotation(center: bool) -> None:
    x = unit(300, 24, seed=0)
    rot = random_rotation(24, seed=1)
    aligner = OrthogonalProcrustes(center=center).fit(x, x @ rot)
    assert aligner.weight is not None
    assert np.max(np.abs(aligner.weight - rot)) < 1e-6
    x_new = unit(50, 24, seed=2)
    assert np.max(np.abs(aligner.transform(x_new) - x_new @ rot)) < 1e-6


def test_procrustes_recovers_semi_orthogonal_map_across_dims() -> None:
    x = unit(400, 12, seed=3)  # like 384-d MiniLM -> 512-d CLIP, scaled down
    w = semi_orthogonal(12, 20, seed=4)
    aligner = OrthogonalProcrustes().fit(x, x @ w)
    assert aligner.weight is not None and aligner.weight.shape == (12, 20)
    assert np.allclose(aligner.weight @ aligner.weight.T, np.eye(12), atol=1e-10)
    assert np.max(np.abs(aligner.weight - w)) < 1e-6
    # The other direction (20 -> 12) is a projection with orthonormal columns.
    back = OrthogonalProcrustes().fit(x @ w, x)
    assert back.weight is not None
    assert np.max(np.abs(back.transform(x @ w) - x)) < 1e-6


def test_least_squares_recovers_planted_linear_map() -> None:
    x = np.random.default_rng(6).standard_normal((500, 10))
    a = np.random.default_rng(7).standard_normal((10, 14))
    bias = np.random.default_rng(8).standard_normal(14)
    y = x @ a + bias
    exact = LeastSquares(alpha=0.0).fit(x, y)
    assert exact.weight is not None
    assert np.max(np.abs(exact.weight - a)) < 1e-8
    assert np.allclose(exact.transform(x), l2_normalise(y), atol=1e-8)
    ridge = LeastSquares(alpha=1e-3).fit(x, y)
    assert ridge.weight is not None
    assert 0 < np.max(np.abs(ridge.weight - a)) < 1e-2  # shrunk a little, but close


def test_linear_aligners_beat_identity_under_noise() -> None:
    x = unit(600, 16, seed=9)
    rot = random_rotation(16, seed=10)
    y = l2_normalise(x @ rot + 0.05 * np.random.default_rng(11).standard_normal((600, 16)))
    x_tr, x_te, y_tr, y_te = x[:500], x[500:], y[:500], y[500:]
    base = pair_recall(x_te, y_te)["recall@1"]
    for kind in ("procrustes", "lstsq"):
        fitted = make_aligner(kind).fit(x_tr, y_tr)
        assert pair_recall(fitted.transform(x_te), y_te)["recall@1"] > base + 0.5


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["mlp", "residual"])
def test_neural_aligners_beat_linear_on_planted_nonlinear_map(kind: str) -> None:
    x_tr, y_tr = nonlinear_pairs(1500, seed=0)
    x_te, y_te = nonlinear_pairs(300, seed=1)
    neural = make_aligner(kind, hidden=128, epochs=20, lr=3e-3).fit(x_tr, y_tr)
    got = mean_cos(neural.transform(x_te), y_te)
    got_r1 = pair_recall(neural.transform(x_te), y_te)["recall@1"]
    baselines = {"identity": x_te}
    for linear in ("procrustes", "lstsq"):
        baselines[linear] = make_aligner(linear).fit(x_tr, y_tr).transform(x_te)
    for name, pred in baselines.items():
        assert got > mean_cos(pred, y_te) + 0.3, (name, got)
        assert got_r1 > pair_recall(pred, y_te)["recall@1"] + 0.2, (name, got_r1)


def test_residual_aligner_starts_at_ridge_solution() -> None:
    x, y = nonlinear_pairs(300, seed=2)
    untrained = ResidualAligner(hidden=16, epochs=0).fit(x, y)
    ridge = LeastSquares(alpha=1e-3).fit(x, y)
    assert np.allclose(untrained.transform(x), ridge.transform(x), atol=1e-5)


@pytest.mark.parametrize("kind", sorted(ALIGNERS))
def test_save_load_round_trip_and_dispatch(kind: str, tmp_path: Path) -> None:
    x, y = unit(200, 6, seed=3), unit(200, 9, seed=4)
    kwargs = {"hidden": 16, "epochs": 2} if kind in ("mlp", "residual") else {}
    aligner = make_aligner(kind, **kwargs).fit(x, y)
    path = tmp_path / f"{kind}.safetensors"
    aligner.save(path)
    loaded = load_aligner(path)
    assert type(loaded) is type(aligner) and loaded.config == aligner.config
    assert np.allclose(loaded.transform(x[:10]), aligner.transform(x[:10]), atol=1e-6)
    out = loaded.transform(x[:10])
    assert out.shape == (10, 9) and np.allclose(np.linalg.norm(out, axis=1), 1.0)


def test_wrong_class_load_and_unfitted_and_unknown_kind(tmp_path: Path) -> None:
    x = unit(50, 4, seed=5)
    OrthogonalProcrustes().fit(x, x).save(tmp_path / "p.safetensors")
    with pytest.raises(ValueError):
        LeastSquares.load(tmp_path / "p.safetensors")
    with pytest.raises(RuntimeError):
        LeastSquares().transform(x)
    with pytest.raises(RuntimeError):
        make_aligner("mlp").transform(x)
    with pytest.raises(KeyError):
        make_aligner("cca")
    with pytest.raises(ValueError):
        OrthogonalProcrustes().fit(x, x[:10])


def test_neural_aligner_is_deterministic_with_seed() -> None:
    x, y = nonlinear_pairs(200, seed=6)
    a = make_aligner("mlp", hidden=16, epochs=3, seed=3).fit(x, y).transform(x[:5])
    b = make_aligner("mlp", hidden=16, epochs=3, seed=3).fit(x, y).transform(x[:5])
    c = make_aligner("mlp", hidden=16, epochs=3, seed=4).fit(x, y).transform(x[:5])
    assert np.allclose(a, b, atol=1e-6)
    assert not np.allclose(a, c, atol=1e-4)


def test_pair_recall_counts_ranks() -> None:
    targets = np.eye(4)
    queries = np.array([[1.0, 0, 0, 0], [1.0, 0.5, 0, 0], [0.5, 0, 0, 1.0], [0, 0, 0, 1.0]])
    # Query 1's own target (e1) loses to e0 (rank 1); query 2's (e2) to e3 and e0 (rank 2).
    got = pair_recall(queries, targets, ks=(1, 2, 3))
    assert got == {"recall@1": 0.5, "recall@2": 0.75, "recall@3": 1.0}


def test_text_bridge_across_dims_reports_holdout_recall() -> None:
    # Planted: both "encoders" see the same latent text meaning through different linear maps.
    latent = unit(500, 16, seed=7)
    src = l2_normalise(latent @ np.random.default_rng(8).standard_normal((16, 12)))
    tgt = l2_normalise(latent @ np.random.default_rng(9).standard_normal((16, 20)))
    aligner, report = fit_text_bridge(src, tgt, LeastSquares, holdout=0.2, seed=0)
    assert report["n_test"] == 100 and report["n_train"] == 400
    assert report["chance@1"] == pytest.approx(0.01)
    assert "identity_recall@1" not in report  # 12-d vs 20-d: no identity baseline
    assert report["recall@1"] > 0.9 and report["recall@5"] >= report["recall@1"]
    assert "procrustes_recall@1" in report
    assert aligner.transform(src[:3]).shape == (3, 20)


def test_text_bridge_same_dims_has_identity_baseline() -> None:
    src = unit(300, 10, seed=10)
    tgt = src @ random_rotation(10, seed=11)
    aligner, report = fit_text_bridge(src, tgt, holdout=0.25, seed=1)
    assert report["recall@1"] == pytest.approx(1.0)
    assert report["identity_recall@1"] < 0.5
    assert report["mean_pair_cos"] == pytest.approx(1.0, abs=1e-6)
    assert isinstance(aligner, OrthogonalProcrustes)
    with pytest.raises(ValueError):
        fit_text_bridge(src[:2], tgt[:2], holdout=0.5)
