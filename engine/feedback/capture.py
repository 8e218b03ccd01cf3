"""A query photo → its QueryFeatures (what a stored example keeps instead of the photo), and
the small copy kept only when the user allows it."""

from __future__ import annotations

import hashlib
import io

from PIL import Image

from engine.imaging import query_view
from engine.query_features import QueryFeatures
from engine.search import Searcher

KEPT_IMAGE_SIDE = 256  # a thumbnail for the examples list, not a copy of the photo
KEPT_IMAGE_QUALITY = 80


def photo_features(searcher: Searcher, image: Image.Image) -> QueryFeatures:
    """Everything the image signals read from ``image``: the image-encoder vector (when CLIP
    is installed), the local features for exact visual match, and the text OCR reads (when
    OCR is on). Taken whatever signals are on now, so a signal switched on later can still be
    evaluated on the example."""
    from engine.signals.visual.features import extract_features  # OpenCV: when used

    clip = searcher.encoders.clip()
    vectors = {}
    if clip is not None:
        vectors[clip.space_id] = clip.encode_images([query_view(image)])[0]
    visual = extract_features(image)
    ocr = searcher.ocr()
    lines: tuple[tuple[str, float], ...] = ()
    if ocr is not None:
        read = ocr.read(image)
        lines = tuple((line.text, line.confidence) for line in read.lines) if read.had_text else ()
    return QueryFeatures(
        vectors, visual.to_bytes() if len(visual) else None, lines, ocr is not None
    )


def photo_key(image: Image.Image) -> str:
    """The same photo confirmed twice is one query (its examples are grouped by this)."""
    digest = hashlib.sha1(image.convert("RGB").tobytes(), usedforsecurity=False)
    return "p:" + digest.hexdigest()[:20]


def text_key(text: str) -> str:
    normal = " ".join(text.casefold().split())
    return "t:" + hashlib.sha1(normal.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]


def features_key(features: QueryFeatures) -> str:
    """A photo query known only by its stored features (confirmed again from an example)."""
    digest = hashlib.sha1(usedforsecurity=False)
    for space in sorted(features.vectors):
        digest.update(space.encode("utf-8") + features.vectors[space].tobytes())
    digest.update(features.visual or b"")
    return "p:" + digest.hexdigest()[:20]


def small_copy(image: Image.Image) -> bytes:
    """A small JPEG of the query photo, for a user who allowed keeping copies."""
    copy = image.convert("RGB")
    copy.thumbnail((KEPT_IMAGE_SIDE, KEPT_IMAGE_SIDE))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=KEPT_IMAGE_QUALITY)
    return out.getvalue()
