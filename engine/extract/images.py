"""Open photos (and query images) safely: bounded memory, upright, RGB.

Every image goes through :func:`_decode`: the header is read first and the pixel count
checked *before* any decoding, so a crafted file claiming 100000 x 100000 pixels costs nothing.
Large but legal images are decoded at reduced scale where the format allows (JPEG ``draft``)
and then shrunk to ``WORKING_SIDE`` so downstream stages never hold huge bitmaps.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from engine.config import Settings
from engine.extract import ExtractError
from engine.extract.opening import open_regular
from engine.types import ExtractedFile, ExtractedItem, FileEntry, ItemKind

# Long side of the working copy: enough for CLIP (224 px), OCR of printed labels and
# exact visual matching, while a 24-megapixel photo shrinks from ~72 MB to ~9 MB in memory.
WORKING_SIDE = 2048
THUMBNAIL_SIDE = 256
_WANTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "BMP", "GIF")
Image.init()  # register every plugin so the filter below sees what this Pillow build can read
SUPPORTED_FORMATS = tuple(f for f in _WANTED_FORMATS if f in Image.OPEN)
_FORMAT_NAMES = "JPEG, PNG, WebP, TIFF, BMP or GIF"
_BOMB_REASON = (
    "image too large: its header claims hundreds of millions of pixels "
    "(possible decompression bomb)"
)


def open_image_safely(
    path: Path | str, max_pixels: int, *, max_side: int = WORKING_SIDE
) -> Image.Image:
    """Decode ``path`` as an upright RGB image no larger than ``max_side`` on its long side.

    Raises :class:`ExtractError` with a human reason for a non-image, a truncated or damaged
    file, a decompression bomb (more than ``max_pixels`` pixels) or an unreadable file.
    """
    with open_regular(path) as f:
        try:
            return _decode(f, max_pixels, max_side)
        except OSError as exc:
            raise ExtractError(f"file could not be read ({exc.strerror or exc})") from None


def load_query_image(
    source: Path | str | bytes, max_pixels: int, *, max_side: int = WORKING_SIDE
) -> Image.Image:
    """Like :func:`open_image_safely` for a search query: a path or the raw bytes of a drop."""
    if isinstance(source, bytes):
        if not source:
            raise ExtractError("empty image data")
        return _decode(io.BytesIO(source), max_pixels, max_side)
    if not os.path.lexists(source):
        # Not "no longer exists" (an indexed file that went away): this one never did here.
        raise ExtractError("does not exist")
    return open_image_safely(source, max_pixels, max_side=max_side)


def make_thumbnail(img: Image.Image, size: int = THUMBNAIL_SIDE) -> bytes:
    """A small JPEG of ``img`` (long side ``size``) for result lists."""
    thumb = img.convert("RGB") if img.mode != "RGB" else img.copy()
    thumb.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()


def extract_photo(entry: FileEntry, settings: Settings) -> ExtractedFile:
    """One PHOTO item (upright RGB image + thumbnail) for a standalone image file."""
    img = open_image_safely(entry.path, settings.max_image_pixels)
    item = ExtractedItem(kind=ItemKind.PHOTO, image=img, thumbnail=make_thumbnail(img))
    return ExtractedFile(entry=entry, items=[item], page_count=0)


def _decode(stream: BinaryIO, max_pixels: int, max_side: int) -> Image.Image:
    with warnings.catch_warnings():
        # Pillow's own bomb check uses a process-wide limit; ours (max_pixels) is applied below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(stream, formats=SUPPORTED_FORMATS)
        except UnidentifiedImageError:
            raise ExtractError(f"not an image (content is not {_FORMAT_NAMES})") from None
        except Image.DecompressionBombError:
            raise ExtractError(_BOMB_REASON) from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ExtractError(f"damaged image header ({exc})") from None
        with img:
            _check_size(img, max_pixels)
            return _load_upright_rgb(img, max_side)


def _check_size(img: Image.Image, max_pixels: int) -> None:
    width, height = img.size
    if width <= 0 or height <= 0:
        raise ExtractError(f"invalid image dimensions {width}x{height}")
    if width * height > max_pixels:
        raise ExtractError(
            f"image too large: {width}x{height} pixels exceeds the limit of {max_pixels:,} "
            "(possible decompression bomb)"
        )


def _load_upright_rgb(img: Image.Image, max_side: int) -> Image.Image:
    # Multi-frame GIF/TIFF: the first frame stands for the file (already current after open).
    if max(img.size) > max_side:
        img.draft("RGB", _scaled(img.size, max_side))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
    try:
        img.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        if "truncated" in str(exc).lower():
            raise ExtractError("image file is truncated (incomplete download or copy)") from None
        raise ExtractError(f"image data is damaged ({exc})") from None
    except Image.DecompressionBombError:
        raise ExtractError(_BOMB_REASON) from None
    try:
        upright = ImageOps.exif_transpose(img) or img
    except Exception:
        upright = img  # broken EXIF must not lose the picture; orientation is a nicety
    rgb = _to_rgb(upright)
    if max(rgb.size) > max_side:
        rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return rgb


def _scaled(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    width, height = size
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB on a white background, whatever the source mode (palette, alpha, CMYK, 16-bit)."""
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        img = _stretch_to_8bit(img)
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "RGBa", "La", "PA"):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return img.convert("RGB")


def _stretch_to_8bit(img: Image.Image) -> Image.Image:
    # 16-bit/float scans would clip to white with a plain convert; stretch the real range.
    arr = np.asarray(img, dtype=np.float32)
    lo, hi = float(arr.min()), float(arr.max())
    scaled = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
    return Image.fromarray(scaled.clip(0, 255).astype(np.uint8))
