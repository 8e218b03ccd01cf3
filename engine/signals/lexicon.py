"""Repair the words OCR broke, against the library's own vocabulary.

Silkscreen OCR splits and clips words: a Grove board reads "Grov Ultr asonic", which matches
nothing, though the library is full of "grove" and "ultrasonic". A word that occurs nowhere
in the library cannot match anything and only dilutes the query, so before a photo's text
becomes a query each unknown Latin word is

1. joined with its neighbour on the same line when the join is a library word
   ("Ultr" + "asonic" → "ultrasonic");
2. otherwise mended to the nearest library word: completed by at most ``MAX_EXTRA_LETTERS``
   ("Grov" → "grove": OCR clips letters at a board edge) or with a stray last letter dropped
   ("RELAYI", a misread RELAY1 → "relay");
3. otherwise dropped.

Part-number-like tokens and non-Latin text pass through untouched: codes are matched by their
own variant logic (A7608E ~ A7608X), and a code missing from the library is still worth a
similar-code lookup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

MIN_WORD = 3  # shorter fragments are pin labels and OCR specks, never repaired
MIN_PREFIX = 4  # a completion needs this many letters read, or it is a guess
MAX_EXTRA_LETTERS = 2

_TOKEN = re.compile(r"\S+")
_LATIN_WORD = re.compile(r"^[A-Za-z]+$")


class Vocabulary(Protocol):
    """The library's lexical terms (lower case), with how many rows hold each."""

    def doc_count(self, term: str) -> int: ...

    def completions(self, prefix: str, max_length: int) -> list[tuple[str, int]]: ...


class _NoVocabulary:
    """Knows no word: OCR text is taken as read (a scoped query, engine.team.access)."""

    def doc_count(self, term: str) -> int:
        return 0

    def completions(self, prefix: str, max_length: int) -> list[tuple[str, int]]:
        return []


NO_VOCABULARY: Vocabulary = _NoVocabulary()


def repair_lines(lines: Iterable[str], vocabulary: Vocabulary) -> str:
    """OCR lines → one text whose Latin words all occur in the library (see module doc)."""
    return "\n".join(
        " ".join(_complete(_join_fragments(_TOKEN.findall(line), vocabulary), vocabulary))
        for line in lines
    )


def _is_word(token: str) -> bool:
    return bool(_LATIN_WORD.match(token))


def _known(token: str, vocabulary: Vocabulary) -> bool:
    return vocabulary.doc_count(token.lower()) > 0


def _join_fragments(tokens: list[str], vocabulary: Vocabulary) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        here = tokens[i]
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if _is_word(here) and _is_word(after):
            joined = (here + after).lower()
            broken = not (_known(here, vocabulary) and _known(after, vocabulary))
            if broken and len(joined) > MIN_WORD and _known(joined, vocabulary):
                out.append(joined)
                i += 2
                continue
        out.append(here)
        i += 1
    return out


def _complete(tokens: list[str], vocabulary: Vocabulary) -> list[str]:
    out = []
    for token in tokens:
        if not _is_word(token):
            out.append(token)  # codes (they hold digits), numbers, Japanese: not ours to mend
        elif len(token) < MIN_WORD or _known(token, vocabulary):
            out.append(token)
        elif len(token) >= MIN_PREFIX:
            mended = _closest_word(token.lower(), vocabulary)
            if mended:
                out.append(mended)
    return out


def _closest_word(word: str, vocabulary: Vocabulary) -> str | None:
    """The library word fewest letters away: ``word`` completed, or with one stray last letter
    dropped ("RELAYI" is RELAY1 misread: "relay", not "relaying"); ties go to the commoner."""
    candidates = [
        (len(term) - len(word), -count, term)
        for term, count in vocabulary.completions(word, len(word) + MAX_EXTRA_LETTERS)
    ]
    trimmed = word[:-1]
    if len(trimmed) >= MIN_PREFIX and (count := vocabulary.doc_count(trimmed)) > 0:
        candidates.append((1, -count, trimmed))
    return min(candidates)[2] if candidates else None
