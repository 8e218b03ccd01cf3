"""Where an index's bytes go: per catalog table (SQLite's dbstat, FTS5 shadow tables grouped
as "lexical (FTS5)"), per large column (thumbnails, feature blobs, vectors), and per file of
the data directory (usearch indexes, raw vectors, the visual index).

    .venv/bin/python benchmarks/bench_index_size.py DATA_DIR [DATA_DIR ...]

Optionally index first, so that sizes and index time come from one command:

    .venv/bin/python benchmarks/bench_index_size.py --index FOLDER [FOLDER ...] --data-dir D

Or the CPU time of extraction and local features alone, per page (process time, so that a
busy machine distorts it less than wall time), over every third PDF of a folder:

    .venv/bin/python benchmarks/bench_index_size.py --extract-cpu FOLDER

Figures: docs/BENCHMARKS.md ("Index size").
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CATALOG = "catalog.sqlite3"
# Large columns worth their own line: (table, column).
COLUMNS = (
    ("items", "thumbnail"),
    ("items", "text"),
    ("items", "ocr_text"),
    ("features", "data"),
    ("embeddings", "vector"),
)
MB = 1_000_000


def table_bytes(db: sqlite3.Connection) -> dict[str, int]:
    """Bytes on disk per table, its indexes included; FTS5 shadow tables count as one."""
    rows = db.execute(
        "SELECT s.name, m.tbl_name, SUM(s.pgsize) FROM dbstat s "
        "LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY s.name"
    ).fetchall()
    sizes: dict[str, int] = {}
    for name, table, size in rows:
        owner = table or name
        if owner.startswith("lexical"):
            owner = "lexical (FTS5)"
        sizes[owner] = sizes.get(owner, 0) + int(size)
    return sizes


def column_bytes(db: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """(rows with a value, summed length) of each of COLUMNS present in the catalog."""
    out = {}
    for table, column in COLUMNS:
        try:
            n, total = db.execute(
                f"SELECT COUNT({column}), COALESCE(SUM(LENGTH({column})), 0) FROM {table}"
            ).fetchone()
        except sqlite3.OperationalError:
            continue  # an older schema without this column
        out[f"{table}.{column}"] = (int(n), int(total))
    return out


def report(data_dir: Path) -> int:
    """Print the breakdown of ``data_dir``; returns its total bytes."""
    catalog = data_dir / CATALOG
    files = sorted(p for p in data_dir.rglob("*") if p.is_file())
    total = sum(p.stat().st_size for p in files)
    print(f"== {data_dir}: {total / MB:.1f} MB in {len(files)} files")
    for path in files:
        print(f"  file  {path.relative_to(data_dir)!s:40s} {path.stat().st_size / MB:9.2f} MB")
    if not catalog.exists():
        return total
    db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        for name, size in sorted(table_bytes(db).items(), key=lambda kv: -kv[1]):
            print(f"  table {name:40s} {size / MB:9.2f} MB")
        for name, (n, size) in column_bytes(db).items():
            per = size / n if n else 0
            print(f"  blob  {name:40s} {size / MB:9.2f} MB  ({n} rows, {per:,.0f} B each)")
        pages, with_features = db.execute(
            "SELECT COUNT(*), COUNT(f.item_id) FROM items i "
            "LEFT JOIN features f ON f.item_id = i.id WHERE i.kind = 'page'"
        ).fetchone()
        print(f"  pages {pages}, of which {with_features} have local features")
    finally:
        db.close()
    return total


def index_folders(folders: list[str], data_dir: Path) -> None:
    from engine.config import FolderConfig, Settings
    from engine.library import Library

    settings = Settings(ocr_enabled=False, models_dir=str(data_dir / "no-models"))
    start = time.perf_counter()
    with Library(data_dir, settings) as lib:
        summary = lib.index([FolderConfig(f) for f in folders])
    print(
        f"Indexed {summary.pages} pages, {summary.images} images in "
        f"{time.perf_counter() - start:.0f} s (no OCR, no models)"
    )


def extract_cpu(folder: Path) -> None:
    from engine.config import Settings
    from engine.extract.pdf import extract_pdf
    from engine.signals.visual import features_of
    from engine.types import FileEntry, FileType

    files = sorted(folder.glob("*.pdf"))[::3]
    pages = stored = 0
    start = time.process_time()
    for path in files:
        entry = FileEntry(path, path.stat().st_size, 0, FileType.PDF)
        extracted = extract_pdf(entry, Settings())
        for item in extracted.items:
            if item.image is not None and item.kind.is_visual:
                found = features_of(item)
                stored += len(found.to_bytes()) if len(found) else 0
        pages += extracted.page_count
    cpu = time.process_time() - start
    print(
        f"{len(files)} PDFs, {pages} pages: {cpu:.1f} CPU s ({cpu / max(pages, 1):.2f} s a "
        f"page) for extraction and local features; features {stored / MB:.1f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dirs", nargs="*", type=Path, help="data directories to measure")
    parser.add_argument("--index", nargs="+", metavar="FOLDER", help="index these first")
    parser.add_argument("--data-dir", type=Path, help="where --index writes (must be new)")
    parser.add_argument("--extract-cpu", type=Path, metavar="FOLDER", help="time extraction")
    args = parser.parse_args()
    if args.extract_cpu:
        extract_cpu(args.extract_cpu)
        return 0
    if args.index:
        if args.data_dir is None:
            parser.error("--index needs --data-dir")
        index_folders(args.index, args.data_dir)
        args.data_dirs.append(args.data_dir)
    if not args.data_dirs:
        parser.error("name a data directory, or --index folders with --data-dir")
    for data_dir in args.data_dirs:
        report(data_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
