"""Scanned Japanese PDFs (pages without a text layer) are found by their words: the OCR pass
reads them (Tesseract on the whole page in the default "auto"), and the text goes into the
lexical index with the engine's Japanese tokenisation and into the passage signal."""

from __future__ import annotations

from collections.abc import Iterator

import pymupdf
import pytest
from PIL import Image

from engine.config import FolderConfig, Settings
from engine.library import Library
from engine.search import Query
from tests.japanese_print import scanned_pdf

# One page each, found by a katakana part name (the query) that RapidOCR's model skips: only
# a Japanese reading finds it. Tesseract confuses ブ and プ in small print (ブザー read プザー,
# キャリブレーション キャリプレーション; docs/SIGNALS.md): one such name is kept, so
# Recall@1 may be 0.9.
TERMS = [
    "キャリブレーション",
    "モータドライバ",
    "リレーモジュール",
    "フォトインタラプタ",
    "センサ",
    "ヒーター",
    "バッテリー",
    "スイッチ",
    "コネクタ",
    "ファン",
]
# And a sentence of its own in kanji, which the passage of a photo of the page matches.
OWN = [
    "温度計の校正手順を説明します。",
    "駆動回路の配線図を示します。",
    "接点寿命は負荷電流で変わります。",
    "遮光板の取付位置を確認します。",
    "照度測定値を記録します。",
    "加熱部の温度上昇に注意します。",
    "充電時間と放電特性を示します。",
    "非常停止回路を点検します。",
    "端子番号と信号名を示します。",
    "冷却風量と騒音値を示します。",
]
PAGES = [
    [f"{term}の点検は毎月行ってください。", own, f"{term}を交換するときは電源を切ってください。"]
    for term, own in zip(TERMS, OWN, strict=True)
]
COMMON = [
    "本書は製品を安全にお使いいただくための説明書です。",
    "ご使用の前に必ずお読みください。",
    "不明な点は販売店にお問い合わせください。",
]


@pytest.fixture(scope="module")
def scanned_library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    root = tmp_path_factory.mktemp("scans")
    docs = root / "docs"
    docs.mkdir()
    half = len(PAGES) // 2
    for name, pages in (("manual-a.pdf", PAGES[:half]), ("manual-b.pdf", PAGES[half:])):
        # 14 pt: in 12 pt print Tesseract also misread フォトインタラプタ (フォトインタラプブタ).
        scanned_pdf(docs / name, [[*COMMON[:2], *lines, COMMON[2]] for lines in pages], fontsize=14)
    settings = Settings(
        models_dir=str(root / "no-models"),
        text_model_path=str(root / "no-text-model"),
        visual_match_enabled=False,
    )
    with Library(root / "data", settings) as library:
        library.index([FolderConfig(str(docs))])
        yield library


def _expected(n: int) -> tuple[str, int]:
    half = len(PAGES) // 2
    return ("manual-a.pdf", n + 1) if n < half else ("manual-b.pdf", n - half + 1)


@pytest.mark.slow
def test_each_scanned_page_is_found_by_a_japanese_phrase(scanned_library: Library) -> None:
    found = 0
    for n, phrase in enumerate(TERMS):
        outcome = scanned_library.search(Query(text=phrase, top_k=3, signals={"lexical"}))
        top = outcome.results[0] if outcome.results else None
        found += top is not None and (top.path.name, top.page) == _expected(n)
    assert found / len(PAGES) >= 0.9, f"Recall@1 {found}/{len(PAGES)}"


@pytest.mark.slow
def test_scanned_text_is_stored_as_japanese(scanned_library: Library) -> None:
    rows = scanned_library.catalog.query(
        "SELECT ocr_text FROM items WHERE kind = 'page' AND ocr_done = 1"
    )
    texts = "".join(str(r[0]) for r in rows).replace(" ", "")
    assert len(rows) == len(PAGES)
    assert "ご使用の前に必ずお読みください" in texts  # kana kept: Tesseract, not RapidOCR alone


@pytest.mark.slow
def test_a_photo_of_a_scanned_page_finds_it_by_its_printed_passage(
    scanned_library: Library,
) -> None:
    """The passage signal compares the photo's text with the page's OCR text."""
    n = 3
    name, page = _expected(n)
    with pymupdf.open(scanned_library.data_dir.parent / "docs" / name) as doc:
        pix = doc[page - 1].get_pixmap(dpi=110)
    page_image = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    photo = page_image.rotate(4, fillcolor="white")  # held a little askew
    outcome = scanned_library.search(Query(image=photo, top_k=3, signals={"ocr-passage"}))
    assert outcome.results, outcome.notes
    assert (outcome.results[0].path.name, outcome.results[0].page) == (name, page)
