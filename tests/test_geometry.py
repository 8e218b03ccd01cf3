"""Planted-geometry checks for engine.align.geometry."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.align.geometry import (
    centroid_gap,
    gaussian_w2,
    gaussian_w2_from_moments,
    l2_normalise,
    linear_separability,
    modality_gap_report,
    project_2d,
    shrunk_covariance,
    sliced_wasserstein,
)

DIM = 32


def cone(n: int, angle: float, seed: int, spread: float = 0.15) -> np.ndarray:
    """Unit vectors around a centre rotated by ``angle`` (radians) from e0 toward e1."""
    rng = np.random.default_rng(seed)
    centre = np.zeros(DIM)
    centre[0], centre[1] = np.cos(angle), np.sin(angle)
    return l2_normalise(centre + spread * rng.standard_normal((n, DIM)))


def test_l2_normalise_unit_rows_and_zero_safe() -> None:
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    out = l2_normalise(x)
    assert np.allclose(out[0], [0.6, 0.8])
    assert np.all(np.isfinite(out)) and np.allclose(out[1], 0.0)


def test_gap_measures_near_zero_for_same_distribution() -> None:
    x, y = cone(600, 0.0, seed=1), cone(600, 0.0, seed=2)
    assert centroid_gap(x, y) < 0.05
    assert sliced_wasserstein(x, y) < 0.03
    far = cone(600, 1.0, seed=3)
    assert gaussian_w2(x, y) < 0.2 * gaussian_w2(x, far)


def test_gap_measures_grow_monotonically_with_planted_shift() -> None:
    base = cone(500, 0.0, seed=0)
    angles = [0.0, 0.2, 0.5, 1.0, 1.5]
    others = [cone(500, a, seed=10 + i) for i, a in enumerate(angles)]
    for measure in (centroid_gap, gaussian_w2, sliced_wasserstein):
        values = [measure(base, o) for o in others]
        assert all(a < b for a, b in itertools.pairwise(values)), (measure, values)


def test_centroid_gap_matches_planted_distance() -> None:
    # Tight cones: the centroids are essentially the planted unit centres.
    x, y = cone(400, 0.0, seed=0, spread=1e-4), cone(400, np.pi / 2, seed=1, spread=1e-4)
    assert centroid_gap(x, y) == pytest.approx(np.sqrt(2.0), abs=1e-3)


def test_w2_closed_form_equal_covariance_is_mean_distance() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((DIM, DIM))
    cov = a @ a.T / DIM
    mu1, mu2 = rng.standard_normal(DIM), rng.standard_normal(DIM)
    w2 = gaussian_w2_from_moments(mu1, cov, mu2, cov)
    assert w2 == pytest.approx(np.linalg.norm(mu1 - mu2), rel=1e-6)


def test_w2_closed_form_commuting_covariances() -> None:
    # Diagonal covariances commute: W2² = ||mu1-mu2||² + sum (sqrt(s1) - sqrt(s2))².
    rng = np.random.default_rng(1)
    s1, s2 = rng.uniform(0.1, 2.0, DIM), rng.uniform(0.1, 2.0, DIM)
    mu1, mu2 = rng.standard_normal(DIM), rng.standard_normal(DIM)
    expected = np.sqrt(np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(s1) - np.sqrt(s2)) ** 2))
    got = gaussian_w2_from_moments(mu1, np.diag(s1), mu2, np.diag(s2))
    assert got == pytest.approx(expected, rel=1e-8)


def test_w2_from_samples_approaches_closed_form() -> None:
    rng = np.random.default_rng(2)
    d = 4
    mu2 = np.array([1.0, -2.0, 0.5, 0.0])
    x = rng.standard_normal((20000, d))
    y = rng.standard_normal((20000, d)) + mu2
    assert gaussian_w2(x, y) == pytest.approx(np.linalg.norm(mu2), rel=0.03)


def test_shrinkage_keeps_w2_finite_when_fewer_samples_than_dims() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((20, 200)), rng.standard_normal((15, 200))
    cov = shrunk_covariance(x)
    assert np.linalg.eigvalsh(cov).min() > 0  # the raw sample covariance would be singular
    assert np.isfinite(gaussian_w2(x, y))


def test_linear_separability_extremes() -> None:
    x, y_same, y_far = cone(300, 0.0, seed=0), cone(300, 0.0, seed=1), cone(300, 0.8, seed=2)
    assert linear_separability(x, y_far, seed=0) > 0.97
    assert abs(linear_separability(x, y_same, seed=0) - 0.5) < 0.12


def test_modality_gap_report_keys_and_cosines() -> None:
    x, y = cone(300, 0.0, seed=0), cone(200, 1.2, seed=1)
    report = modality_gap_report(x, y)
    for key in (
        "centroid_gap",
        "gaussian_w2",
        "sliced_wasserstein",
        "linear_separability",
        "cos_within_x",
        "cos_within_y",
        "cos_between",
    ):
        assert np.isfinite(report[key]), key
    assert report["n_x"] == 300 and report["n_y"] == 200 and report["dim"] == DIM
    # A brute-force mean over distinct pairs agrees with the O(n d) shortcut.
    sims = x @ x.T
    brute = (sims.sum() - np.trace(sims)) / (len(x) * (len(x) - 1))
    assert report["cos_within_x"] == pytest.approx(brute, rel=1e-9)
    assert report["cos_between"] == pytest.approx(float(np.mean(x @ y.T)), rel=1e-9)
    assert report["cos_within_x"] > report["cos_between"]


def test_project_2d_shapes_deterministic_and_shows_gap() -> None:
    clouds = {"image": cone(100, 0.0, seed=0), "text": cone(80, 1.2, seed=1)}
    out = project_2d(clouds)
    again = project_2d(clouds)
    assert out["image"].shape == (100, 2) and out["text"].shape == (80, 2)
    assert np.allclose(out["image"], again["image"])
    # The first principal axis is the gap: the two cloud means separate along it.
    gap_2d = np.linalg.norm(out["image"].mean(0) - out["text"].mean(0))
    assert gap_2d == pytest.approx(centroid_gap(clouds["image"], clouds["text"]), rel=0.05)
