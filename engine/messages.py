"""Typed messages from the engine to its clients: progress phases, notes and match reasons.

The engine never hands a client a sentence to recognise: each message is a code with
parameters. ``english()`` renders it for the CLI, logs and JSON; the desktop renders the same
codes in the user's language (desktop/messages.py keeps one translated template per code,
and a test checks that every code has one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

ParamValue = str | int | float


class Phase(StrEnum):
    """What a long engine call is doing; a ``Progress`` carries one."""

    CRAWL = "crawl"  # listing the folders
    LEXICAL = "lexical"  # tier 1: text layers and file names into the word index
    TEXT_VECTORS = "text-vectors"  # tier 2: sentence vectors of the stored text chunks
    EXTRACT = "extract"  # tier 3: renders, thumbnails, images, local features, CLIP vectors
    ENCODE = "encode"  # encoding stored items whose vectors are missing
    ALIGN = "align"  # calibrating scores and fitting the text bridge
    VISUAL = "visual"  # rebuilding the exact-visual-match index
    OCR = "ocr"  # reading text off pages and photos without a text layer
    REMOVE = "remove"  # forgetting the files of a removed folder
    EVALUATE = "evaluate"  # running labelled queries (sagasu eval)


class Tier(StrEnum):
    """The tiers of an index run, in the order a run does them over all its files: each is
    committed per file, so search uses whatever tiers a file has (docs/ARCHITECTURE.md)."""

    LEXICAL = "lexical"
    TEXT_VECTORS = "text-vectors"
    VISUAL = "visual"
    OCR = "ocr"

    @property
    def level(self) -> int:
        """The value of ``files.tier`` once a file has this tier (OCR is tracked per item)."""
        return list(Tier).index(self) + 1

    @property
    def phase(self) -> Phase:
        """The progress phase that reports this tier's work."""
        return _TIER_PHASES[self]


_TIER_PHASES = {
    Tier.LEXICAL: Phase.LEXICAL,
    Tier.TEXT_VECTORS: Phase.TEXT_VECTORS,
    Tier.VISUAL: Phase.EXTRACT,
    Tier.OCR: Phase.OCR,
}


class NoteCode(StrEnum):
    """Something a search, an index run or a settings change wants the user to know."""

    EMPTY_QUERY = "empty-query"
    NOTHING_TO_SEARCH = "nothing-to-search"  # params: text
    NO_MATCHES = "no-matches"
    READING_PHOTO = "reading-photo"  # a first ranking, the photo's text still being read
    READ_FROM_PHOTO = "read-from-photo"  # params: terms
    IMAGE_SEARCH_OFF = "image-search-off"  # params: problem
    TEXT_SEARCH_OFF = "text-search-off"  # params: problem (lexical search still works)
    OCR_OFF = "ocr-off"  # params: problem
    # Tesseract is wanted (setting ocr_engine) but missing or lacks its language data:
    # RapidOCR reads everything (Japanese worse).
    JAPANESE_OCR_OFF = "japanese-ocr-off"  # params: problem
    ITEM_GONE = "item-gone"  # "find similar" on a result that left the index
    # The query names a part number no indexed file mentions: the results are only related.
    PART_NUMBER_NOT_FOUND = "part-number-not-found"  # params: part
    # The data folder can only be read: searching works, indexing and settings changes do not.
    READ_ONLY_LIBRARY = "read-only-library"


class ReasonCode(StrEnum):
    """Why a result matched (one per signal that found it), or why a file was not indexed."""

    TEXT_SIMILAR = "text-similar"  # params: similarity
    LOOKS_LIKE_DESCRIPTION = "looks-like-description"  # params: similarity
    VISUALLY_SIMILAR = "visually-similar"  # params: similarity
    TEXT_ABOUT_IT = "text-about-it"  # params: similarity
    TERMS = "terms"  # params: terms
    PHOTO_TERMS = "photo-terms"  # params: terms
    PART_NUMBER = "part-number"  # params: part
    SIMILAR_PART_NUMBER = "similar-part-number"  # params: part
    PHOTO_PART_NUMBER = "photo-part-number"  # params: part
    PHOTO_SIMILAR_PART_NUMBER = "photo-similar-part-number"  # params: part
    FIGURE_MATCHED = "figure-matched"  # params: inliers
    PRINTED_PASSAGE = "printed-passage"  # params: share, excerpt
    # Why a file was not indexed (engine.indexing.pool): skipped, with the rest of the run kept.
    UNREADABLE = "unreadable"  # params: detail (the reader's own sentence)
    EXTRACT_FAILED = "extract-failed"  # params: error (an unexpected error while reading)
    STALLED = "stalled"  # params: seconds (no page for that long; setting extract_stall_seconds)
    TIMED_OUT = "timed-out"  # params: seconds (the file took longer; setting extract_file_seconds)
    WORKER_DIED = "worker-died"  # params: detail (how the reading process ended)


