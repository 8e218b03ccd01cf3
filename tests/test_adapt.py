"""Adaptation from the examples (engine.adapt through Library): adopted only when k-fold
cross-validation beats the current ranking, never otherwise; "needs N more" with few
examples; search reading the adopted version; switch-off and roll-back; and the fitting
code ranking recorded candidates exactly as the searcher does."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from engine.adapt.fit import MIN_QUERIES_WEIGHTS, fit_calibration
from engine.adapt.pack import Pack
from engine.adapt.ranking import SHIPPED, RankingParams
from engine.adapt.record import RecordedQuery, record_queries
from engine.adapt.report import Outcome, Part
from engine.config import load_settings
from engine.encode.encoders import Encoders
from engine.evaluation.ranking import reciprocal_rank
from engine.feedback import store
from engine.library import Library
from engine.search import Query
from engine.types import never_cancel, no_progress
from tests.feedback_helpers import (
    N_TOPICS,
    build_decoys,
    decoy_query,
    index_library,
    indexed_copy,
    no_model_settings,
    plain_query,
)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("adapt")
    docs = build_decoys(base / "docs")
    return docs, index_library(docs, base / "template", no_model_settings(base))


def open_copy(indexed: tuple[Path, Path], tmp_path: Path) -> Library:
    data = indexed_copy(indexed[1], tmp_path / "data")
    settings = load_settings(data)
    return Library(data, settings, Encoders(settings))


def top_name(lib: Library, text: str) -> str:
    return lib.search(Query(text=text, top_k=3)).results[0].path.name


def confirm_guides(lib: Library, docs: Path, query: object, n: int = N_TOPICS) -> None:
    for i in range(n):
        lib.add_example(Query(text=query(i)), docs / f"guide{i}.pdf", 1)  # type: ignore[operator]


def test_adopted_when_one_signal_is_clearly_better_and_search_uses_it(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    docs, _ = indexed
    with open_copy(indexed, tmp_path) as lib:
        confirm_guides(lib, docs, decoy_query)
        assert top_name(lib, decoy_query(0)) == "parts0.pdf"  # the shipped weights mislead
        report = lib.adapt()
        weights = report.parts[0]
        assert weights.part is Part.FUSION_WEIGHTS and weights.outcome is Outcome.ADOPTED
        assert len(weights.folds) == 5 and sum(f.before.n for f in weights.folds) == N_TOPICS
        assert all(f.after.mrr > f.before.mrr for f in weights.folds)  # held out, each fold
        assert weights.before and weights.after and weights.after.recall_at_1 == 1.0
        assert report.version == 1 and lib.adaptation_status().current is not None
        assert top_name(lib, decoy_query(0)) == "guide0.pdf"  # search reads the adoption
        assert "fold 5" in report.text() and "<table>" in report.html()
    with open_copy(indexed, tmp_path / "again") as other:  # untouched copy: shipped ranking
        assert top_name(other, decoy_query(0)) == "parts0.pdf"


def test_switched_off_and_rolled_back(indexed: tuple[Path, Path], tmp_path: Path) -> None:
    docs, _ = indexed
    data = indexed_copy(indexed[1], tmp_path / "data")
    with Library(data, load_settings(data), Encoders(load_settings(data))) as lib:
        confirm_guides(lib, docs, decoy_query)
        assert lib.adapt().version == 1
        lib.set_adaptation_enabled(False)
        assert top_name(lib, decoy_query(1)) == "parts1.pdf"
        assert not lib.adaptation_status().enabled
        lib.set_adaptation_enabled(True)
        assert top_name(lib, decoy_query(1)) == "guide1.pdf"
    settings = load_settings(data)  # a new process: the adopted version and the switch
    assert settings.adaptation_enabled
    with Library(data, settings, Encoders(settings)) as lib:
        assert top_name(lib, decoy_query(1)) == "guide1.pdf"
        assert lib.roll_back_adaptation() is None  # back to the shipped ranking
        assert top_name(lib, decoy_query(1)) == "parts1.pdf"
        assert not lib.adaptation_status().can_roll_back
        assert [v.version for v in lib.adaptation.versions()] == [1]  # kept on disk


def test_not_adopted_when_the_ranking_is_already_right(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    docs, _ = indexed
    with open_copy(indexed, tmp_path) as lib:
        confirm_guides(lib, docs, plain_query)
        report = lib.adapt()
        weights = report.parts[0]
        assert weights.outcome is Outcome.NOT_BETTER and weights.before is not None
        assert weights.before.mrr == 1.0 and report.version is None
        assert lib.adaptation_status().current is None
        assert lib.searcher.params() is SHIPPED


def test_few_examples_need_more_and_change_nothing(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    docs, _ = indexed
    with open_copy(indexed, tmp_path) as lib:
        confirm_guides(lib, docs, decoy_query, n=3)
        status = lib.adaptation_status()
        assert [(n.part, n.more) for n in status.needs] == [
            (Part.FUSION_WEIGHTS, MIN_QUERIES_WEIGHTS - 3),
            (Part.CALIBRATION, 17),
            (Part.ALIGNER, 50),
        ]
        report = lib.adapt()
        assert [p.outcome for p in report.parts] == [Outcome.NEEDS_MORE] * 3
        assert report.parts[0].needs_more == MIN_QUERIES_WEIGHTS - 3 and report.version is None
        assert "needs 7 more" in report.text()
        assert top_name(lib, decoy_query(0)) == "parts0.pdf"


def test_recorded_candidates_rank_as_the_searcher_ranks(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    docs, _ = indexed
    with open_copy(indexed, tmp_path) as lib:
        confirm_guides(lib, docs, decoy_query)
        lib.add_example(Query(text=plain_query(3)), docs / "guide3.pdf", 1)
        queries = store.queries(lib.catalog)
        records = record_queries(lib.searcher, queries, no_progress, never_cancel)
        assert records is not None
        rr = Pack.of(records).metrics(SHIPPED).rr
        for q, got in zip(queries, rr, strict=True):
            ranking = [r.path for r in lib.search(Query(text=q.text, top_k=20)).results]
            assert got == pytest.approx(reciprocal_rank(ranking, set(q.targets)))


def test_search_is_answered_while_adaptation_runs(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    docs, _ = indexed
    with open_copy(indexed, tmp_path) as lib:
        confirm_guides(lib, docs, decoy_query)
        answered: list[str] = []
        started = threading.Event()

        def progress(_p: object) -> None:
            started.set()

        fit = threading.Thread(target=lambda: lib.adapt(progress=progress))
        fit.start()
        assert started.wait(30)
        while fit.is_alive() and len(answered) < 3:
            answered.append(top_name(lib, plain_query(2)))
        fit.join(60)
        assert answered and set(answered) == {"guide2.pdf"}


def _record(z_target: float, lexical_other: float) -> RecordedQuery:
    """A query whose semantic similarity knows the answer and whose words do not."""
    signals = ("lexical", "semantic-text")
    shipped = 1 / (1 + np.exp(-(z_target - 1.5) / 0.75))
    return RecordedQuery(
        "q",
        "text",
        signals,
        confidence=np.array([[0.0, shipped], [lexical_other, 0.0]]),
        z=np.array([[np.nan, z_target], [np.nan, np.nan]]),
        cover=np.ones(2),
        doc=np.array([0, 1]),
        docs=(b"/right.pdf", b"/wrong.pdf"),
        targets=frozenset({b"/right.pdf"}),
    )


def test_calibration_fit_raises_a_signal_squashed_by_the_shipped_logistic() -> None:
    """z = 1 is "unusually similar" here, but the shipped logistic (centre 1.5) turns it into
    0.34 (0.10 at weight 0.3), under the words' 0.25 (0.225 at weight 0.9) for the wrong
    document: a lower centre, a narrower width put it first."""
    pack = Pack.of([_record(1.0, 0.25) for _ in range(4)])
    assert pack.metrics(SHIPPED).mrr == 0.5
    fitted = fit_calibration(pack, RankingParams())
    assert pack.metrics(fitted).mrr == 1.0 and "semantic-text" in fitted.calibration


def test_damaged_adaptation_files_fall_back_to_the_shipped_ranking(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    docs, _ = indexed
    data = indexed_copy(indexed[1], tmp_path / "data")
    with Library(data, load_settings(data), Encoders(load_settings(data))) as lib:
        confirm_guides(lib, docs, decoy_query)
        assert lib.adapt().version == 1
    for damaged in ("current.json", "v0001.json"):
        (data / "adaptation" / "current.json").write_text('{"version": 1}', encoding="utf-8")
        (data / "adaptation" / damaged).write_text("{not json", encoding="utf-8")
        with Library(data, load_settings(data), Encoders(load_settings(data))) as lib:
            assert lib.searcher.params() is SHIPPED  # logged, never a failed search
            assert top_name(lib, decoy_query(0)) == "parts0.pdf"


def test_the_eval_report_on_the_examples_shows_the_adaptation_per_fold(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    from engine.cli import main

    docs, _ = indexed
    data = indexed_copy(indexed[1], tmp_path / "data")
    with Library(data, load_settings(data), Encoders(load_settings(data))) as lib:
        confirm_guides(lib, docs, decoy_query)
        lib.adapt()
    out = tmp_path / "report.html"
    assert main(["eval", "--data-dir", str(data), "--report", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "<h2>Adaptation</h2>" in page and "fold 5" in page and "adopted" in page
