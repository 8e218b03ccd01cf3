from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from engine.signals.ocr import OcrEngine, OcrResult

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
