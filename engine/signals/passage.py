"""Printed passages: which page shows the text read off a photo of print.

A photo of a region of a printed page (a paragraph, a register table, a notes column) has few
local features that tell one page from another (letters repeat everywhere), and its few
salient words name the document rather than the page. But the text it shows is long, and a
run of eight letters seldom repeats across a library: comparing the character n-grams of what
OCR read with those of each page's text finds the page.

Both sides are reduced to the same alphabet first: NFKC, lower case, spaces and punctuation
removed (OCR of dense print drops spaces: "Timer2interruptenablebit"). Japanese is compared
in two alphabets, and each page is scored in the one that matches it better:

* kanji only (:data:`KANJI`). RapidOCR's model (PP-OCR, trained on Chinese and English)
  reads kanji but skips kana — 守られなかった場合、装置や部品が故障し comes back as
  守場合装置部品故障 — so the kanji sequence is what its reading and the page share;
* kanji and kana (:data:`KANA`). Tesseract's Japanese model reads the kana too (the "auto"
  OCR engine), and a kana-bearing 8-gram is far more specific than a kanji run: a line of
  notes in plain kana names its page. Kana are folded by shape, the voicing marks and small
  forms Tesseract confuses (ブ/プ/フ, ッ/ツ) to one plain hiragana.

Kanji read in their simplified Chinese form are folded back on both sides (实機 → 実機). A
kanji counts twice, as it carries about as much as two letters.

As a search signal (:class:`PassageSearch`), candidates come from the lexical index: the
library's words found in what was read, rarest first, BM25-ranked. OCR of dense print often
runs words together ("Eachinterruptsourceofthe"), so the words are looked for inside what was
read, not only between its spaces. Each candidate page's whole text, from all its items, is
then compared with what was read. The hit goes to the page's item that holds most of the
matched text, usually the chunk the lexical signals also hit, so their evidence adds up.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from engine.fusion import Hit
from engine.messages import ReasonCode, reason
from engine.signals.tokenize import token_list
from engine.store.catalog import Catalog
from engine.store.lexical_index import LexicalReader

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
# A passage this sure (it explains at least ~40 % of what was read) tells which text the
# photo shows: a figure matched on a page showing under SHARE_FLOOR of that text is doubted.
DECISIVE = 0.8
DOUBTED = 0.5  # a doubted figure match keeps half its confidence: below a decisive passage


KANJI = "kanji"  # Japanese as kanji only: what RapidOCR's reading shares with the page
KANA = "kana"  # kanji and kana: what Tesseract's reading shares with the page
ALPHABETS = (KANJI, KANA)

# Small kana (after folding katakana to hiragana) → their full-size forms.
_SMALL_KANA = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")
_VOICING_MARKS = "\u3099\u309a"  # combining dakuten / handakuten after NFD


def passage_units(text: str, alphabet: str = KANJI) -> str:
    """``text`` reduced to what a photo of it and its page text share, in ``alphabet``
    (module docstring)."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFKC", text).lower().translate(_KANJI_FOLD):
        if ch.isascii():
            if ch.isalnum():
                out.append(ch)
        elif _is_kanji(ch):
            out.append(ch * 2)
        elif alphabet == KANA and _is_kana(ch):
            out.append(plain_kana(ch))
    return "".join(out)


def plain_kana(ch: str) -> str:
    """One kana as a plain full-size hiragana: ブ, プ and ふ all read ふ, ッ reads つ."""
    base = unicodedata.normalize("NFD", ch).rstrip(_VOICING_MARKS)[:1] or ch
    if "\u30a1" <= base <= "\u30f6":  # katakana → hiragana
        base = chr(ord(base) - 0x60)
    return base.translate(_SMALL_KANA)


