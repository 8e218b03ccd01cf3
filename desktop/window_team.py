"""The window as a client of a team server: which ``SearchSource`` it searches
(engine.search_source: this computer's ``Library`` or a ``RemoteLibrary``), the offline
banner and the health check that takes it away, opening a server result from this
computer's copy or a downloaded one, and the local-only actions switched off meanwhile.

A mixin of MainWindow (desktop/main_window.py), like window_search and window_library; its
strings are translated in the MainWindow context for the same reason.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer

from desktop import opening
from desktop.team_messages import server_problem_text
from engine.config import Settings
from engine.search_source import SearchSource
from engine.team.client import ServerError, ServerUnreachable
from engine.team.remote import RemoteLibrary, open_remote
from engine.types import SearchResult

HEALTH_CHECK_MS = 10_000  # while a team server is chosen: notices it going and coming back


class CurrentSource:
    """The source a window searches now, for its workers (they never hold the window)."""

    def __init__(self, source: SearchSource) -> None:
        self.source = source

    def thumbnail(self, item_id: int) -> bytes | None:
        return self.source.thumbnail(item_id)


class TeamMixin:
    """Local or team searching, for MainWindow."""

    remote: RemoteLibrary | None = None

    def init_team(self) -> None:
        self.source: SearchSource = self.library
        self.health_timer = QTimer(self, interval=HEALTH_CHECK_MS)
        self.health_timer.timeout.connect(self.check_server)
        if self.library.settings.library_mode == "team":
            self.use_library_mode(self.library.settings)

    def use_library_mode(self, settings: Settings) -> None:
        """Search where ``settings`` say: a new connection with the saved token, or this
        computer. Results of the other source are cleared: their ids mean other items."""
        old, self.remote = self.remote, None
        if settings.library_mode == "team" and settings.server_url:
            self.remote = open_remote(settings, Path(self.library.data_dir))
        self.source = self.remote or self.library
        self.current.source = self.source
        if old is not None:
            old.close()  # a request still running on it fails, and its answer is dropped
        self.server_banner.hide()
        self.thumbnails.clear()
        self.model.set_results([])
        self.preview.clear()
        self._local_only_enabled()
        if self.remote is not None:
            self.health_timer.start()
        else:
            self.health_timer.stop()
        self.update_first_run()
        self.refresh_status()
        self._rerun_last_query()

    def switch_to_local(self) -> None:
        """The offline banner's action: search this computer's index from now on."""
        self.apply_settings(self.library.settings.replace(library_mode="local"))

    def status_prefix(self) -> str:
        if self.remote is None:
            return ""
        return QCoreApplication.translate("MainWindow", "Team server {0}: ").format(self.remote.url)

    def _local_only_enabled(self) -> None:
        """Indexing and reports act on this computer's index only: off while a team server is
        searched, with the reason as their tooltip."""
        team = self.remote is not None
        why = QCoreApplication.translate(
            "MainWindow",
            "The team server indexes its own folders; "
            "choose This computer in Settings → Library to index here.",
        )
        for action in (self.index_action, self.report_action):
            action.setEnabled(not team)
            action.setToolTip(why if team else "")

    # --- failures and the health check -------------------------------------------------

    def server_failed(self, exc: BaseException) -> bool:
        """Say a team server's failure (True), or leave ``exc`` to the caller (False)."""
        if isinstance(exc, ServerUnreachable):
            self.show_server_offline(exc)
            self.show_error(server_problem_text(exc))
            return True
        if isinstance(exc, ServerError):
            self.show_error(server_problem_text(exc))
            return True
        return False

    def show_server_offline(self, exc: ServerUnreachable) -> None:
        self.server_banner.show_message(
            "<b>"
            + QCoreApplication.translate("MainWindow", "The team server is offline.")
            + "</b> "
            + html.escape(server_problem_text(exc))
            + " "
            + QCoreApplication.translate(
                "MainWindow", "This computer's index can still be searched."
            ),
            [
                (
                    QCoreApplication.translate("MainWindow", "Search this computer"),
                    self.switch_to_local,
                )
            ],
            level="error",
        )
        self.server_banner.setProperty("offline", True)

    def check_server(self) -> None:
        """Ask the server whether it answers, off the GUI thread: the banner comes when it
        stops answering, and goes (with the last query run again) when it is back."""
        remote = self.remote
        if remote is None:
            return
        self.io_runner.run(
            lambda _r: remote.health(),
            on_done=lambda _ok: self._server_answers(remote),
            on_error=lambda exc: self._server_silent(remote, exc),
        )

    def _server_answers(self, remote: RemoteLibrary) -> None:
        if remote is not self.remote or not self.server_banner.property("offline"):
            return
        self.server_banner.setProperty("offline", False)
        self.server_banner.hide()
        self.message.setText("")
        self.refresh_status()
        self._rerun_last_query()

    def _server_silent(self, remote: RemoteLibrary, exc: BaseException) -> None:
        if remote is self.remote and isinstance(exc, ServerUnreachable):
            self.show_server_offline(exc)

    # --- opening a server's result ---------------------------------------------------

    def offer_download(self, r: SearchResult, looked_at: Path) -> bool:
        """When this computer has no copy of a server's file, offer the original from the
        server (True: offered; False: there is no server to fetch it from)."""
        remote = self.remote
        if remote is None:
            return False
        self.server_banner.setProperty("offline", False)
        self.server_banner.show_message(
            html.escape(
                QCoreApplication.translate(
                    "MainWindow", "{0} is not on this computer (looked for {1})."
                ).format(r.path.name, looked_at)
            ),
            [
                (
                    QCoreApplication.translate("MainWindow", "Download from the server and open"),
                    lambda: self.download_and_open(r),
                )
            ],
            level="info",
        )
        return True

    def download_and_open(self, r: SearchResult) -> None:
        remote = self.remote
        if remote is None:
            return
        self.server_banner.hide()
        self.message.setText(
            QCoreApplication.translate("MainWindow", "Downloading {0}…").format(r.path.name)
        )
        self.io_runner.run(
            lambda _r: remote.fetch_original(r),
            on_done=lambda path: self._downloaded(path, r),
        )

    def _downloaded(self, path: Path | None, r: SearchResult) -> None:
        self.last_download = path
        self.message.setText("")
        if path is not None and not opening.open_file(path, r.page):
            self.show_error(
                QCoreApplication.translate("MainWindow", "No application could open {0}.").format(
                    path.name
                )
            )
