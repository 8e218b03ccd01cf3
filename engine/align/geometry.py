"""Geometry of two embedding clouds: how far apart they sit, and can a line separate them?

Contrastive encoders such as CLIP put image embeddings and text embeddings in two separate
cones (the *modality gap*). These measures quantify that gap so reports and calibration can
show it: centroid distance, Wasserstein-2 between Gaussian fits, sliced Wasserstein, and the
held-out accuracy of a linear classifier. Everything is numpy/scipy only (no torch) so it is
cheap to import from reports.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-12


def l2_normalise(x: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero instead of becoming NaN).

    float64 by default (the metrics); the vector store asks for float32 so that normalising a
    100k-row matrix does not make a float64 copy of it."""
    x = np.asarray(x, dtype=dtype)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    unit: np.ndarray = x / np.maximum(norms, _EPS)
    return unit


def centroid_gap(x: np.ndarray, y: np.ndarray) -> float:
    """Euclidean distance between the means of the L2-normalised clouds (0 = same centre)."""
    return float(np.linalg.norm(l2_normalise(x).mean(0) - l2_normalise(y).mean(0)))


def shrunk_covariance(x: np.ndarray) -> np.ndarray:
    """Ledoit-Wolf covariance: the sample covariance shrunk toward a scaled identity.

    With fewer samples than dimensions (typical: 300 photos in 512-d CLIP space) the sample
    covariance is singular and its matrix square root is noise; the closed-form Ledoit-Wolf
    weight shrinks a lot then and almost not at all when n >> d.
    """
    x = np.asarray(x, dtype=np.float64)
    n, d = x.shape
    xc = x - x.mean(0)
    s: np.ndarray = xc.T @ xc / n
    mu = np.trace(s) / d
    target_dist = np.sum((s - mu * np.eye(d)) ** 2)
    if target_dist <= _EPS:
        return s
    # sum_k ||x_k x_k^T - S||_F^2 expands to sum_k ||x_k||^4 - n ||S||_F^2.
    spread = (np.sum(np.sum(xc**2, axis=1) ** 2) - n * np.sum(s**2)) / n**2
    weight = float(np.clip(spread / target_dist, 0.0, 1.0))
    shrunk: np.ndarray = weight * mu * np.eye(d) + (1.0 - weight) * s
    return shrunk


