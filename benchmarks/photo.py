"""Synthetic phone photos of print, shared by the benchmarks that photograph pages.

``photograph(img, rng)`` is the distortion benchmark's photo (bench_distortion.py): rescale,
perspective, rotation, crop, blur, uneven light, noise, JPEG, each at a random strength drawn
from the ranges of a ``Distortion``. ``PHONE`` holds that benchmark's ranges; the OCR
benchmark (bench_ocr_cer.py) draws from gentler ones as well, and turns off the rescale
(its crops are rendered at their own scale) and the crop (a photo missing part of a line
would change the text to read).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class Distortion:
    """The ranges each distortion's strength is drawn from (uniformly)."""

    size: tuple[float, float] | None = (700, 1400)  # longer side after rescale; None: kept
    pad: float = 0.12  # perspective: each corner moves up to this share of the side
    rotation: float = 30.0  # degrees, either way
    keep: tuple[float, float] | None = (0.75, 0.95)  # share of the photo kept; None: all
    blur: float = 1.5  # Gaussian sigma at most, in pixels
    shade: tuple[float, float] = (0.2, 0.45)  # light lost across the sheet (gradient)
    noise: tuple[float, float] = (2.0, 8.0)  # Gaussian sigma, grey levels
    jpeg: tuple[int, int] = (35, 85)  # quality


PHONE = Distortion()


def _perspective_coeffs(dst: np.ndarray, src: np.ndarray) -> list[float]:
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    return list(np.linalg.solve(np.array(rows, float), src.reshape(8).astype(float)))


def photograph(img: Image.Image, rng: np.random.Generator, how: Distortion = PHONE) -> Image.Image:
    """A synthetic phone photo of ``img`` printed: every distortion, random strengths.

    With ``PHONE`` the random draws are those the distortion benchmark has always made, in
    the same order, so its figures stay reproducible."""
    if how.size is not None:  # printed, then photographed at some size
        scale = rng.uniform(*how.size) / max(img.size)
        img = img.resize(
            (round(img.width * scale), round(img.height * scale)), Image.Resampling.BICUBIC
        )
    w, h = img.size
    background = tuple(int(v) for v in rng.integers(60, 200, 3))
    pad = how.pad
    src = np.array([(0, 0), (w, 0), (w, h), (0, h)], float)
    jitter = rng.uniform(-pad, pad, (4, 2)) * (w, h)
    dst = src + jitter + (pad * w, pad * h)
    size = (round(w * (1 + 2 * pad)), round(h * (1 + 2 * pad)))
    img = img.transform(
        size,
        Image.Transform.PERSPECTIVE,
        _perspective_coeffs(dst, src),
        Image.Resampling.BICUBIC,
        fillcolor=background,
    )
    img = img.rotate(
        rng.uniform(-how.rotation, how.rotation),
        Image.Resampling.BICUBIC,
        expand=True,
        fillcolor=background,
    )
    if how.keep is not None:  # the photo misses part of the figure or shows its surroundings
        w, h = img.size
        keep = rng.uniform(*how.keep)
        cw, ch = int(w * keep), int(h * keep)
        x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        img = img.crop((x, y, x + cw, y + ch))
    return _expose(img.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, how.blur))), rng, how)


def _expose(img: Image.Image, rng: np.random.Generator, how: Distortion) -> Image.Image:
    """Uneven light, sensor noise and JPEG compression."""
    arr = np.asarray(img, np.float32)
    yy, xx = np.mgrid[0 : arr.shape[0], 0 : arr.shape[1]].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)  # uneven light: a gradient across the sheet
    ramp = (np.cos(angle) * xx / arr.shape[1] + np.sin(angle) * yy / arr.shape[0]) / 1.5
    light = rng.uniform(0.85, 1.05) - rng.uniform(*how.shade) * (ramp - ramp.min())
    arr = arr * light[..., None] + rng.normal(0, rng.uniform(*how.noise), arr.shape)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=int(rng.integers(*how.jpeg)))
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
