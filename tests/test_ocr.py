from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from engine.signals.ocr import (
    OcrEngine,
    OcrResult,
    _rotate,
    _transform,
    dominant_slant,
    merge_passes,
)

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.truetype(str(FONT), size) if FONT.exists() else ImageFont.load_default(size)


def _label(lines: list[str], size: tuple[int, int] = (900, 320)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((30, 30 + i * 120), line, fill="black", font=_font(64))
    return img


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return OcrEngine()


@pytest.mark.slow
def test_reads_printed_part_number_and_words(engine: OcrEngine) -> None:
    result = engine.read(_label(["TB6612FNG", "Motor Driver"]))
    assert result.error is None
    assert result.had_text
    assert "TB6612FNG" in result.text.replace(" ", "")
    assert "driver" in result.text.lower()
    assert result.mean_confidence >= engine.min_confidence
    first = result.lines[0]
    xs = [p[0] for p in first.box]
    assert min(xs) < 100 and len(first.box) == 4  # boxes are in the caller's pixels


@pytest.mark.slow
def test_boxes_map_back_to_original_size_after_downscaling() -> None:
    small_engine = OcrEngine(max_side=600)
    img = _label(["ADS1115"], size=(1800, 400))
    result = small_engine.read(img)
    assert result.had_text
    xs = [p[0] for line in result.lines for p in line.box]
    assert max(xs) > 300  # scaled back from 600-px space to the 1800-px original


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["blank", "noise"])
def test_no_text_images(engine: OcrEngine, kind: str) -> None:
    if kind == "blank":
        img = Image.new("RGB", (640, 480), (128, 128, 128))
    else:
        rng = np.random.default_rng(0)
        img = Image.fromarray((rng.random((400, 600, 3)) * 60 + 90).astype("uint8"))
    result = engine.read(img)
    assert result == OcrResult()
    assert not engine.has_text(img)


@pytest.mark.slow
def test_confidence_threshold_filters_lines() -> None:
    strict = OcrEngine(min_confidence=1.0)
    assert not strict.read(_label(["Relay"])).had_text


@pytest.mark.slow
def test_odd_modes_are_handled(engine: OcrEngine) -> None:
    grey = _label(["DS3231"]).convert("L")
    assert "DS3231" in engine.read(grey).text.replace(" ", "")
    assert engine.read(_label(["DS3231"]).convert("RGBA")).had_text


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="min_confidence"):
        OcrEngine(min_confidence=1.5)
    with pytest.raises(ValueError, match="max_side"):
        OcrEngine(max_side=4)
    with pytest.raises(ValueError, match="det_max_side"):
        OcrEngine(det_max_side=10)
    with pytest.raises(ValueError, match="precheck_side"):
        OcrEngine(precheck_side=-1)


@pytest.mark.slow
@pytest.mark.parametrize(
    "options",
    [{"det_max_side": 0}, {"det_max_side": 736}, {"det_max_side": 960, "precheck_side": 480}],
)
def test_detector_size_options_still_read_labels(options: dict) -> None:
    engine = OcrEngine(**options)
    result = engine.read(_label(["TB6612FNG", "Motor Driver"]))
    assert "TB6612FNG" in result.text.replace(" ", "")
    assert engine.read(Image.new("RGB", (640, 480), (128, 128, 128))) == OcrResult()


def test_unusable_image_gives_reason_not_exception() -> None:
    class Broken(Image.Image):
        def convert(self, *args: object, **kwargs: object) -> Image.Image:
            raise OSError("image file is truncated")

    result = OcrEngine().read(Broken())
    assert not result.had_text
    assert result.error is not None and "truncated" in result.error


# --- slanted text: a second pass on a levelled copy ------------------------------------------


def _quad(x: float, y: float, length: float, height: float, degrees: float) -> np.ndarray:
    """A text box as RapidOCR gives it: corners clockwise from top-left, text running along
    corner 0 → 1 at ``degrees`` (image coordinates, y down)."""
    t = np.radians(degrees)
    along = np.array([np.cos(t), np.sin(t)]) * length
    across = np.array([-np.sin(t), np.cos(t)]) * height
    p0 = np.array([x, y])
    return np.array([p0, p0 + along, p0 + along + across, p0 + across], np.float32)


