"""The typed values of confirmations: an example, its verdict and source, the figures of an
evaluation against the examples over time, and what an import or export did."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from engine.errors import SagasuError


class Verdict(StrEnum):
    """What the user said of a result for a query."""

    IS_IT = "is-it"  # "this is it": the target answers the query
    NOT_THIS = "not-this"  # "not this": a wrong top result


class ExampleSource(StrEnum):
    WINDOW = "window"  # confirmed on a result, or picked for a failed query
    IMPORT = "import"  # a row of an imported query-set CSV (sagasu feedback import)


class ExampleRefused(SagasuError):
    """An example cannot be stored (no query, or a target that is not in the library); the
    message says which, in one line, and nothing was written."""


@dataclass(frozen=True)
class Example:
    """One labelled example: a query (text, or a photo kept as its features), a target
    document and page, and the verdict.

    The target is kept by path (``target_path`` exact, ``target_display`` for people) and
    page, not by the catalog's file id, so it survives a re-index; ``target_indexed`` is
    False when no indexed file has that path any more (reported, never dropped)."""

    id: int
    verdict: Verdict
    target_path: Path
    target_display: str
    page: int | None  # 1-based; None: the document as a whole (an imported CSV row)
    created: float  # seconds since the epoch
    source: ExampleSource
    query_text: str = ""
    image_path: Path | None = None  # where the query photo was, when known (not a copy)
    has_features: bool = False  # a photo query, kept as its features (engine.query_features)
    image_kept: bool = False  # a small copy of the photo is kept (keep_query_images)
    target_indexed: bool = True

    @property
    def modality(self) -> str:
        """ "image" for a photo query, else "text" (as engine.evaluation.records says it)."""
        return "image" if self.has_features else "text"

    @property
    def label(self) -> str:
        """The query as a person reads it in a list."""
        if self.query_text:
            return self.query_text
        return self.image_path.name if self.image_path else f"photo #{self.id}"


@dataclass(frozen=True)
class EvalPoint:
    """One evaluation against the library's examples, kept for a plot over time."""

    at: float  # seconds since the epoch
    examples: int  # labelled queries evaluated (is-it examples grouped per query)
    recall_at_1: float
    recall_at_5: float
    mrr: float
    adaptation_version: int | None = None  # the adopted version searched with, if any


@dataclass
class ImportSummary:
    """What ``import_examples`` did: examples added, rows already there, rows refused (1-based
    data row and why: a missing photo, a document not in the library)."""

    added: int = 0
    duplicates: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    cancelled: bool = False


@dataclass
class ExportSummary:
    """What ``export_examples`` wrote: rows (one per query), and what it could not write.

    The eval CSV has no column for "not this", so those examples are left out
    (``not_this_left_out``); a photo query is written with its photo's path when the photo is
    known (still at the path it came from) or kept (copied next to the CSV), and left out
    otherwise (``photos_left_out``: its features alone cannot be written as a file)."""

    path: Path
    rows: int = 0
    photos_written: int = 0
    photos_left_out: int = 0
    not_this_left_out: int = 0