# English templates, filled with str.format(**params). The desktop has its own, translated.
NOTE_ENGLISH: dict[NoteCode, str] = {
    NoteCode.EMPTY_QUERY: "Type a query or drop an image to search.",
    NoteCode.NOTHING_TO_SEARCH: "Nothing to search for in “{text}”: only common words or symbols.",
    NoteCode.NO_MATCHES: "No matches.",
    NoteCode.READING_PHOTO: "Reading the text on the photo…",
    NoteCode.READ_FROM_PHOTO: "Read from the photo: {terms}",
    NoteCode.IMAGE_SEARCH_OFF: "Image-semantic search is off: {problem}",
    NoteCode.TEXT_SEARCH_OFF: "Semantic text search is off (word search still works): {problem}",
    NoteCode.OCR_OFF: "Text on photos is not read: {problem}",
    NoteCode.JAPANESE_OCR_OFF: "Japanese OCR: {problem}",
    NoteCode.ITEM_GONE: "That result is no longer in the index.",
    NoteCode.PART_NUMBER_NOT_FOUND: "No file mentions {part}; the results are only related.",
    NoteCode.READ_ONLY_LIBRARY: (
        "This index folder is read-only: searching works, but indexing and changing "
        "settings are unavailable."
    ),
}

REASON_ENGLISH: dict[ReasonCode, str] = {
    ReasonCode.TEXT_SIMILAR: "text similarity ({similarity:.2f})",
    ReasonCode.LOOKS_LIKE_DESCRIPTION: "looks like the description ({similarity:.2f})",
    ReasonCode.VISUALLY_SIMILAR: "visually similar ({similarity:.2f})",
    ReasonCode.TEXT_ABOUT_IT: "text about it ({similarity:.2f})",
    ReasonCode.TERMS: "terms: {terms}",
    ReasonCode.PHOTO_TERMS: "text read from the photo: {terms}",
    ReasonCode.PART_NUMBER: "part number {part}",
    ReasonCode.SIMILAR_PART_NUMBER: "similar part number {part}",
    ReasonCode.PHOTO_PART_NUMBER: "part number {part} (read from the photo)",
    ReasonCode.PHOTO_SIMILAR_PART_NUMBER: "similar part number {part} (read from the photo)",
    ReasonCode.FIGURE_MATCHED: "figure matched ({inliers} inliers)",
    ReasonCode.PRINTED_PASSAGE: "shows the text read from the photo ({share:.0%}): “{excerpt}”",
    ReasonCode.UNREADABLE: "{detail}",
    ReasonCode.EXTRACT_FAILED: "could not be read ({error})",
    ReasonCode.STALLED: (
        "reading it gave nothing for {seconds:.0f} s and was stopped "
        "(setting extract_stall_seconds)"
    ),
    ReasonCode.TIMED_OUT: (
        "reading it took over {seconds:.0f} s and was stopped (setting extract_file_seconds)"
    ),
    ReasonCode.WORKER_DIED: "the process reading it ended unexpectedly ({detail})",
}


@dataclass(frozen=True)
class _Message:
    """A code with its parameters; subclasses name their code type and English templates."""

    code: StrEnum
    params: dict[str, ParamValue] = field(default_factory=dict)

    TEMPLATES: ClassVar[Mapping[Any, str]] = {}

    def english(self) -> str:
        return self.TEMPLATES[self.code].format(**self.params)

    def __str__(self) -> str:
        return self.english()

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code.value, "params": dict(self.params), "text": self.english()}


@dataclass(frozen=True)
class Note(_Message):
    code: NoteCode

    TEMPLATES: ClassVar[Mapping[Any, str]] = NOTE_ENGLISH

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Note:
        return cls(NoteCode(data["code"]), dict(data.get("params", {})))


@dataclass(frozen=True)
class Reason(_Message):
    code: ReasonCode

    TEMPLATES: ClassVar[Mapping[Any, str]] = REASON_ENGLISH

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reason:
        return cls(ReasonCode(data["code"]), dict(data.get("params", {})))


def note(code: NoteCode, **params: ParamValue) -> Note:
    return Note(code, params)


def reason(code: ReasonCode, **params: ParamValue) -> Reason:
    return Reason(code, params)
