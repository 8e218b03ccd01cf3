"""Train the RootSIFT PCA projection that engine/signals/visual/compact.py ships
(engine/signals/visual/rootsift_pca.npz): SIFT descriptors of photos (photos/, flickr8k/) and of
PDF pages rendered as the indexer renders them for features (150 dpi, 1,600 px, 2,000 spread
keypoints), up to PER_ITEM per image or page.

    .venv/bin/python benchmarks/train_rootsift_pca.py [--out engine/signals/visual/rootsift_pca.npz]

Run once; a new projection changes the stored form of every library's features, so it goes
with an EXTRACTOR_VERSION bump (engine/extract/__init__.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.signals.visual.compact import PCA_FILE, explained_variance, fit_projection
from engine.signals.visual.features import PAGE_MAX_SIDE, PAGE_N_FEATURES, extract_features

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PER_ITEM = 300
PHOTOS = 120  # of flickr8k, beside all of photos/
PDF_PAGES = 6  # first pages of each training PDF
# The last PDFs of two folders (the distortion benchmark draws its 8 at random from all).
PDFS = (("ic-datasheets", 6), ("datasheets", 4), ("ja-docs", 4))


def _sample(desc: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if len(desc) > PER_ITEM:
        desc = desc[rng.choice(len(desc), PER_ITEM, replace=False)]
    return desc


def photo_descriptors(rng: np.random.Generator) -> list[np.ndarray]:
    paths = sorted((CORPUS / "photos").glob("*.*"))
    paths += sorted((CORPUS / "flickr8k").rglob("*.jpg"))[:PHOTOS]
    out = []
    for path in paths:
        with Image.open(path) as img:
            out.append(_sample(extract_features(img, method="sift").descriptors, rng))
    return out


def page_descriptors(rng: np.random.Generator) -> list[np.ndarray]:
    import pymupdf

    out = []
    for folder, count in PDFS:
        for pdf in sorted((CORPUS / folder).glob("*.pdf"))[-count:]:
            with pymupdf.open(pdf) as doc:
                for page in list(doc)[:PDF_PAGES]:
                    pix = page.get_pixmap(dpi=150, alpha=False)
                    img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
                    feats = extract_features(
                        img, PAGE_MAX_SIDE, PAGE_N_FEATURES, method="sift", spread=True
                    )
                    out.append(_sample(feats.descriptors, rng))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PCA_FILE)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    photos, pages = photo_descriptors(rng), page_descriptors(rng)
    sift = np.concatenate(photos + pages)
    p = fit_projection(sift)
    print(
        f"{len(photos)} photos, {len(pages)} pages, {len(sift)} descriptors; "
        f"the projection keeps {explained_variance(sift, p):.3f} of the RootSIFT variance"
    )
    np.savez(args.out, mean=p.mean, components=p.components, step=p.step)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
