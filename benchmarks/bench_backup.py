"""What a catalog's integrity check and backup cost on a big catalog (issue #19).

Builds a synthetic catalog through the engine's own writes (``Catalog.replace_file``): FILES
files of ITEMS items each, every item with an 8 KB thumbnail, a 512-d and a 384-d vector and
a lexical row, which is about what a library of scanned PDFs stores per page. Then times what
the reliability work adds: opening the catalog (header check), ``PRAGMA quick_check`` (run at
the start of each index run, by ``sagasu status`` and after an unclean stop) and one backup
(engine.store.backup.back_up: copy, check of the copy, rotation).

    .venv/bin/python benchmarks/bench_backup.py [--files 10000] [--items 5] [--dir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.store.backup import back_up
from engine.store.catalog import Catalog
from engine.store.records import NewItem
from engine.types import FileEntry, FileType, ItemKind


def build(data: Path, files: int, items: int) -> None:
    rng = np.random.default_rng(0)
    cat = Catalog(data)
    thumb = rng.integers(0, 255, 8192, dtype=np.uint8).tobytes()  # JPEG-like: incompressible
    for n in range(files):
        path = data / "docs" / f"file{n:06d}.pdf"
        entry = FileEntry(path, 100_000, n, FileType.PDF)
        news = [
            NewItem(
                ItemKind.PAGE,
                p + 1,
                0,
                text=f"page {p} of file {n} relay coil contact",
                thumbnail=thumb,
                vectors={
                    "clip:bench": _unit(rng, 512),
                    "text:bench": _unit(rng, 384),
                },
                lexical_body=f"page {p} of file {n} relay coil contact",
                lexical_name=path.name,
            )
            for p in range(items)
        ]
        cat.replace_file(entry, str(path.parent), f"h{n}", items, [], news, extractor=2)
    cat.close()


def _unit(rng: np.random.Generator, dim: int) -> np.ndarray:
    v = rng.standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--items", type=int, default=5)
    ap.add_argument("--dir", type=Path, help="where to build it (default: a temporary folder)")
    args = ap.parse_args()
    data = args.dir or Path(tempfile.mkdtemp(prefix="sagasu-bench-backup-"))
    started = time.perf_counter()
    build(data, args.files, args.items)
    size = (data / "catalog.sqlite3").stat().st_size
    print(f"catalog: {args.files} files, {args.files * args.items} items, {size / 2**20:.0f} MiB")
    print(f"  built in {time.perf_counter() - started:.1f} s")

    t = time.perf_counter()
    cat = Catalog(data)
    print(f"  open (header check, schema): {1000 * (time.perf_counter() - t):.1f} ms")
    t = time.perf_counter()
    problem = cat.integrity_problem()
    print(f"  quick_check: {time.perf_counter() - t:.2f} s ({problem or 'ok'})")
    cat.close()
    for generation in (1, 2):
        result = back_up(data / "catalog.sqlite3", data)
        print(
            f"  backup {generation}: {result.outcome.value}, {result.size / 2**20:.0f} MiB "
            f"in {result.seconds:.2f} s (copy, quick_check of the copy, rotation)"
        )


if __name__ == "__main__":
    main()
