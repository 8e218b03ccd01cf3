"""Part (c) of adaptation, the learned photo → text map, on the TINY RANDOM CLIP model and
the real MiniLM: correctness only (the map is fitted, cross-validated on held-out pairs,
stored with its version, loaded back and searched as its own signal). No real CLIP weights
exist on this machine, so no figure of its quality comes from here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.adapt.aligner import ALIGNED_SIGNAL, PhotoTextMap
from engine.adapt.aligner_fit import cross_validate_aligner, fit_map
from engine.adapt.ranking import SHIPPED
from engine.adapt.record import record_queries
from engine.adapt.report import Outcome, Part
from engine.adapt.state import AdaptationState
from engine.config import FolderConfig
from engine.encode.encoders import Encoders
from engine.feedback import store
from engine.library import Library
from engine.search import Query
from engine.types import never_cancel, no_progress
from tests.feedback_helpers import COLOURS, THINGS
from tests.fixtures import make_pdf, make_photo

pytestmark = pytest.mark.slow  # the real MiniLM, once per session

N = 8


def build(root: Path) -> Path:
    for i in range(N):
        words = " ".join([COLOURS[i], THINGS[i]] * 6)
        make_pdf(root / f"doc{i}.pdf", [f"The {words} datasheet and its pinout notes."])
        make_photo(root / "photos" / f"p{i}.jpg", seed=20 + i)
    return root


def test_the_map_is_fitted_cross_validated_stored_and_searched(
    tmp_path: Path, encoders: Encoders
) -> None:
    docs = build(tmp_path / "docs")
    with Library(tmp_path / "data", encoders.settings, encoders) as lib:
        lib.index([FolderConfig(str(docs))])
        for i in range(N):
            image = lib.load_query_image(docs / "photos" / f"p{i}.jpg")
            lib.add_example(Query(image=image), docs / f"doc{i}.pdf", 1)
        queries = store.queries(lib.catalog)
        assert all(q.features is not None and q.features.vectors for q in queries)
        records = record_queries(lib.searcher, queries, no_progress, never_cancel)
        assert records is not None
        report, params = cross_validate_aligner(
            lib.searcher, queries, records, SHIPPED, 4, never_cancel, folds=4
        )
        assert report.part is Part.ALIGNER and report.examples == N
        assert len(report.folds) == 4 and sum(f.before.n for f in report.folds) == N
        assert report.outcome in (Outcome.ADOPTED, Outcome.NOT_BETTER)
        too_few = cross_validate_aligner(
            lib.searcher, queries, records, SHIPPED, N + 1, never_cancel, folds=4
        )[0]
        assert too_few.outcome is Outcome.NEEDS_MORE and too_few.needs_more == 1

        # Whatever the random model scored, the stored map is what search then uses.
        x = np.stack([q.features.vectors[next(iter(q.features.vectors))] for q in queries])  # type: ignore[union-attr]
        clip_space = next(iter(queries[0].features.vectors))  # type: ignore[union-attr]
        text_space = next(s for s in lib.catalog.vector_counts() if s.startswith("text:"))
        y = np.random.default_rng(0).normal(size=(N, 384))
        learned = fit_map(x, y, clip_space, text_space)
        back = PhotoTextMap.from_bytes(learned.to_bytes())
        assert np.allclose(back.map(x[0]), learned.map(x[0]))
        version = lib.adaptation.adopt(params.__class__(photo_text_map=learned), ("aligner",), N)
        again = AdaptationState(lib.adaptation.directory)
        assert again.params().photo_text_map is not None and version.aligner
        hits = lib.searcher.hits(Query(features=queries[0].features, top_k=5))
        assert any(h.signal == ALIGNED_SIGNAL for h in hits)
        image = lib.load_query_image(docs / "photos" / "p0.jpg")
        assert lib.search(Query(image=image, top_k=5)).results
        lib.roll_back_adaptation()
        hits = lib.searcher.hits(Query(features=queries[0].features, top_k=5))
        assert not any(h.signal == ALIGNED_SIGNAL for h in hits)