def _is_kanji(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _is_kana(ch: str) -> bool:
    # The prolonged sound mark ー is left out: OCR reads it as 一 or a dash as often as not.
    return "\u3041" <= ch <= "\u3096" or "\u30a1" <= ch <= "\u30f6"


def grams(units: str, n: int = GRAM) -> set[str]:
    return {units[i : i + n] for i in range(len(units) - n + 1)}


def line_grams(
    lines: Iterable[tuple[str, float]], alphabet: str = KANJI
) -> list[tuple[str, set[str]]]:
    """The confident OCR lines (text, confidence), each with its own grams: lines are read
    separately, and the order OCR lists them in need not be the reading order. The photo's
    text is their union; a line's own grams pick the excerpt shown as the reason."""
    return [
        (text, grams(passage_units(text, alphabet)))
        for text, confidence in lines
        if confidence >= MIN_LINE_CONFIDENCE
    ]


def text_grams(text: str) -> dict[str, set[str]]:
    """A page text's grams in each alphabet."""
    return {alphabet: grams(passage_units(text, alphabet)) for alphabet in ALPHABETS}


def read_grams(
    lines: Sequence[tuple[str, float]],
) -> tuple[dict[str, list[tuple[str, set[str]]]], dict[str, set[str]]]:
    """The confident lines' grams (:func:`line_grams`) and their union, per alphabet."""
    read = {alphabet: line_grams(lines, alphabet) for alphabet in ALPHABETS}
    return read, {alphabet: set().union(*(g for _, g in r)) for alphabet, r in read.items()}


def union_grams(parts: Iterable[Mapping[str, set[str]]]) -> dict[str, set[str]]:
    """A page's grams per alphabet from its items' (:func:`text_grams`)."""
    listed = list(parts)
    return {a: set().union(*(part[a] for part in listed)) for a in ALPHABETS}


Page = TypeVar("Page", bound=Hashable)


@dataclass(frozen=True)
class PassageMatch(Generic[Page]):
    page: Page
    matched: int  # grams of the photo's text found on the page
    confidence: float


def match_pages(query: set[str], pages: Mapping[Page, set[str]]) -> list[PassageMatch[Page]]:
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
    found: list[PassageMatch[Page]] = []
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


def best_matches(
    query: Mapping[str, set[str]], pages: Mapping[Page, Mapping[str, set[str]]]
) -> list[tuple[str, PassageMatch[Page]]]:
    """Each page scored in the alphabet that matches it better (module docstring), best
    first, with that alphabet: a page's score never falls below its kanji-only score, so a
    reading without kana ranks as it did before kana were compared."""
    best: dict[Page, tuple[str, PassageMatch[Page]]] = {}
    for alphabet, grams_read in query.items():
        in_alphabet = {page: by[alphabet] for page, by in pages.items()}
        for match in match_pages(grams_read, in_alphabet):
            held = best.get(match.page)
            if held is None or match.confidence > held[1].confidence:
                best[match.page] = (alphabet, match)
    return sorted(best.values(), key=lambda found: -found[1].confidence)


# --- The search signal ----------------------------------------------------------------------

MAX_QUERY_WORDS = 64  # the rarest words read: enough to find the page, a bounded query
MIN_WORD = 4  # shorter pieces of a run-together line are too often chance ("the", "bit")
MAX_WORD = 20
RUN_TOGETHER = 12  # a token this long is looked inside for words
CANDIDATE_ROWS = 100
CANDIDATE_PAGES = 30
EXCERPT_CHARS = 60

PageKey = tuple[int, int | None]  # (file id, page number; None for a photo or image file)


class PassageSearch:
    def __init__(self, catalog: Catalog, lexical: LexicalReader) -> None:
        self.catalog = catalog
        self.lexical = lexical  # candidates by BM25, and the library's vocabulary

    def hits(self, lines: Sequence[tuple[str, float]]) -> list[Hit]:
        """Hits for OCR ``lines`` (text, confidence) of a query photo."""
        read, query = read_grams(lines)
        if not query[KANJI] and not query[KANA]:
            return []
        pages = self._candidate_pages(" ".join(text for text, _ in read[KANJI]))
        item_grams = {
            key: {item: text_grams(text) for item, text in rows}
            for key, rows in self._page_items(pages).items()
        }
        page_grams = {key: union_grams(items.values()) for key, items in item_grams.items()}
        hits = []
        for alphabet, match in best_matches(query, page_grams):
            items = item_grams[match.page]
            grams_read = query[alphabet]
            holder = max(items, key=lambda item: len(grams_read & items[item][alphabet]))
            shown = _excerpt(read[alphabet], page_grams[match.page][alphabet])
            share = match.matched / len(grams_read)
            why = reason(ReasonCode.PRINTED_PASSAGE, share=round(share, 4), excerpt=shown)
            hits.append(Hit(holder, "ocr-passage", match.confidence, why))
        return hits

    def shares(self, lines: Sequence[tuple[str, float]], item_ids: list[int]) -> dict[int, float]:
        """For each item, the share of the photo's text that its page shows (the better of
        the two alphabets); items of pages without text are left out."""
        _, read = read_grams(lines)
        alphabets = [a for a in ALPHABETS if read[a]]
        if not alphabets:
            return {}
        rows = self.catalog.query_ids(
            "SELECT id, file_id, page FROM items WHERE id IN ({})", item_ids
        )
        key_of = {int(i): (int(f), p) for i, f, p in rows}
        texts = self._page_items(list(dict.fromkeys(key_of.values())))
        out: dict[int, float] = {}
        for item, key in key_of.items():
            if key not in texts:
                continue
            page = union_grams(text_grams(text) for _, text in texts[key])
            out[item] = max(len(read[a] & page[a]) / len(read[a]) for a in alphabets)
        return out

    def _candidate_pages(self, text: str) -> list[PageKey]:
        words = self.words_read(text)
        if not words:
            return []
        ranked = self.lexical.rank(words, CANDIDATE_ROWS)
        where = self.catalog.query_ids(
            "SELECT id, file_id, page FROM items WHERE id IN ({})", [r[0] for r in ranked]
        )
        key_of = {int(i): (int(f), p) for i, f, p in where}
        pages = [key_of[int(r[0])] for r in ranked if int(r[0]) in key_of]
        return list(dict.fromkeys(pages))[:CANDIDATE_PAGES]

    def words_read(self, text: str) -> list[str]:
        """The library's words in ``text``, rarest first; a word inside another found is
        left out ("enable" inside "enabled")."""
        tokens = set(token_list(text))
        pieces = {
            token[i:j]
            for token in tokens
            if len(token) >= RUN_TOGETHER
            for i in range(len(token) - MIN_WORD + 1)
            for j in range(i + MIN_WORD, min(len(token), i + MAX_WORD) + 1)
        }
        known = self.lexical.doc_counts(tokens | pieces)
        whole = [w for w in known if not any(w != o and w in o for o in known)]
        whole.sort(key=lambda w: (known[w], -len(w), w))
        return whole[:MAX_QUERY_WORDS]

    def _page_items(self, pages: list[PageKey]) -> dict[PageKey, list[tuple[int, str]]]:
        """Every item's text (page text chunks, OCR of page renders and images) per page."""
        out: dict[PageKey, list[tuple[int, str]]] = {}
        for file_id, page in pages:
            rows = self.catalog.query(
                "SELECT id, text, ocr_text FROM items WHERE file_id = ?"
                " AND page IS NOT DISTINCT FROM ?",
                (file_id, page),
            )
            texts = [(int(i), f"{t or ''} {o or ''}") for i, t, o in rows]
            if texts:
                out[(file_id, page)] = texts
        return out


def _excerpt(read: list[tuple[str, set[str]]], page_grams: set[str]) -> str:
    """The line read that the page shows most of, shortened: the reason the user sees."""
    text = max(read, key=lambda line: len(line[1] & page_grams))[0].strip()
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def doubt_figures_without_the_text(
    hits: list[Hit], shares: Callable[[list[int]], Mapping[int, float]]
) -> list[Hit]:
    """Figure matches on pages that do not show the text a decisive passage read.

    Local features of print repeat (one font, one layout, screenshots of one program): on
    photos of Japanese manuals a figure was matched on a page whose text the photo does not
    show, above the passage hit on the page that shows it (docs/SIGNALS.md, section 3). When
    a passage is sure of its page, a figure match on a page showing almost none
    of it contradicts the text, and keeps only :data:`DOUBTED` of its confidence.
    ``shares``: item ids → the share of the read text each one's page shows."""
    passages = [h for h in hits if h.signal == "ocr-passage"]
    best = max(passages, key=lambda h: h.confidence, default=None)
    if best is None or best.confidence < DECISIVE:
        return hits
    figures = sorted({h.item_id for h in hits if h.signal == "visual"})
    if not figures:
        return hits
    share_of = shares(figures)
    return [
        replace(h, confidence=h.confidence * DOUBTED)
        if h.signal == "visual" and share_of.get(h.item_id, 1.0) < SHARE_FLOOR
        else h
        for h in hits
    ]
