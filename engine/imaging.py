"""The one place that decides what pixels an image encoder sees.

Indexing and querying must feed the encoder identically, and deferred encoding (weights
installed after indexing) reads the stored thumbnail: so every visual item is encoded *from its
thumbnail*, padded to a square so a whole page (not a centre crop of it) reaches the model.
"""

from __future__ import annotations

import io

from PIL import Image

from engine.extract.images import make_thumbnail

PAD_COLOUR = (255, 255, 255)


def decode_image(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGB")


def pad_square(img: Image.Image) -> Image.Image:
    """Letterbox onto a white square: keeps the whole page or photo in view of the encoder."""
    w, h = img.size
    if w == h:
        return img
    side = max(w, h)
    canvas = Image.new("RGB", (side, side), PAD_COLOUR)
    canvas.paste(img, ((side - w) // 2, (side - h) // 2))
    return canvas


def encoder_view(thumbnail_jpeg: bytes) -> Image.Image:
    """The exact image an encoder sees for an item or a query."""
    return pad_square(decode_image(thumbnail_jpeg))


def query_view(img: Image.Image) -> Image.Image:
    """A query image through the same thumbnail step as every indexed item."""
    return encoder_view(make_thumbnail(img))
