"""Lexical tokens for an SQLite FTS5 table that uses the plain ``unicode61`` tokenizer.

unicode61 splits on spaces and punctuation only, so unsegmented Japanese would become one
giant token and ``HX-2291`` two meaningless ones. We pre-tokenise instead and store a
space-separated string: Japanese words from Janome, Latin words lower-cased, and part numbers
kept whole with separators removed (plus their family stems, so TB6612 finds TB6612FNG).
Index and query go through the same function, so both sides agree on every form.
"""

from __future__ import annotations

import re
import unicodedata

from engine.signals.japanese import JAPANESE_RUN, long_vowel_forms, segment, split_katakana
from engine.signals.partnumbers import is_part_number, part_number_variants
from engine.store.fts_lexical import quote_term

# A Latin run keeps inner separators so part numbers can be recognised before splitting.
_LATIN_RUN = re.compile(r"[A-Za-z0-9]+(?:[-./+_][A-Za-z0-9]+)*")
_SCAN = re.compile(f"{_LATIN_RUN.pattern}|{JAPANESE_RUN.pattern}")
_SEPARATORS = re.compile(r"[-./+_]")

_STOP_TEXT = (
    "a an the and or of to in on at by for with from as is are was were be been it its this "
    "that these those not no but if then than so do does did can could will would should may "
    "into onto over under about what which who how when where why all any some such via per"
)
_STOP_WORDS = frozenset(_STOP_TEXT.split())
_MAX_QUERY_TERMS = 32  # long pasted text: keep the query fast and the plan simple


def _plural_stem(word: str) -> str | None:
    """'sensors' → 'sensor': a light stem so plurals meet singulars without a stemmer."""
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return None


def _latin_tokens(run: str) -> list[str]:
    if is_part_number(run.upper()):
        whole = [_SEPARATORS.sub("", v).lower() for v in part_number_variants(run)]
        parts = [p.lower() for p in _SEPARATORS.split(run) if len(p) >= 2]
        return list(dict.fromkeys(whole + parts))
    out: list[str] = []
    for word in _SEPARATORS.split(run.lower()):
        if word and (len(word) >= 2 or word.isdigit()) and word not in _STOP_WORDS:
            out.append(word)
            stem = _plural_stem(word)
            if stem:
                out.append(stem)
    return out


def _japanese_tokens(run: str) -> list[str]:
    out: list[str] = []
    for tok in segment(run):
        if not tok.is_content:
            continue
        out.extend(long_vowel_forms(tok.surface))
        if tok.base_form != tok.surface:
            out.append(tok.base_form)
        # Katakana compounds (モータードライバ) are kept whole and also split into words.
        for part in split_katakana(tok.surface):
            out.extend(long_vowel_forms(part))
    return out


def token_list(text: str) -> list[str]:
    """All index tokens of ``text`` in order (duplicates kept: they are term frequency)."""
    text = unicodedata.normalize("NFKC", text)
    tokens: list[str] = []
    for match in _SCAN.finditer(text):
        run = match.group()
        if run[0].isascii():
            tokens.extend(_latin_tokens(run))
        else:
            tokens.extend(_japanese_tokens(run))
    return tokens


def fts_tokens(text: str) -> str:
    """A space-separated token string to store in an FTS5 (unicode61) column."""
    return " ".join(token_list(text))


def query_terms(text: str) -> list[str]:
    """Unique search terms of a user query, in order; [] for stop words or symbols only."""
    return list(dict.fromkeys(token_list(text)))[:_MAX_QUERY_TERMS]


def fts_query(text: str) -> str:
    """A safe FTS5 MATCH expression OR-ing the query's terms; "" when nothing is searchable
    (the caller should then answer with an empty result and say why)."""
    return " OR ".join(quote_term(t) for t in query_terms(text))


def fts_query_terms(terms: list[str]) -> str:
    """Like :func:`fts_query` for already-expanded terms (e.g. from ``expand_query``)."""
    return " OR ".join(quote_term(t) for t in match_terms(terms))


def match_terms(terms: list[str]) -> list[str]:
    """The unique index tokens of already-expanded ``terms``, in order, bounded: what a
    lexical index ranks rows by (engine.store.lexical_index)."""
    tokens: dict[str, None] = {}
    for term in terms:
        tokens.update(dict.fromkeys(token_list(term)))
    return list(tokens)[: _MAX_QUERY_TERMS * 2]
