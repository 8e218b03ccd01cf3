"""The OCR benchmark's parts (benchmarks/cer.py, ocr_crops.py): its figures in
docs/BENCHMARKS.md are only as right as the error rate and the known text it reads against."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pymupdf
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import ocr_crops  # benchmarks/ is a folder of scripts, not a package
from cer import Errors, cer, edit_distance, errors, normalise

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="the tesseract program is not installed"
)


# --- character error rate ----------------------------------------------------------------------


def test_edit_distance_counts_insertions_deletions_and_substitutions() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("sitting", "kitten") == 3
    assert edit_distance("", "abc") == edit_distance("abc", "") == 3
    assert edit_distance("", "") == 0


def test_error_rate_is_edits_per_reference_character() -> None:
    assert cer("abcd", "abcd") == 0.0
    assert cer("abcd", "abxd") == 0.25
    assert cer("abcd", "") == 1.0  # nothing read: every character missed
    assert cer("ab", "abcdef") == 2.0  # extra text read counts: a rate may exceed 1


def test_empty_reference_counts_as_one_character() -> None:
    assert cer("", "") == 0.0
    assert cer("", "xy") == 2.0


def test_kana_skipped_by_a_reader_count_as_deletions() -> None:
    # RapidOCR's reading of this line keeps only its kanji (docs/SIGNALS.md, section 3).
    assert cer("守られなかった場合", "守場合") == pytest.approx(6 / 9)


def test_simplified_kanji_are_errors_unless_folded() -> None:
    assert cer("説明書", "说明书") == pytest.approx(2 / 3)
    assert cer("説明書", "说明书", fold_variants=True) == 0.0
    assert cer("実機の設定", "实機の设定", fold_variants=True) == 0.0
    assert cer("実機の設定", "实機の设定") == pytest.approx(2 / 5)


def test_normalisation_drops_whitespace_and_width_differences() -> None:
    assert normalise("ＡＢＣ　１２３ abc\n") == "ABC123abc"
    assert cer("ｶﾒﾗ 設定", "カメラ設定") == 0.0  # half-width katakana
    assert cer("Timer2 interrupt enable", "Timer2interruptenable") == 0.0
    assert cer("ABC", "abc") == 1.0  # case is kept


def test_errors_add_up_over_crops_by_characters() -> None:
    total = errors("abcd", "abcd") + errors("ab", "")  # 0 of 4, then 2 of 2
    assert total == Errors(2, 6)
    assert total.rate == pytest.approx(2 / 6)  # not the mean of the rates (0.5)


# --- crops with known text ---------------------------------------------------------------------

JA_LINE = "取扱説明書をよく読んでください"
EN_LINE = "Absolute maximum ratings of the device"
OTHER_LINES = ["電源電圧は五ボルトです", "Operating temperature range"]


def _pdf(path: Path, gap: float = 40) -> Path:
    """A page of four lines ``gap`` points apart (baseline to baseline, 14 pt type)."""
    with pymupdf.open() as doc:
        page = doc.new_page(width=595, height=842)
        for i, line in enumerate([JA_LINE, OTHER_LINES[0], EN_LINE, OTHER_LINES[1]]):
            font = "japan" if i < 2 else "helv"
            page.insert_text((72, 120 + i * gap), line, fontname=font, fontsize=14)
        doc.save(path)
    return path


def test_a_crop_shows_its_line_and_carries_its_text(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "page.pdf")
    rng = np.random.default_rng(0)
    ja = ocr_crops.line_crops([pdf], ocr_crops.JA, 1, rng)
    en = ocr_crops.line_crops([pdf], ocr_crops.EN, 1, rng)
    assert [c.text for c in ja] in ([JA_LINE], [OTHER_LINES[0]])
    assert [c.text for c in en] in ([EN_LINE], [OTHER_LINES[1]])
    for crop in ja + en:
        assert crop.em_px >= ocr_crops.MIN_EM_PX
        grey = np.asarray(crop.image.convert("L"))
        x0, y0, x1, y1 = crop.box
        assert grey[y0:y1, x0:x1].min() < 100  # the print is inside the box
        outside = grey.copy()
        outside[y0:y1, x0:x1] = 255
        assert outside.min() > 200  # and nothing else is on the sheet


def test_lines_printed_too_close_to_crop_alone_are_left_out(tmp_path: Path) -> None:
    """Lines 12 points apart in 14-point type touch: a crop of one would show parts of the
    next, whose text is not in the reference."""
    pdf = _pdf(tmp_path / "tight.pdf", gap=12)
    with pymupdf.open(pdf) as doc:
        assert ocr_crops.page_lines(doc[0], ocr_crops.JA) == []
        assert ocr_crops.page_lines(doc[0], ocr_crops.EN) == []


def test_lines_are_sorted_into_japanese_english_or_neither() -> None:
    assert ocr_crops.kind_of(JA_LINE) == ocr_crops.JA
    assert ocr_crops.kind_of("Pi の設定方法") == ocr_crops.JA  # mostly Japanese
    assert ocr_crops.kind_of(EN_LINE) == ocr_crops.EN
    assert ocr_crops.kind_of("Raspberry Pi の設定") is None  # a mix: neither set
    assert ocr_crops.kind_of("12.5 ± 0.3") is None  # too little to read as either
    assert ocr_crops.kind_of("\ue000\ue001 icons") is None  # private-use glyphs


@needs_tesseract
def test_a_crop_reads_as_its_known_text(tmp_path: Path) -> None:
    """A real engine agrees with the ground truth on a clean crop."""
    import pytesseract

    crops = ocr_crops.line_crops(
        [_pdf(tmp_path / "page.pdf")], ocr_crops.JA, 1, np.random.default_rng(1)
    )
    reading = pytesseract.image_to_string(crops[0].image, lang="jpn", config="--psm 6")
    assert cer(crops[0].text, reading) <= 0.1


@needs_tesseract
def test_vertical_typesetting_runs_top_to_bottom() -> None:
    """One tall column that Tesseract's vertical Japanese model reads in order."""
    import pytesseract

    column = ocr_crops.typeset_vertical("設定（初期値）を確認する。", em_px=40)
    assert column.height > 5 * column.width
    reading = pytesseract.image_to_string(column, lang="jpn_vert", config="--psm 5")
    assert cer("設定（初期値）を確認する。", reading) <= 0.2


# --- straightening a detected box ------------------------------------------------------------


def _leaning_box(size: tuple[float, float], degrees: float, start: int) -> np.ndarray:
    """The corners of a ``size`` (w, h) box centred at (500, 500), turned ``degrees``,
    listed clockwise from corner ``start`` (0: top-left), as a detector may list them."""
    w, h = size
    corners = np.array([(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)])
    a = np.radians(degrees)
    turn = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return np.roll(corners @ turn.T + 500, -start, axis=0).astype(np.float32)


@pytest.mark.parametrize("start", [0, 1, 2, 3])
@pytest.mark.parametrize("degrees", [-25, -8, 0, 8, 25])
def test_a_leaning_box_is_straightened_upright_whichever_corner_it_starts_from(
    start: int, degrees: float
) -> None:
    """RapidOCR lists a leaning column's corners from another corner than the top-left: the
    column must still come out upright (tall) and a line level (wide), ink where it was."""
    import ocr_engines

    page = np.full((1000, 1000, 3), 255, np.uint8)
    for size in ((60, 600), (600, 60)):
        box = _leaning_box(size, degrees, start)
        crop, tall = ocr_engines._upright(page, box)
        assert tall == (size[1] > size[0])
        assert (crop.height > 5 * crop.width) == tall
        assert (crop.width > 5 * crop.height) == (not tall)