def test_dominant_slant_needs_agreeing_slanted_boxes() -> None:
    level = [_quad(10, 10 + 40 * i, 120, 20, 0.0) for i in range(4)]
    assert dominant_slant(level) is None
    one_tilted = [*level, _quad(300, 40, 120, 20, -35.0)]
    assert dominant_slant(one_tilted) is None  # a logo or a tilted part, not the photo
    tilted = [_quad(300, 40 * i, 100 + 10 * i, 20, -33.0 - i) for i in range(3)]
    assert dominant_slant(level + tilted) == pytest.approx(-34.0, abs=0.01)
    squares = [_quad(300, 40 * i, 20, 20, -35.0) for i in range(5)]  # no reading direction
    assert dominant_slant(squares) is None
    assert dominant_slant([_quad(0, 0, 100, 20, 80.0)] * 3) is None  # beyond MAX_SLANT_DEG


def test_rotation_maps_boxes_back_to_the_original_image() -> None:
    bgr = np.zeros((300, 500, 3), np.uint8)
    rotated, back = _rotate(bgr, -35.0)
    assert rotated.shape[0] > 300 and rotated.shape[1] > 500  # corners are kept
    corners = np.array([[0, 0], [499, 0], [499, 299], [0, 299]], np.float32)
    m = cv2.invertAffineTransform(back)  # original → rotated
    there = corners @ m[:, :2].T + m[:, 2]
    assert there.min() >= -1 and there[:, 0].max() <= rotated.shape[1] + 1
    np.testing.assert_allclose(_transform(there, back), corners, atol=1e-3)


def test_merge_keeps_every_first_pass_line_and_adds_only_new_text() -> None:
    gnd = _quad(100, 100, 60, 20, -35.0)
    first = [(gnd, "GND", 0.99), (_quad(10, 10, 30, 20, 0.0), "A", 0.7)]
    second = [
        (gnd + 1.0, "GND", 0.95),  # the same word read again: left out
        (gnd + 2.0, "GNDVCC", 0.9),  # same spot, more text: kept
        (_quad(300, 200, 120, 24, -35.0), "LED Bar", 0.95),  # new: kept
    ]
    merged = merge_passes(first, second)
    assert [t for _, t, _ in merged] == ["GND", "A", "GNDVCC", "LED Bar"]


@pytest.mark.slow
def test_slanted_silkscreen_is_read_after_levelling(engine: OcrEngine) -> None:
    # A board at 40°: the detector finds GND/VCC/SIG but not the larger "LED Bar" next to
    # round pads; the levelled second pass reads it, and its box lands on the original text.
    font = ImageFont.truetype(str(FONT), 26) if FONT.exists() else ImageFont.load_default(26)
    img = Image.new("RGB", (900, 500), (25, 70, 150))
    draw = ImageDraw.Draw(img)
    for x in range(40, 900, 60):
        for y in range(40, 500, 60):
            draw.ellipse((x, y, x + 22, y + 22), fill=(200, 200, 200), outline=(10, 10, 10))
    draw.text((250, 200), "LED Bar", fill="white", font=font)
    draw.text((250, 246), "GND VCC SIG", fill="white", font=font)
    img = img.rotate(40, expand=True, fillcolor=(255, 255, 255), resample=Image.Resampling.BICUBIC)
    result = engine.read(img)
    led = [line for line in result.lines if "ledbar" in line.text.replace(" ", "").lower()]
    assert led, result.text
    xs, ys = zip(*led[0].box, strict=True)
    # "LED Bar" started at (250, 200) before the 40° turn about the centre of a 900x500 image
    centre = np.array([img.width / 2, img.height / 2])
    t = np.radians(40)
    start = centre + np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]]) @ (
        np.array([250, 200]) - np.array([450, 250])
    )
    assert min(xs) - 20 <= start[0] <= max(xs) + 20 and min(ys) - 20 <= start[1] <= max(ys) + 20
