"""Character error rate of a reading against known text (bench_ocr_cer.py).

Normalisation, applied to the reference and the reading alike:
* Unicode NFKC: full-width Latin and digits become ASCII, half-width katakana full-width,
  vertical presentation forms (︒, ︵) their usual forms, so a reading is not charged for a
  form the text layer and the print share;
* every whitespace character removed: engines space Japanese and run-together print
  differently, and neither the lexical index nor the passage signal depends on spaces;
* case is kept.

Simplified Chinese forms of kanji (说 for 説) are errors in the plain figure: reading them is
the error a Japanese engine should fix. ``fold_variants=True`` also folds them to the
Japanese form, with the table the passage signal uses (engine.signals.passage), which shows
how much of the error the product already absorbs there.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from engine.signals.passage import _KANJI_FOLD


def normalise(text: str, fold_variants: bool = False) -> str:
    text = "".join(unicodedata.normalize("NFKC", text).split())
    return text.translate(_KANJI_FOLD) if fold_variants else text


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions of one character."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class Errors:
    """Character edits and reference length: summed over crops, then divided (a micro
    average, so a long line weighs what its characters weigh)."""

    edits: int
    length: int

    def __add__(self, other: Errors) -> Errors:
        return Errors(self.edits + other.edits, self.length + other.length)

    @property
    def rate(self) -> float:
        """Edits per reference character; an empty reference counts as one character, so
        reading nothing there is 0 and reading text there is an error per character read."""
        return self.edits / max(self.length, 1)


def errors(reference: str, reading: str, fold_variants: bool = False) -> Errors:
    ref = normalise(reference, fold_variants)
    return Errors(edit_distance(ref, normalise(reading, fold_variants)), len(ref))


def cer(reference: str, reading: str, fold_variants: bool = False) -> float:
    """Character error rate of ``reading`` against ``reference`` (may exceed 1: a reading
    with extra text)."""
    return errors(reference, reading, fold_variants).rate
