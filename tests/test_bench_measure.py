"""benchmarks/measure.py: what bench_tiers.py reads off the programs it compares must be right,
or the Recoll ratios in docs/BENCHMARKS.md are wrong."""

from __future__ import annotations

import sqlite3
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import measure  # benchmarks/ is a folder of scripts, not a package

# A parent that prints, starts a child that works 0.5 s of CPU then holds 80 MB for a second,
# and reports whether its stdin was closed under it (``sagasu index --progress-jsonl`` takes
# that as "cancel").
_PARENT = textwrap.dedent(
    r"""
    import select, subprocess, sys, time
    print("started", flush=True)
    busy = "t = time.process_time()\nwhile time.process_time() - t < 0.5: pass\n"
    hold = "b = bytearray(80_000_000); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.2)"
    subprocess.run([sys.executable, "-c", "import time\n" + busy + hold], check=True)
    readable, _, _ = select.select([sys.stdin], [], [], 0.3)
    closed = bool(readable) and sys.stdin.buffer.read1(1) == b""
    print("stdin closed" if closed else "stdin open", flush=True)
    """
)


def test_run_watched_counts_descendants_times_lines_and_keeps_stdin_open() -> None:
    watched = measure.run_watched([sys.executable, "-c", _PARENT])

    assert watched.returncode == 0
    assert [line for _, line in watched.lines] == ["started", "stdin open"]
    assert watched.lines[0][0] < watched.lines[1][0] <= watched.wall_s
    assert watched.wall_s >= 1.2
    # The 80 MB live in a grandchild of the benchmark: only a walk of the tree sees them.
    assert watched.peak_rss_bytes >= 80_000_000
    assert watched.cpu_s >= 0.5  # the grandchild's CPU counts too


def test_sizes_on_disk_and_per_table(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "blob").write_bytes(b"\1" * 200_000)
    db = tmp_path / "catalog.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE big (x BLOB)")
        conn.executemany("INSERT INTO big VALUES (?)", [(b"\2" * 1000,)] * 300)
        conn.execute("CREATE TABLE small (x)")
    conn.close()

    assert measure.du_bytes(tmp_path) >= 200_000 + 300_000
    assert measure.du_bytes(tmp_path / "sub" / "blob") >= 200_000
    tables = measure.table_bytes(db)
    if tables:  # dbstat is compiled into most SQLite builds, not all
        assert next(iter(tables)) == "big"
        assert tables["big"] >= 300_000


# A parent that starts a child doing 0.8 s of CPU work and exits without waiting for it: the
# child is reaped by init, so RUSAGE_CHILDREN never sees its CPU (as with a pool's workers).
_ORPHANING = textwrap.dedent(
    r"""
    import subprocess, sys, time
    busy = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.8: pass\n"
    busy += "print('done', flush=True)\ntime.sleep(2)"
    child = subprocess.Popen([sys.executable, "-c", busy], stdout=subprocess.PIPE)
    child.stdout.readline()  # its work is done (however long a loaded machine took)
    time.sleep(0.6)  # long enough to be sampled once more, then leave it unwaited
    """
)


def test_cpu_of_descendants_nobody_waits_for_is_counted() -> None:
    watched = measure.run_watched([sys.executable, "-c", _ORPHANING])

    assert watched.returncode == 0
    assert watched.cpu_s >= 0.6  # most of the child's 0.8 s, seen by sampling /proc


def test_peak_between_reads_only_the_samples_inside_the_interval() -> None:
    from measure import peak_between

    samples = [(0.5, 100), (1.5, 900), (2.5, 300), (3.5, 50)]
    assert peak_between(samples, 0.0, 1.0) == 100
    assert peak_between(samples, 1.0, 3.0) == 900
    assert peak_between(samples, 2.0, 4.0) == 300
    assert peak_between(samples, 5.0, 6.0) == 0
