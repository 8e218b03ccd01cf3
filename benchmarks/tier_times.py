"""When each index tier completes on a folder, as a user's `sagasu index` sees it.

    .venv/bin/python benchmarks/tier_times.py SOURCE_ROOT FOLDER DATA_DIR

Runs ``python -m engine.cli index --progress-jsonl`` from ``SOURCE_ROOT`` (a checkout: this
tree, or another branch's to compare) into a fresh ``DATA_DIR``, and prints each
``tier_done`` event with the seconds since the process started, then the run's summary and
the process's whole wall time. (benchmarks/bench_tiers.py compares with Recoll.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time


def main(source: str, folder: str, data: str) -> None:
    shutil.rmtree(data, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": source, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "engine.cli", "index", "--data-dir", data]
    started = time.monotonic()
    child = subprocess.Popen(
        [*command, "--progress-jsonl", folder],
        cwd=source,
        env=env,
        stdin=subprocess.PIPE,  # kept open: end of input would cancel the run
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    for line in child.stdout:
        at = f"{time.monotonic() - started:7.2f} s since start:"
        if line.startswith(b'{"event"'):
            print(at, line.decode().strip(), flush=True)
        elif line.startswith(b'{"summary"'):
            s = json.loads(line)["summary"]
            print(at, "summary", {k: s[k] for k in ("files_indexed", "pages", "images")})
    child.wait()
    print(f"total wall {time.monotonic() - started:.2f} s (process start to exit)")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:4])
