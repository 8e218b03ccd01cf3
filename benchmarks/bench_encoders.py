"""CPU throughput of the CLIP image/text towers and the MiniLM text encoder.

TIMING ONLY: the CLIP architectures are built with ``pretrained=None`` (random weights), which
is fine for speed (the arithmetic is the same) and meaningless for quality. Never use these
models for search. MiniLM uses its real bundled weights.

    .venv/bin/python benchmarks/bench_encoders.py [--threads 2] [--batch 32] [--batches 2]
                                                  [--models ViT-B-32 ...]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from engine.encode.clip import for_inference  # noqa: E402

CLIP_CANDIDATES = ("ViT-B-32", "ViT-B-16", "MobileCLIP-S1", "MobileCLIP-S2", "RN50")
SAMPLE_TEXT = (
    "Electromagnetic relay module with optocoupler isolation, 5 V coil, 10 A contacts, "
    "screw terminals and status LED"
)


def _rate(fn: Callable[[], object], items: int, repeats: int) -> float:
    """Items per second, median of ``repeats`` timed runs after one warm-up run."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return items / statistics.median(times)


def bench_clip(name: str, batch: int, repeats: int) -> dict[str, object]:
    import open_clip
    from open_clip.transform import PreprocessCfg, image_transform_v2

    logging.getLogger().setLevel(logging.ERROR)  # "initialized randomly" is expected here
    model = open_clip.create_model(name, pretrained=None)  # TIMING ONLY: random weights
    model = for_inference(model)  # as deployed: eval + MobileCLIP branch fusion
    tokenizer = open_clip.get_tokenizer(name)
    transform = image_transform_v2(PreprocessCfg(**model.visual.preprocess_cfg), is_train=False)
    size = model.visual.preprocess_cfg["size"]
    size = size if isinstance(size, int) else size[0]
    images = torch.randn(batch, 3, size, size)
    tokens = tokenizer([SAMPLE_TEXT] * batch)
    params = sum(p.numel() for p in model.parameters()) / 1e6
    photo = Image.fromarray(np.random.randint(0, 255, (1200, 1600, 3), dtype=np.uint8))
    with torch.inference_mode():
        img_rate = _rate(lambda: model.encode_image(images), batch, repeats)
        txt_rate = _rate(lambda: model.encode_text(tokens), batch, repeats)
    prep_rate = _rate(lambda: transform(photo), 1, 5)
    return {
        "model": name,
        "params_m": params,
        "image_size": size,
        "images_s": img_rate,
        "texts_s": txt_rate,
        "preprocess_s": prep_rate,
    }


def bench_minilm(batch: int, repeats: int) -> dict[str, object]:
    from engine.config import Settings
    from engine.encode.text import load_text_encoder

    enc = load_text_encoder(Settings(device="cpu"))
    texts = [SAMPLE_TEXT] * batch
    rate = _rate(lambda: enc.encode(texts), batch, repeats)
    params = sum(p.numel() for p in enc._ensure_loaded().parameters()) / 1e6
    return {"model": enc.space_id, "params_m": params, "texts_s": rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=2, help="timed batches per figure")
    parser.add_argument("--models", nargs="*", default=list(CLIP_CANDIDATES))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import open_clip

    available = [m for m in args.models if m in open_clip.list_models()]
    print(f"torch {torch.__version__}, open_clip {open_clip.__version__}, threads={args.threads}")
    print(f"batch={args.batch}; CLIP weights RANDOM (timing only)\n")
    header = f"{'model':<16}{'params M':>9}{'px':>5}{'images/s':>10}{'texts/s':>10}{'prep/s':>8}"
    print(header)
    print("-" * len(header))
    for name in available:
        r = bench_clip(name, args.batch, args.batches)
        print(
            f"{r['model']:<16}{r['params_m']:>9.1f}{r['image_size']:>5}"
            f"{r['images_s']:>10.1f}{r['texts_s']:>10.1f}{r['preprocess_s']:>8.1f}",
            flush=True,
        )
    m = bench_minilm(args.batch, max(3, args.batches))
    dash = "-"
    print(
        f"{'MiniLM-L6 (real)':<16}{m['params_m']:>9.1f}{dash:>5}{dash:>10}"
        f"{m['texts_s']:>10.1f}{dash:>8}"
    )
    print("\nprep/s: one 1600x1200 photo through the eval transform on one thread.")


if __name__ == "__main__":
    main()
