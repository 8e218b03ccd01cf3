"""The window meets a full disk and a read-only data folder (issue #19), in Japanese.

The window and its indexing child are two processes that must see the same data folder, so
the tmpfs is mounted here directly (root only, unmounted afterwards); elsewhere these tests
skip and tests/test_faults.py covers the faults from the command line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.i18n import install_language
from engine.store.access import StorageProblem
from tests.desktop_helpers import let_child_run_end
from tests.test_faults import SAMPLES, finished  # noqa: F401  (a module fixture)


class Tmpfs:
    """A tmpfs mounted on ``path`` for one test."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def mount(self, size: str) -> None:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(self.path)], check=True
        )

    def remount(self, options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(self.path)], check=True)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Tmpfs]:
    point = tmp_path / "mnt"
    point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs the window and its child both see needs root")
    probe = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)])
    if probe.returncode != 0:
        pytest.skip("this machine does not permit mounting a tmpfs")
    subprocess.run(["umount", str(point)], check=True)
    try:
        yield Tmpfs(point)
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


@pytest.fixture
def japanese(qtbot) -> Iterator[None]:
    assert install_language("ja") == "ja"
    try:
        yield
    finally:
        install_language("en")


def test_an_index_run_in_the_window_that_fills_the_disk_says_so_in_japanese(
    qtbot, tmpfs: Tmpfs, japanese: None, tmp_path: Path
) -> None:
    from desktop.index_process import ChildIndexRun
    from desktop.messages import storage_text

    tmpfs.mount("1m")
    settings = {
        "ocr_enabled": False,
        "text_model_path": str(tmp_path / "no-text-model"),
        "folders": [{"path": str(SAMPLES)}],
    }
    (tmpfs.path / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    run = ChildIndexRun(tmpfs.path)
    with qtbot.waitSignal(run.failed, timeout=300_000) as failed:
        run.start()
    let_child_run_end(qtbot, run)
    assert failed.args == [storage_text(StorageProblem.DISK_FULL)]
    assert failed.args[0].startswith("検索インデックスを置いたディスクがいっぱいです")


def test_a_window_on_a_read_only_folder_searches_and_says_indexing_is_unavailable(
    qtbot,
    tmpfs: Tmpfs,
    japanese: None,
    finished: dict[str, Path],  # noqa: F811
) -> None:
    from desktop.main_window import MainWindow
    from engine.library import Library

    tmpfs.mount("300m")
    shutil.copytree(finished["clean"], tmpfs.path, dirs_exist_ok=True)
    tmpfs.remount("ro")
    library = Library(tmpfs.path)
    assert library.read_only
    window = MainWindow(library, synchronous=True, warm_models=False)
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.banner.isVisible()
        assert window.banner.label.text().startswith("このインデックスフォルダは読み取り専用です")
        assert not window.indexing.running  # nothing was started on a folder it cannot write
        window.search_text("relay")
        qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=30_000)
        new = library.settings.replace(ocr_enabled=True)
        window.apply_settings(new)  # refused, in words, and nothing else happens
        assert "読み取り専用" in window.message.text()
        assert not library.settings.ocr_enabled
    finally:
        window.close()
        library.close()
