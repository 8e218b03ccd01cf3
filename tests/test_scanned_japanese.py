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

# One page each: a distinctive phrase (the query) among ordinary manual sentences.
PAGES = [
    ("温度センサの校正手順", "温度センサの校正手順を説明します。"),
    ("モータドライバの配線", "モータドライバの配線は電源を切ってから行ってください。"),
    ("リレー接点の寿命", "リレー接点の寿命は負荷電流によって変わります。"),
    ("照度センサの取付位置", "照度センサの取付位置は直射日光を避けてください。"),
    ("液晶表示器の輝度調整", "液晶表示器の輝度調整は前面のつまみで行います。"),
    ("非常停止ボタンの点検", "非常停止ボタンの点検は毎日始業前に行ってください。"),
    ("圧力計の目盛り", "圧力計の目盛りは定期的に確認してください。"),
    ("冷却ファンの清掃", "冷却ファンの清掃は三か月ごとに行います。"),
    ("絶縁抵抗の測定", "絶縁抵抗の測定には専用の測定器を使います。"),
    ("保護カバーの交換", "保護カバーの交換方法を図に示します。"),
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
        scanned_pdf(docs / name, [[*COMMON[:2], sentence, COMMON[2]] for _, sentence in pages])
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
    for n, (phrase, _) in enumerate(PAGES):
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
