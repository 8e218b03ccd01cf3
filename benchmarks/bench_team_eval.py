"""Issue #15's equivalence check: the three document folders indexed into this computer's
SQLite library, and through a Ray cluster into a PostgreSQL + pgvector team library, then
``sagasu eval`` on both with the corpus' text and photo queries, and the same queries sent to
a ``sagasu serve --store`` process over HTTP: Recall@1 and Recall@5 must agree within 0.02.

PostgreSQL comes from PyPI's ``pgserver`` (a Unix socket in ``--workdir``, no TCP), the Ray
cluster is the tests' local one (a head and two worker nodes on loopback) unless
``--address`` names a real one. The same settings on both sides: OCR on, no CLIP weights on
this machine (so the image-similarity signal is off on both), MiniLM real.

    .venv/bin/python benchmarks/bench_team_eval.py [--workdir DIR] [--no-visual]
    .venv/bin/python benchmarks/bench_team_eval.py --sample datasheets:4 ja-docs:4
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import common
from bench_tiers import sample_folders

from engine.config import FolderConfig, Settings, save_settings
from engine.library import Library

FOLDERS = ("datasheets", "ic-datasheets", "ja-docs")
QUERY_SETS = ("text-queries.csv", "photo-queries.csv")
ROOT = Path(__file__).resolve().parents[1]


def settings_for(workdir: Path, visual: bool = True) -> Settings:
    return Settings(models_dir=str(workdir / "no-models"), visual_match_enabled=visual)


def index(
    data: Path, folders: list[Path], store: str | None, address: str, visual: bool
) -> dict[str, object]:
    started = time.monotonic()
    with Library(data, settings_for(data.parent, visual), store=store) as lib:
        save_settings(data, lib.settings)  # eval opens the library with these settings
        summary = lib.index([FolderConfig(str(f)) for f in folders], ray_address=address)
        counts = lib.counts()["counts"]
    return {
        "seconds": round(time.monotonic() - started, 1),
        "files": summary.files_indexed,
        "skipped": len(summary.skipped),
        "counts": counts,
    }


def evaluate(data: Path, store: str | None, csv: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "engine.cli", "eval", "--data-dir", str(data), "--json"]
    command += ["--store", store] if store else []
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGASU_WARM": "off"}
    out = subprocess.run(
        [*command, str(csv)], capture_output=True, text=True, env=env, check=True, cwd=ROOT
    ).stdout
    data_json = json.loads(out)
    return {k: float(data_json[k]) for k in ("recall@1", "recall@5", "mrr")}


def evaluate_http(url: str, token: str, csv: Path, top_k: int = 10) -> dict[str, float]:
    """The same figures through a ``sagasu serve`` process's HTTP API: each row's text or
    photo sent as a client sends it, the results' files ranked as ``sagasu eval`` ranks them
    (engine.evaluation)."""
    import httpx

    from engine.evaluation.ranking import recall_at_k, reciprocal_rank
    from engine.evaluation.records import read_query_csv

    figures: dict[str, list[float]] = {"recall@1": [], "recall@5": [], "mrr": []}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=600) as client:
        for q in read_query_csv(csv):
            if q.error:
                continue
            if q.photo is not None:
                files = {"image": (q.photo.name, q.photo.read_bytes())}
                r = client.post("/v1/search/image", files=files, data={"top_k": str(top_k)})
            else:
                r = client.get("/v1/search", params={"q": q.text, "top_k": top_k})
            r.raise_for_status()
            paths = [str(Path(hit["path"]).resolve()) for hit in r.json()["results"]]
            ranking = list(dict.fromkeys(paths))
            relevant = [str(Path(p).resolve()) for p in q.relevant]
            figures["recall@1"].append(recall_at_k(ranking, relevant, 1))
            figures["recall@5"].append(recall_at_k(ranking, relevant, 5))
            figures["mrr"].append(reciprocal_rank(ranking, relevant))
    return {k: sum(v) / max(len(v), 1) for k, v in figures.items()}


class Server:
    """``sagasu serve --store`` on a free loopback port, with a user who reads every root."""

    def __init__(self, data: Path, store: str) -> None:
        self.data, self.store = data, store

    def __enter__(self) -> tuple[str, str]:
        import socket

        import httpx

        with Library(self.data, store=self.store) as lib:
            team = lib.team()
            team.directory.remove_user("bench-eval")
            self.token = team.directory.add_user("bench-eval", frozenset({"bench-eval"}))
            for root in team.indexed_roots():
                team.directory.grant(root, frozenset({"bench-eval"}))
            team.close()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGASU_WARM": "off"}
        command = [sys.executable, "-m", "engine.cli", "serve", "--data-dir", str(self.data)]
        command += ["--store", self.store, "--port", str(port)]
        self.process = subprocess.Popen(command, env=env, cwd=ROOT)
        self.url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(self.url + "/v1/health", timeout=2).status_code == 200:
                    return self.url, self.token
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise SystemExit(f"sagasu serve exited with {self.process.returncode}")
            time.sleep(1)
        raise SystemExit("sagasu serve did not answer within 10 minutes")

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", nargs="+", default=None, help="FOLDER:N of the corpus")
    parser.add_argument("--address", default="", help="a real Ray cluster's HOST:PORT")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sagasu-bench-team"))
    parser.add_argument(
        "--no-visual",
        action="store_true",
        help="visual_match_enabled off on both sides (no local features: a far shorter run)",
    )
    args = parser.parse_args()
    common.quiet()
    args.workdir.mkdir(parents=True, exist_ok=True)
    folders = (
        sample_folders(args.workdir, args.sample)
        if args.sample
        else common.corpus_or_exit(*FOLDERS)
    )
    print(common.machine_line())
    print(common.load_line())
    import pgserver

    server = pgserver.get_server(args.workdir / "pg", cleanup_mode=None)
    server.psql("DROP DATABASE IF EXISTS sagasu_team WITH (FORCE);")
    server.psql("CREATE DATABASE sagasu_team;")
    server.psql("\\c sagasu_team\nCREATE EXTENSION IF NOT EXISTS vector;")
    url = server.get_uri("sagasu_team")
    for where in ("local", "team"):
        subprocess.run(["rm", "-rf", str(args.workdir / where)], check=True)
    visual = not args.no_visual
    local = index(args.workdir / "local", folders, None, "", visual)
    print(f"local SQLite: {json.dumps(local)}", flush=True)
    if args.address:
        team = index(args.workdir / "team", folders, url, args.address, visual)
    else:
        sys.path.insert(0, str(ROOT))
        from tests.ray_cluster import start_cluster, stop_cluster

        cluster = start_cluster()
        try:
            team = index(args.workdir / "team", folders, url, cluster.address, visual)
        finally:
            stop_cluster(cluster)
    print(f"Ray into PostgreSQL: {json.dumps(team)}", flush=True)
    print(f"{'query set':20s} {'library':12s} R@1    R@5    MRR")
    worst = 0.0
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name in QUERY_SETS:
        csv = common.CORPUS / name
        results[name] = {
            "local": evaluate(args.workdir / "local", None, csv),
            "team": evaluate(args.workdir / "team", url, csv),
        }
    with Server(args.workdir / "team", url) as (server_url, token):
        for name in QUERY_SETS:
            results[name]["team-http"] = evaluate_http(server_url, token, common.CORPUS / name)
    for name, figures in results.items():
        for where, f in figures.items():
            print(
                f"{name:20s} {where:10s} {f['recall@1']:.3f}  {f['recall@5']:.3f}  {f['mrr']:.3f}"
            )
        for key in ("recall@1", "recall@5"):
            worst = max(worst, abs(figures["local"][key] - figures["team"][key]))
    print(f"largest R@1/R@5 difference: {worst:.3f} (goal: at most 0.02)")


if __name__ == "__main__":
    main()
