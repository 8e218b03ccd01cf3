"""Bringing a damaged catalog back: the file-level half of ``Library.repair``.

Nothing the user made is deleted. The damaged catalog (with its ``-wal`` and ``-shm``) is
moved into ``data_dir/damaged/`` under a timestamped name; the newest backup that passes
``quick_check`` is copied into its place; the caches derived from the catalog (vector files,
the visual-word index, the fitted alignment) are removed, because they describe the damaged
catalog and a stamp that happened to match would serve stale vectors; ``Library.repair`` then
opens the library and runs a normal index run over its folders, which skips every file
unchanged since the backup and rebuilds the caches from the restored catalog. Without a good
backup the index run starts from an empty catalog: a full rebuild. Settings, reports and
every other file in the data folder stay as they are.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from engine.errors import IndexBusy
from engine.store.backup import BackupResult, back_up, good_backup, restore
from engine.store.catalog import CATALOG_FILE, Catalog
from engine.store.health import LIBRARY_MARKER
from engine.summary import BackupOutcome, IndexSummary

DAMAGED_DIR = "damaged"
# Caches derived from the catalog (engine.library.Library builds them under these names).
DERIVED = ("vectors", "visual", "alignment")


@dataclass(frozen=True)
class Repair:
    """What Library.repair did: the damaged files kept aside, the backup it started from
    (None: rebuilt from the folders alone) and the index run that brought it up to date."""

    moved_aside: list[Path]
    restored_from: Path | None
    summary: IndexSummary


@dataclass
class Prepared:
    """What the file-level half of a repair did."""

    moved_aside: list[Path] = field(default_factory=list)
    restored_from: Path | None = None  # None: no good backup, a full rebuild follows


def prepare(data_dir: Path) -> Prepared:
    """Move the catalog aside, restore the newest good backup, drop the derived caches,
    holding the data folder's index lock so that no run writes meanwhile."""
    lock = FileLock(str(data_dir / "index.lock"))
    try:
        lock.acquire(timeout=0.5)
    except Timeout as exc:
        raise IndexBusy(f"Another Sagasu process is indexing {data_dir}.") from exc
    try:
        return _prepare(data_dir)
    finally:
        lock.release()


def _prepare(data_dir: Path) -> Prepared:
    done = Prepared()
    catalog = data_dir / CATALOG_FILE
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = data_dir / DAMAGED_DIR
    for suffix in ("", "-wal", "-shm"):
        source = catalog.with_name(catalog.name + suffix)
        if source.exists():
            aside.mkdir(exist_ok=True)
            target = _free_name(aside / f"catalog-{stamp}.sqlite3{suffix}")
            os.replace(source, target)
            done.moved_aside.append(target)
    for name in DERIVED:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(data_dir / name)
    backup = good_backup(data_dir)
    if backup is not None:
        restore(backup, catalog)
        done.restored_from = backup
    else:  # a new catalog is created on open: no library "existed" until it has a schema
        (data_dir / LIBRARY_MARKER).unlink(missing_ok=True)
    return done


def _free_name(path: Path) -> Path:
    """``path``, or ``path`` with a counter, so two repairs in one second keep both files."""
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{n}")
        n += 1
    return candidate


def check_after_crash(catalog: Catalog, lock: FileLock) -> None:
    """A run still marked running, with no process indexing, ended without closing (a crash,
    a power cut): check the catalog's pages once (PRAGMA quick_check) before trusting it,
    raising CatalogDamaged. A healthy library pays one query here."""
    last = catalog.last_run()
    if last is None or last["status"] != "running":
        return
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return  # the run is alive in another process
    except OSError:  # a read-only folder: nobody can be indexing it, and nothing is marked
        catalog.check_whole()
        return
    try:
        catalog.check_whole()
        catalog.end_interrupted_runs()
    finally:
        lock.release()


def back_up_checked(catalog: Catalog) -> BackupResult:
    """Back the catalog up (engine.store.backup) after a change; a damaged catalog shows
    itself here as a copy that fails its check, and is then reported as damaged."""
    if not catalog.local:  # a team catalog is backed up by its database's administrator
        return BackupResult(BackupOutcome.NONE)
    result = back_up(catalog.path, catalog.path.parent)
    if result.outcome is BackupOutcome.FAILED:
        catalog.check_whole()  # raises CatalogDamaged when the catalog is the cause
    return result


@contextlib.contextmanager
def unfinished_on_failure(
    catalog: Catalog, run_id: int | None, summary: IndexSummary
) -> Iterator[None]:
    """The indexer marks its run completed after its main pass; a failure in what follows
    (a full disk while the visual index is saved) must leave the run marked interrupted, so
    ``status`` never calls a run that ended in an error complete."""
    try:
        yield
    except BaseException:
        if run_id is not None:
            with contextlib.suppress(Exception):  # the disk may still be full
                catalog.finish_run(run_id, "interrupted", summary.to_json())
        raise
