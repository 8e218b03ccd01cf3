"""The indexer on worker processes: a file that takes too long is skipped with a reason that
names the limit while the others index; a cancel or Ctrl-C stops promptly, with no traceback
and nothing recorded as skipped. No models: only the extraction stack runs."""

from __future__ import annotations

import logging
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pymupdf
import pytest

from engine.config import FolderConfig, Settings, save_settings
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.messages import Phase
from engine.store.catalog import CATALOG_FILE
from engine.types import Progress
from tests.fixtures import PageSpec, make_pdf

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow  # whole index runs of several seconds each


def quiet_settings(tmp_path: Path, **values: object) -> Settings:
    base: dict[str, object] = {
        "models_dir": str(tmp_path / "no-models"),
        "text_model_path": str(tmp_path / "no-text-model"),
        "ocr_enabled": False,
    }
    base.update(values)
    return Settings(**base)  # type: ignore[arg-type]


def blank_pdf(path: Path, pages: int) -> Path:
    """A PDF of blank pages: each costs a render and a feature pass, and gives nothing."""
    doc = pymupdf.open()
    for _ in range(pages):
        doc.new_page()
    doc.save(path)
    doc.close()
    return path


def small_docs(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    make_pdf(root / "a-relay.pdf", [PageSpec("relay module datasheet")])
    make_pdf(root / "b-sensor.pdf", [PageSpec("temperature sensor TMP36")])
    return root


def test_a_file_over_the_time_limit_is_skipped_with_the_limit_named(tmp_path: Path) -> None:
    docs = small_docs(tmp_path / "docs")
    blank_pdf(docs / "c-blank-5000.pdf", 5000)  # hours of pages without a limit
    settings = quiet_settings(tmp_path, extract_file_seconds=10.0)
    with Library(tmp_path / "data", settings, Encoders(settings)) as lib:
        summary = lib.index([FolderConfig(str(docs))])
        assert summary.seconds < 60
        assert summary.files_indexed == 2
        [(path, reason)] = summary.skipped
        assert path.endswith("c-blank-5000.pdf")
        assert "10 s" in reason and "extract_file_seconds" in reason
        assert lib.catalog.skipped() == [(path, reason)]


def test_cancel_mid_file_records_nothing_as_skipped_and_logs_no_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    docs = small_docs(tmp_path / "docs")
    blank_pdf(docs / "c-blank.pdf", 400)
    settings = quiet_settings(tmp_path, extract_workers=1)
    cancelled_at: list[float] = []

    def progress(p: Progress) -> None:
        if p.phase is Phase.EXTRACT and p.done >= 2 and not cancelled_at:
            cancelled_at.append(time.monotonic())  # both small files in: the blank one reads

    with (
        caplog.at_level(logging.WARNING),
        Library(tmp_path / "data", settings, Encoders(settings)) as lib,
    ):
        summary = lib.index(
            [FolderConfig(str(docs))], progress=progress, cancel=lambda: bool(cancelled_at)
        )
        assert time.monotonic() - cancelled_at[0] < 3.0
        # All three have their text (the lexical tier); the blank one lacks its pictures.
        assert summary.cancelled and summary.files_indexed == 3
        assert lib.catalog.tier_counts()["visual"] == 2
        assert summary.skipped == [] and lib.catalog.skipped() == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_ctrl_c_during_indexing_exits_130_without_a_traceback(tmp_path: Path) -> None:
    docs = small_docs(tmp_path / "docs")
    blank_pdf(docs / "c-blank.pdf", 400)
    data = tmp_path / "data"
    data.mkdir()
    save_settings(data, quiet_settings(tmp_path, extract_workers=1))
    child = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "index", "--data-dir", str(data), str(docs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        _wait_for_files(data / CATALOG_FILE, 2, child)  # the blank file is being read now
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode == 130, err
    assert "Traceback" not in err and "Cancelled" not in err
    assert "Interrupted" in err
    with sqlite3.connect(data / CATALOG_FILE) as db:
        assert db.execute("SELECT count(*) FROM skipped").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM files").fetchone() == (3,)
        assert db.execute("SELECT count(*) FROM files WHERE tier >= 3").fetchone() == (2,)


def _wait_for_files(catalog: Path, count: int, child: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert child.poll() is None, child.communicate()
        if catalog.exists():
            try:
                with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True) as db:
                    sql = "SELECT count(*) FROM files WHERE tier >= 3"  # the visual tier
                    if db.execute(sql).fetchone()[0] >= count:
                        return
            except sqlite3.OperationalError:
                pass  # the schema is being created
        time.sleep(0.1)
    raise AssertionError("the index run never got to the blank file")
