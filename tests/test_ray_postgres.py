"""Issue #15's crash test for the team library: an index run through Ray into PostgreSQL, a
Ray reader process killed mid-file AND PostgreSQL restarted mid-run, then re-runs until one
completes: every file is indexed exactly once, with the items a local SQLite run gives.

It is skipped, with a reason that says so, where ``Library`` cannot open a ``postgresql://``
store; it never passes without running."""

from __future__ import annotations

import inspect
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from engine.config import FolderConfig, Settings
from engine.errors import SagasuError
from engine.library import Library
from engine.messages import Phase
from engine.summary import IndexSummary
from engine.types import Progress
from tests.conftest import tiny_settings_for
from tests.ray_cluster import Killer, RayCluster

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
STORE_PARAMETER = "store"  # Library(data_dir, settings, store="postgresql://…"), pg-store's


def _library_opens_postgres() -> bool:
    return STORE_PARAMETER in inspect.signature(Library.__init__).parameters


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not _library_opens_postgres(),
        reason="waiting for pg-store: Library does not accept a postgresql:// store yet",
    ),
]


def _restart_postgres(server: Any) -> None:
    """Stop the server (fast: open connections are cut) and start it again."""
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
    time.sleep(1.0)
    server.ensure_postgres_running()


def _index(lib: Library, corpus: Path, cluster: RayCluster, progress: Any) -> IndexSummary:
    return lib.index([FolderConfig(str(corpus))], progress=progress, ray_address=cluster.address)


def test_killed_reader_and_restarted_postgres_leave_every_file_once(
    ray_cluster: RayCluster, pg_server: Any, pg_url: str, tiny_clip_dir: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "samples"
    shutil.copytree(SAMPLES, corpus)
    settings: Settings = tiny_settings_for(tiny_clip_dir)
    with Library(tmp_path / "local", settings) as lib:
        lib.index([FolderConfig(str(corpus))])
        expected = lib.counts()["counts"]
    restarted = threading.Event()
    restart = threading.Thread(target=_restart_postgres, args=(pg_server,), daemon=True)

    def progress(p: Progress) -> None:  # in the visual tier, with readers busy
        if p.phase is Phase.EXTRACT and not restarted.is_set():
            restarted.set()
            restart.start()

    failures: list[str] = []
    summary: IndexSummary | None = None
    with Killer(ray_cluster, times=1) as killer:
        for _ in range(3):  # the run that met the restart fails or finishes; re-runs resume
            try:
                with Library(tmp_path / "team", settings, **{STORE_PARAMETER: pg_url}) as lib:
                    summary = _index(lib, corpus, ray_cluster, progress)
                    if not summary.cancelled:
                        break
            except SagasuError as exc:  # the database went away under the head: one line
                failures.append(str(exc))
                restart.join(timeout=120)  # a user re-runs once the database is back
    assert killer.killed and restarted.is_set()
    assert summary is not None and not summary.skipped, failures
    with Library(tmp_path / "team", settings, **{STORE_PARAMETER: pg_url}) as lib:
        paths = lib.catalog.file_paths()
        again = _index(lib, corpus, ray_cluster, lambda p: None)
        counts = lib.counts()["counts"]
    assert len(paths) == len(set(paths)) == 7  # every file once
    assert again.files_indexed == 0 and again.files_unchanged == 7
    assert counts == expected  # its items once: pages, images, photos, chunks, vectors