def _psd_sqrt(m: np.ndarray) -> np.ndarray:
    """Square root of a symmetric PSD matrix via eigh; tiny negative eigenvalues are rounding."""
    vals, vecs = np.linalg.eigh((m + m.T) / 2.0)
    root: np.ndarray = (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T
    return root


def gaussian_w2_from_moments(
    mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray
) -> float:
    """Closed-form W2 (not squared) between N(mu1, cov1) and N(mu2, cov2).

    W2² = ||mu1 - mu2||² + Tr(S1 + S2 - 2 (S2^½ S1 S2^½)^½); the trace of the inner root is the
    sum of square roots of its eigenvalues, so only two eigh calls are needed.
    """
    root2 = _psd_sqrt(cov2)
    inner = root2 @ cov1 @ root2
    inner_vals = np.clip(np.linalg.eigvalsh((inner + inner.T) / 2.0), 0.0, None)
    bures = np.trace(cov1) + np.trace(cov2) - 2.0 * np.sum(np.sqrt(inner_vals))
    w2_sq = float(np.sum((np.asarray(mu1) - np.asarray(mu2)) ** 2) + max(bures, 0.0))
    return float(np.sqrt(w2_sq))


def gaussian_w2(x: np.ndarray, y: np.ndarray) -> float:
    """Wasserstein-2 distance (W2, not W2²) between Gaussians fitted to the two clouds.

    Covariances are Ledoit-Wolf shrunk so the result is stable when n < d.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return gaussian_w2_from_moments(
        x.mean(0), shrunk_covariance(x), y.mean(0), shrunk_covariance(y)
    )


def _quantiles(sorted_vals: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Empirical quantile function of each column, sampled at ``levels`` in (0, 1)."""
    n = sorted_vals.shape[0]
    grid = (np.arange(n) + 0.5) / n
    return np.stack(
        [np.interp(levels, grid, sorted_vals[:, j]) for j in range(sorted_vals.shape[1])], axis=1
    )


def sliced_wasserstein(
    x: np.ndarray, y: np.ndarray, n_projections: int = 256, seed: int = 0
) -> float:
    """Sliced W2: root-mean over random unit directions of the squared 1-D W2 distances.

    1-D optimal transport is just matching quantiles, so this is cheap and, unlike the Gaussian
    fit, sees non-Gaussian shape. Clouds of different sizes are compared on a common quantile
    grid.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    rng = np.random.default_rng(seed)
    dirs = l2_normalise(rng.standard_normal((n_projections, x.shape[1])))
    px = np.sort(x @ dirs.T, axis=0)
    py = np.sort(y @ dirs.T, axis=0)
    if px.shape[0] != py.shape[0]:
        levels = (np.arange(max(px.shape[0], py.shape[0])) + 0.5) / max(px.shape[0], py.shape[0])
        px, py = _quantiles(px, levels), _quantiles(py, levels)
    return float(np.sqrt(np.mean((px - py) ** 2)))


def _fit_logistic(x: np.ndarray, t: np.ndarray, l2: float) -> np.ndarray:
    """L2-regularised logistic regression weights (bias last) by L-BFGS on the exact gradient."""
    xb = np.hstack([x, np.ones((x.shape[0], 1))])
    # Weight each class equally so an unbalanced split cannot win by predicting the majority.
    w_sample = np.where(t == 1, 0.5 / max(t.sum(), 1), 0.5 / max((1 - t).sum(), 1))

    def loss_grad(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = xb @ w
        # log(1 + e^z) - t z, written stably.
        loss = np.sum(w_sample * (np.logaddexp(0.0, z) - t * z)) + 0.5 * l2 * np.sum(w[:-1] ** 2)
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
        grad = xb.T @ (w_sample * (p - t))
        grad[:-1] += l2 * w[:-1]
        return float(loss), grad

    # Slow to import; only the metric needs it.
    from scipy.optimize import minimize

    res = minimize(loss_grad, np.zeros(xb.shape[1]), jac=True, method="L-BFGS-B")
    weights: np.ndarray = res.x
    return weights


def linear_separability(
    x: np.ndarray, y: np.ndarray, seed: int = 0, test_fraction: float = 0.3, l2: float = 1e-3
) -> float:
    """Held-out balanced accuracy of a logistic regression telling X from Y.

    About 0.5 means the clouds overlap (no linear gap); about 1.0 means a hyperplane splits the
    modalities cleanly. Features are standardised on the training split only.
    """
    rng = np.random.default_rng(seed)
    feats = np.vstack([np.asarray(x, np.float64), np.asarray(y, np.float64)])
    labels = np.concatenate([np.ones(len(x)), np.zeros(len(y))])
    test = np.zeros(len(labels), dtype=bool)
    for cls in (0.0, 1.0):  # stratified split so both classes are in the test set
        idx = rng.permutation(np.flatnonzero(labels == cls))
        test[idx[: max(1, round(test_fraction * len(idx)))]] = True
    mean = feats[~test].mean(0)
    std = feats[~test].std(0) + 1e-8
    z = (feats - mean) / std
    w = _fit_logistic(z[~test], labels[~test], l2)
    pred = (np.hstack([z[test], np.ones((test.sum(), 1))]) @ w) > 0
    truth = labels[test] == 1
    return float(0.5 * (np.mean(pred[truth]) + np.mean(~pred[~truth])))


def _mean_pairwise_cos(xn: np.ndarray) -> float:
    """Mean cosine over distinct pairs of unit rows: (||sum||² - n) / (n (n - 1)), O(n d)."""
    n = xn.shape[0]
    if n < 2:
        return float("nan")
    total = xn.sum(0)
    return float((total @ total - np.sum(xn * xn)) / (n * (n - 1)))


def modality_gap_report(
    x: np.ndarray, y: np.ndarray, seed: int = 0, max_samples: int = 2000
) -> dict[str, float]:
    """All gap measures on the L2-normalised clouds (cosine is the retrieval metric).

    Clouds larger than ``max_samples`` are subsampled so a report on a big index stays fast.
    """
    rng = np.random.default_rng(seed)
    xs = l2_normalise(_subsample(np.asarray(x), max_samples, rng))
    ys = l2_normalise(_subsample(np.asarray(y), max_samples, rng))
    return {
        "n_x": float(len(x)),
        "n_y": float(len(y)),
        "dim": float(xs.shape[1]),
        "centroid_gap": centroid_gap(xs, ys),
        "gaussian_w2": gaussian_w2(xs, ys),
        "sliced_wasserstein": sliced_wasserstein(xs, ys, seed=seed),
        "linear_separability": linear_separability(xs, ys, seed=seed),
        "cos_within_x": _mean_pairwise_cos(xs),
        "cos_within_y": _mean_pairwise_cos(ys),
        "cos_between": float(xs.mean(0) @ ys.mean(0)),
    }


def _subsample(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    return x if len(x) <= k else x[rng.choice(len(x), size=k, replace=False)]


def project_2d(clouds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Joint PCA of all clouds to 2-D so a plot shows them in one frame (the gap is visible).

    Vectors are L2-normalised first. Component signs are fixed (largest loading positive) so
    the same data always gives the same picture.
    """
    names = list(clouds)
    parts = [l2_normalise(clouds[k]) for k in names]
    stacked = np.vstack(parts)
    centre = stacked.mean(0)
    _, _, vt = np.linalg.svd(stacked - centre, full_matrices=False)
    comps = vt[:2]
    signs = np.sign(comps[np.arange(len(comps)), np.argmax(np.abs(comps), axis=1)])
    comps = comps * signs[:, None]
    if comps.shape[0] < 2:  # a single point or 1-D data: pad with a zero axis
        comps = np.vstack([comps, np.zeros((2 - comps.shape[0], stacked.shape[1]))])
    return {k: (p - centre) @ comps.T for k, p in zip(names, parts, strict=True)}
