"""Qt object lifetimes around background work: what a worker signals into is owned by a Qt
parent and deleted on the GUI thread, and closing waits for the jobs still running."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QThreadPool

from desktop.main_window import MainWindow
from desktop.workers import Runner
from tests.desktop_helpers import lazy_library

pytestmark = pytest.mark.gui


class _Holder:
    """Something that keeps a runner (a thumbnail cache, a window), reached only by its own
    running job once the GUI lets go of it."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    def __del__(self) -> None:
        _deletions.append(threading.current_thread().name)


_deletions: list[str] = []


def test_a_runner_let_go_of_while_its_job_runs_is_deleted_on_the_gui_thread(qtbot) -> None:
    """Before: the job's closure was the last reference and the worker dropped it, deleting
    the holder and its runner's pool on that thread: ~QThreadPool then waited for its own
    thread forever. Now the job is let go of with its task, on the GUI thread, and the pool
    is the owner's Qt child (Python's collector never deletes it)."""
    owner = QObject()
    release, done = threading.Event(), threading.Event()
    _deletions.clear()
    _start_held_job(Runner(1, owner=owner), release, done)  # nothing here keeps the holder
    release.set()
    qtbot.waitUntil(done.is_set, timeout=5000)
    qtbot.waitUntil(lambda: bool(_deletions), timeout=5000)
    assert _deletions == [threading.main_thread().name]
    pools = owner.findChildren(QThreadPool)
    assert len(pools) == 1 and pools[0].waitForDone(2000)  # never deleted on its worker


def _start_held_job(runner: Runner, release: threading.Event, done: threading.Event) -> None:
    holder = _Holder(runner)

    def job(_report: Any, held: _Holder = holder) -> None:
        release.wait(5)

    holder.runner.run(job, on_done=lambda _r: done.set())


@pytest.fixture
def lazy_window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:
    library = lazy_library(tmp_path)
    window = MainWindow(library, warm_models=False)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    library.close()


def test_every_pool_and_worker_facing_object_of_the_window_has_a_qt_parent(
    lazy_window: MainWindow,
) -> None:
    window = lazy_window
    for qobject in (window.thumbnails, window.indexing):
        assert qobject.parent() is window
    dialog = window.open_examples()
    runners = [window.search_runner, window.io_runner, window.indexing.runner]
    runners += [window.indexing._lister, window.thumbnails._runner]
    runners += [dialog.work_runner, dialog.reader, window.open_settings().runner]
    for runner in runners:
        assert runner.pool.parent() is not None
