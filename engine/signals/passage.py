"""Printed passages: which page shows the text read off a photo of print.

A photo of a region of a printed page (a paragraph, a register table, a notes column) has few
local features that tell one page from another (letters repeat everywhere), and its few
salient words name the document rather than the page. But the text it shows is long, and a
run of eight letters seldom repeats across a library: comparing the character n-grams of what
OCR read with those of each page's text finds the page.

Both sides are reduced to the same alphabet first: NFKC, lower case, spaces and punctuation
removed (OCR of dense print drops spaces: "Timer2interruptenablebit"), and of Japanese text
only the kanji kept. The bundled OCR model (PP-OCR, trained on Chinese and English) reads
kanji but skips kana — 守られなかった場合、装置や部品が故障し comes back as 守場合装置部品故障 —
so the kanji sequence is what a photo and its page have in common; kanji it reads in their
simplified Chinese form are folded back (实機 → 実機). A kanji counts twice, as it carries
about as much as two letters.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

# The bundled OCR model reads many Japanese kanji in their simplified Chinese form (実機 as
# 实機, 場合 as 场合, 複数 as 复数). Both sides are folded to the Japanese form; where one
# simplified form stands for two Japanese ones (复: 複, 復), both fold to one.
_SIMPLIFIED = (
    "实场说复復值时进动机电压设为发开关图书门问题对应车见长读经处连级线组输转换运务东话语计认证过"
    "选择传适节约观测频气热调总际报态个样规损坏护检确闭间极误扩张单构铁轴齿轮马达变备术识质导产业"
    "标准范围额载负驱缘绝纸记录忆续键编请须给无网络协议资类户听乐广库该购买卖价费稳针层块缩紧锁从"
    "后还边头风离"
)
_JAPANESE = (
    "実場説複複値時進動機電圧設為発開関図書門問題対応車見長読経処連級線組輸転換運務東話語計認証過"
    "選択伝適節約観測頻気熱調総際報態個様規損壊護検確閉間極誤拡張単構鉄軸歯輪馬達変備術識質導産業"
    "標準範囲額載負駆縁絶紙記録憶続鍵編請須給無網絡協議資類戸聴楽広庫該購買売価費穏針層塊縮緊鎖従"
    "後還辺頭風離"
)
_KANJI_FOLD = str.maketrans(_SIMPLIFIED, _JAPANESE)

GRAM = 8  # 5-12 gave the same pages on the distortion set; 8 tolerates more misreads
# Evidence grows with the amount of text matched: 15 grams (half a line of print) give 0.63.
STRENGTH_GRAMS = 15.0
# A page must explain a fair share of what was read: a board photo's labels or a picture's
# captions also occur here and there in page text, a photo of the page's print mostly there.
SHARE_FLOOR = 0.1
SHARE_FULL = 0.5
MIN_LINE_CONFIDENCE = 0.5


def passage_units(text: str) -> str:
    """``text`` reduced to what a photo of it and its page text share (module docstring)."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFKC", text).lower().translate(_KANJI_FOLD):
        if ch.isascii():
            if ch.isalnum():
                out.append(ch)
        elif _is_kanji(ch):
            out.append(ch * 2)
    return "".join(out)


def _is_kanji(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def grams(units: str, n: int = GRAM) -> set[str]:
    return {units[i : i + n] for i in range(len(units) - n + 1)}


def line_grams(lines: Iterable[tuple[str, float]]) -> list[tuple[str, set[str]]]:
    """The confident OCR lines (text, confidence), each with its own grams: lines are read
    separately, and the order OCR lists them in need not be the reading order. The photo's
    text is their union; a line's own grams pick the excerpt shown as the reason."""
    return [
        (text, grams(passage_units(text)))
        for text, confidence in lines
        if confidence >= MIN_LINE_CONFIDENCE
    ]


@dataclass(frozen=True)
class PassageMatch:
    page: Hashable
    matched: int  # grams of the photo's text found on the page
    confidence: float


def match_pages(query: set[str], pages: Mapping[Hashable, set[str]]) -> list[PassageMatch]:
    """Pages that show the photo's text, best first, with a confidence in [0, 1].

    Confidence is the product of three terms: the amount of text matched (a few grams are a
    coincidence, a line is evidence), the share of the photo's text the page explains, and
    how the page compares with the best page (text repeated on two pages — a header, a
    register table in two datasheets of one chip family — gives neither a lead)."""
    if not query:
        return []
    counts = {page: len(query & page_grams) for page, page_grams in pages.items()}
    best = max(counts.values(), default=0)
    if best == 0:
        return []
    found = []
    for page, matched in counts.items():
        if matched == 0:
            continue
        strength = 1.0 - math.exp(-matched / STRENGTH_GRAMS)
        share = (matched / len(query) - SHARE_FLOOR) / (SHARE_FULL - SHARE_FLOOR)
        relative = (matched / best) ** 2
        confidence = strength * min(1.0, max(0.0, share)) * relative
        if confidence > 0.0:
            found.append(PassageMatch(page, matched, confidence))
    found.sort(key=lambda m: -m.confidence)
    return found
