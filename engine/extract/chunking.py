"""Split page text into overlapping, paragraph-sized chunks for the text encoder.

Japanese has no spaces between words, so "words" are counted per unit: a run of non-space,
non-CJK characters is one unit of weight 1; each CJK character (kana, kanji, full-width forms) is
its own unit of weight ``CJK_CHAR_WEIGHT``. With 0.5, 60 "words" is about 120 Japanese characters,
roughly the information of 60 English words. Chunks end at a sentence end when one is near.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

CJK_CHAR_WEIGHT = 0.5
# Overlap between consecutive chunks as a share of the chunk size, so that a phrase cut at a
# chunk boundary is still whole in one of the two chunks.
OVERLAP_SHARE = 0.2
# Look back over this share of a full chunk for a sentence end to cut at.
SENTENCE_LOOKBACK = 0.3

_CJK = (
    "\u3000-\u303f"  # CJK punctuation
    "\u3040-\u309f"  # hiragana
    "\u30a0-\u30ff"  # katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # compatibility ideographs
    "\uff00-\uffef"  # half-width and full-width forms
)
_UNIT = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_SENTENCE_END = re.compile(r"[。．！？!?]$|[^.]\.$|:$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    weight: float
    ends_sentence: bool


def normalize_text(text: str) -> str:
    """Join PDF line breaks: no space between two CJK characters, one space otherwise.

    Done line by line, not with a regex around the line break: ``[ \t]*\n[ \t]*`` backtracks
    quadratically over a long run of spaces, and a PDF with one froze indexing (the regex
    engine holds Python's lock, so every thread stopped).
    """
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.strip(" \t") for line in text.split("\n")]
    parts = [lines[0]]
    for previous, line in itertools.pairwise(lines):
        parts.append(line if _both_cjk(previous, line) else " " + line)
    return _SPACES.sub(" ", "".join(parts)).strip()


def _both_cjk(before: str, after: str) -> bool:
    return bool(before and after and _CJK_CHAR.match(before[-1]) and _CJK_CHAR.match(after[0]))


def chunk_text(text: str, chunk_words: int = 60) -> list[str]:
    """Split ``text`` into chunks of about ``chunk_words`` words (see module doc for CJK)."""
    clean = normalize_text(text)
    units = [_unit(m) for m in _UNIT.finditer(clean)]
    if not units:
        return []
    limit = max(1.0, float(chunk_words))
    chunks: list[str] = []
    start = 0
    while start < len(units):
        end = _chunk_end(units, start, limit)
        chunks.append(clean[units[start].start : units[end - 1].end])
        if end >= len(units):
            break
        start = _next_start(units, start, end, limit * OVERLAP_SHARE)
    return chunks


def _unit(match: re.Match[str]) -> _Unit:
    token = match.group()
    weight = CJK_CHAR_WEIGHT if _CJK_CHAR.match(token) else 1.0
    return _Unit(match.start(), match.end(), weight, bool(_SENTENCE_END.search(token)))


def _chunk_end(units: list[_Unit], start: int, limit: float) -> int:
    """Exclusive end index: fill up to ``limit``, then back off to a nearby sentence end."""
    total, end = 0.0, start
    while end < len(units) and total + units[end].weight <= limit:
        total += units[end].weight
        end += 1
    end = max(end, start + 1)  # always make progress
    if end >= len(units):
        return len(units)
    lookback, back = limit * SENTENCE_LOOKBACK, 0.0
    for i in range(end - 1, start, -1):
        if units[i].ends_sentence:
            return i + 1
        back += units[i].weight
        if back > lookback:
            break
    return end


def _next_start(units: list[_Unit], start: int, end: int, overlap: float) -> int:
    """Step back from ``end`` by about ``overlap`` weight, but always past ``start``."""
    back, i = 0.0, end
    while i - 1 > start and back + units[i - 1].weight <= overlap:
        i -= 1
        back += units[i].weight
    return i
