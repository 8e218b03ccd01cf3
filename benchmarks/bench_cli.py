"""The command line's own latency (issue #18): `sagasu status`, a cold text search (a fresh
process, no background process), a warm one (answered by `sagasu serve-local`).

Targets on a quiet 2-core machine: status <= 1 s; a text search <= 2 s from process start to
printed results cold, <= 0.3 s warm. Every figure is the wall time of a fresh
``python -m engine.cli ...`` process, interpreter start-up included, as a shell sees it.

By default the library is resources/samples indexed into a temporary folder with OCR off and
no CLIP weights (the machine this was written on has none): a text query then needs MiniLM
and SQLite only. ``--data-dir`` measures an existing library instead (read only).

    .venv/bin/python benchmarks/bench_cli.py [--runs 5] [--warm-runs 20] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import load_line, percentile, summary_ms  # noqa: E402

STATUS_TARGET_S, COLD_TARGET_S, WARM_TARGET_S = 1.0, 2.0, 0.3
SAMPLES = ROOT / "resources" / "samples"
HEAVY = ("torch", "sentence_transformers", "transformers", "open_clip", "cv2", "onnxruntime")


def cli(args: list[str], env: dict[str, str], extra: list[str] | None = None) -> tuple[float, str]:
    """Wall seconds of one fresh CLI process, and its stdout."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *(extra or []), "-m", "engine.cli", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"sagasu {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return seconds, done.stdout if not extra else done.stderr


def make_library(folder: Path, env: dict[str, str]) -> Path:
    from engine.config import Settings, save_settings

    data = folder / "data"
    save_settings(data, Settings(ocr_enabled=False, device="cpu"))
    seconds, _ = cli(["index", "--data-dir", str(data), str(SAMPLES)], env)
    print(f"indexed {SAMPLES.relative_to(ROOT)} (OCR off) in {seconds:.1f} s")
    return data


def reported_ms(stdout: str) -> str:
    found = re.search(r"results in (\d+) ms(.*)$", stdout.strip().splitlines()[-1])
    return f"{found.group(1)} ms{found.group(2)}" if found else "?"


def import_breakdown(args: list[str], env: dict[str, str], top: int = 8) -> str:
    """Where a cold process's import time goes, per top-level package (-X importtime)."""
    _, log = cli(args, env, extra=["-X", "importtime"])
    per: dict[str, int] = {}
    for line in log.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line[len("import time:") :].split("|")
        root = name.strip().split(".")[0]
        per[root] = per.get(root, 0) + int(own)
    total = sum(per.values()) / 1e6
    parts = sorted(per.items(), key=lambda kv: -kv[1])[:top]
    return f"imports {total:.2f} s: " + ", ".join(f"{k} {v / 1e6:.2f}" for k, v in parts)


def in_process_split(data: Path, query: str, env: dict[str, str]) -> str:
    """One fresh process, timed inside: imports, opening the library, the search and the
    part of it spent loading models (Library.last_model_load_seconds)."""
    code = f"""
import sys, time, json
t0 = time.perf_counter()
from engine.library import Library
from engine.search import Query
t1 = time.perf_counter()
lib = Library({str(data)!r})
t2 = time.perf_counter()
out = lib.search(Query(text={query!r}, top_k=10))
t3 = time.perf_counter()
models = lib.last_model_load_seconds
again = lib.search(Query(text={query!r}, top_k=10))
heavy = [m for m in {HEAVY!r} if m in sys.modules]
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, models, again.seconds, heavy]))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    imp, opened, first, models, second, heavy = json.loads(done.stdout.strip().splitlines()[-1])
    return (
        f"import engine.library {imp:.2f} s, open {opened * 1000:.0f} ms, first search "
        f"{first:.2f} s of which models {models:.2f} s, second search {second * 1000:.0f} ms; "
        f"loaded: {', '.join(heavy)}"
    )


def line(name: str, values: list[float], target: float) -> None:
    met = "MET" if percentile(values, 50) <= target else "NOT MET"
    print(f"{name:22s} {summary_ms(values)}  target {target * 1000:.0f} ms: {met}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="status and cold searches")
    parser.add_argument("--warm-runs", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, help="an existing library (default: samples)")
    parser.add_argument("--query", default="relay module")
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sgbench", dir="/tmp" if os.name == "posix" else None))
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.update(XDG_RUNTIME_DIR=str(work), SAGASU_WARM_IDLE="600", PYTHONPATH=str(ROOT))
    off, auto = dict(env, SAGASU_WARM="off"), dict(env, SAGASU_WARM="auto")
    data = opts.data_dir or make_library(work, off)
    search = ["search", "--data-dir", str(data), opts.query]
    print(f"{os.cpu_count()} cores, python {sys.version.split()[0]}, {load_line()}")

    status = [cli(["status", "--data-dir", str(data)], off)[0] for _ in range(opts.runs)]
    line("status", status, STATUS_TARGET_S)
    print("  " + import_breakdown(["status", "--data-dir", str(data)], off))

    cold, said = [], ""
    for _ in range(opts.runs):
        seconds, out = cli(search, off)
        cold.append(seconds)
        said = reported_ms(out)
    line("cold text search", cold, COLD_TARGET_S)
    print(f"  the command printed: {said}")
    print("  " + import_breakdown(search, off))
    print("  " + in_process_split(data, opts.query, off))

    started = time.perf_counter()
    cli(["serve-local", "--detach", "--data-dir", str(data)], auto)
    cli(search, auto)
    spent = time.perf_counter() - started
    print(f"background process: started, warmed up and first answer in {spent:.1f} s")
    try:
        warm = []
        for _ in range(opts.warm_runs):
            seconds, out = cli(search, auto)
            warm.append(seconds)
            said = reported_ms(out)
        line("warm text search", warm, WARM_TARGET_S)
        print(f"  the command printed: {said}")
        print("  " + import_breakdown(search, auto))
    finally:
        cli(["serve-local", "--stop", "--data-dir", str(data)], auto)
    ratio = percentile(cold, 50) / percentile(warm, 50)
    print(f"cold / warm p50: {ratio:.0f}x; {load_line()}")


if __name__ == "__main__":
    main()
