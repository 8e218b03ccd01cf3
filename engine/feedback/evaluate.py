"""``sagasu eval`` with no CSV: the library's own examples as the labelled query sets, and
the figures of each such evaluation kept for a plot over time."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from engine.evaluation.records import EvalConfig, EvalQuery, EvalResult
from engine.evaluation.run import run_configs_on
from engine.feedback import store
from engine.feedback.examples import EvalPoint
from engine.types import CancelCheck, ProgressCallback, never_cancel, no_progress

if TYPE_CHECKING:
    from engine.adapt.state import AdaptationState
    from engine.evaluation.subject import EvalSubject

TEXT_SET = "text-examples"  # the query-set names the report shows for the examples
PHOTO_SET = "photo-examples"


def example_queries(library: EvalSubject) -> list[EvalQuery]:
    """The library's "is it" examples, one labelled query per query (its confirmed
    documents together), text queries first. A target that left the library stays in the
    query's relevant documents: the evaluation lists it as not indexed."""
    out: list[EvalQuery] = []
    for n, q in enumerate(store.queries(library.catalog), 1):
        name = PHOTO_SET if q.features is not None else TEXT_SET
        relevant = [t.resolve() for t in q.targets]
        out.append(EvalQuery(name, n, text=q.text, relevant=relevant, features=q.features))
    return sorted(out, key=lambda q: q.set_name != TEXT_SET)


def evaluate_examples(
    library: EvalSubject,
    adaptation: AdaptationState,
    configs: list[EvalConfig] | None = None,
    top_k: int = 10,
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancel,
    keep_history: bool = True,
) -> list[EvalResult]:
    """Evaluate ``configs`` (default: the fused ranking) on the examples; the first result's
    figures join the history unless cancelled, there was nothing to evaluate, or
    ``keep_history`` is False (a read-only library is evaluated, never written)."""
    configs = configs or [EvalConfig("your examples")]
    results = run_configs_on(
        library, example_queries(library), configs, (), top_k, progress, cancel
    )
    first = results[0] if results else None
    if keep_history and first is not None and not first.cancelled and first.evaluated():
        summary = first.summary()
        current = adaptation.current if adaptation.enabled else None
        store.add_point(
            library.catalog,
            EvalPoint(
                time.time(),
                int(summary["n"] or 0),
                float(summary["recall@1"] or 0.0),
                float(summary["recall@5"] or 0.0),
                float(summary["mrr"] or 0.0),
                current.version if current is not None else None,
            ),
        )
    return results
