"""Extraction: PDF pages/chunks/images, photos of every format, and every kind of bad input."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.config import Settings
from engine.crawl import file_type_for
from engine.extract import (
    ExtractError,
    extract_file,
    extract_pdf,
    iter_file_items,
    iter_pdf_pages,
    load_query_image,
    make_thumbnail,
    open_image_safely,
    pdf_page_count,
    sniff_file_type,
)
from engine.extract.chunking import chunk_text, normalize_text
from engine.extract.pdf import FEATURE_MAX_SIDE, display_orientation, placed_orientation
from engine.types import Cancelled, ExtractedFile, FileEntry, FileType, ItemKind
from tests.fixtures import (
    ENGLISH_SAMPLE,
    JAPANESE_SAMPLE,
    PageSpec,
    make_bomb_png,
    make_gif_animation,
    make_multipage_tiff,
    make_pdf,
    make_photo,
    make_stencil_mask_pdf,
    make_text_file,
    make_truncated,
    make_zero_byte,
    pattern_image,
)

SETTINGS = Settings()


def entry_for(path: Path) -> FileEntry:
    st = path.stat()
    return FileEntry(path, st.st_size, st.st_mtime_ns, file_type_for(path) or FileType.IMAGE)


def extract(path: Path, settings: Settings = SETTINGS) -> ExtractedFile:
    return extract_file(entry_for(path), settings)


def reason_for(path: Path, settings: Settings = SETTINGS) -> str:
    with pytest.raises(ExtractError) as info:
        extract(path, settings)
    return info.value.reason


def is_jpeg(data: bytes | None) -> bool:
    return data is not None and data[:3] == b"\xff\xd8\xff"


# --- PDF -------------------------------------------------------------------------------


def test_text_pdf_gives_page_renders_and_chunks(tmp_path: Path) -> None:
    long_text = "\n".join(f"Line {i}: {ENGLISH_SAMPLE}" for i in range(30))
    pdf = make_pdf(tmp_path / "manual.pdf", [long_text, "Second page about wiring."])
    result = extract(pdf)
    assert result.page_count == 2
    assert result.warnings == []
    pages = [i for i in result.items if i.kind is ItemKind.PAGE]
    assert [p.page for p in pages] == [1, 2]
    for p in pages:
        assert p.image is not None and p.image.mode == "RGB"
        assert max(p.image.size) <= 1024
        assert is_jpeg(p.thumbnail)
    chunks = [i for i in result.items if i.kind is ItemKind.CHUNK]
    page1 = [c for c in chunks if c.page == 1]
    assert len(page1) > 1  # 30 lines of ~15 words do not fit one 60-word chunk
    assert all(len(c.text.split()) <= SETTINGS.chunk_words for c in page1)
    assert "SRD-05VDC-SL-C" in " ".join(c.text for c in page1)
    assert [c.text for c in chunks if c.page == 2] == ["Second page about wiring."]


def test_render_respects_dpi_and_caps_long_side(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "a.pdf", ["x"], page_size=(400, 300))
    page = next(i for i in extract(pdf).items if i.kind is ItemKind.PAGE)
    assert page.image is not None and page.image.size == (400, 300)  # 72 dpi: 1 px per point
    hi = Settings(render_dpi=300)
    page = next(i for i in extract(pdf, hi).items if i.kind is ItemKind.PAGE)
    assert page.image is not None and page.image.size == (1024, 768)


def test_image_only_page_still_gets_a_page_item(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "scan.pdf", [PageSpec(images=[pattern_image(seed=3)])])
    result = extract(pdf)
    kinds = [i.kind for i in result.items]
    assert kinds == [ItemKind.PAGE, ItemKind.IMAGE]


def test_blank_page_without_text_layer_keeps_its_page_item(tmp_path: Path) -> None:
    result = extract(make_pdf(tmp_path / "blank.pdf", [""]))
    assert [(i.kind, i.page) for i in result.items] == [(ItemKind.PAGE, 1)]


def test_embedded_images_deduplicated_with_bbox(tmp_path: Path) -> None:
    a, b = pattern_image((240, 160), seed=1), pattern_image((240, 160), seed=2)
    pdf = make_pdf(
        tmp_path / "imgs.pdf",
        [PageSpec(text="two images", images=[a, b]), PageSpec(text="again", images=[a.copy()])],
    )
    result = extract(pdf)
    images = [i for i in result.items if i.kind is ItemKind.IMAGE]
    assert [i.page for i in images] == [1, 1]  # page 2 repeats image a: stored once
    assert len({i.digest for i in images}) == 2
    for img in images:
        assert img.image is not None and img.image.size == (240, 160)
        assert is_jpeg(img.thumbnail)
        assert img.bbox is not None
        x0, y0, x1, y1 = img.bbox
        assert 0 <= x0 < x1 <= 595 and 0 <= y0 < y1 <= 842
    # same pixel size twice on page 1: placements resolved per image, left and right column
    assert sorted(round(i.bbox[0]) for i in images if i.bbox) == [72, 302]
    # the decoded pixels are the inserted ones (PNG is lossless)
    first = np.asarray(images[0].image, dtype=np.int16)
    assert np.abs(first - np.asarray(a, dtype=np.int16)).max() <= 1


def test_large_embedded_image_is_downscaled(tmp_path: Path) -> None:
    wide = pattern_image((2600, 400), seed=8).convert("RGBA")  # alpha: a soft mask in the PDF
    pdf = make_pdf(tmp_path / "wide.pdf", [PageSpec(images=[wide], image_mode="RGBA")])
    (item,) = [i for i in extract(pdf).items if i.kind is ItemKind.IMAGE]
    assert item.image is not None and max(item.image.size) <= 1024
    assert abs(item.image.size[0] / item.image.size[1] - 6.5) < 0.1


def test_small_embedded_images_are_ignored(tmp_path: Path) -> None:
    icon = pattern_image((40, 40), seed=5)
    pdf = make_pdf(tmp_path / "icons.pdf", [PageSpec(text="icon", images=[icon])])
    assert [i.kind for i in extract(pdf).items] == [ItemKind.PAGE, ItemKind.CHUNK]
    tiny_min = Settings(min_embedded_image_px=16)
    assert ItemKind.IMAGE in [i.kind for i in extract(pdf, tiny_min).items]


@pytest.mark.parametrize("mode", ["CMYK", "L", "RGBA"])
def test_embedded_images_in_odd_colorspaces_decode_to_rgb(tmp_path: Path, mode: str) -> None:
    img = pattern_image((200, 150), seed=7)
    pdf = make_pdf(tmp_path / f"{mode}.pdf", [PageSpec(images=[img], image_mode=mode)])
    result = extract(pdf)
    assert result.warnings == []
    (item,) = [i for i in result.items if i.kind is ItemKind.IMAGE]
    assert item.image is not None and item.image.mode == "RGB"
    assert item.image.size == (200, 150)
    assert item.bbox == pytest.approx((72, 100, 272, 250), abs=0.5)
    got = np.asarray(item.image, dtype=np.float32).mean()
    want = np.asarray(img.convert(mode).convert("RGB"), dtype=np.float32).mean()
    assert abs(got - want) < 12  # same picture, not black or inverted (CMYK pitfalls)


def test_stencil_masks_are_left_to_the_page_render(tmp_path: Path) -> None:
    pdf = make_stencil_mask_pdf(tmp_path / "stencil.pdf")
    result = extract(pdf)
    assert result.warnings == []
    assert [i.kind for i in result.items] == [ItemKind.PAGE]


def test_full_page_scan_image_is_not_duplicated(tmp_path: Path) -> None:
    import pymupdf

    path = tmp_path / "scanned.pdf"
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=300)
    buf = io.BytesIO()
    pattern_image((800, 600), seed=9).save(buf, format="PNG")
    page.insert_image(page.rect, stream=buf.getvalue())
    doc.save(path)
    result = extract(path)
    assert [i.kind for i in result.items] == [ItemKind.PAGE]


def test_japanese_text_is_extracted_and_chunked_by_characters(tmp_path: Path) -> None:
    text = "\n".join([JAPANESE_SAMPLE] * 12)
    pdf = make_pdf(tmp_path / "ja.pdf", [PageSpec(text=text, fontname="japan")])
    chunks = [i for i in extract(pdf).items if i.kind is ItemKind.CHUNK]
    assert len(chunks) > 1
    assert "温度センサ" in chunks[0].text
    assert all(" " not in c.text for c in chunks)  # wrapped CJK lines join without spaces
    assert all(len(c.text) <= 2 * SETTINGS.chunk_words for c in chunks)


def test_iter_pdf_pages_streams_one_list_per_page(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "three.pdf", ["one", "two", "three"])
    warnings: list[str] = []
    pages = list(iter_pdf_pages(entry_for(pdf), SETTINGS, warnings=warnings))
    assert [[i.page for i in items] for items in pages] == [[1, 1], [2, 2], [3, 3]]
    assert [items[1].text for items in pages] == ["one", "two", "three"]
    assert warnings == []
    assert pdf_page_count(pdf) == 3


def test_cancel_stops_between_pages(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "three.pdf", ["one", "two", "three"])
    asked = 0

    def cancel() -> bool:
        nonlocal asked
        asked += 1
        return asked > 1

    pages = iter_pdf_pages(entry_for(pdf), SETTINGS, cancel)
    assert next(pages)[0].page == 1
    with pytest.raises(Cancelled):
        next(pages)
    with pytest.raises(Cancelled):
        extract_pdf(entry_for(pdf), SETTINGS, lambda: True)


def test_encrypted_pdf_is_refused_eagerly(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "secret.pdf", ["confidential"], user_password="s3cret")
    assert reason_for(pdf) == "encrypted (password-protected) PDF"
    with pytest.raises(ExtractError, match="encrypted"):
        iter_pdf_pages(entry_for(pdf), SETTINGS)  # raised by the call, before iterating
    with pytest.raises(ExtractError, match="encrypted"):
        pdf_page_count(pdf)


def test_zero_byte_and_non_pdf_files_are_refused(tmp_path: Path) -> None:
    assert reason_for(make_zero_byte(tmp_path / "empty.pdf")) == "empty file (0 bytes)"
    fake = make_text_file(tmp_path / "fake.pdf", "hello, not a pdf")
    assert reason_for(fake) == "not a PDF (no PDF header at the start of the file)"


def test_pdf_missing_its_cross_reference_table_is_repaired_with_a_warning(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "full.pdf", [ENGLISH_SAMPLE, "page two", "page three"])
    data = pdf.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: data.rfind(b"xref")])  # download interrupted just before the end
    result = extract(cut)
    assert result.warnings[0] == (
        "the PDF is damaged (repaired on opening): some content may be missing"
    )
    assert [i.page for i in result.items if i.kind is ItemKind.PAGE] == [1, 2, 3]
    assert "SRD-05VDC-SL-C" in " ".join(i.text for i in result.items)


def test_pdf_cut_short_or_garbled_is_refused(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "full.pdf", [ENGLISH_SAMPLE, "page two", "page three"])
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(pdf.read_bytes()[:20])
    assert reason_for(cut) == "damaged or truncated PDF, cannot be opened"
    garbled = tmp_path / "garbled.pdf"
    garbled.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    assert reason_for(garbled) == "damaged or truncated PDF, cannot be opened"


def test_missing_file_is_reported(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "gone.pdf")
    entry = entry_for(pdf)
    pdf.unlink()
    with pytest.raises(ExtractError, match="no longer exists"):
        extract_file(entry, SETTINGS)


def test_files_with_non_utf8_names_extract(tmp_path: Path) -> None:
    import os

    pdf = make_pdf(tmp_path / "src.pdf", ["odd name"])
    photo = make_photo(tmp_path / "src.png")
    odd_pdf = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"\xe9t\xe9.pdf")))
    odd_png = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"\xff.png")))
    try:
        shutil.copy(pdf, odd_pdf)
        shutil.copy(photo, odd_png)
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses non-UTF-8 names")
    assert [i.text for i in extract(odd_pdf).items if i.kind is ItemKind.CHUNK] == ["odd name"]
    assert pdf_page_count(odd_pdf) == 1
    assert extract(odd_png).items[0].image is not None


# --- photos ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".tif", ".bmp", ".gif"])
def test_photo_formats(tmp_path: Path, suffix: str) -> None:
    photo = make_photo(tmp_path / f"board{suffix}", (320, 240), seed=4)
    result = extract(photo)
    (item,) = result.items
    assert item.kind is ItemKind.PHOTO and item.page is None
    assert item.image is not None and item.image.mode == "RGB" and item.image.size == (320, 240)
    assert is_jpeg(item.thumbnail)
    assert result.warnings == []


def test_exif_rotation_is_applied(tmp_path: Path) -> None:
    img = Image.new("RGB", (320, 240), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 160, 240))  # left half red, right half blue
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    img.save(path, exif=exif.tobytes(), quality=95)
    upright = open_image_safely(path, SETTINGS.max_image_pixels)
    assert upright.size == (240, 320)
    top, bottom = upright.getpixel((120, 20)), upright.getpixel((120, 300))
    assert top[0] > 200 and top[2] < 60  # the red half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_gif_animation_and_multipage_tiff_use_first_frame(tmp_path: Path) -> None:
    gif = make_gif_animation(tmp_path / "anim.gif", [(255, 0, 0), (0, 255, 0), (0, 0, 255)])
    tif = make_multipage_tiff(tmp_path / "pages.tif", [(0, 0, 255), (0, 255, 0)])
    assert open_image_safely(gif, 10**6).getpixel((5, 5)) == (255, 0, 0)
    assert open_image_safely(tif, 10**6).getpixel((5, 5)) == (0, 0, 255)


def test_wrong_extension_is_read_by_content(tmp_path: Path) -> None:
    png = make_photo(tmp_path / "real.png")
    shutil.copy(png, tmp_path / "named.jpg")
    assert sniff_file_type(tmp_path / "named.jpg") is FileType.IMAGE
    assert extract(tmp_path / "named.jpg").items[0].image is not None
    pdf = make_pdf(tmp_path / "doc.pdf", ["pdf in disguise"])
    disguised = tmp_path / "doc.png"
    shutil.copy(pdf, disguised)
    assert sniff_file_type(disguised) is FileType.PDF
    kinds = [i.kind for i in extract(disguised).items]
    assert kinds == [ItemKind.PAGE, ItemKind.CHUNK]


def test_iter_file_items_streams_by_content_type(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "two.pdf", ["first", "second"])
    disguised = tmp_path / "two.jpg"
    shutil.copy(pdf, disguised)
    entry = entry_for(disguised)
    assert entry.file_type is FileType.IMAGE  # the name says image, the content says PDF
    pages = list(iter_file_items(entry, SETTINGS))
    assert [[i.kind for i in items] for items in pages] == [[ItemKind.PAGE, ItemKind.CHUNK]] * 2
    photo = list(iter_file_items(entry_for(make_photo(tmp_path / "p.bmp")), SETTINGS))
    assert [[i.kind for i in items] for items in photo] == [[ItemKind.PHOTO]]
    with pytest.raises(ExtractError, match="encrypted"):
        iter_file_items(entry_for(make_pdf(tmp_path / "e.pdf", user_password="x")), SETTINGS)


def test_concurrent_extraction_matches_sequential(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    pdfs = [
        make_pdf(
            tmp_path / f"doc{n}.pdf",
            [
                PageSpec(text=f"document {n} page {p}", images=[pattern_image(seed=n * 10 + p)])
                for p in range(3)
            ],
        )
        for n in range(4)
    ]

    def summary(path: Path) -> list[tuple[str, int | None, str, str | None]]:
        items = extract(path).items
        return [(i.kind.value, i.page, i.text, i.digest) for i in items]

    sequential = [summary(p) for p in pdfs]
    with ThreadPoolExecutor(4) as pool:
        concurrent = list(pool.map(summary, pdfs))
    assert concurrent == sequential


def test_text_file_named_jpg_is_refused(tmp_path: Path) -> None:
    fake = make_text_file(tmp_path / "photo.jpg")
    assert sniff_file_type(fake) is None
    assert reason_for(fake) == "not an image (content is not JPEG, PNG, WebP, TIFF, BMP or GIF)"


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb = make_bomb_png(tmp_path / "bomb.png", 100_000, 100_000)
    assert bomb.stat().st_size < 200
    assert "decompression bomb" in reason_for(bomb)
    # below Pillow's own limit but above ours
    medium = make_bomb_png(tmp_path / "medium.png", 10_000, 5_000)
    reason = reason_for(medium, Settings(max_image_pixels=1_000_000))
    assert reason.startswith("image too large: 10000x5000 pixels exceeds the limit")


def test_truncated_and_empty_images_are_refused(tmp_path: Path) -> None:
    full = make_photo(tmp_path / "full.jpg", (640, 480), seed=1)
    cut = make_truncated(full, tmp_path / "cut.jpg", keep=0.5)
    assert reason_for(cut) == "image file is truncated (incomplete download or copy)"
    empty = make_zero_byte(tmp_path / "empty.png")
    assert reason_for(empty).startswith("not an image")


def test_large_image_is_downscaled_to_working_size(tmp_path: Path) -> None:
    big = make_photo(tmp_path / "big.jpg", (4100, 1000), seed=2)
    img = open_image_safely(big, SETTINGS.max_image_pixels)
    assert max(img.size) == 2048
    assert abs(img.size[0] / img.size[1] - 4.1) < 0.05


def test_sixteen_bit_and_transparent_images_become_visible_rgb(tmp_path: Path) -> None:
    ramp = (np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 8).astype(np.uint16)
    path16 = tmp_path / "depth.png"
    Image.fromarray(ramp).save(path16)
    img = open_image_safely(path16, 10**6)
    arr = np.asarray(img)
    assert img.mode == "RGB" and arr.min() == 0 and arr.max() == 255  # full range, not clipped

    rgba = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    rgba.paste((200, 0, 0, 255), (0, 0, 25, 50))
    path_a = tmp_path / "alpha.png"
    rgba.save(path_a)
    flat = open_image_safely(path_a, 10**6)
    assert flat.getpixel((40, 10)) == (255, 255, 255)  # transparent shows white, not black
    assert flat.getpixel((10, 10)) == (200, 0, 0)


def test_load_query_image_from_bytes_and_path(tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "q.webp", (100, 80), seed=3)
    from_bytes = load_query_image(photo.read_bytes(), 10**6)
    from_path = load_query_image(photo, 10**6)
    assert from_bytes.size == from_path.size == (100, 80)
    with pytest.raises(ExtractError, match="empty image data"):
        load_query_image(b"", 10**6)
    with pytest.raises(ExtractError, match="not an image"):
        load_query_image(b"GIF? no, plain text", 10**6)
    with pytest.raises(ExtractError, match="decompression bomb"):
        load_query_image(make_bomb_png(tmp_path / "b.png").read_bytes(), 10**6)


def test_make_thumbnail_is_a_small_jpeg() -> None:
    data = make_thumbnail(pattern_image((1000, 500), seed=1), size=128)
    assert is_jpeg(data)
    with Image.open(io.BytesIO(data)) as thumb:
        assert thumb.size == (128, 64)


# --- chunking --------------------------------------------------------------------------


def test_chunking_english_overlaps_and_covers_everything() -> None:
    words = [f"w{i}" for i in range(200)]
    chunks = chunk_text(" ".join(words), chunk_words=50)
    assert all(len(c.split()) <= 50 for c in chunks)
    seen = [w for c in chunks for w in c.split()]
    assert set(seen) == set(words)
    assert len(seen) > len(words)  # consecutive chunks overlap
    assert chunks[0].split()[0] == "w0" and chunks[-1].split()[-1] == "w199"


def test_chunking_prefers_sentence_ends() -> None:
    sentence = "The relay closes when the coil is energised by five volts."  # 11 words
    chunks = chunk_text(" ".join([sentence] * 8), chunk_words=40)
    assert all(c.endswith(".") for c in chunks)


def test_chunking_japanese_by_characters() -> None:
    text = JAPANESE_SAMPLE * 10
    chunks = chunk_text(text, chunk_words=30)  # about 60 characters each
    assert len(chunks) >= len(text) // 60
    assert all(len(c) <= 60 for c in chunks)
    assert "".join(chunks).count("温度センサ") >= 10


def test_normalize_text_joins_lines() -> None:
    assert (
        normalize_text("温度セン\nサの仕様\r\nrelay\nmodule  x")
        == "温度センサの仕様 relay module x"
    )
    assert chunk_text("  \n\t ") == []
    assert chunk_text("one") == ["one"]


# --- bundled samples -------------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"


def test_bundled_samples_extract_cleanly() -> None:
    from engine.config import FolderConfig
    from engine.crawl import crawl

    skipped: list[object] = []
    entries = list(crawl([FolderConfig(str(SAMPLES))], skipped.append, lambda: False))
    assert skipped == []
    assert len(entries) == 7
    text = ""
    for entry in entries:
        result = extract_file(entry, SETTINGS)
        assert result.warnings == [], entry.path.name
        text += " ".join(i.text for i in result.items)
    for needle in ["SRD-05VDC-SL-C", "温度センサ", "TMP-36J", "SD-4988M", "microstepping"]:
        assert needle.lower() in text.lower(), needle


def test_make_samples_reproduces_the_committed_files(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_samples", SAMPLES.parent / "make_samples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path in module.build(tmp_path):
        committed = SAMPLES / path.relative_to(tmp_path)
        assert path.read_bytes() == committed.read_bytes(), committed.name


def test_normalize_text_is_linear_on_long_runs_of_spaces() -> None:
    """A page with a huge run of spaces once froze indexing: the old line-join regex
    backtracked quadratically (and held the GIL, stopping every thread)."""
    from engine.extract.chunking import normalize_text

    text = "start" + " " * 200_000 + "end\n" + "\t" * 50_000 + "next 日本\n語"
    assert normalize_text(text) == "start end next 日本語"


@pytest.mark.parametrize("visual_match", [True, False])
def test_pages_carry_a_sharp_render_for_local_features_only_when_used(
    tmp_path: Path, visual_match: bool
) -> None:
    pdf = make_pdf(tmp_path / "a.pdf", [PageSpec(text="Relay module", images=[pattern_image()])])
    settings = Settings(visual_match_enabled=visual_match)
    page = next(i for i in extract(pdf, settings).items if i.kind is ItemKind.PAGE)
    assert page.image is not None
    assert max(page.image.size) == pytest.approx(842, abs=2)  # A4 at render_dpi 72
    if visual_match:
        assert page.detail is not None
        # feature_dpi 150, within the feature render's size cap
        assert max(page.detail.size) == min(round(842 * 150 / 72), FEATURE_MAX_SIDE)
    else:
        assert page.detail is None


def _corner_marked(size: tuple[int, int] = (240, 160)) -> Image.Image:
    """Grey with a red block at the top left and a blue one at the top right: any flip or turn
    of it is visible."""
    img = Image.new("RGB", size, (128, 128, 128))
    w, h = size
    img.paste((255, 0, 0), (0, 0, w // 3, h // 3))
    img.paste((0, 0, 255), (w - w // 3, 0, w, h // 3))
    return img


def _coarse(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("RGB").resize((6, 6), Image.Resampling.BOX), np.int16)


@pytest.mark.parametrize("placement", ["rotate90", "rotate180", "rotate270", "flip", "mirror"])
def test_embedded_images_are_turned_the_way_the_page_shows_them(
    tmp_path: Path, placement: str
) -> None:
    # Producers store pictures upside down and flip them with the placement matrix (a third
    # of the corpus's placements). The extracted image must look like the page, not the file.
    import pymupdf

    buf = io.BytesIO()
    _corner_marked().save(buf, format="PNG")
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    rect = pymupdf.Rect(100, 100, 340, 340)
    rotate = int(placement[6:]) if placement.startswith("rotate") else 0
    xref = page.insert_image(rect, stream=buf.getvalue(), rotate=rotate, keep_proportion=False)
    if placement in ("flip", "mirror"):  # rewrite the matrix: w 0 0 -h (flip) / -w 0 0 h
        name = next(i[7] for i in page.get_images(full=True) if i[0] == xref)
        w, h = rect.width, rect.height
        y = 842 - rect.y1
        cm = (
            f"{w} 0 0 {-h} {rect.x0} {y + h}"
            if placement == "flip"
            else (f"{-w} 0 0 {h} {rect.x1} {y}")
        )
        page.clean_contents()
        doc.update_stream(page.get_contents()[0], f"q {cm} cm /{name} Do Q".encode())
    path = tmp_path / f"{placement}.pdf"
    doc.save(path)
    shown = page_render_of(path, rect)
    images = [i for i in extract(path).items if i.kind is ItemKind.IMAGE]
    assert len(images) == 1 and images[0].image is not None
    assert np.abs(_coarse(images[0].image) - _coarse(shown)).max() < 40
    with pymupdf.open(path) as reopened:  # the per-image lookup the benchmarks use agrees
        turn = placed_orientation(reopened[0], reopened[0].get_images(full=True)[0][0])
    stored = _corner_marked()
    turned = stored.transpose(turn) if turn is not None else stored
    assert np.abs(_coarse(turned) - _coarse(shown)).max() < 40


def page_render_of(path: Path, rect: object) -> Image.Image:
    import pymupdf

    with pymupdf.open(path) as doc:
        pix = doc[0].get_pixmap(dpi=72, clip=rect)
        return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)


def test_display_orientation_covers_every_axis_aligned_placement() -> None:
    t = Image.Transpose
    assert display_orientation((200, 0, 0, 100, 0, 0)) is None
    assert display_orientation((200, 0, 0, -100, 0, 0)) is t.FLIP_TOP_BOTTOM
    assert display_orientation((-200, 0, 0, 100, 0, 0)) is t.FLIP_LEFT_RIGHT
    assert display_orientation((-200, 0, 0, -100, 0, 0)) is t.ROTATE_180
    assert display_orientation((0, -200, 100, 0, 0, 0)) is t.ROTATE_90
    assert display_orientation((0, 200, -100, 0, 0, 0)) is t.ROTATE_270
    assert display_orientation((0, 200, 100, 0, 0, 0)) is t.TRANSPOSE
    assert display_orientation((0, -200, -100, 0, 0, 0)) is t.TRANSVERSE
