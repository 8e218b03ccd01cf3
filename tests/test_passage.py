"""Printed passages: the page whose text a photo of print shows (engine.signals.passage)."""

from __future__ import annotations

from engine.fusion import Hit, fuse
from engine.messages import ReasonCode, reason
from engine.signals.passage import (
    KANA,
    KANJI,
    best_matches,
    doubt_figures_without_the_text,
    grams,
    line_grams,
    match_pages,
    passage_units,
    plain_kana,
    text_grams,
)

PAGE_2 = (
    "Each interrupt source is individually enabled or disabled by setting or clearing its "
    "enable bit. IE.7 disables all interrupts: if EA = 0, no interrupt is acknowledged."
)
PAGE_5 = (
    "The timer 2 capture register holds the count when an external transition occurs. "
    "Interrupts from timer 2 are enabled by the ET2 bit."
)
# What OCR reads off a photo of page 2: dense print loses spaces, a letter is misread.
READ_PAGE_2 = [
    ("individuallyenabled ordisabled by setting or", 0.95),
    ("clearing itsenable bit. IE.7 disables all", 0.93),
    ("interrupts:lf EA = 0,no interrupt is", 0.91),
]


def read_grams(lines: list[tuple[str, float]]) -> set[str]:
    """All the grams of what was read, as the passage search queries with."""
    return set().union(*(g for _, g in line_grams(lines)))


def pages_of(**texts: str) -> dict[str, set[str]]:
    return {name: grams(passage_units(text)) for name, text in texts.items()}


def test_units_ignore_case_spaces_and_punctuation() -> None:
    assert passage_units("Disables ALL interrupts. If EA = 0,") == "disablesallinterruptsifea0"
    assert passage_units("ＴＩＭＥＲ２") == "timer2"  # full-width forms folded by NFKC


def test_units_keep_kanji_as_ocr_reads_them() -> None:
    # The bundled OCR model skips kana: a page and the photo of it share the kanji run.
    page = passage_units("守られなかった場合、装置や部品が故障し")
    read = passage_units("守場合、装置部品故障")
    assert page == read == "守守場場合合装装置置部部品品故故障障"


def test_kanji_read_in_simplified_form_fold_back() -> None:
    # The OCR model reads 実機 as 实機 and 場合 as 场合; 复 stands for both 複 and 復.
    assert passage_units("实機上で使用する场合") == passage_units("実機上で使用する場合")
    assert passage_units("复数") == passage_units("複数")
    assert passage_units("复帰") == passage_units("復帰")
    assert passage_units("機") != passage_units("器")  # only real variants fold


def test_lines_are_read_separately_and_unsure_lines_are_dropped() -> None:
    lines = [("abcdefgh", 0.9), ("ijklmnop", 0.9), ("qrstuvwxyz", 0.2)]
    assert read_grams(lines) == {"abcdefgh", "ijklmnop"}  # no gram spans the two lines


def test_the_page_showing_the_passage_wins() -> None:
    pages = pages_of(p2=PAGE_2, p5=PAGE_5)
    matches = match_pages(read_grams(READ_PAGE_2), pages)
    assert matches[0].page == "p2"
    assert matches[0].confidence > 0.9
    # p5 shares a word ("interrupts": three grams), far below the share a page must explain.
    assert [m.page for m in matches] == ["p2"]


def test_text_repeated_on_two_pages_gives_neither_a_lead() -> None:
    # A register description copied into two datasheets of one chip family: the passage
    # cannot tell them apart, and must leave that to other signals.
    pages = pages_of(family_a=PAGE_2, family_b=PAGE_2 + " Reserved.", other=PAGE_5)
    matches = {m.page: m.confidence for m in match_pages(read_grams(READ_PAGE_2), pages)}
    assert abs(matches["family_a"] - matches["family_b"]) < 1e-9


def test_a_few_labels_that_occur_in_page_text_are_weak_evidence() -> None:
    # A board photo's silkscreen: the words occur in a datasheet, but it is no passage.
    board = [("Grove - Relay", 0.95), ("GND VCC SIG NC", 0.9), ("Seeed Studio v1.2", 0.9)]
    pages = pages_of(ds="The Grove - Relay module is a digital normally-open switch. Connect GND.")
    matches = match_pages(read_grams(board), pages)
    assert all(m.confidence < 0.5 for m in matches)


