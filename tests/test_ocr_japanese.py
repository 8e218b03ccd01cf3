"""Japanese OCR: the Tesseract engine and the choice between it and RapidOCR, on real
readings of rendered Japanese print (Tesseract 5 with jpn, jpn_vert and eng installed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.config import Settings
from engine.library import Library
from engine.messages import NoteCode
from engine.signals.ocr import OcrEngine, OcrLine
from engine.signals.ocr_choice import OcrReader, better_reading, has_kana, reader_for
from engine.signals.ocr_tesseract import TesseractEngine, join_words, tesseract_models
from tests.japanese_print import horizontal_print, vertical_print

SENTENCE = "電源を入れる前に配線を確認してください。"
COLUMNS = ["取扱説明書をよく読んでください", "安全のために守ること"]


@pytest.fixture(scope="module")
def tesseract() -> TesseractEngine:
    engine = TesseractEngine()
    assert engine.problem() == "", engine.problem()  # CI installs tesseract-ocr-jpn(-vert)
    return engine


@pytest.fixture(scope="module")
def rapid() -> OcrEngine:
    return OcrEngine(min_confidence=0.0)


def _flat(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


def test_tesseract_reads_japanese_with_its_kana(tesseract: TesseractEngine) -> None:
    result = tesseract.read(horizontal_print([SENTENCE, "Relay module 5V"]))
    assert result.had_text and 0.5 <= result.mean_confidence <= 1.0
    assert "配線を確認して" in _flat(result.text)
    assert "Relay module 5V" in result.text  # Latin words keep their spaces


def test_vertical_columns_are_read_top_down_right_to_left(tesseract: TesseractEngine) -> None:
    result = tesseract.read(vertical_print(COLUMNS))
    lines = [_flat(line.text) for line in result.lines]
    assert lines == COLUMNS  # the right-hand column first, each read downwards


def test_tall_regions_are_read_as_vertical_text(
    tesseract: TesseractEngine, rapid: OcrEngine
) -> None:
    image = vertical_print(COLUMNS)
    boxes = [np.asarray(line.box, np.float32) for line in rapid.read(image).lines]
    readings = tesseract.read_regions(image, boxes, [True] * len(boxes))
    assert sorted(_flat(r.text) for r in readings if r) == sorted(COLUMNS)


@pytest.mark.slow
def test_the_reading_with_kana_is_kept_for_japanese_boxes(
    tesseract: TesseractEngine, rapid: OcrEngine
) -> None:
    image = horizontal_print([SENTENCE, "Relay module 5V"])
    first = rapid.read(image).lines
    japanese = next(line for line in first if "電源" in line.text)
    assert not has_kana(japanese.text)  # RapidOCR's model drops the kana
    box = np.asarray(japanese.box, np.float32)
    (again,) = tesseract.read_regions(image, [box], [False])
    assert again is not None and has_kana(again.text)
    assert better_reading(japanese, again) is again
    english = next(line for line in first if "Relay" in line.text)
    (english_again,) = tesseract.read_regions(image, [np.asarray(english.box)], [False])
    kept = better_reading(english, english_again)
    assert kept is not None and "Relay" in kept.text


def test_a_doubtful_reading_loses_to_a_confident_one() -> None:
    box = ((0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0))
    rapid = OcrLine("Re1ay", 0.4, box)
    assert better_reading(rapid, None) is None
    assert better_reading(rapid, OcrLine("Relay", 0.3, box)) is None
    assert better_reading(rapid, OcrLine("Relay", 0.8, box)) == OcrLine("Relay", 0.8, box)
    sure = OcrLine("Relay", 0.97, box)
    assert better_reading(sure, OcrLine("Relav", 0.8, box)) is sure


@pytest.mark.slow
def test_auto_reads_japanese_print_better_than_rapidocr_alone(
    tesseract: TesseractEngine, rapid: OcrEngine
) -> None:
    image = horizontal_print([SENTENCE, "Relay module 5V"])
    alone = OcrReader("rapidocr", rapid=rapid).read(image)
    both = OcrReader("auto", rapid=rapid, tesseract=tesseract).read(image)
    assert SENTENCE[:6] not in _flat(alone.text)
    assert "配線を確認して" in _flat(both.text) and "Relay" in both.text
    columns = OcrReader("auto", rapid=rapid, tesseract=tesseract).read(vertical_print(COLUMNS))
    assert [_flat(line.text) for line in columns.lines] == COLUMNS


def test_a_missing_program_is_a_note_and_rapidocr_still_reads(tmp_path: Path) -> None:
    settings = Settings(tesseract_command=str(tmp_path / "no-such-tesseract"))
    with Library(tmp_path / "data", settings) as lib:
        found = lib.ocr_note()
        assert found is not None and found.code is NoteCode.JAPANESE_OCR_OFF
        assert "no-such-tesseract" in found.english() and "tesseract_command" in found.english()
        status = lib.status()
        assert status["ocr_note"] == found.to_json()
        reader = lib.ocr_engine()
        assert reader is not None
        read = reader.read(horizontal_print(["Relay module 5V"]))
        assert read.error is None and "Relay" in read.text


def test_missing_language_data_is_a_note(tmp_path: Path) -> None:
    (tmp_path / "eng.traineddata").write_bytes(b"")  # a data folder without Japanese
    engine = TesseractEngine(tessdata_dir=str(tmp_path))
    assert "jpn" in engine.problem() and "tessdata_dir" in engine.problem()
    reader = OcrReader("auto", tesseract=engine)
    assert reader.problem().startswith(engine.problem())
    assert reader.read_scan(horizontal_print(["Relay module 5V"])).error is None


def test_rapidocr_alone_needs_no_tesseract(tmp_path: Path) -> None:
    settings = Settings(ocr_engine="rapidocr", tesseract_command=str(tmp_path / "none"))
    assert reader_for(settings).problem() == ""


def test_ocr_settings_round_trip(tmp_path: Path) -> None:
    chosen = Settings(
        ocr_engine="tesseract",
        ocr_languages=("ja",),
        tesseract_command="/opt/tesseract/bin/tesseract",
        tessdata_dir="/opt/tesseract/share/tessdata",
    )
    again = Settings.from_json(json.loads(json.dumps(chosen.to_json())))
    assert again == chosen and isinstance(again.ocr_languages, tuple)
    with Library(tmp_path / "data", Settings()) as lib:
        lib.apply_settings(chosen)
    with Library(tmp_path / "data") as lib:
        assert lib.settings.ocr_languages == ("ja",)
        assert lib.settings.ocr_engine == "tesseract"


def test_an_unknown_engine_is_read_as_auto_with_a_note() -> None:
    reader = reader_for(Settings(ocr_engine="paddle"))
    assert reader.engine == "auto" and "ocr_engine “paddle”" in reader.problem()


def test_words_and_models() -> None:
    assert join_words(["縦", "書き", "の", "Relay", "module", "5V", "です"]) == (
        "縦書きのRelay module 5Vです"
    )
    assert tesseract_models(["ja", "en", "deu"]) == ["jpn", "eng", "deu"]
    assert tesseract_models(["ja", "en"], vertical=True) == ["jpn_vert", "jpn", "eng"]


@pytest.mark.slow
def test_lines_of_plain_kana_are_read_in_auto(tesseract: TesseractEngine, rapid: OcrEngine) -> None:
    # RapidOCR's model reads a kana line as a fragment ("の") or as nothing at all.
    lines = ["このあとで、ゆっくりとおしてください", "Relay module 5V", "ひらがなだけのぎょう"]
    image = horizontal_print(lines)
    read = OcrReader("auto", tesseract=tesseract).read(image)
    flat = [_flat(line.text) for line in read.lines]
    assert lines[0] in flat and lines[2] in flat
    assert "Relay" in read.text or "Re lay" in read.text


def test_boxes_read_as_nothing_are_kept_only_for_a_second_reader() -> None:
    box = np.array([[0, 0], [40, 0], [40, 10], [0, 10]], np.float32)
    raw = [(box, "", 0.0), (box, "GND", 0.9)]
    kept = OcrEngine(min_confidence=0.0, keep_unread=True)._result(raw, 1.0)
    assert [(line.text, line.confidence) for line in kept.lines] == [("", 0.0), ("GND", 0.9)]
    alone = OcrEngine(min_confidence=0.0)._result(raw, 1.0)
    assert [line.text for line in alone.lines] == ["GND"]
