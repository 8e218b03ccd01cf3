"""The window and the index tiers: it hears each tier of its indexing child as it completes,
says when word search covers every file, and counts the files per tier while some lack
their pictures."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.main_window import MainWindow
from desktop.messages import progress_text, tiers_text
from engine.config import FolderConfig
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.messages import Phase, Tier
from engine.types import Progress
from tests.desktop_helpers import build_docs


def test_the_status_line_counts_files_per_tier_until_all_have_pictures() -> None:
    assert tiers_text({"lexical": 12, "visual": 5}, 12) == (
        " · word search on 12 files, pictures on 5 so far"
    )
    assert tiers_text({"lexical": 12, "visual": 12}, 12) == ""
    text = progress_text(Progress(Phase.LEXICAL, 3, 12, "a.pdf", 30, 4.0, 100, 7.5))
    assert text.startswith("Reading text (word search) · 3 of 12 files · 30 of 100 pages")
    assert "7.5 pages/s" in text


@pytest.mark.slow
def test_the_window_hears_each_tier_of_its_indexing_child(
    qtbot, tmp_path: Path, encoders: Encoders
) -> None:
    root = build_docs(tmp_path / "docs")
    library = Library(tmp_path / "data", encoders.settings, encoders)
    library.apply_settings(library.settings.with_folder(FolderConfig(str(root))))
    window = MainWindow(library, warm_models=False)
    qtbot.addWidget(window)
    heard: list[tuple[Tier, str]] = []
    # Connected after the window's own slot: it has reacted when this one runs.
    window.indexing.tierDone.connect(lambda e: heard.append((e.tier, window.message.text())))
    with qtbot.waitSignal(window.indexing.finished, timeout=240000):
        window.indexing.start()  # an index run in a child process
    assert [tier for tier, _ in heard] == list(Tier)
    assert "Text search works on every file now" in heard[0][1]
    window.close()
    library.close()
