"""The engineering-document signals inside the full pipeline: lexical search in both
languages, part numbers, exact visual match, and fusion explaining itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from engine.config import FolderConfig
from engine.encoders import Encoders
from engine.library import Library
from engine.search import Query
from engine.signals.ocr import OcrLine, OcrResult
from tests.fixtures import PageSpec, make_pdf


def figure_image(seed: int, size: tuple[int, int] = (360, 260)) -> Image.Image:
    """A drawing-like figure (lines, boxes, labels): what datasheets are full of."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x0, y0 = int(rng.integers(0, size[0] - 40)), int(rng.integers(0, size[1] - 30))
        colour = tuple(int(c) for c in rng.integers(0, 200, 3))
        shape = int(rng.integers(0, 3))
        if shape == 0:
            box = (x0, y0, x0 + int(rng.integers(8, 40)), y0 + int(rng.integers(8, 30)))
            draw.rectangle(box, outline=colour, width=2)
        elif shape == 1:
            end = (x0 + int(rng.integers(-40, 40)), y0 + int(rng.integers(-30, 30)))
            draw.line((x0, y0, *end), fill=colour, width=2)
        else:
            draw.text((x0, y0), f"P{int(rng.integers(0, 99))}", fill=colour)
    return img


pytestmark = pytest.mark.slow  # real MiniLM; Janome and JMdict load once per session


@pytest.fixture
def library(tmp_path: Path, encoders_without_clip: Encoders) -> Library:
    # No CLIP, as on the corpus benchmark of these signals: a random tiny CLIP would add a
    # noise signal whose chance winners (a random page "looks like" any query) no real model
    # has, and these tests are about what decides when CLIP is absent or unsure.
    encoders = encoders_without_clip
    root = tmp_path / "docs"
    make_pdf(
        root / "relay.pdf",
        [
            PageSpec(
                text="SRD-05VDC-SL-C relay module\nElectromagnetic relay for microcontrollers.",
                images=[figure_image(seed=11)],
            )
        ],
    )
    make_pdf(root / "driver.pdf", ["TB6612FNG dual motor driver\nH-bridge for DC motors."])
    make_pdf(root / "adc.pdf", ["ADS1115 16-bit analog to digital converter with I2C."])
    make_pdf(
        root / "ja.pdf",
        [PageSpec(text="照度センサの仕様\n測定範囲と精度について説明します。", fontname="japan")],
    )
    for n in range(6):
        make_pdf(root / f"other{n}.pdf", [f"General document number {n} about power supplies."])
    settings = encoders.settings
    settings.visual_match_enabled = True
    lib = Library(tmp_path / "data", settings, encoders)
    lib.index([FolderConfig(str(root))])
    yield lib
    lib.close()


def top_name(lib: Library, query: Query) -> str:
    results = lib.search(query).results
    assert results, "no results"
    return results[0].path.name


def test_part_number_exact_and_variant(library: Library) -> None:
    hit = library.search(Query(text="TB6612FNG", top_k=3)).results[0]
    assert hit.path.name == "driver.pdf"
    assert any("part number TB6612FNG" in r for r in hit.reasons)
    # A variant of the same family (another suffix) still finds the datasheet.
    hit = library.search(Query(text="TB6612FNX", top_k=3)).results[0]
    assert hit.path.name == "driver.pdf"
    assert any("similar part number" in r for r in hit.reasons)


def test_japanese_query_finds_english_datasheet(library: Library) -> None:
    assert top_name(library, Query(text="リレーモジュール", top_k=3)) == "relay.pdf"


def test_japanese_query_finds_japanese_document(library: Library) -> None:
    assert top_name(library, Query(text="照度センサ", top_k=3)) == "ja.pdf"


def test_english_query_finds_japanese_document(library: Library) -> None:
    assert top_name(library, Query(text="illuminance sensor", top_k=3)) == "ja.pdf"


@pytest.mark.parametrize("text", ["the and of", "??? !!! ***", "   ", '"(*:-'])
def test_stop_words_or_symbols_give_a_clear_empty_result(library: Library, text: str) -> None:
    outcome = library.search(Query(text=text, top_k=3))
    assert outcome.results == []
    assert outcome.notes and outcome.notes[0]


def test_photo_of_a_printed_figure_finds_its_page(library: Library) -> None:
    figure = figure_image(seed=11)
    # A "photo" of the figure: perspective, rotation, blur and JPEG-like softening.
    w, h = figure.size
    photo = figure.transform(
        (w, h),
        Image.Transform.PERSPECTIVE,
        (1.05, 0.08, -12, 0.04, 1.02, -8, 0.0002, 0.0001),
        Image.Resampling.BICUBIC,
        fillcolor=(200, 200, 200),
    ).rotate(7, expand=True, fillcolor=(200, 200, 200))
    photo = photo.filter(ImageFilter.GaussianBlur(0.8))
    noise = np.random.default_rng(0).normal(0, 6, (*photo.size[::-1], 3))
    photo = Image.fromarray(np.clip(np.asarray(photo) + noise, 0, 255).astype("uint8"))
    hit = library.search(Query(image=photo, top_k=3)).results[0]
    assert hit.path.name == "relay.pdf"
    assert any("figure matched" in r for r in hit.reasons)


class FixedLinesOcr:
    """Stands in for RapidOCR, whose reading of real photos tests/test_ocr.py covers: what
    is under test here is what the search makes of the lines it reads."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def read(self, image: Image.Image) -> OcrResult:
        box = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
        lines = [OcrLine(text, 0.95, box) for text in self.lines]
        return OcrResult(lines, "\n".join(self.lines), 0.95, had_text=True)


def test_library_vocabulary_reads_the_lexical_index(library: Library) -> None:
    vocabulary = library.searcher.lexical.vocabulary
    assert vocabulary.doc_count("relay") >= 1
    assert vocabulary.doc_count("nonexistentword") == 0
    assert "relay" in dict(vocabulary.completions("rela", 7))
    assert all(len(term) <= 7 for term, _ in vocabulary.completions("rela", 7))


def test_broken_words_read_off_a_photo_are_mended_before_searching(library: Library) -> None:
    library.searcher.ocr = lambda: FixedLinesOcr(["Electro magnetic Rela", "GND VCC SIG"])
    blank = Image.new("RGB", (320, 240), (40, 90, 40))  # no figure: only the text can match
    outcome = library.search(Query(image=blank, top_k=3, signals={"ocr-lexical"}))
    assert outcome.results and outcome.results[0].path.name == "relay.pdf"
    assert any("ELECTROMAGNETIC" in n and "RELAY" in n for n in outcome.notes)
