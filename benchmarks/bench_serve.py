"""Load on the team server (issue #15): 20 concurrent clients, text and photo queries, against
two ``sagasu serve`` processes on loopback sharing one library, for 60 s.

Reports p50/p95 latency (per query kind and overall, measured by the client: request sent to
answer read), errors (goal: zero) and queries per second. The library given with
``--data-dir`` is copied to a temporary folder first and never opened in place; a bench user
whose group may read every root is added to the copy. Text queries come from
``text-queries.csv``, photos from ``photo-queries.csv`` (../shared/corpus).

    .venv/bin/python benchmarks/bench_serve.py --data-dir /tmp/bt/sagasu-data-w2 \
        [--seconds 60] [--clients 20] [--servers 2] [--image-share 0.25] [--json]
        [--store postgresql://…]   # a team catalog: each server its own data folder
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import CORPUS, load_line, percentile  # noqa: E402


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"text": [], "image": []})
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies[kind].append(seconds)
            else:
                self.errors.append(f"{kind}: {error}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(source: Path, work: Path, store: str | None) -> tuple[Path, str]:
    """A copy of the library with a bench user who may read every root; (copy, token).
    With a team ``store`` the catalog is that database's (left in place: the bench user is
    replaced there) and the data folder copied holds the settings and this machine's
    caches."""
    from engine.library import Library

    data = work / "data"
    shutil.copytree(source, data, symlinks=True)
    with Library(data, store=store) as library:
        team = library.team()
        team.directory.remove_user("bench")
        token = team.directory.add_user("bench", frozenset({"bench"}))
        for root in team.indexed_roots():
            team.directory.grant(root, frozenset({"bench"}))
        team.close()
    return data, token


def start_servers(
    data: Path, count: int, store: str | None
) -> list[tuple[str, subprocess.Popen[bytes]]]:
    """``count`` serve processes; on a team store each has a data folder of its own, as on
    separate machines."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGASU_WARM": "off"}
    servers = []
    for n in range(count):
        port = free_port()
        own = data
        if store:
            own = data.with_name(f"data-server-{n}")
            shutil.copytree(data, own, symlinks=True)
        command = [sys.executable, "-m", "engine.cli", "serve", "--data-dir", str(own)]
        command += ["--store", store] if store else []
        process = subprocess.Popen([*command, "--port", str(port)], env=env, cwd=ROOT)
        servers.append((f"http://127.0.0.1:{port}", process))
    return servers


def wait_ready(servers: list[tuple[str, subprocess.Popen[bytes]]]) -> float:
    import httpx

    started = time.perf_counter()
    for url, process in servers:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"sagasu serve at {url} exited with {process.returncode}")
            try:
                if httpx.get(url + "/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
    return time.perf_counter() - started


def queries(corpus: Path) -> tuple[list[str], list[bytes]]:
    with open(corpus / "text-queries.csv", encoding="utf-8") as f:
        texts = [row["query"] for row in csv.DictReader(f)]
    with open(corpus / "photo-queries.csv", encoding="utf-8") as f:
        photos = [(corpus / row["photo"]).read_bytes() for row in csv.DictReader(f)]
    return texts, photos


def client_loop(
    n: int,
    urls: list[str],
    token: str,
    work: tuple[list[str], list[bytes]],
    image_share: float,
    until: float,
    tally: Tally,
) -> None:
    import httpx

    rng = random.Random(n)
    texts, photos = work
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(headers=headers, timeout=120) as client:
        while time.perf_counter() < until:
            url = urls[n % len(urls)]  # each client keeps to one server, half and half
            kind = "image" if rng.random() < image_share else "text"
            start = time.perf_counter()
            try:
                if kind == "text":
                    r = client.get(url + "/v1/search", params={"q": rng.choice(texts)})
                else:
                    files = {"image": ("q.jpg", rng.choice(photos), "application/octet-stream")}
                    r = client.post(url + "/v1/search/image", files=files)
                error = None if r.status_code == 200 else f"HTTP {r.status_code} {r.text[:120]}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            tally.add(kind, time.perf_counter() - start, error)


def report(tally: Tally, seconds: float, args: argparse.Namespace, ready_s: float) -> dict:
    everything = tally.latencies["text"] + tally.latencies["image"]
    out: dict[str, object] = {
        "clients": args.clients,
        "servers": args.servers,
        "seconds": round(seconds, 1),
        "queries": len(everything),
        "errors": len(tally.errors),
        "qps": round(len(everything) / seconds, 2),
        "servers_ready_s": round(ready_s, 1),
        "cores": os.cpu_count(),
        "load": load_line(),
    }
    for kind, values in [*tally.latencies.items(), ("all", everything)]:
        if values:
            out[kind] = {
                "n": len(values),
                "p50_ms": round(percentile(values, 50) * 1000),
                "p95_ms": round(percentile(values, 95) * 1000),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="library (copied first)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--image-share", type=float, default=0.25)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--store", default=None, help="the team catalog, postgresql://…")
    args = parser.parse_args()
    work = queries(args.corpus)
    with tempfile.TemporaryDirectory(prefix="sagasu-bench-serve-") as tmp:
        data, token = prepare(args.data_dir, Path(tmp), args.store)
        servers = start_servers(data, args.servers, args.store)
        try:
            ready_s = wait_ready(servers)
            tally = Tally()
            started = time.perf_counter()
            until = started + args.seconds
            urls = [url for url, _ in servers]
            threads = [
                threading.Thread(
                    target=client_loop,
                    args=(n, urls, token, work, args.image_share, until, tally),
                )
                for n in range(args.clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            result = report(tally, time.perf_counter() - started, args, ready_s)
        finally:
            for _, process in servers:
                process.send_signal(signal.SIGINT)
            for _, process in servers:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    for error in tally.errors[:10]:
        print("error:", error, file=sys.stderr)


if __name__ == "__main__":
    main()
