"""A message strip across the top of the window (first run, missing model, errors) with a few
action buttons. One widget, reconfigured as the situation changes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

STYLES = {
    "info": "background:#eaf2fb; border:1px solid #b7cde8;",
    "warning": "background:#fff6dd; border:1px solid #e5cf8a;",
    "error": "background:#fde8e8; border:1px solid #e3a5a5;",
}


class Banner(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(10, 6, 10, 6)
        self._layout.addWidget(self.label, 1)
        self._buttons: list[QPushButton] = []
        self.hide()

    def show_message(
        self,
        text: str,
        actions: list[tuple[str, Callable[[], None]]] = (),  # type: ignore[assignment]
        level: str = "info",
        tooltip: str = "",
    ) -> None:
        self.setStyleSheet(f"#banner {{ {STYLES.get(level, STYLES['info'])} border-radius:4px; }}")
        self.label.setText(text)
        self.label.setToolTip(tooltip)
        for button in self._buttons:
            # Out of the layout and hidden now: deleteLater alone leaves the old buttons on
            # screen until the event loop runs (twice the buttons after a retranslate, and
            # for good in a screenshot, which never returns to the loop).
            self._layout.removeWidget(button)
            button.hide()
            button.deleteLater()
        self._buttons = []
        for title, callback in actions:
            button = QPushButton(title)
            button.clicked.connect(callback)
            self._layout.addWidget(button)
            button.show()  # now, not on the next event loop turn as a visible parent would
            self._buttons.append(button)
        self.show()

    def button_texts(self) -> list[str]:
        """The buttons on show, in order (what a user sees, not what was last asked for)."""
        shown = []
        for i in range(self._layout.count()):
            widget = self._layout.itemAt(i).widget()
            if isinstance(widget, QPushButton) and not widget.isHidden():
                shown.append(widget.text())
        return shown

    def click(self, index: int) -> None:
        self._buttons[index].click()
