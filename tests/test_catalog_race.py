"""First open of a new data folder by several processes at once (issue #19, item 7): the
schema is created once, and every opener finds it whole."""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.store.catalog import Catalog
from engine.store.schema import SCHEMA_VERSION

OPENERS = 4
TRIALS = 8


def _open(data_dir: str, start: mp.synchronize.Barrier, out: mp.Queue[str]) -> None:
    start.wait()  # all processes reach the open together: the window the race needs
    try:
        cat = Catalog(Path(data_dir))
        version = cat.query("PRAGMA user_version")[0][0]
        cat.close()
        out.put(f"ok {version}")
    except Exception as exc:  # reported to the test, which names it
        out.put(f"{type(exc).__name__}: {exc}")


def test_four_processes_opening_a_new_folder_all_succeed(tmp_path: Path) -> None:
    ctx = mp.get_context("fork")  # fork: the openers start in milliseconds, not seconds
    failures: list[str] = []
    for trial in range(TRIALS):
        data = tmp_path / f"data{trial}"
        start, out = ctx.Barrier(OPENERS), ctx.Queue()
        procs = [ctx.Process(target=_open, args=(str(data), start, out)) for _ in range(OPENERS)]
        for p in procs:
            p.start()
        answers = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        failures += [a for a in answers if a != f"ok {SCHEMA_VERSION}"]
    assert not failures, failures


@pytest.mark.slow
def test_four_sagasu_status_started_at_once_on_a_new_folder_all_succeed(tmp_path: Path) -> None:
    """The issue's own reproduction: four `sagasu status` processes (3 trials)."""
    env = {**os.environ, "SAGASU_WARM": "off"}
    for trial in range(3):
        data = tmp_path / f"data{trial}"
        command = [sys.executable, "-m", "engine.cli", "status", "--data-dir", str(data)]
        procs = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            for _ in range(OPENERS)
        ]
        results = [(p.wait(120), p.stderr.read().decode() if p.stderr else "") for p in procs]
        assert [code for code, _ in results] == [0] * OPENERS, results
