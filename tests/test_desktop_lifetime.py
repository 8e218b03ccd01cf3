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


def test_switching_language_while_jobs_run_then_closing(qtbot, tmp_path: Path) -> None:
    """English ↔ Japanese several times with the examples and settings dialogs open, an
    index job and a search running and results arriving in between, then close."""
    from desktop.i18n import install_language

    library = lazy_library(tmp_path)
    samples = tmp_path / "samples"
    samples.mkdir()
    window = MainWindow(library, warm_models=False, samples_dir=samples)
    qtbot.addWidget(window)
    window.show()
    release = threading.Event()
    window.open_examples()
    window.open_settings()
    window.indexing.run_job(lambda _p, _c: release.wait(10), "held")
    window.search_text("relay")
    window.search_runner.run(lambda _r: release.wait(10))
    try:
        for lang in ("ja", "en", "ja", "en", "ja"):
            install_language(lang)
            window.refresh_status()  # results arrive while LanguageChange is pending
            qtbot.wait(30)
        release.set()
        for lang in ("en", "ja", "en"):
            install_language(lang)
            window.search_text("sensor")
            qtbot.wait(10)
    finally:
        install_language("en")
        release.set()
    qtbot.waitUntil(lambda: window.open_action.text() == "Open image…", timeout=3000)
    window.close()
    library.close()


def test_switching_language_through_the_settings_panel(qtbot, tmp_path: Path) -> None:
    """The user's way: the language box of the settings panel, with an index job running."""
    from desktop.i18n import install_language

    library = lazy_library(tmp_path)
    window = MainWindow(library, warm_models=False)
    qtbot.addWidget(window)
    window.show()
    dialog_examples = window.open_examples()
    release = threading.Event()
    window.indexing.run_job(lambda _p, _c: release.wait(10), "held")
    try:
        for lang in ("ja", "en", "ja", "en"):
            dialog = window.open_settings()
            box = dialog.language_box
            box.setCurrentIndex(box.findData(lang))
            dialog.accept()
            shown = "画像を開く…" if lang == "ja" else "Open image…"
            qtbot.waitUntil(lambda t=shown: window.open_action.text() == t, timeout=3000)
        assert dialog_examples.windowTitle() == "Examples and evaluation"
    finally:
        release.set()
        install_language("en")
    window.close()
    library.close()
