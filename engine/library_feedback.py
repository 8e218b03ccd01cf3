"""The Library's confirmations, own evaluation and adaptation (issue #17): the front door's
methods for them, delegations to engine.feedback and engine.adapt (a base class of
engine.library.Library, kept apart so the front door stays one screenful per concern)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from engine.feedback.examples import (
    EvalPoint,
    Example,
    ExampleSource,
    ExportSummary,
    ImportSummary,
    Verdict,
)
from engine.search import Query, Searcher
from engine.types import CancelCheck, ProgressCallback, SearchResult, never_cancel, no_progress

if TYPE_CHECKING:
    from engine.adapt.report import AdaptReport
    from engine.adapt.run import AdaptationStatus
    from engine.adapt.state import AdaptationState, AdoptedVersion
    from engine.changes import Changes
    from engine.config import Settings
    from engine.evaluation.records import EvalConfig, EvalResult
    from engine.evaluation.subject import EvalSubject
    from engine.feedback.book import ExampleBook
    from engine.store.catalog import Catalog


class FeedbackFront:
    """Examples, evaluation against them, adaptation. Every method is synchronous; the long
    ones (an import with photos, an evaluation, an adaptation) take progress and cancel."""

    catalog: Catalog
    searcher: Searcher
    adaptation: AdaptationState
    read_only: bool
    data_dir: Path

    @property
    def settings(self) -> Settings:  # Library's
        raise NotImplementedError

    def apply_settings(self, new: Settings) -> Changes:  # Library's
        raise NotImplementedError

    def _refuse_if_read_only(self) -> None:  # Library's
        raise NotImplementedError

    def _book(self) -> ExampleBook:
        from engine.feedback.book import ExampleBook

        return ExampleBook(self.catalog, self.searcher, lambda: self.settings)

    # --- examples ------------------------------------------------------------------------

    def confirm(
        self,
        query: Query,
        result: SearchResult,
        verdict: Verdict = Verdict.IS_IT,
        image_path: Path | None = None,
    ) -> Example:
        """Store the user's verdict on ``result`` of ``query`` (the result's document and
        page). A photo query is stored as its features (about a second: CLIP, local
        features, OCR), with a small copy only when ``keep_query_images`` is on;
        ``image_path``: where the photo was, when known. Raises ExampleRefused."""
        return self.add_example(query, result.path, result.page, verdict, image_path)

    def add_example(
        self,
        query: Query,
        path: Path,
        page: int | None,
        verdict: Verdict = Verdict.IS_IT,
        image_path: Path | None = None,
    ) -> Example:
        """Store an example of ``query`` for the indexed file ``path`` and ``page`` (1-based;
        None: the whole document): what a failed query's "pick the right file" stores.
        Raises ExampleRefused (one line: no query, a file not in the library, no such page)
        and ReadOnlyFolder; nothing is written then."""
        self._refuse_if_read_only()
        return self._book().add(query, path, page, verdict, ExampleSource.WINDOW, image_path)

    def examples(self) -> list[Example]:
        """Every example, oldest first; ``target_indexed`` is False for one whose document
        left the library (kept and reported, never dropped)."""
        return self._book().examples()

    def remove_example(self, example_id: int) -> bool:
        """Forget one example (an undo); False when there was none with that id."""
        self._refuse_if_read_only()
        return self._book().remove(example_id)

    def example_image(self, example_id: int) -> bytes | None:
        """The kept small JPEG of a photo example (only with keep_query_images), else None."""
        return self._book().image(example_id)

    def export_examples(self, path: Path) -> ExportSummary:
        """Write the "is it" examples as a ``sagasu eval`` query-set CSV (what was left out,
        and why, is in the summary)."""
        from engine.feedback.csvio import export_examples

        return export_examples(self._book(), path)

    def import_examples(
        self,
        path: Path,
        progress: ProgressCallback = no_progress,
        cancel: CancelCheck = never_cancel,
    ) -> ImportSummary:
        """Add a query-set CSV's rows as examples (photo paths relative to the CSV; each
        photo's features are taken: long with many photos). Raises OSError / ValueError for
        a CSV that cannot be read at all; bad rows are in the summary."""
        from engine.extract.images import load_query_image
        from engine.feedback.csvio import import_examples

        self._refuse_if_read_only()
        limit = self.settings.max_image_pixels
        return import_examples(
            self._book(), path, lambda p: load_query_image(p, limit), progress, cancel
        )

    # --- your own evaluation -------------------------------------------------------------

    def evaluate_examples(
        self,
        top_k: int = 10,
        progress: ProgressCallback = no_progress,
        cancel: CancelCheck = never_cancel,
        configs: list[EvalConfig] | None = None,
    ) -> list[EvalResult]:
        """Evaluate against the examples (``sagasu eval`` with no CSV): one EvalResult per
        configuration (default: the fused ranking alone). The first one's Recall@1/5 and MRR
        join :meth:`eval_history` unless it was cancelled, had nothing to evaluate, or the
        library is read-only."""
        from engine.feedback.evaluate import evaluate_examples

        library = cast("EvalSubject", self)  # engine.library.Library is one
        return evaluate_examples(
            library, self.adaptation, configs, top_k, progress, cancel, not self.read_only
        )

    def eval_history(self) -> list[EvalPoint]:
        """Every evaluation against the examples, oldest first (for a plot over time)."""
        from engine.feedback import store

        return store.points(self.catalog)

    # --- adaptation ----------------------------------------------------------------------

    def adapt(
        self,
        progress: ProgressCallback = no_progress,
        cancel: CancelCheck = never_cancel,
        folds: int | None = None,
    ) -> AdaptReport:
        """Fit fusion weights and calibration to the examples, cross-validated; adopt each
        part only where it beats the current ranking on held-out examples. Long (one search
        per labelled query, then seconds of fitting); search goes on meanwhile with the
        version in force, and switches atomically when a new one is adopted."""
        from engine.adapt.fit import FOLDS
        from engine.adapt.run import run_adaptation

        self._refuse_if_read_only()
        return run_adaptation(self.searcher, self.adaptation, progress, cancel, folds or FOLDS)

    def adaptation_status(self) -> AdaptationStatus:
        """Whether adaptation is on, the adopted version, how many more examples each part
        needs, and the last run's report."""
        from engine.adapt.run import adaptation_status

        return adaptation_status(self.searcher, self.adaptation)

    def set_adaptation_enabled(self, enabled: bool) -> Changes:
        """Switch adaptation on or off (the ``adaptation_enabled`` setting, saved)."""
        return self.apply_settings(self.settings.replace(adaptation_enabled=enabled))

    def roll_back_adaptation(self) -> AdoptedVersion | None:
        """Return to the version adopted before the current one (None: the shipped ranking)."""
        self._refuse_if_read_only()
        return self.adaptation.roll_back()
