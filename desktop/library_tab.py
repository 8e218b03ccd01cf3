"""Settings → Library: search this computer's index or a team server (URL, token, the
department's CA bundle, server → local path mappings), with a "Test connection" button
that says what the server answered, or the typed reason it did not (engine.team.client)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from desktop.workers import Runner
from engine.config import Settings
from engine.team.paths import mappings_text, parse_mappings
from engine.team.token_file import read_token

MODES = ("local", "team")


class LibraryTab(QWidget):
    def __init__(self, settings: Settings, data_dir: Path, runner: Runner) -> None:
        super().__init__()
        self._runner = runner
        self._saved_token = read_token(data_dir)
        self.mode_box = QComboBox()
        self.mode_box.addItem(self.tr("This computer"), "local")
        self.mode_box.addItem(self.tr("Team server"), "team")
        self.mode_box.setCurrentIndex(max(self.mode_box.findData(settings.library_mode), 0))
        self.url_edit = QLineEdit(settings.server_url)
        self.url_edit.setPlaceholderText("https://sagasu.example.org:8470")
        self.token_edit = QLineEdit(self._saved_token)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.ca_edit = QLineEdit(settings.server_ca_bundle or "")
        self.ca_edit.setPlaceholderText(self.tr("The system's certificates"))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._choose_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(browse)
        self.mappings_edit = QPlainTextEdit(mappings_text(settings.path_mappings))
        self.mappings_edit.setPlaceholderText(
            "/srv/share => \\\\nas\\share\n/srv/share => /mnt/share"
        )
        self.mappings_edit.setMaximumHeight(90)
        self.test_button = QPushButton(self.tr("Test connection"))
        self.test_button.clicked.connect(self.test_connection)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("Search in:"), self.mode_box)
        form.addRow(self.tr("Server address:"), self.url_edit)
        form.addRow(self.tr("Token:"), self.token_edit)
        form.addRow(self.tr("CA bundle:"), ca_row)
        form.addRow(self.tr("Path mappings:"), self.mappings_edit)
        explain = QLabel(
            self.tr(
                "One per line: SERVER PREFIX => LOCAL PREFIX. A result opens from this "
                "computer's copy; without one, the original can be downloaded. The token is "
                "kept in a file only you can read, in the index folder. Indexing, folders and "
                "models apply to this computer's index only."
            )
        )
        explain.setWordWrap(True)
        form.addRow(explain)
        form.addRow(self.test_button, self.result_label)
        self.mode_box.currentIndexChanged.connect(lambda _i: self._enable())
        self._enable()

    @property
    def team_chosen(self) -> bool:
        return self.mode_box.currentData() == "team"

    def token(self) -> str:
        return self.token_edit.text().strip()

    @property
    def token_changed(self) -> bool:
        return self.token() != self._saved_token

    def problem(self) -> str:
        """Why the tab's values cannot be adopted, or "" (a bad mapping line, no address)."""
        try:
            parse_mappings(self.mappings_edit.toPlainText())
        except ValueError as exc:
            return self.tr("Path mappings, {0}").format(exc)
        if self.team_chosen and not self.url_edit.text().strip():
            return self.tr("Enter the team server's address, or search this computer.")
        return ""

    def apply(self, settings: Settings) -> Settings:
        """``settings`` with this tab's values (call ``problem()`` first)."""
        return settings.replace(
            library_mode=self.mode_box.currentData(),
            server_url=self.url_edit.text().strip(),
            server_ca_bundle=self.ca_edit.text().strip() or None,
            path_mappings=parse_mappings(self.mappings_edit.toPlainText()),
        )

    def test_connection(self) -> None:
        from engine.team.client import TeamClient

        url, token, ca = self.url_edit.text().strip(), self.token(), self.ca_edit.text().strip()
        if not url:
            self.show_result(self.tr("Enter the team server's address first."), ok=False)
            return
        self.test_button.setEnabled(False)
        self.result_label.setText(self.tr("Connecting…"))

        def check(_report: object) -> dict[str, object]:
            client = TeamClient(url, token, ca or None)
            try:
                return client.status()
            finally:
                client.close()

        self._runner.run(check, on_done=self._connected, on_error=self._not_connected)

    def _connected(self, status: dict[str, object]) -> None:
        counts = status.get("counts")
        files = counts.get("files", 0) if isinstance(counts, dict) else 0
        self.show_result(
            self.tr("Connected: {0} files in your folders on the server.").format(files), ok=True
        )

    def _not_connected(self, exc: BaseException) -> None:
        from desktop.team_messages import server_problem_text

        self.show_result(server_problem_text(exc), ok=False)

    def show_result(self, text: str, ok: bool) -> None:
        self.test_button.setEnabled(True)
        color = "#262" if ok else "#a22"
        self.result_label.setStyleSheet(f"color:{color}")
        self.result_label.setText(text)

    def _enable(self) -> None:
        for widget in (self.url_edit, self.token_edit, self.ca_edit, self.mappings_edit):
            widget.setEnabled(self.team_chosen)
        self.test_button.setEnabled(self.team_chosen)

    def _choose_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("CA bundle"), "", self.tr("Certificates (*.pem *.crt *.cer);;All (*)")
        )
        if path:
            self.ca_edit.setText(path)
