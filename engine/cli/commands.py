"""The ``sagasu`` commands: each parses its arguments, calls the library, prints."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    TerminalProgress,
    open_library,
    print_json,
)
from engine.messages import Note
from engine.summary import BackupOutcome

if TYPE_CHECKING:
    from engine.recovery import Repair
    from engine.summary import IndexSummary


def cmd_index(args: argparse.Namespace) -> int:
    from engine.config import FolderConfig
    from engine.crawl import folder_root
    from engine.library import IndexBusy
    from engine.protocol import ControlReader, ProgressWriter

    lib = open_library(args)
    include, exclude = tuple(args.include), tuple(args.exclude)
    given = [FolderConfig(folder_root(f), include, exclude) for f in args.folders]
    folders = given or list(lib.settings.folders)
    if not folders:
        lib.close()
        raise CliError(
            "no folders given and none in the settings: sagasu index FOLDER...", EXIT_USAGE
        )
    present = [f for f in folders if Path(f.path).is_dir()]
    missing = [f.path for f in folders if f not in present]
    if not present:
        lib.close()
        raise CliError(f"nothing to index: {_not_folders(missing)}")
    for path in missing:  # an unplugged drive: its files stay in the index
        print(f"sagasu: warning: {_not_folders([path])}; indexing the others", file=sys.stderr)
    # Remembered as the library's folders: a later bare `sagasu index` and the window use them.
    lib.add_folders([f for f in given if f in present])
    writer = ProgressWriter() if args.progress_jsonl else None
    bar = TerminalProgress()
    try:
        cancel = ControlReader() if writer else (lambda: False)
        on_tier = writer.send if writer else bar.tier_done
        summary = lib.index(
            present, progress=writer or bar, cancel=cancel, on_tier=on_tier, ray_address=args.ray
        )
    except IndexBusy as exc:
        raise CliError(str(exc)) from exc
    finally:
        bar.close()
        lib.close()
    if writer:
        writer.send(summary)
    elif args.json:
        print_json(summary.to_json())
    else:
        print_summary(summary)
    return EXIT_OK


def _not_folders(paths: list[str]) -> str:
    """``X does not exist`` / ``X is not a folder`` for each of ``paths``."""
    words = [f"{p} {'is not a folder' if Path(p).exists() else 'does not exist'}" for p in paths]
    return ", ".join(words)


def print_summary(s: IndexSummary) -> None:
    print(
        f"Indexed {s.files_indexed} files ({s.pages} pages, {s.images} embedded images, "
        f"{s.photos} photos, {s.chunks} text chunks) in {s.seconds:.1f} s."
    )
    print(
        f"Unchanged {s.files_unchanged}, moved {s.files_moved}, removed {s.files_deleted}, "
        f"skipped {len(s.skipped)}."
    )
    if s.files_upgraded:
        print(f"Read again by this version's improved extraction: {s.files_upgraded}.")
    for path, reason in s.skipped:
        print(f"  skipped {path}: {reason}")
    if s.image_search != "on":
        print(f"Image search is {s.image_search}")
    if s.backup is BackupOutcome.SKIPPED_LOW_DISK:
        print(f"Catalog backup skipped: {s.backup_problem}.")
    elif s.backup is BackupOutcome.FAILED:
        print(f"No backup of the catalog this time: {s.backup_problem}")
    if s.cancelled:
        print("Cancelled; run again to finish. Everything indexed so far is kept.")


def cmd_search(args: argparse.Namespace) -> int:
    from engine.extract import ExtractError
    from engine.search import Query
    from engine.types import ItemKind

    text = " ".join(args.text).strip()
    if bool(text) == bool(args.image):
        raise CliError("give either query TEXT or --image PATH", EXIT_USAGE)
    if args.top_k < 1:
        raise CliError("--top-k must be at least 1", EXIT_USAGE)
    lib = open_library(args)
    try:
        image = None
        if args.image:
            try:
                image = lib.load_query_image(args.image)
            except (ExtractError, OSError) as exc:
                raise CliError(f"cannot use {args.image} as a query image: {_reason(exc)}") from exc
        query = Query(
            text=text,
            image=image,
            top_k=args.top_k,
            kinds={ItemKind(k) for k in args.kind} if args.kind else None,
            folder=args.folder,
        )
        outcome = lib.search(query)
    finally:
        lib.close()
    if args.json:
        from engine.outcome_json import results_json

        print_json(results_json(outcome.results))
        for note in outcome.notes:
            print(f"note: {note}", file=sys.stderr)
        return EXIT_OK
    for note in outcome.notes:
        print(f"({note})")
    for rank, r in enumerate(outcome.results, 1):
        if r.related and (rank == 1 or not outcome.results[rank - 2].related):
            print("Related (no exact match):")
        page = f" p.{r.page}" if r.page else ""
        missing = "" if r.file_exists else "  [file missing]"
        print(f"{rank:2d}. {r.score:.3f}  {r.kind.value:5s} {r.path}{page}{missing}")
        if r.reasons:
            print(f"      why: {'; '.join(map(str, r.reasons))}")
        if r.snippet:
            print(f"      {r.snippet[:160]}")
    loading = lib.last_model_load_seconds  # readable after lib.close()
    searching = max(0.0, outcome.seconds - loading)
    tail = f" (models loaded in {loading:.1f} s)" if loading >= 0.05 else ""
    print(f"{len(outcome.results)} results in {searching * 1000:.0f} ms{tail}")
    return EXIT_OK


def _reason(exc: Exception) -> str:
    return getattr(exc, "reason", None) or str(exc)


def cmd_status(args: argparse.Namespace) -> int:
    lib = open_library(args)
    try:
        lib.check()  # status is where a user looks when in doubt: read every page
        status = lib.status()
    finally:
        lib.close()
    if args.json:
        print_json(status)
        return EXIT_OK
    counts: dict[str, int] = status["counts"]  # type: ignore[assignment]
    if status.get("store", "sqlite") == "sqlite":
        print(f"Index: {status['data_dir']}")
    else:  # a team catalog: this machine's folder keeps the settings and caches
        print(f"Index: {status['store']} (settings and caches in {status['data_dir']})")
    if status["read_only"]:
        from engine.messages import NoteCode, note

        print(f"  {note(NoteCode.READ_ONLY_LIBRARY)}")
    print("  " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"  image search: {status['image_search']} ({status['clip_model']})")
    if status["image_search_problem"]:
        print(f"    {status['image_search_problem']}")
    print(f"  semantic text search: {status['text_search']} ({status['text_model']})")
    if status["text_search_problem"]:
        print(f"    {status['text_search_problem']}")
    languages = "+".join(status["ocr_languages"])  # type: ignore[arg-type]
    print(f"  OCR: {status['ocr_engine']} ({languages})")
    if status["ocr_note"]:
        print(f"    {Note.from_json(status['ocr_note']).english()}")  # type: ignore[arg-type]
    tiers: dict[str, int] = status["tiers"]  # type: ignore[assignment]
    files = counts.get("files", 0)
    print("  tiers (files): " + ", ".join(f"{t} {n}/{files}" for t, n in tiers.items()))
    run: dict[str, object] | None = status["last_run"]  # type: ignore[assignment]
    if run:
        started = float(run["started_at"])  # type: ignore[arg-type]
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(started))
        print(f"  last run: {when}, {run['status']}")
    skipped: list[dict[str, str]] = status["skipped"]  # type: ignore[assignment]
    for s in skipped:
        print(f"  skipped {s['path']}: {s['reason']}")
    return EXIT_OK


def cmd_repair(args: argparse.Namespace) -> int:
    """Rebuild a damaged catalog: set it aside, start from the newest good backup, index."""
    from engine.library import Library

    if args.store:
        raise CliError(
            "repair rebuilds this machine's catalog file; a team catalog on PostgreSQL is"
            " repaired by re-running sagasu index --store (each file commits whole)",
            EXIT_USAGE,
        )
    bar = TerminalProgress()
    try:
        done = Library.repair(args.data_dir, progress=bar)
    finally:
        bar.close()
    if args.json:
        print_json(_repair_json(done))
        return EXIT_OK
    for path in done.moved_aside:
        print(f"Kept the old catalog file as {path}")
    if done.restored_from is not None:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(done.restored_from.stat().st_mtime))
        print(f"Started from the backup of {when} ({done.restored_from}).")
    else:
        print("No good backup: the catalog was rebuilt from the library's folders.")
    print_summary(done.summary)
    return EXIT_OK


def _repair_json(done: Repair) -> dict[str, object]:
    return {
        "moved_aside": [str(p) for p in done.moved_aside],
        "restored_from": str(done.restored_from) if done.restored_from else None,
        "summary": done.summary.to_json(),
    }


def cmd_encode(args: argparse.Namespace) -> int:
    lib = open_library(args)
    bar = TerminalProgress()
    try:
        if lib.encoders.clip() is None and lib.encoders.text() is None:
            raise CliError(lib.encoders.clip_problem())
        n = lib.encode_pending(progress=bar)
    finally:
        bar.close()
        lib.close()
    print(f"Encoded {n} items.")
    return EXIT_OK


def cmd_models_list(args: argparse.Namespace) -> int:
    lib = open_library(args)
    try:
        states = lib.models()
    finally:
        lib.close()
    if args.json:
        from engine.library_status import model_json

        print_json([model_json(s) for s in states])
        return EXIT_OK
    for s in states:
        mark = "installed" if s.installed else "missing  "
        print(f"{mark}  {s.name}  {s.message}")
    return EXIT_OK


def cmd_models_fetch(args: argparse.Namespace) -> int:
    lib = open_library(args)
    bar = TerminalProgress()
    try:
        path = lib.fetch_model(args.name, progress=bar.bytes)
    finally:
        bar.close()
        lib.close()
    print(f"Installed {args.name} → {path}")
    print("Run `sagasu encode` to add image search to what is already indexed.")
    return EXIT_OK


def cmd_models_import(args: argparse.Namespace) -> int:
    lib = open_library(args)
    try:
        model = args.model or f"{lib.settings.clip_model}/{lib.settings.clip_pretrained}"
        path = lib.import_model(args.path, model)
    finally:
        lib.close()
    print(f"Imported {args.path} as {model} → {path}")
    print("Run `sagasu encode` to add image search to what is already indexed.")
    return EXIT_OK
