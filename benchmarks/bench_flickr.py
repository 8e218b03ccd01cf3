"""Image <-> caption retrieval on Flickr8k (../shared/corpus/flickr8k): the paper-style table.

    .venv/bin/python benchmarks/bench_flickr.py [--images 500] [--clip-images 200] [--model M]

Three parts, each labelled with the model behind its numbers:

A. CLIP space, image->text and text->image Recall@1/5/10 per similarity metric (fixed ones,
   and learned ones trained on a train split of (image, caption) pairs, evaluated on held-out
   images), raw and with per-modality mean removal (calibration), plus the modality-gap
   measures between the image and caption clouds. Uses the configured CLIP via engine.encode;
   without weights it falls back to a RANDOM-weights ViT-B-32: chance-level numbers that only
   prove the pipeline.
B. "Unimodal encoders glued together": each aligner maps MiniLM caption embeddings into the
   CLIP image space (trained on the train split), then cosine retrieval. Same CLIP caveat.
C. The part that is meaningful offline, with real MiniLM weights: caption -> other captions of
   the same image, per metric; and aligner recovery (MiniLM(caption 1) -> a randomly rotated
   MiniLM(caption 2..5) space: the aligner must learn the rotation from pairs).

No non-CLIP real image features are available offline (torchvision's pretrained weights need a
download), so there is no real image<->caption number without CLIP weights.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine_line, quiet, random_clip_dir

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "flickr8k"
KS = (1, 5, 10)
FIXED = ("cosine", "dot", "euclidean", "manhattan", "chi2")
LEARNED = ("mlp", "residual")
ALIGNERS = ("procrustes", "lstsq", "mlp", "residual")
RANDOM_NOTE = "random weights: numbers are chance-level, shown only to prove the pipeline"


def main() -> None:
    args = parse_args()
    import torch

    torch.set_num_threads(args.threads)  # the machine is shared with other benchmarks
    quiet()
    folder = Path(args.corpus).resolve()
    if not (folder / "captions.csv").is_file():
        raise SystemExit(f"Flickr8k corpus not found at {folder}: skipping (see corpus README)")
    images, captions = load_captions(folder, args.images)
    print(f"# Flickr8k image<->caption benchmark\n\n{machine_line()}")
    print(f"{len(images)} images x 5 captions; train/test split by image, {args.train:.0%} train")
    started = time.perf_counter()
    text_vecs = encode_captions(captions)
    part_c(text_vecs, args)
    clip, label = load_clip(args)
    n_clip = min(args.clip_images, len(images))
    img_vecs, cap_vecs = encode_clip(clip, folder, images[:n_clip], captions[:n_clip])
    part_a(img_vecs, cap_vecs, label, args)
    part_b(img_vecs, text_vecs[:n_clip], label, args)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", default=str(CORPUS))
    p.add_argument("--images", type=int, default=500, help="images for the MiniLM part (C)")
    p.add_argument("--clip-images", type=int, default=200, help="images for the CLIP parts")
    p.add_argument("--train", type=float, default=0.6, help="train fraction (by image)")
    p.add_argument("--model", default="", help="open_clip model name (default: the configured)")
    p.add_argument("--epochs", type=int, default=30, help="epochs for learned metrics")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


# --- data and models -------------------------------------------------------------------------


def load_captions(folder: Path, limit: int) -> tuple[list[str], list[list[str]]]:
    by_image: dict[str, list[str]] = {}
    with (folder / "captions.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            by_image.setdefault(row["image"], []).append(row["caption"].strip())
    names = [n for n, caps in by_image.items() if len(caps) >= 5 and (folder / n).is_file()]
    names = sorted(names)[:limit]
    return names, [by_image[n][:5] for n in names]


def encode_captions(captions: list[list[str]]) -> np.ndarray:
    """(n_images, 5, d) MiniLM embeddings (real weights, shipped with the project)."""
    from engine.config import Settings
    from engine.encode.text import load_text_encoder

    enc = load_text_encoder(Settings(device="cpu"))
    flat = [c for caps in captions for c in caps]
    t = time.perf_counter()
    vecs = np.asarray(enc.encode(flat))
    print(
        f"text model: {enc.space_id} (real weights), {len(flat)} captions in "
        f"{time.perf_counter() - t:.0f} s"
    )
    return vecs.reshape(len(captions), 5, -1)


def load_clip(args: argparse.Namespace):
    """The configured CLIP, else a clearly labelled random-weights ViT-B-32."""
    from engine.config import Settings
    from engine.encode.clip import ClipEncoder, load_clip_encoder
    from engine.encode.errors import ModelError

    settings = Settings(device="cpu")
    if args.model:
        settings = settings.replace(clip_model=args.model)
    try:
        clip = load_clip_encoder(settings)
        return clip, f"{settings.clip_model}/{settings.clip_pretrained} (real weights)"
    except ModelError as exc:
        print(f"\nCLIP {settings.clip_model}/{settings.clip_pretrained}: {str(exc)[:160]}")
    model = args.model or "ViT-B-32"
    clip = ClipEncoder(model, random_clip_dir(model), device="cpu")
    return clip, f"{model} with RANDOM weights ({RANDOM_NOTE})"


def encode_clip(clip, folder: Path, images: list[str], captions: list[list[str]]):
    from engine.extract.images import load_query_image

    t = time.perf_counter()
    pics = [load_query_image(folder / n, 80_000_000) for n in images]
    img = np.asarray(clip.encode_images(pics, batch_size=16))
    cap = np.asarray(clip.encode_texts([c for caps in captions for c in caps]))
    print(
        f"CLIP: {len(images)} images + {5 * len(images)} captions encoded in "
        f"{time.perf_counter() - t:.0f} s"
    )
    return img, cap.reshape(len(images), 5, -1)


# --- retrieval -------------------------------------------------------------------------------


def split(n: int, train: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    cut = round(train * n)
    return order[:cut], order[cut:]


def recall(scores: np.ndarray, relevant: list[set[int]]) -> dict[int, float]:
    """Hit rate@K from a (queries, gallery) score matrix; higher score = better."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = [
        next(i for i, j in enumerate(row) if j in rel)
        for row, rel in zip(order, relevant, strict=True)
    ]
    return {k: float(np.mean(np.array(ranks) < k)) for k in KS}


