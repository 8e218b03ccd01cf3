"""The time left of an index run, estimated by work (file type and bytes) learned during the
run, converges on the truth; and a run's summary states the wall time of the whole run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine.config import FolderConfig
from engine.encode.encoders import Encoders
from engine.indexing.eta import WorkEstimate
from engine.library import Library
from engine.summary import OcrSummary
from tests.fixtures import make_pdf

MB = 1_000_000


def replay(files: list[tuple[str, int, float]]) -> list[tuple[float, float | None, float]]:
    """Feed a run (kind, bytes, seconds each, in order of finishing) to the estimate: for
    each finished file, (elapsed, estimate of time left, true time left)."""
    estimate = WorkEstimate()
    estimate.plan_all((kind, size) for kind, size, _ in files)
    total = sum(seconds for _, _, seconds in files)
    at, out = 0.0, []
    for kind, size, seconds in files:
        at += seconds
        estimate.finished(kind, size, at)
        out.append((at, estimate.remaining(at), total - at))
    return out


def test_photos_first_then_pdfs_converges_where_counting_files_does_not() -> None:
    # The run of the issue: fast photos first, then PDFs a minute each.
    run = [("image", 1 * MB, 0.2)] * 20 + [("pdf", 2 * MB, 60.0)] * 10
    steps = replay(run)
    for n, (at, eta, truth) in enumerate(steps[22:], 23):  # three PDFs seen
        assert eta is not None
        assert abs(eta - truth) <= 0.1 * truth + 1.0, (n, eta, truth)
        by_count = at / n * (len(run) - n)  # what a count of files says
        if truth > 0:
            assert abs(by_count - truth) > abs(eta - truth)
    assert steps[-1][1] == 0.0


def test_bytes_weigh_files_of_one_type() -> None:
    # Small and large PDFs interleaved: cost follows size, not the number of files.
    run = [("pdf", 100_000, 0.5), ("pdf", 10 * MB, 50.0)] * 6
    _, eta, truth = replay(run)[5]
    assert eta is not None and abs(eta - truth) <= 0.05 * truth


def test_nothing_known_before_the_first_file_and_time_in_progress_counts() -> None:
    estimate = WorkEstimate()
    estimate.plan_all([("pdf", MB)] * 4)
    assert estimate.remaining(5.0) is None
    estimate.finished("pdf", MB, 10.0)
    assert estimate.remaining(10.0) == pytest.approx(30.0)
    assert estimate.remaining(15.0) == pytest.approx(25.0)  # half of the next file is done
    # A file slower than foreseen does not make the other two cheaper.
    assert estimate.remaining(40.0) == pytest.approx(20.0)


def test_summary_seconds_cover_the_whole_run(
    tmp_path: Path, no_models: Encoders, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_pdf(tmp_path / "docs" / "a.pdf", ["Relay module datasheet"])
    lib = Library(tmp_path / "data", no_models.settings, no_models)

    def slow_ocr(*_: object) -> OcrSummary:  # the OCR pass after the main one
        time.sleep(0.5)
        return OcrSummary(seconds=0.5)

    monkeypatch.setattr(lib, "_read_text", slow_ocr)
    started = time.monotonic()
    summary = lib.index([FolderConfig(str(tmp_path / "docs"))])
    wall = time.monotonic() - started
    assert summary.files_indexed == 1
    assert 0.5 <= summary.seconds <= wall
    run = lib.catalog.last_run()
    assert run is not None and run["status"] == "completed"
    assert run["summary"]["seconds"] == round(summary.seconds, 3)  # type: ignore[index]
    lib.close()
