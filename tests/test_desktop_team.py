"""The window as a client of a real team server (engine.team.api under uvicorn on loopback):
search as you type, a dropped photo, one group's results only, reasons and thumbnails, the
offline banner and its way back, opening a server's file from a local copy or a download,
and Settings → Library."""

from __future__ import annotations

import gc
import shutil
import stat
from pathlib import Path

import pytest

from desktop.main_window import MainWindow
from desktop.settings_dialog import SettingsDialog
from engine.config import FolderConfig, Settings
from engine.encode.clip import ClipEncoder
from engine.encode.encoders import Encoders
from engine.encode.text import TextEncoder
from engine.library import Library
from engine.team.token_file import save_token, token_path
from tests.desktop_helpers import drop_files
from tests.fixtures import make_pdf
from tests.live_server import Team
from tests.team_fixtures import leaked

pytestmark = [pytest.mark.gui, pytest.mark.slow]  # a server's two roots indexed, MiniLM


def team_window(
    qtbot, tmp_path: Path, team: Team, token: str, encoders: Encoders | None = None, **extra
) -> MainWindow:
    """A window whose settings say "Team server" at ``team``'s URL, with ``token`` saved."""
    settings = Settings(
        models_dir=str(tmp_path / "no-models"),
        ocr_enabled=False,
        library_mode="team",
        server_url=team.server.url,
        **extra,
    )
    data = tmp_path / "desktop-data"
    save_token(data, token)
    library = Library(data, settings, encoders or Encoders(settings))
    window = MainWindow(library, warm_models=False)
    window.show()
    return window


def close(qtbot, window: MainWindow) -> None:
    """Close the window, then its library (the window waits for its workers first), and
    delete it here: collected later by a worker thread's garbage collection, its folder
    watcher's notifier would be destroyed off the GUI thread."""
    window.close()
    window.library.close()
    window.thumbnails.wait(10000)
    window.deleteLater()
    qtbot.wait(50)
    gc.collect()


def preview_side(window: MainWindow) -> int:
    """The longer side of the picture in the preview pane (a thumbnail is 150 at most)."""
    image = window.preview._source
    return 0 if image is None else max(image.width(), image.height())


def results_of(window: MainWindow) -> list:
    return window.model.results()


def test_the_window_searches_the_server_as_you_type(qtbot, tmp_path: Path, team: Team) -> None:
    window = team_window(qtbot, tmp_path, team, team.alice)
    try:
        assert window.remote is not None and not window.index_action.isEnabled()
        assert "Settings → Library" in window.index_action.toolTip()
        qtbot.keyClicks(window.search_field, "torque sensor")
        qtbot.waitUntil(lambda: bool(results_of(window)), timeout=60000)
        results = results_of(window)
        # B says "torque sensor" more often, but alice (group alpha) reads only root A.
        assert {r.path.parent.name for r in results} == {"alpha-root"}
        assert any(r.reasons for r in results)
        assert not leaked(repr(results).encode(), "torque sensor")
        first = results[0]
        qtbot.waitUntil(lambda: window.thumbnails.get(first.item_id) is not None, timeout=30000)
        qtbot.waitUntil(lambda: preview_side(window) > 150, timeout=30000)  # the server's page
        qtbot.waitUntil(lambda: "Team server" in window.counts_label.text(), timeout=30000)
        assert "2 files indexed" in window.counts_label.text()  # root A's, not B's
        before = window.last_outcome
        window.search_text("BRAVOZEPHYR QY-9922B")  # only B says them: none of B for alice
        qtbot.waitUntil(lambda: window.last_outcome is not before, timeout=60000)
        assert {r.path.parent.name for r in results_of(window)} <= {"alpha-root"}
        assert not leaked(repr(results_of(window)).encode(), "BRAVOZEPHYR QY-9922B")
        # A dropped photo is searched on the server: this computer's index is empty.
        drop_files(window, [team.roots.a_photo])
        qtbot.waitUntil(
            lambda: bool(results_of(window)) and results_of(window)[0].path.name == "a-board.jpg",
            timeout=60000,
        )
    finally:
        close(qtbot, window)


