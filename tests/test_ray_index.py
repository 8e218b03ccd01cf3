"""Index runs through a real local Ray cluster (tests/ray_cluster.py: a head and two worker
nodes on loopback): the same catalog as a local run, a reader process killed mid-file (its
file read again, every file indexed once), the retries used up (a typed skip, then the next
run indexes it), a cancel mid-run. Slow: the fast suite never starts Ray."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from engine.config import FolderConfig, Settings
from engine.library import Library
from engine.messages import Phase
from engine.summary import IndexSummary
from engine.types import Progress
from tests.conftest import tiny_settings_for
from tests.ray_cluster import Killer, RayCluster
from tests.tier_snapshot import Snapshot, snapshot

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="SIGKILL")]

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled samples (PDFs in English and Japanese, photos), where workers read them."""
    root = tmp_path_factory.mktemp("ray-corpus") / "samples"
    shutil.copytree(SAMPLES, root)
    return root


@pytest.fixture(scope="module")
def settings(tiny_clip_dir: Path) -> Settings:
    # The workers load the same tiny CLIP through the production loader, from its path.
    return tiny_settings_for(tiny_clip_dir)


@pytest.fixture(scope="module")
def local_index(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, settings: Settings
) -> tuple[Snapshot, dict[tuple[object, ...], np.ndarray]]:
    """What a run on this computer alone makes of the samples."""
    data = tmp_path_factory.mktemp("ray-local") / "data"
    with Library(data, settings) as lib:
        summary = lib.index([FolderConfig(str(corpus))], ray_address="")
    assert summary.files_indexed == 7 and not summary.skipped
    return snapshot(data), vectors_of(data)


def vectors_of(data: Path) -> dict[tuple[object, ...], np.ndarray]:
    """Every stored vector, keyed by its item's file, kind, page, ordinal and space."""
    conn = sqlite3.connect(data / "catalog.sqlite3")
    try:
        rows = conn.execute(
            "SELECT f.display_path, i.kind, i.page, i.ordinal, e.space, e.vector FROM embeddings e"
            " JOIN items i ON i.id = e.item_id JOIN files f ON f.id = i.file_id"
        ).fetchall()
    finally:
        conn.close()
    return {tuple(r[:5]): np.frombuffer(r[5], dtype=np.float32) for r in rows}


def index_through_ray(
    data: Path,
    corpus: Path,
    settings: Settings,
    cluster: RayCluster,
    progress: object = None,
    cancel: object = None,
) -> IndexSummary:
    with Library(data, settings) as lib:
        return lib.index(
            [FolderConfig(str(corpus))],
            progress=progress or (lambda p: None),  # type: ignore[arg-type]
            cancel=cancel or (lambda: False),  # type: ignore[arg-type]
            ray_address=cluster.address,
        )


def assert_same_index(
    data: Path, local: tuple[Snapshot, dict[tuple[object, ...], np.ndarray]]
) -> None:
    """Same files (each once), items, pictures, features, lexical rows, skips; the same
    vectors within float tolerance (batches differ between the two runs)."""
    expected, expected_vectors = local
    assert snapshot(data) == expected
    found = vectors_of(data)
    assert found.keys() == expected_vectors.keys()
    for key, vec in expected_vectors.items():
        assert np.allclose(found[key], vec, atol=2e-3), key


def test_ray_run_makes_the_local_index(
    ray_cluster: RayCluster, corpus: Path, settings: Settings, local_index: tuple, tmp_path: Path
) -> None:
    summary = index_through_ray(tmp_path / "data", corpus, settings, ray_cluster)
    assert summary.files_indexed == 7 and not summary.skipped and not summary.cancelled
    assert summary.image_search == "on" and summary.text_search == "on"
    assert_same_index(tmp_path / "data", local_index)


def test_killed_worker_loses_only_its_file_which_is_read_again(
    ray_cluster: RayCluster,
    corpus: Path,
    settings: Settings,
    local_index: tuple,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="engine.indexing.ray_executor")
    with Killer(ray_cluster, times=2) as killer:
        summary = index_through_ray(tmp_path / "data", corpus, settings, ray_cluster)
    assert killer.killed, "no reader was caught reading a file"
    lost = [r for r in caplog.records if "Ray worker was lost" in r.getMessage()]
    assert 1 <= len(lost) <= len(killer.killed)  # a kill costs a file one more attempt
    assert summary.files_indexed == 7 and not summary.skipped
    assert_same_index(tmp_path / "data", local_index)  # every file once, nothing twice
    again = index_through_ray(tmp_path / "data", corpus, settings, ray_cluster)
    assert again.files_indexed == 0 and again.files_unchanged == 7
    assert_same_index(tmp_path / "data", local_index)


def test_a_file_whose_attempts_run_out_is_skipped_then_indexed_by_the_next_run(
    ray_cluster: RayCluster, corpus: Path, settings: Settings, local_index: tuple, tmp_path: Path
) -> None:
    once = settings.replace(ray_task_attempts=1)
    with Killer(ray_cluster, times=1) as killer:
        summary = index_through_ray(tmp_path / "data", corpus, once, ray_cluster)
    assert len(killer.killed) == 1
    assert len(summary.skipped) == 1
    _, why = summary.skipped[0]
    assert "ended unexpectedly" in why and "ray_task_attempts" in why, why
    again = index_through_ray(tmp_path / "data", corpus, once, ray_cluster)
    assert again.files_indexed == 1 and not again.skipped, again.skipped
    assert_same_index(tmp_path / "data", local_index)


def test_cancel_mid_run_stops_the_readers_and_the_next_run_finishes(
    ray_cluster: RayCluster, corpus: Path, settings: Settings, local_index: tuple, tmp_path: Path
) -> None:
    stop = threading.Event()

    def progress(p: Progress) -> None:
        if p.phase is Phase.EXTRACT:  # the visual tier has committed a file
            stop.set()

    summary = index_through_ray(
        tmp_path / "data", corpus, settings, ray_cluster, progress, stop.is_set
    )
    assert summary.cancelled
    deadline = time.monotonic() + 30
    while ray_cluster.busy_readers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not ray_cluster.busy_readers(), "a reader still reads after the cancel"
    with Library(tmp_path / "data", settings) as lib:
        tiers = lib.catalog.tier_counts()
    assert tiers["lexical"] == 7 and tiers["visual"] < 7  # stopped inside the visual tier
    again = index_through_ray(tmp_path / "data", corpus, settings, ray_cluster)
    assert not again.cancelled and not again.skipped
    assert_same_index(tmp_path / "data", local_index)
