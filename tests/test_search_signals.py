"""The engineering-document signals inside the full pipeline: lexical search in both
languages, part numbers, exact visual match, and fusion explaining itself."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image, ImageDraw, ImageFilter

from engine.config import FolderConfig
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.messages import NoteCode, ReasonCode, reason
from engine.search import Query, SearchOutcome
from engine.signals.ocr import OcrEngine, OcrLine, OcrResult
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


# A controller manual: three pages on one topic (shared words), each its own paragraph.
MANUAL_PAGES = [
    "MX-4410 stepper controller\nInstallation and wiring of the controller board.\n"
    "Connect the motor coils to terminals A1, A2, B1 and B2 before power is applied.",
    "Each interrupt source of the MX-4410 is individually enabled or\n"
    "disabled by setting or clearing its enable bit in the control register.\n"
    "When the global enable bit is cleared, no interrupt is acknowledged,\n"
    "and pending requests wait until the controller enables them again.",
    "The step counter of the MX-4410 holds the position of the motor shaft.\n"
    "It is cleared at power on and counts up or down with each step pulse;\n"
    "reading it while the motor moves returns the count of the last pulse.",
]
JA_MANUAL_PAGES = [
    "モータ制御基板の取扱説明書\n電源を接続する前に配線を確認してください。",
    "使用上の注意：守られなかった場合、装置や部品が故障し\n"
    "二度と使用できなくなるおそれがあります。機器の電源スイッチが\n"
    "切れていても、接続したままにすると徐々に放電します。",
    "電池の電圧が最低電圧を下回る前に使用を停止してください。\n"
    "長期間使用しない場合は標準電圧まで充電してから保管してください。",
]

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
    make_pdf(root / "MX4410_manual.pdf", MANUAL_PAGES)
    make_pdf(root / "ja_manual.pdf", [PageSpec(t, fontname="japan") for t in JA_MANUAL_PAGES])
    for n in range(6):
        make_pdf(root / f"other{n}.pdf", [f"General document number {n} about power supplies."])
    settings = encoders.settings.replace(visual_match_enabled=True)
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
    assert reason(ReasonCode.PART_NUMBER, part="TB6612FNG") in hit.reasons
    # A variant of the same family (another suffix) still finds the datasheet.
    hit = library.search(Query(text="TB6612FNX", top_k=3)).results[0]
    assert hit.path.name == "driver.pdf"
    assert any(r.code is ReasonCode.SIMILAR_PART_NUMBER for r in hit.reasons)


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
    assert [n.code for n in outcome.notes] == [NoteCode.NOTHING_TO_SEARCH] or text.strip() == ""
    assert outcome.notes and outcome.notes[0].english()


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
    assert any(r.code is ReasonCode.FIGURE_MATCHED for r in hit.reasons)


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
    read = [str(n.params["terms"]) for n in outcome.notes if n.code is NoteCode.READ_FROM_PHOTO]
    assert read and "ELECTROMAGNETIC" in read[0] and "RELAY" in read[0]


def page_photo(pdf: Path, page: int) -> Image.Image:
    """A photo of a printed page's text: rendered, cropped to the text, turned and softened."""
    with pymupdf.open(pdf) as doc:
        pix = doc[page - 1].get_pixmap(dpi=150, clip=pymupdf.Rect(60, 50, 560, 150))
    img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    img = img.rotate(4, Image.Resampling.BICUBIC, expand=True, fillcolor=(235, 235, 225))
    return img.filter(ImageFilter.GaussianBlur(0.6))


def test_photo_of_printed_text_finds_its_page(library: Library) -> None:
    # Dense print read by OCR: spaces lost, a letter misread. The document is found by its
    # words and its part number (which also sits on page 1, in the file name); the page by
    # the passage.
    library.searcher.ocr = lambda: FixedLinesOcr(
        [
            "Each interrupt source of the MX-4410 isindividually enabled or",
            "disabled by setting or clearing itsenable bit in the control register.",
            "When the global enable bit is cleared,no interrupt is acknowledged,",
        ]
    )
    blank = Image.new("RGB", (320, 240), (230, 230, 220))
    hit = library.search(Query(image=blank, top_k=3)).results[0]
    assert (hit.path.name, hit.page) == ("MX4410_manual.pdf", 2)
    assert any(r.code is ReasonCode.PRINTED_PASSAGE for r in hit.reasons)


@pytest.mark.parametrize(("pdf", "page"), [("MX4410_manual.pdf", 2), ("ja_manual.pdf", 2)])
def test_real_ocr_of_a_printed_page_finds_that_page(
    library: Library, tmp_path: Path, pdf: str, page: int
) -> None:
    # RapidOCR's bundled model reads the kanji of Japanese print and skips its kana; the
    # passage matches what it reads against the page's kanji.
    library.searcher.ocr = lambda: OcrEngine()
    photo = page_photo(tmp_path / "docs" / pdf, page)
    outcome = library.search(Query(image=photo, top_k=3, signals={"ocr-passage"}))
    assert outcome.results, outcome.notes
    assert (outcome.results[0].path.name, outcome.results[0].page) == (pdf, page)


class SlowOcr(FixedLinesOcr):
    """Reads only once allowed: the search must hand out its first ranking before."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(lines)
        self.allowed = threading.Event()

    def read(self, image: Image.Image) -> OcrResult:
        assert self.allowed.wait(timeout=30), "the first ranking never came"
        return super().read(image)


def test_a_photo_query_gives_a_first_ranking_while_its_text_is_read(library: Library) -> None:
    ocr = SlowOcr(["TB6612FNG"])
    library.searcher.ocr = lambda: ocr
    partials = []

    def first_ranking(outcome: SearchOutcome) -> None:
        partials.append(outcome)
        ocr.allowed.set()

    final = library.search(Query(image=figure_image(seed=11), top_k=5), on_partial=first_ranking)
    assert len(partials) == 1 and partials[0].partial and not final.partial
    # The figure matched is there at once; the part number read off the photo only at the end.
    assert partials[0].results[0].path.name == "relay.pdf"
    assert "driver.pdf" not in {r.path.name for r in partials[0].results}
    assert "driver.pdf" in {r.path.name for r in final.results}


def test_no_first_ranking_when_nothing_is_left_to_wait_for(library: Library) -> None:
    partials: list[SearchOutcome] = []
    library.search(Query(text="relay module", top_k=3), on_partial=partials.append)
    library.search(Query(image=figure_image(seed=11), top_k=3), on_partial=partials.append)
    assert partials == []  # text query; photo query with OCR off
