"""A process killed with SIGKILL during indexing, then run again, finishes with no duplicates
and nothing lost; the catalog and the ANN indexes agree."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.config import FolderConfig, save_settings
from engine.encode.encoders import Encoders
from engine.library import Library
from tests.fixtures import PageSpec, make_pdf, make_photo, pattern_image

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="SIGKILL")]

N_PDFS = 40
N_PHOTOS = 80


def make_corpus(root: Path) -> int:
    for i in range(N_PDFS):
        make_pdf(
            root / f"doc{i:03d}.pdf",
            [
                PageSpec(
                    text=f"Document {i} relay {i * 7} page one", images=[pattern_image(seed=i)]
                ),
                f"Document {i} second page about sensor {i}",
            ],
        )
    for i in range(N_PHOTOS):
        make_photo(root / "photos" / f"p{i:03d}.png", seed=1000 + i)
    return N_PDFS + N_PHOTOS


def committed_files(data: Path, tier: int = 1) -> int:
    """Files committed with at least ``tier`` (engine.messages.Tier.level; 3: visual)."""
    db = data / "catalog.sqlite3"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            sql = "SELECT COUNT(*) FROM files WHERE tier >= ?"
            return int(conn.execute(sql, (tier,)).fetchone()[0])
    except sqlite3.Error:
        return 0


def test_sigkill_mid_index_then_rerun(tmp_path: Path, encoders: Encoders) -> None:
    root = tmp_path / "docs"
    total = make_corpus(root)
    data = tmp_path / "data"
    save_settings(data, encoders.settings)
    env = {**os.environ, "SAGASU_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "index", str(root)],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300  # a loaded machine: worker processes start slowly
    # Killed in the visual tier, the longest: every file has its lexical tier by then.
    while committed_files(data, 3) < 5 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "indexing finished before it could be killed: add files"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    partial = committed_files(data)
    assert 0 < committed_files(data, 3) < total

    with Library(data, encoders.settings, encoders) as lib:
        summary = lib.index([FolderConfig(str(root))])
        assert summary.files_indexed == total - partial
        counts = lib.catalog.counts()
        assert counts["files"] == total
        assert counts["page"] == 2 * N_PDFS and counts["photo"] == N_PHOTOS
        dupes = lib.catalog.query(
            "SELECT COUNT(*) FROM (SELECT file_id, kind, page, ordinal FROM items"
            " GROUP BY 1, 2, 3, 4 HAVING COUNT(*) > 1)"
        )[0][0]
        assert dupes == 0
        for space, n in lib.catalog.vector_counts().items():
            index = lib.vectors.get(space)
            assert index is not None and len(index) == n
    # Reopened from disk, the persisted ANN indexes still agree with the catalog.
    with Library(data, encoders.settings, encoders) as lib:
        for space, n in lib.catalog.vector_counts().items():
            assert len(lib.vectors.get(space)) == n  # type: ignore[arg-type]
        hits = lib.search_text("Document 17 second page about sensor 17", top_k=3).results
        assert hits and hits[0].path.name == "doc017.pdf"
