"""``sagasu-desktop``: start the search window (or render a screenshot and exit).

sagasu-desktop [--data-dir DIR] [--lang en|ja]
sagasu-desktop --data-dir DIR --screenshot OUT.png [--query TEXT | --image PATH]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from engine import __version__

_IMPORTED_AT = time.perf_counter()
log = logging.getLogger("sagasu.desktop")
ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = ROOT / "resources" / "samples"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="sagasu-desktop", description="Sagasu desktop search (探す)")
    p.add_argument("--data-dir", type=Path, help="index folder (default: last used or platform)")
    p.add_argument("--lang", choices=["system", "en", "ja"], help="UI language for this run")
    p.add_argument("--screenshot", type=Path, help="render the window to this PNG and exit")
    p.add_argument("--query", help="with --screenshot: search this text first")
    p.add_argument("--image", type=Path, help="with --screenshot: search with this image first")
    p.add_argument("--size", default="1280x800", help="with --screenshot: window size WxH")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--version", action="version", version=f"sagasu-desktop {__version__}")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    if args.screenshot and not os.environ.get("QT_QPA_PLATFORM"):
        # A screenshot needs no display (CI, ssh, packaging smoke tests): render offscreen
        # unless a platform was chosen. Read when the QApplication is created, below.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if sys.platform == "win32":
        # torch before PySide6 on Windows: Qt's DLLs loaded first break torch's c10.dll load
        # (WinError 1114). Elsewhere torch loads with the models, after the window is shown.
        import torch  # noqa: F401
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Sagasu")
    app.setOrganizationName("Sagasu")
    from desktop.i18n import ensure_cjk_font, install_language
    from engine.config import load_settings
    from engine.store.health import CatalogDamaged

    ensure_cjk_font()
    data_dir = resolve_data_dir(args.data_dir, QSettings("Sagasu", "Sagasu").value("data_dir"))
    try:
        library = open_library(data_dir)
    except CatalogDamaged as damage:
        print(f"sagasu-desktop: {damage}", file=sys.stderr)
        if args.screenshot:
            return 1
        install_language(args.lang or load_settings(data_dir).language)
        repaired = repair_and_open(damage, data_dir)
        if repaired is None:
            return 1
        library = repaired
    except Exception as exc:  # e.g. an index written by a newer Sagasu: say so, don't crash
        print(f"sagasu-desktop: cannot open the index in {data_dir}: {exc}", file=sys.stderr)
        if not args.screenshot:  # a modal box would hang a headless screenshot run
            QMessageBox.critical(None, "Sagasu", str(exc))
        return 1
    install_language(args.lang or library.settings.language)
    if args.screenshot:
        return screenshot(library, args)
    from desktop.main_window import MainWindow

    window = MainWindow(library, samples_dir=SAMPLES_DIR)
    window.show()
    # Runs once the event loop has painted the window: the launch benchmark reads this line.
    QTimer.singleShot(0, lambda: log.info("window shown %.2f s after start", _since_start()))
    try:
        return app.exec()
    finally:
        library.close()


def _since_start() -> float:
    """Seconds since this module was imported (benchmarks/bench_launch.py measures from the
    process spawn, interpreter start-up included)."""
    return time.perf_counter() - _IMPORTED_AT


def resolve_data_dir(arg: Path | None, remembered: object) -> Path:
    """--data-dir, then $SAGASU_DATA_DIR, then the location chosen in settings, then default."""
    from engine.config import default_data_dir

    if arg:
        return arg.expanduser()
    if not os.environ.get("SAGASU_DATA_DIR") and remembered:
        return Path(str(remembered)).expanduser()
    return default_data_dir()


def open_library(data_dir: Path):
    from engine.library import Library

    return Library(data_dir)


def repair_and_open(damage, data_dir: Path, synchronous: bool = False):
    """Offer to rebuild a damaged catalog (desktop/repair_dialog.py); the library once it
    is whole again, or None when the user quits."""
    from desktop.repair_dialog import RepairDialog

    dialog = RepairDialog(damage, data_dir, synchronous=synchronous)
    if dialog.exec() != RepairDialog.DialogCode.Accepted:
        return None
    return open_library(data_dir)


def screenshot(library, args: argparse.Namespace) -> int:
    """Render the window with results for --query/--image into a PNG, synchronously."""
    from PySide6.QtWidgets import QApplication

    from desktop.drop_zone import Dropped
    from desktop.main_window import MainWindow

    window = MainWindow(library, synchronous=True, samples_dir=SAMPLES_DIR)
    width, _, height = args.size.partition("x")
    window.resize(int(width), int(height))
    window.show()
    if args.query:
        window.search_field.setText(args.query)
        window.search_text(args.query)
    elif args.image:
        window.search_dropped(Dropped(path=args.image.expanduser().resolve()))
    for r in window.model.results():
        window.thumbnails.get(r.item_id)  # synchronous runners: loads into the cache now
    for _ in range(5):
        QApplication.processEvents()
    window.view.viewport().update()
    QApplication.processEvents()
    args.screenshot.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(args.screenshot))
    window.close()
    library.close()
    print(f"wrote {args.screenshot}" if ok else f"could not write {args.screenshot}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
