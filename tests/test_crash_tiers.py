"""A real `sagasu index` child killed with SIGKILL inside each tier, then run again, leaves
the index an uninterrupted run makes: same files, items, pictures, features, lexical rows and
vector counts (compared by content, not ids)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.config import FolderConfig, Settings, save_settings
from engine.encode.clip import ClipEncoder
from engine.encode.encoders import Encoders
from engine.encode.text import TextEncoder
from engine.library import Library
from tests.conftest import tiny_settings_for
from tests.tier_snapshot import Snapshot, index_whole, make_tier_corpus, snapshot

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="SIGKILL")]

# The progress phase a child reports while it does each tier.
TIER_PHASES = ["lexical", "text-vectors", "extract", "ocr"]


@pytest.fixture(scope="module")
def ocr_settings(tiny_clip_dir: Path) -> Settings:
    return tiny_settings_for(tiny_clip_dir, ocr_enabled=True)


@pytest.fixture(scope="module")
def whole_run(
    tmp_path_factory: pytest.TempPathFactory,
    ocr_settings: Settings,
    tiny_clip: ClipEncoder,
    text_encoder: TextEncoder,
) -> tuple[Path, Snapshot]:
    """The corpus and the index an uninterrupted run makes of it."""
    base = tmp_path_factory.mktemp("tier-crash")
    root = make_tier_corpus(base / "docs", pdfs=24, photos=3)
    encoders = Encoders(ocr_settings, clip=tiny_clip, text=text_encoder)
    index_whole(root, base / "whole", encoders)
    return root, snapshot(base / "whole")


def _kill_in(phase: str, root: Path, data: Path) -> None:
    """Run the CLI child until it reports ``phase``, then SIGKILL it."""
    env = {**os.environ, "SAGASU_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "index", "--progress-jsonl", str(root)],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 300
    try:
        for line in proc.stdout:
            report = json.loads(line).get("progress") if line.startswith(b"{") else None
            if report and report["phase"] == phase:
                proc.send_signal(signal.SIGKILL)
                break
            assert time.monotonic() < deadline
        else:
            pytest.fail(f"the run ended without reporting {phase}")
    finally:
        proc.kill()
        proc.wait(timeout=30)


@pytest.mark.parametrize("phase", TIER_PHASES)
def test_sigkill_in_each_tier_then_rerun_gives_the_uninterrupted_index(
    phase: str,
    tmp_path: Path,
    whole_run: tuple[Path, Snapshot],
    ocr_settings: Settings,
    tiny_clip: ClipEncoder,
    text_encoder: TextEncoder,
) -> None:
    root, whole = whole_run
    data = tmp_path / "data"
    save_settings(data, ocr_settings)
    _kill_in(phase, root, data)
    assert snapshot(data) != whole  # killed before the end
    encoders = Encoders(ocr_settings, clip=tiny_clip, text=text_encoder)
    with Library(data, ocr_settings, encoders) as lib:
        summary = lib.index([FolderConfig(str(root))])
        assert not summary.cancelled and not summary.skipped
        for space, n in lib.catalog.vector_counts().items():
            assert len(lib.vectors.get(space)) == n  # type: ignore[arg-type]
    assert snapshot(data) == whole
