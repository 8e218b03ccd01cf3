"""Indexing on this computer against indexing through Ray (issue #15, distributed indexing).

Indexes the three document folders of the corpus (or ``--sample FOLDER:N ...`` of them) twice
into fresh data folders: once with the local worker processes, once through a Ray cluster:
the local 3-node cluster of the tests (tests/ray_cluster.py: a head and two worker nodes on
loopback, one CPU each) unless ``--address HOST:PORT`` names a real one. Reports wall seconds
and CPU seconds of each run: this process, its children (the local workers) and, for Ray,
every process of the local cluster (its daemons and the readers), sampled from /proc every
0.2 s (a process's last sample counts, so a reader killed at the end loses at most 0.2 s).
With ``--address`` the remote machines' CPU cannot be seen: only this machine's is reported.

On one machine the cluster cannot be faster than the local pool: the same cores read the
same files, and the cluster adds its daemons, the readers' own model loads (MiniLM in every
reader) and the transfer of every page through the object store. The figure is that
overhead; the gain comes from more machines.

OCR off; CLIP off (no weights on the build machine); MiniLM real.

    .venv/bin/python benchmarks/bench_ray.py                                  # three folders
    .venv/bin/python benchmarks/bench_ray.py --sample datasheets:4 ic-datasheets:4 ja-docs:4
    .venv/bin/python benchmarks/bench_ray.py --address HEAD:6379 [--workdir DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import common
from bench_tiers import sample_folders
from measure import _cpu_s, tree_pids

from engine.config import FolderConfig, Settings
from engine.library import Library

FOLDERS = ("datasheets", "ic-datasheets", "ja-docs")


@dataclass
class Figures:
    where: str
    files: int
    pages: int
    skipped: int
    seconds: float
    cpu_seconds: float


class CpuWatch:
    """The CPU seconds of a set of process trees, sampled until stopped."""

    def __init__(self, roots: list[int], extra: object = None) -> None:
        self.roots = roots
        self.extra = extra  # a callable giving more pids (a cluster's), or None
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> CpuWatch:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()
        self._sample()

    def total(self) -> float:
        return sum(self.last.values())

    def _watch(self) -> None:
        while not self.stop.wait(0.2):
            self._sample()

    def _sample(self) -> None:
        pids = {p for root in self.roots for p in tree_pids(root)}
        if callable(self.extra):
            pids |= set(self.extra())
        for pid in pids:
            self.last[pid] = max(self.last.get(pid, 0.0), _cpu_s(pid))


def settings_for(workdir: Path) -> Settings:
    return Settings(ocr_enabled=False, models_dir=str(workdir / "no-models"))


def run(where: str, folders: list[Path], workdir: Path, address: str, extra: object) -> Figures:
    data = workdir / f"data-{where}"
    shutil.rmtree(data, ignore_errors=True)
    started = time.monotonic()
    with CpuWatch([os.getpid()], extra) as cpu, Library(data, settings_for(workdir)) as lib:
        summary = lib.index([FolderConfig(str(f)) for f in folders], ray_address=address)
    seconds = time.monotonic() - started
    return Figures(
        where, summary.files_indexed, summary.pages, len(summary.skipped), seconds, cpu.total()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", nargs="+", default=None, help="FOLDER:N of the corpus")
    parser.add_argument("--address", default="", help="a real Ray cluster's HOST:PORT")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sagasu-bench-ray"))
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args()
    common.quiet()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.sample:
        folders = sample_folders(args.workdir, args.sample)
    else:
        folders = common.corpus_or_exit(*FOLDERS)
    print(common.machine_line())
    print(common.load_line())
    local = run("local", folders, args.workdir, "", None)
    if args.address:
        ray_figures = run("ray", folders, args.workdir, args.address, None)
    else:
        from tests.ray_cluster import start_cluster, stop_cluster

        cluster = start_cluster()
        try:
            ray_figures = run(
                "ray-3-nodes", folders, args.workdir, cluster.address, cluster.processes
            )
        finally:
            stop_cluster(cluster)
    for f in (local, ray_figures):
        print(
            f"{f.where:12s} {f.files} files, {f.pages} pages, {f.skipped} skipped: "
            f"{f.seconds:.1f} s, {f.cpu_seconds:.1f} CPU s"
        )
    print(
        f"ray / local: {ray_figures.seconds / local.seconds:.2f}x the time, "
        f"{ray_figures.cpu_seconds / max(local.cpu_seconds, 1e-9):.2f}x the CPU"
    )
    if args.json:
        args.json.write_text(json.dumps([asdict(local), asdict(ray_figures)], indent=2))


if __name__ == "__main__":
    main()
