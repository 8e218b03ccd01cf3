"""Cross-language query expansion: a query's own terms (engine.signals.tokenize) plus their
translations (engine.signals.japanese), so that a Japanese query finds English documents and
an English query Japanese ones."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.signals.japanese import (
    JAPANESE_RUN,
    english_words,
    has_japanese,
    in_glossary,
    japanese_compounds,
    japanese_content_terms,
    japanese_for_english,
    translate_term,
)
from engine.signals.tokenize import query_terms


@dataclass
class QueryExpansion:
    """A query's own terms plus their translations, for lexical search in both languages."""

    original_terms: list[str] = field(default_factory=list)
    english_terms: list[str] = field(default_factory=list)
    japanese_terms: list[str] = field(default_factory=list)

    @property
    def all_terms(self) -> list[str]:
        return list(dict.fromkeys(self.original_terms + self.english_terms + self.japanese_terms))


def expand_query(query: str) -> QueryExpansion:
    """Terms of ``query`` plus English translations (for Japanese queries) or Japanese
    equivalents (for English ones), so either language finds documents in the other."""
    expansion = QueryExpansion(original_terms=query_terms(query))
    if has_japanese(query):
        english: dict[str, None] = {}
        rest = query
        for compound in japanese_compounds(query):
            english.update(dict.fromkeys(translate_term(compound, allow_romaji=False)))
            if in_glossary(compound):
                # The glossary's domain sense beats word-by-word JMdict (データ+シート → "seat").
                rest = rest.replace(compound, " ")
        for term in japanese_content_terms(rest):
            english.update(dict.fromkeys(translate_term(term)))
        for word in english_words(JAPANESE_RUN.sub(" ", query)):
            english.setdefault(word, None)
        expansion.english_terms = list(english)
    expansion.japanese_terms = japanese_for_english(JAPANESE_RUN.sub(" ", query))
    return expansion
