"""Shared helpers for the benchmark scripts (issue #2): models, corpora, timers, reporting.

Benchmarks print figures; they are scripts, never timed unit tests. Run them from the project
root with the project's venv, e.g. ``.venv/bin/python benchmarks/bench_index.py``.

CLIP models are built with RANDOM weights (``open_clip.create_model(name, pretrained=None)``)
and saved in the Hugging Face folder layout (``open_clip_config.json`` + safetensors), then
loaded through the production path (``Settings.clip_weights_path`` → ``Encoders`` →
``ClipEncoder``), exactly as ``tests/tiny_models.py`` does for the tiny test model. The
arithmetic is the real model's, so timings are meaningful; the vectors are not. Every figure
measured with them is labelled "random weights, timing only".
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so ``tests.fixtures`` / ``tests.tiny_models`` import
    sys.path.insert(0, str(ROOT))

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

CORPUS = ROOT.parent / "shared" / "corpus"
MODEL_CACHE = Path(tempfile.gettempdir()) / "sagasu-bench-models"
RANDOM_LABEL = "random weights, timing only"


# --- machine ---------------------------------------------------------------------------------


def machine_line() -> str:
    import torch

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.machine()} {os.cpu_count()} cores, CPU only, torch {torch.__version__} "
        f"threads={torch.get_num_threads()}, python {platform.python_version()}, "
        f"load avg {load}"
    )


def load_line() -> str:
    return "load avg " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def quiet() -> None:
    """open_clip warns "initialized randomly": that is the point here."""
    logging.getLogger().setLevel(logging.ERROR)
    for name in ("open_clip", "sentence_transformers", "transformers", "engine"):
        logging.getLogger(name).setLevel(logging.ERROR)


# --- models ----------------------------------------------------------------------------------


def random_clip_dir(model: str = "ViT-B-32", seed: int = 0) -> Path:
    """A folder holding ``model`` with random weights in the HF layout (cached across runs)."""
    import open_clip
    import torch
    from safetensors.torch import save_file

    folder = MODEL_CACHE / f"{model}-random-{seed}"
    config = folder / "open_clip_config.json"
    weights = folder / "open_clip_model.safetensors"
    if config.is_file() and weights.is_file():
        return folder
    quiet()
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    net = open_clip.create_model(model, pretrained=None)  # RANDOM weights: timing only
    model_cfg = open_clip.get_model_config(model)
    if model_cfg is None:
        raise SystemExit(f"open_clip has no built-in config for {model!r}")
    pre = dict(net.visual.preprocess_cfg)
    state = {k: v.detach().contiguous() for k, v in net.state_dict().items()}
    tmp = weights.with_suffix(".tmp")
    save_file(state, str(tmp))
    os.replace(tmp, weights)
    config.write_text(json.dumps({"model_cfg": model_cfg, "preprocess_cfg": pre}))
    return folder


def bench_settings(clip_dir: Path | None, model: str = "ViT-B-32", **overrides: object):
    """Production settings pointed at a random-weights model folder (OCR off, as in tests)."""
    from engine.config import Settings

    values: dict[str, object] = {
        "clip_model": model,
        "clip_pretrained": "",
        "clip_weights_path": str(clip_dir) if clip_dir else None,
        "ocr_enabled": False,
        "device": "cpu",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def tiny_clip_dir() -> Path:
    from tests.tiny_models import make_tiny_clip

    return make_tiny_clip(MODEL_CACHE / "tiny")


def load_encoders(settings):
    """``Encoders`` for ``settings`` with both models loaded now (not on the first query)."""
    from engine.encode.encoders import Encoders

    quiet()
    enc = Encoders(settings)
    clip = enc.clip()
    if clip is None:
        raise SystemExit("CLIP did not load: " + enc.clip_problem())
    if enc.text() is None:
        raise SystemExit("the text model did not load: " + enc.text_problem())
    return enc


def ensure_alignment_dir(lib) -> None:
    """Work around an engine bug seen while writing these benchmarks: on a fresh data dir
    ``AlignmentState._fit_bridge`` saves the aligner before ``_save`` creates the folder."""
    lib.alignment.directory.mkdir(parents=True, exist_ok=True)


# --- corpora ---------------------------------------------------------------------------------


def make_generated_corpus(
    root: Path, pdfs: int = 40, pages: int = 5, images_per_page: int = 2, photos: int = 200
) -> Path:
    """PDFs with text and embedded images on every page, plus textured photos (deterministic)."""
    from tests.fixtures import ENGLISH_SAMPLE, PageSpec, make_pdf, make_photo, pattern_image

    marker = root / f".made-{pdfs}-{pages}-{images_per_page}-{photos}"
    if marker.exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    seed = 0
    for d in range(pdfs):
        specs = []
        for p in range(pages):
            text = "\n".join(f"Document {d} page {p} line {n}: {ENGLISH_SAMPLE}" for n in range(12))
            imgs = []
            for _ in range(images_per_page):
                seed += 1
                imgs.append(pattern_image((320, 240), seed))
            specs.append(PageSpec(text=text, images=imgs))
        make_pdf(root / "pdfs" / f"doc-{d:03d}.pdf", specs)
    for i in range(photos):
        ext = ".jpg" if i % 2 else ".png"
        make_photo(root / "photos" / f"photo-{i:04d}{ext}", (800, 600), seed=100_000 + i)
    marker.touch()
    return root


def corpus_or_exit(*subdirs: str) -> list[Path]:
    if not CORPUS.is_dir():
        print(f"SKIP: real corpus not found at {CORPUS}")
        raise SystemExit(0)
    found = [CORPUS / s for s in subdirs if (CORPUS / s).is_dir()]
    if not found:
        print(f"SKIP: none of {subdirs} in {CORPUS}")
        raise SystemExit(0)
    return found


# --- timing ----------------------------------------------------------------------------------


class Stopwatch:
    """Accumulates wall time per phase; thread-safe enough for += on floats under the GIL."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.calls[name] = self.calls.get(name, 0) + 1

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def wrap(self, name: str, fn: Callable) -> Callable:
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - start)

        timed.__wrapped__ = fn  # type: ignore[attr-defined]
        return timed

    def wrap_iter(self, name: str, fn: Callable) -> Callable:
        """Time a generator function: the call plus every ``next`` (work done lazily)."""

        def timed(*args, **kwargs):
            start = time.perf_counter()
            it = iter(fn(*args, **kwargs))
            self.add(name, time.perf_counter() - start)
            while True:
                start = time.perf_counter()
                try:
                    value = next(it)
                except StopIteration:
                    self.add(name, time.perf_counter() - start)
                    return
                self.add(name, time.perf_counter() - start)
                yield value

        return timed


