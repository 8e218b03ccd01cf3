"""How long does the GUI event loop ever stall while indexing and searching?

A QTimer ticks every 10 ms and records the gap between ticks; a gap of 10 ms means the loop was
free, anything longer is the time the GUI thread could not respond. Meanwhile the real main
window indexes a generated folder in the background and the script types searches and drops
an image every 0.4 s. Offscreen, tiny random CLIP + the real MiniLM (as in the tests).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui_stall.py --pdfs 30 --photos 40
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if sys.platform == "win32":
    import torch  # noqa: F401  (before PySide6 on Windows, as in the app)

TICK_MS = 10
QUERIES = ["relay coil voltage", "温度センサ", "stepper driver current", "SRD-05VDC", "wiring"]


def make_folder(root: Path, pdfs: int, photos: int) -> None:
    from tests.fixtures import PageSpec, make_pdf, make_photo, pattern_image

    for i in range(pdfs):
        pages = [
            PageSpec(
                text=f"Relay module {i} datasheet page {p}. Coil voltage {p + 3} V.",
                images=[pattern_image((220, 160), seed=i * 10 + p)],
            )
            for p in range(3)
        ]
        make_pdf(root / f"doc{i:03d}.pdf", pages)
    for i in range(photos):
        make_photo(root / "photos" / f"photo{i:03d}.jpg", seed=1000 + i)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdfs", type=int, default=30)
    ap.add_argument("--photos", type=int, default=40)
    args = ap.parse_args()

    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.drop_zone import Dropped
    from desktop.main_window import MainWindow
    from engine.config import FolderConfig, Settings
    from engine.encode.encoders import Encoders
    from engine.library import Library
    from tests.tiny_models import make_tiny_clip

    tmp = Path(tempfile.mkdtemp(prefix="sagasu-stall-"))
    docs = tmp / "docs"
    make_folder(docs, args.pdfs, args.photos)
    settings = Settings(
        clip_model="sagasu-tiny",
        clip_pretrained="",
        clip_weights_path=str(make_tiny_clip(tmp / "clip")),
        ocr_enabled=False,
        batch_size=8,
        folders=[FolderConfig(str(docs))],
    )
    app = QApplication.instance() or QApplication([])
    library = Library(tmp / "data", settings, Encoders(settings))
    started = time.perf_counter()
    window = MainWindow(library)
    window.show()
    app.processEvents()
    window_seconds = time.perf_counter() - started

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    long_at: list[tuple[float, float]] = []  # (seconds since start, stall ms)

    def tick() -> None:
        now = clock.nsecsElapsed()
        gap = (now - last[0]) / 1e6
        gaps.append(gap)
        if gap - TICK_MS > 100:
            long_at.append((now / 1e9, gap - TICK_MS))
        last[0] = now

    ticker = QTimer(interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
    ticker.timeout.connect(tick)
    searches = {"sent": 0, "shown": 0}
    window.model.modelReset.connect(lambda: searches.__setitem__("shown", searches["shown"] + 1))

    def search() -> None:
        n = searches["sent"]
        if n % 4 == 3:
            window.search_dropped(Dropped(path=docs / "photos" / "photo000.jpg"))
        else:
            window.search_field.setText(QUERIES[n % len(QUERIES)])
            window.search_text(QUERIES[n % len(QUERIES)])
        searches["sent"] += 1

    searcher = QTimer(interval=400)
    searcher.timeout.connect(search)
    index_started = time.perf_counter()
    progress_log: list = []
    done = {"t": 0.0}

    def finished(_summary: object) -> None:
        done["t"] = time.perf_counter() - index_started
        QTimer.singleShot(2000, app.quit)  # let the last searches land

    def failed(message: str) -> None:
        print(f"indexing failed: {message}")
        finished(None)

    window.indexing.finished.connect(finished)
    window.indexing.failed.connect(failed)
    window.indexing.progressed.connect(lambda p: progress_log.append((time.perf_counter(), p)))
    ticker.start()
    searcher.start()
    window.indexing.start()
    app.exec()
    ticker.stop()
    searcher.stop()
    window.close()
    library.close()

    if progress_log:
        print(f"last progress: {progress_log[-1][1]}")
    stalls = sorted(g - TICK_MS for g in gaps)
    over = sum(1 for s in stalls if s > 100)
    p = lambda q: stalls[min(len(stalls) - 1, int(q * len(stalls)))]  # noqa: E731
    print(f"window shown in {window_seconds:.2f} s (library open, models loading in background)")
    print(f"indexed {args.pdfs} PDFs x 3 pages + {args.photos} photos in {done['t']:.1f} s")
    print(f"searches sent {searches['sent']}, result sets shown {searches['shown']}")
    print(f"event-loop ticks {len(gaps)}; extra delay beyond the 10 ms tick:")
    print(
        f"  median {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {stalls[-1]:.1f} ms, >100 ms: {over}"
    )
    print(
        "stalls > 100 ms at (s since start: ms): "
        + ", ".join(f"{t:.1f}: {ms:.0f}" for t, ms in long_at)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