def image_caption_recall(score_fn, img: np.ndarray, cap: np.ndarray) -> tuple[dict, dict]:
    """img (n, d_i), cap (n, 5, d_t): image->text (any of its 5) and text->image recall."""
    n = len(img)
    flat = cap.reshape(n * 5, -1)
    i2t = recall(score_fn(img, flat), [set(range(5 * i, 5 * i + 5)) for i in range(n)])
    t2i = recall(score_fn(flat, img), [{j // 5} for j in range(5 * n)])
    return i2t, t2i


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from engine.align.geometry import l2_normalise

    return l2_normalise(a) @ l2_normalise(b).T


def fmt(r: dict[int, float]) -> str:
    return " ".join(f"{r[k]:.3f}" for k in KS)


def metric_fn(name: str, train_q: np.ndarray, train_i: np.ndarray, epochs: int, seed: int):
    from engine.evaluation.similarity import get_metric

    metric = get_metric(name)
    if name in LEARNED:
        metric.fit(train_q, train_i, epochs=epochs, seed=seed)  # type: ignore[attr-defined]
    return metric.score


# --- the three parts -------------------------------------------------------------------------


def part_a(img: np.ndarray, cap: np.ndarray, label: str, args: argparse.Namespace) -> None:
    from engine.align.calibration import ModalityCalibration
    from engine.align.geometry import modality_gap_report

    train, test = split(len(img), args.train, args.seed)
    print(
        f"\n## A. CLIP space: {label}\n{len(train)} train / {len(test)} test images; "
        f"chance R@1 i->t {5 / (5 * len(test)):.3f}, t->i {1 / len(test):.3f}"
    )
    print("\n| metric | image→text R@1 R@5 R@10 | text→image R@1 R@5 R@10 |\n|---|---|---|")
    pairs_i = np.repeat(img[train], 5, axis=0)
    pairs_t = cap[train].reshape(-1, cap.shape[-1])
    for name in (*FIXED, *LEARNED):
        fwd = metric_fn(name, pairs_i, pairs_t, args.epochs, args.seed)
        i2t, _ = image_caption_recall(fwd, img[test], cap[test])
        back = metric_fn(name, pairs_t, pairs_i, args.epochs, args.seed) if name in LEARNED else fwd
        _, t2i = image_caption_recall(back, img[test], cap[test])
        print(f"| {name} | {fmt(i2t)} | {fmt(t2i)} |")
    cal = ModalityCalibration.fit({"image": img[train], "text": pairs_t})

    flat = cap[test].reshape(-1, cap.shape[-1])
    img_c, cap_c = cal.center(img[test], "image"), cal.center(flat, "text")
    i2t, t2i = image_caption_recall(cosine, img_c, cap_c.reshape(len(test), 5, -1))
    print(f"| cosine + mean removal (calibration) | {fmt(i2t)} | {fmt(t2i)} |")
    gap_table(
        {
            "raw": modality_gap_report(img[test], flat),
            "mean removed": modality_gap_report(img_c, cap_c),
        },
        "image vs caption embeddings (test split)",
    )


def part_b(img: np.ndarray, text: np.ndarray, label: str, args: argparse.Namespace) -> None:
    from engine.evaluation.aligners import make_aligner

    train, test = split(len(img), args.train, args.seed)
    print(f"\n## B. Glued unimodal encoders: MiniLM captions → CLIP image space ({label})")
    print("\n| aligner | image→text R@1 R@5 R@10 | text→image R@1 R@5 R@10 |\n|---|---|---|")
    src = text[train].reshape(-1, text.shape[-1])
    tgt = np.repeat(img[train], 5, axis=0)
    for kind in ALIGNERS:
        aligner = make_aligner(kind).fit(src, tgt)
        mapped = aligner.transform(text[test].reshape(-1, text.shape[-1]))
        mapped = mapped.reshape(len(test), 5, -1)
        i2t, t2i = image_caption_recall(cosine, img[test], mapped)
        print(f"| {kind} | {fmt(i2t)} | {fmt(t2i)} |")


def part_c(text: np.ndarray, args: argparse.Namespace) -> None:
    from engine.align.bridge import pair_recall
    from engine.align.geometry import modality_gap_report
    from engine.evaluation.aligners import make_aligner

    train, test = split(len(text), args.train, args.seed)
    print("\n## C. Real weights (MiniLM): caption 1 → the other 4 captions of the same image")
    print(
        f"{len(train)} train / {len(test)} test images; gallery {4 * len(test)} captions; "
        f"chance R@1 {4 / (4 * len(test)):.3f}"
    )
    print("\n| metric | caption→caption R@1 R@5 R@10 |\n|---|---|")
    q = text[test, 0]
    gallery = text[test, 1:].reshape(-1, text.shape[-1])
    rel = [set(range(4 * i, 4 * i + 4)) for i in range(len(test))]
    tq = np.repeat(text[train, 0], 4, axis=0)
    ti = text[train, 1:].reshape(-1, text.shape[-1])
    for name in (*FIXED, *LEARNED):
        fn = metric_fn(name, tq, ti, args.epochs, args.seed)
        print(f"| {name} | {fmt(recall(fn(q, gallery), rel))} |")
    gap_table(
        {"caption 1 vs captions 2-5": modality_gap_report(q, gallery)},
        "a same-modality control: the gap measures should be near their floor",
    )

    # Aligner recovery: the target space is MiniLM turned by a random rotation, so without a
    # learned map retrieval is at chance, and a good aligner recovers the paraphrase recall.
    rot, _ = np.linalg.qr(np.random.default_rng(args.seed).normal(size=(q.shape[1],) * 2))
    src_tr, tgt_tr = tq, ti @ rot
    src_te, tgt_te = text[test, 0], text[test, 1] @ rot
    print("\n| aligner (caption 1 → rotated caption 2) | pair R@1 | pair R@5 |\n|---|---|---|")
    print(f"| none, unrotated (upper reference) | {_pr(pair_recall(src_te, text[test, 1]))} |")
    print(f"| none, rotated (chance) | {_pr(pair_recall(src_te, tgt_te))} |")
    for kind in ALIGNERS:
        aligner = make_aligner(kind).fit(src_tr, tgt_tr)
        print(f"| {kind} | {_pr(pair_recall(aligner.transform(src_te), tgt_te))} |")


def _pr(r: dict[str, float]) -> str:
    return f"{r['recall@1']:.3f} | {r['recall@5']:.3f}"


def gap_table(reports: dict[str, dict[str, float]], title: str) -> None:
    keys = (
        "centroid_gap",
        "gaussian_w2",
        "sliced_wasserstein",
        "linear_separability",
        "cos_between",
    )
    print(f"\nModality gap, {title}:\n\n| | {' | '.join(keys)} |\n|---|{'---|' * len(keys)}")
    for name, rep in reports.items():
        print(f"| {name} | {' | '.join(f'{rep[k]:.3f}' for k in keys)} |")


if __name__ == "__main__":
    main()