def test_nothing_read_or_nothing_shared_gives_no_match() -> None:
    pages = pages_of(p2=PAGE_2)
    assert match_pages(set(), pages) == []
    assert match_pages(read_grams([("completely unrelated words", 0.99)]), pages) == []
    assert match_pages(read_grams(READ_PAGE_2), {}) == []


# Two pages of a Japanese manual whose kanji runs are the same: only the kana tell them apart.
NOTE_A = "電源を入れる前に、配線をよく確認してから、スイッチを押してください。"
NOTE_B = "電源を入れる前に配線を確認し、スイッチはゆっくりと押さないでください。"


def test_kana_are_kept_in_the_kana_alphabet_and_folded_by_shape() -> None:
    assert passage_units("スイッチを押す", KANJI) == "押押"
    assert passage_units("スイッチを押す", KANA) == "すいつちを押押す"
    # Tesseract confuses ブ/プ/フ and reads ッ as ツ: all fold to one plain hiragana.
    assert plain_kana("ブ") == plain_kana("プ") == plain_kana("ふ") == "ふ"
    assert plain_kana("ッ") == plain_kana("ツ") == "つ"
    assert passage_units("キャリブレーション", KANA) == passage_units("キヤリプレーション", KANA)


def test_a_reading_with_kana_tells_apart_pages_whose_kanji_are_alike() -> None:
    pages = {"a": text_grams(NOTE_A), "b": text_grams(NOTE_B)}
    assert grams(passage_units(NOTE_A)) & grams(passage_units(NOTE_B))  # kanji alike
    read = [("電源を入れる前に、配線をよく確認してから、", 0.9), ("スイッチを押してください", 0.9)]
    query = {a: set().union(*(g for _, g in line_grams(read, a))) for a in (KANJI, KANA)}
    found = best_matches(query, pages)
    assert found[0][1].page == "a"
    assert found[0][0] == KANA
    in_kanji = {page: by[KANJI] for page, by in pages.items()}
    kanji_only = {m.page: m.confidence for m in match_pages(query[KANJI], in_kanji)}
    assert found[0][1].confidence > kanji_only["a"]


def test_a_reading_without_kana_scores_as_kanji_only() -> None:
    # RapidOCR's reading of the same print: kana skipped; the kana alphabet must not hurt it.
    pages = {"a": text_grams(NOTE_A), "other": text_grams("温度センサの校正手順と測定範囲について")}
    read = [("電源入前配線確認", 0.9)]
    query = {a: set().union(*(g for _, g in line_grams(read, a))) for a in (KANJI, KANA)}
    kanji_only = match_pages(query[KANJI], {p: by[KANJI] for p, by in pages.items()})
    found = best_matches(query, pages)
    assert [(m.page, m.confidence) for _, m in found] == [
        (m.page, m.confidence) for m in kanji_only
    ]


def _hit(item: int, signal: str, confidence: float, **params: object) -> Hit:
    code = ReasonCode.PRINTED_PASSAGE if signal == "ocr-passage" else ReasonCode.FIGURE_MATCHED
    return Hit(item, signal, confidence, reason(code, **params))  # type: ignore[arg-type]


def test_a_figure_on_a_page_without_the_text_read_is_doubted() -> None:
    # A photo of print: the passage is sure of item 1's page, local features matched item 2
    # (a page showing 4 % of the text read) and item 3 (its page shows the text too).
    hits = [
        _hit(1, "ocr-passage", 0.88, share=0.46, excerpt="…"),
        _hit(2, "visual", 0.98, inliers=42),
        _hit(3, "visual", 0.90, inliers=30),
    ]
    shares = {2: 0.04, 3: 0.40}
    doubted = doubt_figures_without_the_text(hits, lambda ids: {i: shares[i] for i in ids})
    by_item = {h.item_id: h.confidence for h in doubted}
    assert by_item == {1: 0.88, 2: 0.49, 3: 0.90}
    ranked = [f.item_id for f in fuse(doubted)]
    assert ranked[0] == 3 and ranked.index(1) < ranked.index(2)


def test_figures_stand_when_the_passage_is_not_sure() -> None:
    hits = [_hit(1, "ocr-passage", 0.5, share=0.2, excerpt="…"), _hit(2, "visual", 0.98)]
    asked: list[list[int]] = []

    def shares(ids: list[int]) -> dict[int, float]:
        asked.append(ids)
        return dict.fromkeys(ids, 0.0)

    assert doubt_figures_without_the_text(hits, shares) == hits
    assert doubt_figures_without_the_text(hits[1:], shares) == hits[1:]
    assert asked == []  # no page text is read when nothing can be doubted
