"""``sagasu`` command line: the same engine the desktop app uses, for scripts and tests.

    sagasu index [--data-dir DIR] FOLDER...
    sagasu search [--data-dir DIR] [--json] [--top-k N] (TEXT | --image PATH)
    sagasu status [--data-dir DIR] [--json]
    sagasu models list | fetch NAME | import PATH [--model NAME]
    sagasu encode            (finish image encoding after weights were installed)
    sagasu eval CSV...       (built-in retrieval evaluation)

Heavy imports (torch, open_clip) happen inside the commands, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import json
import logging
import sqlite3
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine import __version__

if TYPE_CHECKING:  # heavy modules: imported inside the commands at run time
    from engine.types import Progress

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_FAILED = 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args) or EXIT_OK)
    except KeyboardInterrupt:
        print("\nInterrupted; everything indexed so far is kept.", file=sys.stderr)
        return 130
    except CliError as exc:
        print(f"sagasu: {exc}", file=sys.stderr)
        return exc.code
    except (OSError, sqlite3.OperationalError) as exc:
        # Read-only or full disk, missing permissions: one line a person can act on.
        print(f"sagasu: {storage_problem(exc)}", file=sys.stderr)
        return EXIT_FAILED


def storage_problem(exc: BaseException) -> str:
    """Say what is wrong with the data folder in words (no traceback)."""
    where = getattr(exc, "filename", None)
    where = f" ({where})" if where else ""
    errno_ = getattr(exc, "errno", None)
    text = str(exc).lower()
    if errno_ == errno.ENOSPC or "full" in text:
        return f"the disk holding the index is full{where}; free some space and run again"
    if errno_ in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in text:
        return (
            f"cannot write the index{where}: the folder is read-only or not yours. "
            "Choose another with --data-dir or SAGASU_DATA_DIR"
        )
    return f"cannot use the index folder{where}: {exc}"


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sagasu", description="Search your PDFs and photos by text or by image (探す)."
    )
    parser.add_argument("--version", action="version", version=f"sagasu {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        help="index folder (default: $SAGASU_DATA_DIR or the platform's user data folder)",
    )
    sub = parser.add_subparsers(metavar="COMMAND")

    p = sub.add_parser("index", parents=[common], help="index folders of PDFs and photos")
    p.add_argument("folders", nargs="*", type=Path, help="folders (default: those in settings)")
    p.add_argument("--include", action="append", default=[], help="glob of files to include")
    p.add_argument("--exclude", action="append", default=[], help="glob of files to exclude")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--progress-jsonl",
        action="store_true",
        help="for a controlling program (the desktop app): progress as JSON lines on stdout, "
        "'pause' / 'resume' / 'cancel' lines read from stdin",
    )
    p.set_defaults(run=cmd_index)

    p = sub.add_parser("search", parents=[common], help="search by text or by image")
    p.add_argument("text", nargs="*", help="query text")
    p.add_argument("--image", type=Path, help="query image")
    p.add_argument("--top-k", type=int, default=10)
    p.add_argument("--kind", action="append", choices=["page", "image", "photo", "chunk"])
    p.add_argument("--folder", type=Path, help="only results under this folder")
    p.add_argument("--json", action="store_true", help="JSON list of results, best first")
    p.set_defaults(run=cmd_search)

    p = sub.add_parser("status", parents=[common], help="what is indexed, model state")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_status)

    p = sub.add_parser("encode", parents=[common], help="encode images indexed without CLIP")
    p.set_defaults(run=cmd_encode)

    models = sub.add_parser("models", parents=[common], help="list, fetch or import weights")
    msub = models.add_subparsers(metavar="ACTION")
    m = msub.add_parser("list", parents=[common], help="known models and whether installed")
    m.add_argument("--json", action="store_true")
    m.set_defaults(run=cmd_models_list)
    m = msub.add_parser("fetch", parents=[common], help="download weights (needs internet)")
    m.add_argument("name", help="e.g. ViT-B-32/laion2b_s34b_b79k")
    m.set_defaults(run=cmd_models_fetch)
    m = msub.add_parser("import", parents=[common], help="install a weights file you have")
    m.add_argument("path", type=Path)
    m.add_argument("--model", help="model it belongs to (default: the configured one)")
    m.set_defaults(run=cmd_models_import)

    from engine.evaluate_cli import add_eval_parser

    add_eval_parser(sub, common)
    return parser


def open_library(args: argparse.Namespace):
    from engine.library import Library
    from engine.store.schema import SchemaTooNew

    try:
        return Library(args.data_dir)
    except SchemaTooNew as exc:
        raise CliError(str(exc)) from exc


def cmd_index(args: argparse.Namespace) -> int:
    from engine.config import FolderConfig
    from engine.library import IndexBusy

    lib = open_library(args)
    folders = [
        FolderConfig(str(f), include=args.include, exclude=args.exclude) for f in args.folders
    ] or lib.settings.folders
    if not folders:
        raise CliError("no folders given and none in the settings", EXIT_USAGE)
    for folder in folders:
        if not Path(folder.path).is_dir():
            print(f"sagasu: warning: {folder.path} is not a folder", file=sys.stderr)
    control = StdinControl() if args.progress_jsonl else None
    bar = JsonlProgress() if control else TerminalProgress()
    try:
        summary = lib.index(folders, progress=bar, cancel=control or (lambda: False))
    except IndexBusy as exc:
        raise CliError(str(exc)) from exc
    finally:
        bar.close()
        lib.close()
    if control:
        print(json.dumps({"summary": summary.to_json()}, ensure_ascii=False), flush=True)
    elif args.json:
        print(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
    else:
        print_summary(summary)
    return EXIT_OK


def print_summary(summary) -> None:
    s = summary
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
    if s.cancelled:
        print("Cancelled; run again to finish. Everything indexed so far is kept.")


def cmd_search(args: argparse.Namespace) -> int:
    from engine.extract import ExtractError
    from engine.extract.images import load_query_image
    from engine.search import Query
    from engine.types import ItemKind

    text = " ".join(args.text).strip()
    if bool(text) == bool(args.image):
        raise CliError("give either query TEXT or --image PATH", EXIT_USAGE)
    lib = open_library(args)
    try:
        image = None
        if args.image:
            try:
                image = load_query_image(args.image, lib.settings.max_image_pixels)
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
        print(json.dumps([r.to_json() for r in outcome.results], ensure_ascii=False, indent=2))
        for note in outcome.notes:
            print(f"note: {note}", file=sys.stderr)
        return EXIT_OK
    for note in outcome.notes:
        print(f"({note})")
    for rank, r in enumerate(outcome.results, 1):
        page = f" p.{r.page}" if r.page else ""
        missing = "" if r.file_exists else "  [file missing]"
        print(f"{rank:2d}. {r.score:.3f}  {r.kind.value:5s} {r.path}{page}{missing}")
        if r.reasons:
            print(f"      why: {'; '.join(r.reasons)}")
        if r.snippet:
            print(f"      {r.snippet[:160]}")
    print(f"{len(outcome.results)} results in {outcome.seconds * 1000:.0f} ms")
    return EXIT_OK


def _reason(exc: Exception) -> str:
    return getattr(exc, "reason", None) or str(exc)


def cmd_status(args: argparse.Namespace) -> int:
    lib = open_library(args)
    try:
        status = lib.status()
    finally:
        lib.close()
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2, default=str))
        return EXIT_OK
    counts = status["counts"]
    print(f"Index: {status['data_dir']}")
    print("  " + ", ".join(f"{k} {v}" for k, v in counts.items()))  # type: ignore[union-attr]
    print(f"  image search: {status['image_search']} ({status['clip_model']})")
    if status["image_search_problem"]:
        print(f"    {status['image_search_problem']}")
    run = status["last_run"]
    if run:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(run["started_at"]))  # type: ignore[index]
        print(f"  last run: {when}, {run['status']}")  # type: ignore[index]
    for s in status["skipped"]:  # type: ignore[union-attr]
        print(f"  skipped {s['path']}: {s['reason']}")
    return EXIT_OK


def cmd_encode(args: argparse.Namespace) -> int:
    lib = open_library(args)
    bar = TerminalProgress()
    try:
        if lib.encoders.clip() is None:
            raise CliError(lib.encoders.clip_problem())
        n = lib.complete_encoding(progress=bar)
        lib.alignment.refresh(lib.catalog, lib.vectors, lib.encoders, force=True)
    finally:
        bar.close()
        lib.close()
    print(f"Encoded {n} images.")
    return EXIT_OK


def cmd_models_list(args: argparse.Namespace) -> int:
    from engine.config import default_data_dir, load_settings
    from engine.encode.status import model_status

    settings = load_settings(args.data_dir or default_data_dir())
    states = model_status(settings)
    if args.json:
        from engine.library import _model_json

        print(json.dumps([_model_json(s) for s in states], ensure_ascii=False, indent=2))
        return EXIT_OK
    for s in states:
        mark = "installed" if s.installed else "missing  "
        print(f"{mark}  {s.name}  {s.message}")
    return EXIT_OK


def cmd_models_fetch(args: argparse.Namespace) -> int:
    from engine.config import default_data_dir, load_settings
    from engine.encode import ModelError, fetch_weights, find_spec

    settings = load_settings(args.data_dir or default_data_dir())
    name, _, tag = args.name.partition("/")
    bar = TerminalProgress()
    try:
        spec = find_spec(name, tag or None)
        path = fetch_weights(spec, settings.resolved_models_dir, progress=bar.bytes, cancel=None)
    except ModelError as exc:
        raise CliError(str(exc)) from exc
    finally:
        bar.close()
    print(f"Installed {spec.name} → {path}")
    return EXIT_OK


def cmd_models_import(args: argparse.Namespace) -> int:
    from engine.config import default_data_dir, load_settings
    from engine.encode import ModelError, import_weights

    settings = load_settings(args.data_dir or default_data_dir())
    model = args.model or f"{settings.clip_model}/{settings.clip_pretrained}"
    try:
        path = import_weights(args.path, model, settings.resolved_models_dir)
    except ModelError as exc:
        raise CliError(str(exc)) from exc
    print(f"Imported {args.path} as {model} → {path}")
    print("Run `sagasu encode` to add image search to what is already indexed.")
    return EXIT_OK


class JsonlProgress:
    """Progress as one JSON object per line, flushed, for a controlling process."""

    def __call__(self, p: Progress) -> None:
        print(json.dumps({"progress": dataclasses.asdict(p)}, ensure_ascii=False), flush=True)

    def close(self) -> None:
        return None


class StdinControl:
    """The cancel callback of a run controlled through stdin: 'pause' makes it block (the
    engine checks it between files), 'resume' releases it, 'cancel' or EOF (the controller
    went away) stops the run; everything indexed so far is kept."""

    def __init__(self) -> None:
        self._paused = threading.Event()
        self._cancelled = threading.Event()
        threading.Thread(target=self._read, name="sagasu-control", daemon=True).start()

    def _read(self) -> None:
        for line in sys.stdin:
            command = line.strip().lower()
            if command == "pause":
                self._paused.set()
            elif command == "resume":
                self._paused.clear()
            elif command == "cancel":
                break
        self._cancelled.set()
        self._paused.clear()

    def __call__(self) -> bool:
        while self._paused.is_set() and not self._cancelled.is_set():
            time.sleep(0.05)
        return self._cancelled.is_set()


class TerminalProgress:
    """A one-line progress display on a terminal; silent when output is piped."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, p) -> None:
        if not self.live or time.monotonic() - self.last < 0.1:
            return
        self.last = time.monotonic()
        total = f"/{p.total}" if p.total else ""
        eta = f", {p.eta_seconds:.0f} s left" if p.eta_seconds else ""
        line = f"{p.phase}: {p.done}{total} {p.message}"[:70] + eta
        sys.stderr.write("\r\x1b[K" + line)
        sys.stderr.flush()

    def bytes(self, done: int, total: int) -> None:
        if self.live:
            pct = f"{100 * done / total:.0f}%" if total else ""
            sys.stderr.write(f"\r\x1b[Kdownloading {done / 1e6:.1f} MB {pct}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.live:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