def test_an_offline_server_shows_a_banner_and_this_computer_still_searches(
    qtbot,
    tmp_path: Path,
    team: Team,
    tiny_settings: Settings,
    tiny_clip: ClipEncoder,
    text_encoder: TextEncoder,
) -> None:
    local = tmp_path / "my-files"
    make_pdf(local / "mine.pdf", ["LOCALONLYWORD bench notes"])
    settings = tiny_settings.replace(library_mode="team", server_url=team.server.url)
    data = tmp_path / "desktop-data"
    encoders = Encoders(settings, clip=tiny_clip, text=text_encoder)
    with Library(data, settings, encoders) as indexer:
        indexer.index([FolderConfig(str(local))])
    save_token(data, team.alice)
    library = Library(data, settings, encoders)
    window = MainWindow(library, warm_models=False)
    window.show()
    window.health_timer.setInterval(300)
    try:
        team.server.stop()
        window.search_text("torque sensor")
        banner = window.server_banner
        qtbot.waitUntil(banner.isVisible, timeout=30000)
        assert team.server.url in banner.label.text() and "offline" in banner.label.text()
        assert banner.button_texts() == ["Search this computer"]
        team.server.start()  # back: the health check takes the banner away
        qtbot.waitUntil(lambda: not banner.isVisible(), timeout=30000)
        team.server.stop()
        qtbot.waitUntil(banner.isVisible, timeout=30000)
        banner.click(0)  # search this computer instead
        assert window.remote is None and library.settings.library_mode == "local"
        assert not banner.isVisible() and window.index_action.isEnabled()
        window.search_text("LOCALONLYWORD")
        qtbot.waitUntil(
            lambda: [r.path.name for r in results_of(window)][:1] == ["mine.pdf"], timeout=60000
        )
    finally:
        close(qtbot, window)
        if not team.server.running:
            team.server.start()


def test_a_result_opens_from_the_mapped_copy_or_a_download(
    qtbot, tmp_path: Path, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_parent = Path(team.roots.root_a).parent
    copy = tmp_path / "nas"
    shutil.copytree(team.roots.root_a, copy / "alpha-root")
    opened = tmp_path / "opened.txt"
    monkeypatch.setenv("SAGASU_PDF_VIEWER", f'sh -c "echo {{path}} > {opened}"')
    mapping = ((str(server_parent), str(copy)),)
    window = team_window(qtbot, tmp_path, team, team.alice, path_mappings=mapping)
    try:
        window.search_text("ALPHAQUARK")
        qtbot.waitUntil(lambda: bool(results_of(window)), timeout=60000)
        manual = results_of(window)[0]
        assert manual.path.name == "a-manual.pdf"
        window.open_result(manual)  # this computer's copy, through the mapping
        qtbot.waitUntil(opened.exists, timeout=10000)
        assert opened.read_text().strip() == str(copy / "alpha-root" / "a-manual.pdf")
        opened.unlink()
        (copy / "alpha-root" / "a-manual.pdf").unlink()  # no copy here: offer a download
        window.open_result(manual)
        assert window.server_banner.button_texts() == ["Download from the server and open"]
        window.server_banner.click(0)
        qtbot.waitUntil(opened.exists, timeout=30000)
        downloaded = Path(opened.read_text().strip())
        assert downloaded.read_bytes() == manual.path.read_bytes()
        assert downloaded.is_relative_to(tmp_path / "desktop-data" / "team-downloads")
    finally:
        close(qtbot, window)


def test_settings_library_tab_tests_the_connection_and_keeps_the_token_private(
    qtbot, tmp_path: Path, team: Team
) -> None:
    data = tmp_path / "desktop-data"
    settings = Settings(models_dir=str(tmp_path / "no-models"), ocr_enabled=False)
    with Library(data, settings, Encoders(settings)) as library:
        dialog = SettingsDialog(library)
        qtbot.addWidget(dialog)
        tab = dialog.library_tab
        assert not tab.url_edit.isEnabled()  # "This computer": nothing to fill in
        tab.mode_box.setCurrentIndex(tab.mode_box.findData("team"))
        tab.url_edit.setText(team.server.url)
        tab.token_edit.setText("wrong-token")
        tab.test_connection()
        qtbot.waitUntil(lambda: "token" in tab.result_label.text(), timeout=30000)
        assert "does not accept this token" in tab.result_label.text()
        tab.token_edit.setText(team.alice)
        tab.test_connection()
        qtbot.waitUntil(lambda: "Connected" in tab.result_label.text(), timeout=30000)
        assert "2 files" in tab.result_label.text()
        tab.mappings_edit.setPlainText("/srv/share => /mnt/share\nnot a mapping")
        dialog.accept()  # refused: the bad line is named, nothing is lost
        assert dialog.result() != SettingsDialog.DialogCode.Accepted
        assert "line 2" in tab.result_label.text() and not token_path(data).exists()
        tab.mappings_edit.setPlainText("/srv/share => /mnt/share")
        dialog.accept()
        assert dialog.result() == SettingsDialog.DialogCode.Accepted
        new = dialog.result_settings()
        assert new.library_mode == "team" and new.server_url == team.server.url
        assert new.path_mappings == (("/srv/share", "/mnt/share"),)
        assert stat.S_IMODE(token_path(data).stat().st_mode) == 0o600
        assert team.alice not in str(new.to_json())
