"""What an evaluation run needs of a library: the part of engine.library.Library that
engine.evaluation.run reads. A protocol, so the run does not import the front door (which
itself evaluates against its examples: engine.library_feedback)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from engine.align.state import AlignmentState
    from engine.config import Settings
    from engine.encode.encoders import Encoders
    from engine.query import Query, SearchOutcome
    from engine.search import Searcher
    from engine.signals.ocr_choice import OcrReader
    from engine.store.catalog import Catalog


class EvalSubject(Protocol):
    catalog: Catalog
    alignment: AlignmentState
    encoders: Encoders
    searcher: Searcher
    data_dir: Path

    @property
    def settings(self) -> Settings: ...

    def search(
        self, query: Query, on_partial: Callable[[SearchOutcome], None] | None = None
    ) -> SearchOutcome: ...

    def ocr_engine(self) -> OcrReader | None: ...
