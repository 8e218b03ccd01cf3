"""``sagasu`` command line: the same engine the desktop app uses, for scripts and tests.

    sagasu index [--data-dir DIR] FOLDER...
    sagasu search [--data-dir DIR] [--json] [--top-k N] (TEXT | --image PATH)
    sagasu status [--data-dir DIR] [--json]
    sagasu repair [--data-dir DIR]   (rebuild a damaged catalog from its backup and folders)
    sagasu models list | fetch NAME | import PATH [--model NAME]
    sagasu encode            (finish image encoding after weights were installed)
    sagasu eval [CSV...]     (built-in retrieval evaluation; no CSV: the library's examples)
    sagasu feedback list|add|remove|export|import|adapt|status|rollback|on|off
    sagasu serve-local [--idle S] [--detach | --stop]   (keep the models loaded: warm.py)
    sagasu serve | users | roots   (the team server and who may read what: team.py)

Every command reaches the engine through engine.library.Library. Heavy imports (torch,
open_clip) happen inside the commands, so ``--help`` is instant. Every problem a user can
meet is one line on stderr and a non-zero exit, never a traceback (``-v`` adds the details).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from engine import __version__
from engine.cli import commands, warm
from engine.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    repair_command,
    user_facing_problem,
)
from engine.cli.eval import add_eval_parser
from engine.cli.feedback import add_feedback_parser
from engine.cli.folders import add_folders_parser
from engine.cli.serve import add_serve_parser
from engine.cli.team import add_team_parsers
from engine.store.access import storage_problem_of
from engine.store.health import CatalogDamaged

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CliError",
    "build_parser",
    "dispatch",
    "main",
]

log = logging.getLogger("sagasu")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    raw = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(raw)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    _print_names_as_their_bytes()
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    # A team store is opened by each call: the warm process holds this machine's library.
    if not getattr(args, "forwardable", False) or getattr(args, "store", None):
        return dispatch(args)
    where = warm.endpoint(args.data_dir) if warm.mode() != "off" else None
    reply = warm.forward(where, raw) if where is not None else None
    if reply is not None:  # the warm background process answered (engine/cli/serve.py)
        sys.stdout.write(reply.stdout)
        sys.stdout.flush()
        sys.stderr.write(reply.stderr)
        return reply.code
    code = dispatch(args)
    if where is not None and code == EXIT_OK and warm.wanted_after_search():
        warm.start(where)  # for the next command; this one has paid its model load
    return code


def _print_names_as_their_bytes() -> None:
    """A file name that is not UTF-8 goes to a UTF-8 stdout as its own bytes (as ``ls``
    prints it), instead of failing the command: Python writes such names only in the C
    locale; elsewhere its default is strict. JSON output never holds them (print_json)."""
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if encoding == "utf8" and reconfigure is not None:
        reconfigure(errors="surrogateescape")


def dispatch(args: argparse.Namespace) -> int:
    """Run a parsed command in this process: its exit code, every problem one line."""
    try:
        return int(args.run(args) or EXIT_OK)
    except KeyboardInterrupt:
        print("\nInterrupted; everything indexed so far is kept.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _closed_pipe()
    except CliError as exc:
        return _fail(args, str(exc), exc.code)
    except CatalogDamaged as exc:  # on open or from any query that met the damage
        return _fail(args, exc.advice(repair_command(args)), EXIT_FAILED, exc.reason.value)
    except Exception as exc:  # every other problem: one line, the traceback only with -v
        log.debug("details", exc_info=True)
        storage = storage_problem_of(exc)
        return _fail(args, user_facing_problem(exc), EXIT_FAILED, storage=storage or "")


def _fail(
    args: argparse.Namespace, message: str, code: int, damage: str = "", storage: str = ""
) -> int:
    if getattr(args, "progress_jsonl", False):  # the controlling window reads stdout
        from engine.protocol import ProgressWriter, RunFailed

        ProgressWriter().send(RunFailed(message, damage, storage))
    print(f"sagasu: {message}", file=sys.stderr)
    return code


def _closed_pipe() -> int:
    """``sagasu status --json | head``: the reader left; that is not an error of ours."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # nothing more reaches the closed pipe at exit
    return EXIT_OK


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
    common.add_argument(
        "--store",
        metavar="URL",
        help="a team catalog on PostgreSQL, postgresql://… (default: $SAGASU_STORE, else the"
        " index folder's own file)",
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
        "'pause' / 'resume' / 'cancel' lines read from stdin (engine/protocol.py)",
    )
    p.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="read and encode on the Ray cluster at ADDRESS (HOST:PORT, or 'auto' for the one "
        "started on this machine; default: the ray_address setting, '' = this computer)",
    )
    p.set_defaults(run=commands.cmd_index)

    p = sub.add_parser("search", parents=[common], help="search by text or by image")
    p.add_argument("text", nargs="*", help="query text")
    p.add_argument("--image", type=Path, help="query image")
    p.add_argument("--top-k", type=int, default=10)
    p.add_argument("--kind", action="append", choices=["page", "image", "photo", "chunk"])
    p.add_argument("--folder", type=Path, help="only results under this folder")
    p.add_argument("--json", action="store_true", help="JSON list of results, best first")
    # forwardable: answered by the warm background process when one runs (engine/cli/warm.py)
    p.set_defaults(run=commands.cmd_search, forwardable=True)

    p = sub.add_parser("status", parents=[common], help="what is indexed, model state")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=commands.cmd_status)

    p = sub.add_parser(
        "repair", parents=[common], help="rebuild a damaged index catalog (keeps settings)"
    )
    p.add_argument("--json", action="store_true", help="print what was done as JSON")
    p.set_defaults(run=commands.cmd_repair)

    p = sub.add_parser("encode", parents=[common], help="encode images indexed without CLIP")
    p.set_defaults(run=commands.cmd_encode)

    models = sub.add_parser("models", parents=[common], help="list, fetch or import weights")
    msub = models.add_subparsers(metavar="ACTION")
    # The actions take --data-dir too, suppressed when absent: a plain default (None) would
    # overwrite one given before the action (`sagasu models --data-dir D list`).
    action = argparse.ArgumentParser(add_help=False)
    action.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="index folder")
    m = msub.add_parser("list", parents=[action], help="known models and whether installed")
    m.add_argument("--json", action="store_true")
    m.set_defaults(run=commands.cmd_models_list)
    m = msub.add_parser("fetch", parents=[action], help="download weights (needs internet)")
    m.add_argument("name", help="e.g. ViT-B-32/laion2b_s34b_b79k")
    m.set_defaults(run=commands.cmd_models_fetch)
    m = msub.add_parser("import", parents=[action], help="install a weights file you have")
    m.add_argument("path", type=Path)
    m.add_argument("--model", help="model it belongs to (default: the configured one)")
    m.set_defaults(run=commands.cmd_models_import)

    add_eval_parser(sub, common)
    add_folders_parser(sub, common)
    add_feedback_parser(sub, common)
    add_serve_parser(sub, common)
    add_team_parsers(sub, common)
    return parser
