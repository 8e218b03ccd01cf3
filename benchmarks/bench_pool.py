"""Extraction in worker processes (issue #14 "Cores", issue #19 item 10): wall time and peak
resident memory of ``sagasu index`` with 1 and 2 worker processes, and optionally of an older
checkout (the thread version) on the same files, back to back in one run.

Each configuration indexes the first ``--files`` PDFs of ``../shared/corpus/datasheets`` into
a fresh data folder, as a child ``python -m engine.cli index`` (OCR off, so the figures are
the main pass's; no CLIP weights unless the machine has some; MiniLM real). Memory is the sum
of the resident sets of the command and all its descendants (the forkserver and the workers),
sampled from /proc every 0.1 s; its peak is reported. Linux only.

    .venv/bin/python benchmarks/bench_pool.py [--files 20] [--workers 1,2]
        [--base /tmp/sagasu-main] [--workdir /tmp/sagasu-bench-pool]

``--base`` is a source tree (e.g. ``git archive main | tar -x -C /tmp/sagasu-main``) run with
the same Python, its settings given the same way (unknown settings are ignored there).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import common

PAGE = os.sysconf("SC_PAGE_SIZE")


def subset(workdir: Path, count: int) -> Path:
    """A folder of symlinks to the first ``count`` datasheets (never copies)."""
    (source,) = common.corpus_or_exit("datasheets")
    out = workdir / f"datasheets-{count}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for path in sorted(p for p in source.iterdir() if p.suffix.lower() == ".pdf")[:count]:
        (out / path.name).symlink_to(path.resolve())
    return out


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants now."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    family, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in family} - family
        family |= more
        grew = bool(more)
    total = 0
    for pid in family:
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def run_one(label: str, tree: Path, folder: Path, workdir: Path, workers: int) -> dict[str, object]:
    data = workdir / f"data-{label}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    settings = {"ocr_enabled": False, "extract_workers": workers}
    (data / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tree), "SAGASU_WARM": "off"}
    command = [sys.executable, "-m", "engine.cli", "index", "--json", "--data-dir", str(data)]
    started = time.perf_counter()
    child = subprocess.Popen(
        [*command, str(folder)], cwd=tree, env=env, stdout=subprocess.PIPE, text=True
    )
    peak = 0
    while child.poll() is None:
        peak = max(peak, tree_rss(child.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - started
    out = child.stdout.read() if child.stdout else ""
    summary = json.loads(out) if child.returncode == 0 else {}
    row = {
        "config": label,
        "wall_s": round(wall, 1),
        "files": summary.get("files_indexed"),
        "pages": summary.get("pages"),
        "skipped": len(summary.get("skipped") or []),
        "peak_rss_mb": peak >> 20,
        "exit": child.returncode,
    }
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--base", type=Path, help="an older source tree (the thread version)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sagasu-bench-pool"))
    args = parser.parse_args()
    folder = subset(args.workdir, args.files)
    print(f"load average before: {os.getloadavg()}, cores: {os.cpu_count()}", flush=True)
    rows = []
    if args.base:
        rows.append(run_one("threads (base)", args.base, folder, args.workdir, 0))
    for n in (int(w) for w in args.workers.split(",")):
        rows.append(
            run_one(f"{n} process{'es' if n > 1 else ''}", common.ROOT, folder, args.workdir, n)
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