@contextlib.contextmanager
def patched(obj: object, name: str, value: object) -> Iterator[None]:
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) without numpy's overhead."""
    data = sorted(values)
    if not data:
        return float("nan")
    pos = (len(data) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def summary_ms(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"p50 {percentile(ms, 50):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms  "
        f"mean {statistics.fmean(ms):7.1f} ms  (n={len(ms)})"
    )


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def pdf_image(doc, xref: int, page=None):
    """An embedded image of an open PyMuPDF document as a full-resolution RGB Pillow image,
    or None when it cannot be decoded: the picture the visual benchmarks photograph or match
    (the engine's own decoder also shrinks it for storage). With ``page``, turned as that page
    shows it (engine.extract.pdf.placed_orientation): a photo is taken of the print, not of
    the pixels as stored."""
    import io

    import pymupdf
    from PIL import Image

    from engine.extract.pdf import placed_orientation

    try:
        pix = pymupdf.Pixmap(doc, xref)
        if pix.n - pix.alpha >= 4:
            pix = pymupdf.Pixmap(pymupdf.csRGB, pix)
        img = Image.open(io.BytesIO(pix.tobytes("png"))).convert("RGB")
    except Exception:
        return None
    turn = placed_orientation(page, xref) if page is not None else None
    return img.transpose(turn) if turn is not None else img
