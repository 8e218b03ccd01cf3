"""usearch HNSW vs exact search at 1M random 512-d unit vectors (issue #2, target recall@10 ≥ 0.99).

The index is built exactly as the engine builds one (``engine.store.vectors.new_index``:
cosine, f32, CONNECTIVITY / EXPANSION_ADD / EXPANSION_SEARCH), filled with ``threads`` add
threads. Ground truth is brute force (numpy matmul in blocks). Each query is searched one at a
time, as the engine does for a user's query; recall@10 and queries/s are measured at the
engine's ``expansion_search`` and at the other values given with ``--expansions``.

Random vectors uniform on the sphere are the hardest case for HNSW (no cluster structure,
distances concentrate), so real embeddings should do at least as well.

    .venv/bin/python benchmarks/bench_ann.py [--n 1000000] [--queries 1000]
        [--expansions 64,128,256,512] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import common
import numpy as np

from engine.store import vectors as engine_vectors


def unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def exact_topk(data: np.ndarray, queries: np.ndarray, k: int, block: int) -> np.ndarray:
    """(Q, k) row indices of the k most similar data rows per query, by blocked matmul."""
    nq = len(queries)
    best_sim = np.full((nq, k), -np.inf, dtype=np.float32)
    best_idx = np.zeros((nq, k), dtype=np.int64)
    for start in range(0, len(data), block):
        sims = queries @ data[start : start + block].T  # (Q, block)
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        part_sim = np.take_along_axis(sims, part, axis=1)
        cand_sim = np.concatenate([best_sim, part_sim], axis=1)
        cand_idx = np.concatenate([best_idx, part + start], axis=1)
        top = np.argpartition(-cand_sim, k - 1, axis=1)[:, :k]
        best_sim = np.take_along_axis(cand_sim, top, axis=1)
        best_idx = np.take_along_axis(cand_idx, top, axis=1)
    return best_idx


def rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--expansions", default="64,128,256,512")
    parser.add_argument("--exact-single", type=int, default=20, help="single-query exact runs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    ev = engine_vectors
    print(f"machine: {common.machine_line()}")
    print(
        f"engine settings: connectivity={ev.CONNECTIVITY} expansion_add={ev.EXPANSION_ADD} "
        f"expansion_search={ev.EXPANSION_SEARCH} metric=cos dtype=f32"
    )
    print(f"n={args.n:,} dim={args.dim} queries={args.queries} k={args.k} threads={args.threads}")

    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    data = np.empty((args.n, args.dim), dtype=np.float32)
    step = min(100_000, max(10_000, args.n // 10))
    for start in range(0, args.n, step):
        stop = min(args.n, start + step)
        data[start:stop] = unit_rows(rng, stop - start, args.dim)
    queries = unit_rows(rng, args.queries, args.dim)
    print(f"generated in {time.perf_counter() - started:.1f} s")

    index = ev.new_index(args.dim)
    keys = np.arange(args.n, dtype=np.uint64)
    started = time.perf_counter()
    cpu_started = time.process_time()
    for start in range(0, args.n, step):
        stop = min(args.n, start + step)
        index.add(keys[start:stop], data[start:stop], threads=args.threads)
        el = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        print(
            f"  added {stop:>9,}  {el:7.1f} s wall  {cpu:7.1f} s CPU  {stop / el:8.0f} vec/s",
            flush=True,
        )
    build_s = time.perf_counter() - started
    build_cpu = time.process_time() - cpu_started
    print(
        f"build: {build_s:.1f} s wall, {build_cpu:.1f} s CPU "
        f"({args.n / build_s:,.0f} vectors/s wall, {args.n / build_cpu:,.0f} per CPU-second, "
        f"{args.threads} threads), "
        f"index memory {index.memory_usage / 1024**3:.2f} GiB, peak RSS {rss_gib():.2f} GiB"
    )

    started = time.perf_counter()
    truth = exact_topk(data, queries, args.k, block=50_000)
    exact_batch_s = time.perf_counter() - started
    exact_batch_qps = args.queries / exact_batch_s
    print(
        f"exact, {args.queries} queries batched (numpy matmul, blocks of 50k): "
        f"{exact_batch_s:.1f} s = {exact_batch_qps:.1f} queries/s"
    )

    single = max(1, min(args.exact_single, args.queries))
    times = []
    for q in queries[:single]:
        t = time.perf_counter()
        sims = data @ q
        np.argpartition(-sims, args.k - 1)[: args.k]
        times.append(time.perf_counter() - t)
    exact_single_qps = 1.0 / float(np.median(times))
    print(
        f"exact, one query at a time (numpy matvec): {common.summary_ms(times)} "
        f"= {exact_single_qps:.1f} queries/s"
    )

    times = []
    for q in queries[: min(5, single)]:
        t = time.perf_counter()
        index.search(q, args.k, exact=True)
        times.append(time.perf_counter() - t)
    print(f"exact, usearch exact=True (one query): {common.summary_ms(times)}")

    expansions = [int(x) for x in args.expansions.split(",") if x.strip()]
    if ev.EXPANSION_SEARCH not in expansions:
        expansions.insert(0, ev.EXPANSION_SEARCH)
    print()
    header = (
        f"{'expansion_search':>16} {'recall@10':>10} {'min':>5} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'queries/s':>10} {'vs exact 1-by-1':>16} {'vs exact batched':>17}"
    )
    print(header)
    print("-" * len(header))
    results = []
    for ef in expansions:
        index.expansion_search = ef
        index.search(queries[0], args.k)  # warm
        lat = []
        hits = np.zeros(args.queries)
        for i, q in enumerate(queries):
            t = time.perf_counter()
            m = index.search(q, args.k)
            lat.append(time.perf_counter() - t)
            found = set(np.asarray(m.keys).tolist())
            hits[i] = len(found & set(truth[i].tolist())) / args.k
        qps = len(lat) / sum(lat)
        recall = float(hits.mean())
        results.append((ef, recall, qps))
        print(
            f"{ef:>16} {recall:>10.4f} {hits.min():>5.1f} "
            f"{common.percentile(lat, 50) * 1000:>8.2f} {common.percentile(lat, 95) * 1000:>8.2f} "
            f"{qps:>10.0f} {qps / exact_single_qps:>15.0f}x {qps / exact_batch_qps:>16.0f}x",
            flush=True,
        )
    print(f"\npeak RSS {rss_gib():.2f} GiB; {common.load_line()}")
    engine = next(r for r in results if r[0] == ev.EXPANSION_SEARCH)
    print(
        f"target recall@10 >= 0.99 at the engine's expansion_search={ev.EXPANSION_SEARCH}: "
        f"{engine[1]:.4f} -> {common.verdict(engine[1] >= 0.99)}"
    )
    good = [r for r in results if r[1] >= 0.99]
    if good:
        ef, recall, qps = min(good, key=lambda r: r[0])
        print(
            f"smallest expansion_search with recall@10 >= 0.99: {ef} ({recall:.4f}, {qps:.0f} q/s)"
        )
    else:
        print("no expansion_search tried reaches recall@10 >= 0.99")


if __name__ == "__main__":
    main()
