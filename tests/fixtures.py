"""Fixture generators shared by the test suite: PDFs, photos and deliberately broken files.

Everything is generated into a folder the test owns (``tmp_path``); nothing is downloaded and
no real-world documents are used. All generators are deterministic for a given ``seed``.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image, ImageDraw

JAPANESE_SAMPLE = "温度センサの測定範囲はマイナス四十度から百二十五度です。精度は０．５度です。"
ENGLISH_SAMPLE = "The relay module SRD-05VDC-SL-C switches up to 10 A at 250 V AC."


def pattern_image(size: tuple[int, int] = (200, 150), seed: int = 0) -> Image.Image:
    """A deterministic, seed-specific textured RGB image (distinct seeds give distinct pixels)."""
    rng = np.random.default_rng(seed)
    width, height = size
    base = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    img = Image.fromarray(base).resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x0, y0 = int(rng.integers(0, width // 2)), int(rng.integers(0, height // 2))
        x1, y1 = x0 + int(rng.integers(10, width // 2)), y0 + int(rng.integers(10, height // 2))
        draw.rectangle((x0, y0, x1, y1), fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    return img


@dataclass
class PageSpec:
    """One fixture page: text lines (``fontname='japan'`` for Japanese) and placed images."""

    text: str = ""
    fontname: str = "helv"
    images: list[Image.Image] = field(default_factory=list)
    image_mode: str = "RGB"  # convert images to this mode first: "RGB", "CMYK", "L", "RGBA"


def make_pdf(
    path: Path,
    pages: Sequence[str | PageSpec] = ("Hello PDF",),
    *,
    user_password: str | None = None,
    page_size: tuple[float, float] = (595, 842),
) -> Path:
    """Write a PDF with one page per entry; a ``str`` entry is an English text page."""
    doc = pymupdf.open()
    for spec in pages:
        spec = PageSpec(text=spec) if isinstance(spec, str) else spec
        page = doc.new_page(width=page_size[0], height=page_size[1])
        _fill_page(page, spec)
    options: dict[str, object] = {"garbage": 4, "deflate": True}
    if user_password is not None:
        options.update(
            encryption=pymupdf.PDF_ENCRYPT_AES_256,
            user_pw=user_password,
            owner_pw=user_password + "-owner",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path, **options)
    doc.close()
    return path


def _fill_page(page: pymupdf.Page, spec: PageSpec) -> None:
    y = 72.0
    for line in spec.text.splitlines():
        if line.strip():
            page.insert_text((72, y), line, fontname=spec.fontname, fontsize=11)
        y += 16
    top = max(y + 20, 100.0)
    for i, img in enumerate(spec.images):
        data = _encode_for_pdf(img, spec.image_mode)
        rect = pymupdf.Rect(72 + (i % 2) * 230, top, 72 + (i % 2) * 230 + 200, top + 150)
        page.insert_image(rect, stream=data)
        if i % 2:
            top += 170


def _encode_for_pdf(img: Image.Image, mode: str) -> bytes:
    out = io.BytesIO()
    converted = img.convert(mode)
    # JPEG for CMYK (kept as a DeviceCMYK DCT image in the PDF), PNG otherwise (alpha survives).
    converted.save(out, format="JPEG" if mode == "CMYK" else "PNG")
    return out.getvalue()


def make_photo(
    path: Path,
    size: tuple[int, int] = (320, 240),
    *,
    seed: int = 0,
    fmt: str | None = None,
    text: str | None = None,
    exif_orientation: int | None = None,
    mode: str = "RGB",
) -> Path:
    """Write a textured photo; format from ``fmt`` or the suffix (so ``fmt`` can lie)."""
    img = pattern_image(size, seed)
    if text:
        ImageDraw.Draw(img).text((10, 10), text, fill=(0, 0, 0))
    img = img.convert(mode)
    fmt = fmt or _FORMATS[path.suffix.lower()]
    kwargs: dict[str, object] = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format=fmt, **kwargs)
    return path


_FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
    ".gif": "GIF",
}


def make_gif_animation(
    path: Path, colors: Sequence[tuple[int, int, int]], size: tuple[int, int] = (64, 48)
) -> Path:
    """An animated GIF whose frame *i* is a solid ``colors[i]``."""
    frames = [Image.new("RGB", size, c) for c in colors]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return path


def make_multipage_tiff(
    path: Path, colors: Sequence[tuple[int, int, int]], size: tuple[int, int] = (64, 48)
) -> Path:
    frames = [Image.new("RGB", size, c) for c in colors]
    frames[0].save(path, format="TIFF", save_all=True, append_images=frames[1:])
    return path


def make_bomb_png(path: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)
    path.write_bytes(data + _png_chunk(b"IEND", b""))
    return path


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def make_truncated(source: Path, dest: Path, keep: float = 0.5) -> Path:
    """Copy the first ``keep`` share of ``source`` to ``dest`` (an interrupted download)."""
    data = source.read_bytes()
    dest.write_bytes(data[: max(1, int(len(data) * keep))])
    return dest


def make_zero_byte(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def make_text_file(path: Path, text: str = "this is not an image, just text\n") -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def make_stencil_mask_pdf(path: Path, size: tuple[int, int] = (200, 150)) -> Path:
    """A page holding one /ImageMask image (1-bit, no colour space), as converted drawings do."""
    mask = Image.new("1", size, 1)
    ImageDraw.Draw(mask).rectangle((20, 20, size[0] // 2, size[1] // 2), fill=0)
    buf = io.BytesIO()
    mask.save(buf, format="PNG")
    doc = pymupdf.open()
    page = doc.new_page()
    xref = page.insert_image(pymupdf.Rect(50, 50, 250, 200), stream=buf.getvalue())
    doc.xref_set_key(xref, "ColorSpace", "null")
    doc.xref_set_key(xref, "ImageMask", "true")
    doc.save(path)
    doc.close()
    return path


def build_docs(root: Path) -> Path:
    """Two PDFs and two photos: enough for text, image and "similar" searches."""
    root.mkdir(parents=True, exist_ok=True)
    make_pdf(
        root / "relay.pdf",
        [
            PageSpec(
                text="SRD-05VDC-SL-C relay module datasheet. Coil voltage 5 V.",
                images=[pattern_image((200, 150), seed=7)],
            ),
            PageSpec(text="Electromagnetic relay contact ratings and wiring diagram."),
        ],
    )
    make_pdf(root / "sensor.pdf", [PageSpec(text="Thermocouple amplifier MCP9600 with I2C.")])
    make_photo(root / "photos" / "board.jpg", seed=3)
    make_photo(root / "photos" / "part.png", seed=4)
    return root


def build_paragraphs_and_a_photo(root: Path) -> Path:
    """Enough paragraphs for the text bridge (~100 words a page: two chunks each, 24 in all;
    the bridge needs at least 16) and a photo to query with."""
    words = ["relay", "coil", "contact", "voltage", "current"]
    words += ["sensor", "board", "module", "driver", "motor"]
    pages = [
        "\n".join(
            " ".join(words[(n + k) % 10] for k in range(12)) + f" line {n}.{j}" for j in range(8)
        )
        for n in range(12)
    ]
    make_pdf(root / "long.pdf", pages)
    make_photo(root / "board.png", seed=9)
    return root


def release_readers(fifo: Path) -> None:
    """Unblock a reader stuck in ``open(fifo)``: a writer that opens and closes at once gives
    it end-of-file."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
