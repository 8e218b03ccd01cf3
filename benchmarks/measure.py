"""Measuring another program from outside (bench_tiers.py): wall time, the peak memory of its
whole process tree, the time each of its output lines arrived, and the size of what it wrote.

Nothing here imports the engine: the programs measured are Sagasu's CLI and Recoll's
``recollindex``, each run as its users run it.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_SECONDS = 0.2  # how often the process tree's memory is read from /proc


@dataclass
class Watched:
    """What one run of a program cost, seen from outside."""

    returncode: int
    wall_s: float
    peak_rss_bytes: int  # the largest sum of VmRSS over the process and its descendants seen
    cpu_s: float = 0.0  # user + system CPU of the process and the descendants it waited for
    lines: list[tuple[float, str]] = field(default_factory=list)  # (seconds since start, line)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (seconds since start, bytes)


def run_watched(
    cmd: list[str],
    env: dict[str, str] | None = None,
    stderr_path: Path | None = None,
    cwd: Path | None = None,
) -> Watched:
    """Run ``cmd`` to the end, timing it and sampling its tree's memory.

    stdin stays an open pipe until the program exits: ``sagasu index --progress-jsonl``
    takes the end of its input as "cancel", as when the window that drives it goes away.
    CPU time is the load-independent figure on a shared machine, where wall time also
    measures the other jobs. One program at a time: it is read from RUSAGE_CHILDREN."""
    err = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL  # noqa: SIM115
    cpu_before = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err
    )
    lines: list[tuple[float, str]] = []
    reader = threading.Thread(target=_read_lines, args=(proc, start, lines), daemon=True)
    reader.start()
    peak = 0
    rss: list[tuple[float, int]] = []
    seen_cpu: dict[int, float] = {}  # pid -> its CPU seconds when last seen in the tree
    while proc.poll() is None:
        pids = tree_pids(proc.pid)
        now = sum(_rss_bytes(pid) for pid in pids)
        rss.append((time.perf_counter() - start, now))
        peak = max(peak, now)
        seen_cpu.update((pid, _cpu_s(pid)) for pid in pids)
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - start
    reader.join()
    if proc.stdin:
        proc.stdin.close()
    if stderr_path:
        err.close()  # type: ignore[union-attr]
    # Waited-for descendants are in RUSAGE_CHILDREN whatever their lifetime; a descendant
    # that no one waits for (a pool worker reaped by init) only in what sampling saw of it.
    cpu = max(_children_cpu() - cpu_before, sum(seen_cpu.values()))
    return Watched(proc.returncode, wall, peak, cpu, lines, rss)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _read_lines(proc: subprocess.Popen[bytes], start: float, out: list[tuple[float, str]]) -> None:
    assert proc.stdout is not None
    for raw in proc.stdout:
        out.append((time.perf_counter() - start, raw.decode("utf-8", "replace").rstrip("\n")))


def tree_rss_bytes(root: int) -> int:
    """Sum of resident memory of ``root`` and all its descendants (0 once it has exited)."""
    return sum(_rss_bytes(pid) for pid in tree_pids(root))


def tree_pids(root: int) -> list[int]:
    """``root`` and all its living descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        ppid = _stat_fields(int(entry.name))[1:2]
        if ppid:
            children.setdefault(int(ppid[0]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _stat_fields(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state, ppid, ...); [] if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []  # gone between the listing and the read
    # The command name may hold spaces and parentheses: the fields follow its last ')'.
    return stat[stat.rindex(")") + 2 :].split()


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` itself (utime, stime)."""
    fields = _stat_fields(pid)
    if len(fields) < 13:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def du_bytes(path: Path) -> int:
    """Disk usage of a file or folder as ``du`` counts it (allocated blocks, not lengths)."""
    if path.is_file():
        return path.stat().st_blocks * 512
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
            except OSError:
                continue
    return total


def table_bytes(catalog: Path) -> dict[str, int]:
    """Bytes per table and index of an SQLite file (dbstat), largest first; {} when this
    SQLite build has no dbstat."""
    try:
        with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True) as conn:
            rows = conn.execute(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
    except sqlite3.Error:
        return {}
    return {str(name): int(size) for name, size in rows}


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def peak_between(samples: list[tuple[float, int]], start: float, end: float) -> int:
    """The largest sampled tree RSS in the interval [start, end] (seconds since the start)."""
    return max((b for t, b in samples if start <= t <= end), default=0)
