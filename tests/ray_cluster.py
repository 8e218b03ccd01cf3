"""A real local Ray cluster for tests: a head and two worker nodes on 127.0.0.1.

Started with the ``ray start`` command, as a department starts its machines (docs/TEAM.md):
``ray.cluster_utils.Cluster`` was tried first, but it gives every node this machine's network
address, which this sandbox cannot reach, and never came up. One CPU per node, a 100 MB
object store each, no dashboard, logs in a temporary folder. Session-scoped: only the slow
Ray tests ask for it, so the fast suite never starts Ray.

Teardown ends exactly the processes of this cluster: those whose command line names its
temporary folder, and their children (the worker processes), by process id.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Every node on a loopback address. Not 127.0.0.1: Ray swaps "localhost", 127.0.0.1 and ::1
# for the machine's network address (ray._private.services.resolve_ip_for_localhost), so
# traffic would use the network interface; the rest of 127.0.0.0/8 is loopback too.
LOOPBACK = "127.0.0.2"
NODES = 3  # the head and two workers
OBJECT_STORE_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class RayCluster:
    address: str  # HOST:PORT of the head, what `sagasu index --ray` takes
    temp_dir: Path

    def processes(self) -> list[int]:
        """Every process of this cluster: its daemons (named after its temp folder) and
        their descendants."""
        daemons = {pid for pid, cmd in _cmdlines().items() if str(self.temp_dir) in cmd}
        return sorted(daemons | _descendants(daemons))

    def busy_readers(self) -> list[int]:
        """Worker processes of this cluster running a Reader's ``run`` (a file in hand): Ray
        names a worker process after the method it runs."""
        mine = set(self.processes())
        return [
            pid
            for pid, cmd in _cmdlines().items()
            if pid in mine and cmd.startswith("ray::Reader.run")
        ]


class Killer(threading.Thread):
    """SIGKILLs up to ``times`` Ray worker processes, each while it reads a file."""

    def __init__(self, cluster: RayCluster, times: int = 1) -> None:
        super().__init__(daemon=True)
        self.cluster = cluster
        self.times = times
        self.killed: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set() and len(self.killed) < self.times:
            busy = self.cluster.busy_readers()
            if busy:
                os.kill(busy[0], signal.SIGKILL)
                self.killed.append(busy[0])
                time.sleep(0.5)  # the next kill is of another file's reader
            time.sleep(0.005)

    def __enter__(self) -> Killer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.join()


def _ray_bin() -> str:
    return str(Path(sys.executable).with_name("ray"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def start_cluster() -> RayCluster:
    # A short folder: Ray's Unix sockets live under it (paths are limited to 107 bytes).
    temp_dir = Path(tempfile.mkdtemp(prefix="sgr", dir="/tmp"))
    port = _free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    common = [
        "--node-ip-address",
        LOOPBACK,
        "--num-cpus",
        "1",
        "--num-gpus",
        "0",
        "--object-store-memory",
        str(OBJECT_STORE_BYTES),
        "--disable-usage-stats",
    ]
    head = [_ray_bin(), "start", "--head", "--port", str(port), "--include-dashboard=false"]
    cluster = RayCluster(f"{LOOPBACK}:{port}", temp_dir)
    try:
        _run([*head, "--temp-dir", str(temp_dir), *common], env)
        for _ in range(NODES - 1):
            _run([_ray_bin(), "start", "--address", cluster.address, *common], env)
    except BaseException:
        stop_cluster(cluster)
        raise
    return cluster


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed:\n{done.stdout}\n{done.stderr}")


def stop_cluster(cluster: RayCluster) -> None:
    """SIGTERM, then SIGKILL after 5 s, to this cluster's processes only."""
    pids = cluster.processes()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(cluster.temp_dir, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().split(b")")[-1].split()[0] != b"Z"
    except OSError:
        return False


def _cmdlines() -> dict[int, str]:
    out: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    out[int(entry)] = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
    return out


def _descendants(roots: set[int]) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    parents[int(entry)] = int(f.read().split(b")")[-1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found: set[int] = set()
    frontier = set(roots)
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[RayCluster]:
    """The cluster, with this test process connected to it as the head's driver."""
    import ray

    cluster = start_cluster()
    try:
        ray.init(address=cluster.address, log_to_driver=False, logging_level="WARNING")
        yield cluster
    finally:
        if ray.is_initialized():
            ray.shutdown()
        stop_cluster(cluster)
