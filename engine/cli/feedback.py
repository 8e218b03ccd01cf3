"""``sagasu feedback``: the library's confirmations as labelled examples, and adaptation.

    sagasu feedback [list] [--json]                      the examples
    sagasu feedback add (TEXT | --image PATH) --file DOC [--page N] [--not-this]
    sagasu feedback remove ID
    sagasu feedback export FILE.csv                      as a `sagasu eval` query set
    sagasu feedback import FILE.csv                      a query set's rows as examples
    sagasu feedback adapt [--json] [--folds K]           fit, cross-validate, adopt
    sagasu feedback status [--json]                      adopted version, what each part needs
    sagasu feedback rollback | on | off

Hooked into engine.cli by :func:`add_feedback_parser`; the work is engine.library.Library's
(engine.library_feedback).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.adapt.run import AdaptationStatus
    from engine.feedback.examples import Example


def add_feedback_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "feedback", parents=[common], help="confirmed examples: list, add, export, adapt"
    )
    p.add_argument("--json", action="store_true", help="JSON output")
    p.set_defaults(run=cmd_list)
    fsub = p.add_subparsers(metavar="ACTION")
    # --data-dir and --json suppressed when absent: a plain default would overwrite one given
    # before the action (`sagasu feedback --data-dir D list`), as for `sagasu models`.
    action = argparse.ArgumentParser(add_help=False)
    action.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="index folder")
    action.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON")
    a = fsub.add_parser("list", parents=[action], help="the examples, oldest first")
    a.set_defaults(run=cmd_list)
    a = fsub.add_parser("add", parents=[action], help="add an example")
    a.add_argument("text", nargs="*", help="query text")
    a.add_argument("--image", type=Path, help="query photo (stored as its features)")
    a.add_argument("--file", type=Path, required=True, help="the indexed document it finds")
    a.add_argument("--page", type=int, help="its page (1-based; default: the whole document)")
    a.add_argument("--not-this", action="store_true", help="a wrong result, not the answer")
    a.set_defaults(run=cmd_add)
    a = fsub.add_parser("remove", parents=[action], help="forget an example")
    a.add_argument("id", type=int, help="as listed by `sagasu feedback list`")
    a.set_defaults(run=cmd_remove)
    a = fsub.add_parser("export", parents=[action], help="write the examples as an eval CSV")
    a.add_argument("csv", type=Path)
    a.set_defaults(run=cmd_export)
    a = fsub.add_parser("import", parents=[action], help="add an eval CSV's rows as examples")
    a.add_argument("csv", type=Path)
    a.set_defaults(run=cmd_import)
    a = fsub.add_parser("adapt", parents=[action], help="fit to the examples, adopt if better")
    a.add_argument("--folds", type=int, help="cross-validation folds (default 5)")
    a.set_defaults(run=cmd_adapt)
    a = fsub.add_parser("status", parents=[action], help="adopted version, examples needed")
    a.set_defaults(run=cmd_status)
    a = fsub.add_parser("rollback", parents=[action], help="back to the previous version")
    a.set_defaults(run=cmd_rollback)
    for name, on in (("on", True), ("off", False)):
        a = fsub.add_parser(name, parents=[action], help=f"switch adaptation {name}")
        a.set_defaults(run=cmd_switch, enable=on)


def _json(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "json", False))


def cmd_list(args: argparse.Namespace) -> int:
    from engine.cli.common import EXIT_OK, open_library, print_json

    lib = open_library(args)
    try:
        examples = lib.examples()
    finally:
        lib.close()
    if _json(args):
        print_json([example_json(e) for e in examples])
        return EXIT_OK
    if not examples:
        print("No examples yet: `sagasu feedback add` or `sagasu feedback import FILE.csv`.")
    for e in examples:
        print(example_line(e))
    return EXIT_OK


def example_json(e: Example) -> dict[str, object]:
    data = asdict(e)
    data.update(
        verdict=e.verdict.value,
        source=e.source.value,
        target_path=e.target_display,
        image_path=str(e.image_path) if e.image_path else None,
        modality=e.modality,
    )
    return data


def example_line(e: Example) -> str:
    page = f" p.{e.page}" if e.page else ""
    missing = "  [not in the library]" if not e.target_indexed else ""
    when = time.strftime("%Y-%m-%d", time.localtime(e.created))
    query = e.label if e.query_text else f"[photo] {e.label}"
    target = f"{e.target_display}{page}{missing}"
    return f"{e.id:5d}  {e.verdict.value:8s} {when}  {query[:50]:50s} → {target}"


def cmd_add(args: argparse.Namespace) -> int:
    from engine.cli.common import EXIT_OK, EXIT_USAGE, CliError, open_library, print_json
    from engine.feedback.examples import Verdict
    from engine.search import Query

    text = " ".join(args.text).strip()
    if bool(text) == (args.image is not None):
        raise CliError("give a query text or --image PATH (one of them)", EXIT_USAGE)
    verdict = Verdict.NOT_THIS if args.not_this else Verdict.IS_IT
    lib = open_library(args)
    try:
        query = Query(text=text)
        if args.image is not None:
            query.image = lib.load_query_image(args.image)
        image_path = args.image.resolve() if args.image is not None else None
        example = lib.add_example(query, args.file, args.page, verdict, image_path)
    finally:
        lib.close()
    if _json(args):
        print_json(example_json(example))
    else:
        print(f"Added: {example_line(example)}")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    from engine.cli.common import EXIT_OK, CliError, open_library

    lib = open_library(args)
    try:
        removed = lib.remove_example(args.id)
    finally:
        lib.close()
    if not removed:
        raise CliError(f"no example {args.id} (see `sagasu feedback list`)")
    print(f"Removed example {args.id}.")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from engine.cli.common import EXIT_OK, open_library, print_json

    lib = open_library(args)
    try:
        summary = lib.export_examples(args.csv)
    finally:
        lib.close()
    if _json(args):
        print_json({**asdict(summary), "path": str(summary.path)})
        return EXIT_OK
    print(f"Wrote {summary.rows} queries to {summary.path}.")
    if summary.photos_left_out:
        print(
            f"{summary.photos_left_out} photo queries left out: only their features are "
            "stored (turn on keep_query_images to keep a small copy)."
        )
    if summary.not_this_left_out:
        print(f'{summary.not_this_left_out} "not this" examples left out (the CSV has no column).')
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from engine.cli.common import EXIT_OK, CliError, TerminalProgress, open_library, print_json

    if not args.csv.is_file():
        raise CliError(f"query set not found: {args.csv}", 2)
    lib = open_library(args)
    bar = TerminalProgress()
    try:
        try:
            summary = lib.import_examples(args.csv, progress=bar)
        except (UnicodeDecodeError, ValueError) as exc:
            raise CliError(f"cannot read {args.csv} as a query-set CSV: {exc}") from exc
    finally:
        bar.close()
        lib.close()
    if _json(args):
        print_json(asdict(summary))
        return EXIT_OK
    print(f"Added {summary.added} examples ({summary.duplicates} already there).")
    for row, why in summary.problems:
        print(f"row {row}: {why}")
    return EXIT_OK


def cmd_adapt(args: argparse.Namespace) -> int:
    from engine.cli.common import (
        EXIT_OK,
        EXIT_USAGE,
        CliError,
        TerminalProgress,
        open_library,
        print_json,
    )

    if args.folds is not None and args.folds < 2:
        raise CliError("--folds must be at least 2", EXIT_USAGE)
    lib = open_library(args)
    bar = TerminalProgress()
    try:
        report = lib.adapt(progress=bar, folds=args.folds)
    finally:
        bar.close()
        lib.close()
    if _json(args):
        print_json(report.to_json())
    else:
        print(report.text())
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from engine.cli.common import EXIT_OK, open_library, print_json

    lib = open_library(args)
    try:
        status = lib.adaptation_status()
    finally:
        lib.close()
    if _json(args):
        print_json(status_json(status))
        return EXIT_OK
    print(status_text(status))
    return EXIT_OK


def status_json(status: AdaptationStatus) -> dict[str, object]:
    current = status.current
    return {
        "enabled": status.enabled,
        "version": current.to_json() if current else None,
        "can_roll_back": status.can_roll_back,
        "examples": status.examples,
        "needs": [
            {"part": n.part.value, "have": n.have, "minimum": n.minimum, "more": n.more}
            for n in status.needs
        ],
        "last_report": status.last_report.to_json() if status.last_report else None,
    }


def status_text(status: AdaptationStatus) -> str:
    current = status.current
    state = "on" if status.enabled else "off"
    if current is None:
        lines = [f"Adaptation {state}: searching with the shipped ranking."]
    else:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(current.at))
        parts = ", ".join(current.parts)
        lines = [f"Adaptation {state}: version {current.version} ({parts}), adopted {when}."]
    lines.append(f"{status.examples} labelled queries.")
    for need in status.needs:
        more = f"needs {need.more} more" if need.more else "enough"
        lines.append(f"  {need.part.value}: {need.have} of {need.minimum} ({more})")
    return "\n".join(lines)


def cmd_rollback(args: argparse.Namespace) -> int:
    from engine.cli.common import EXIT_OK, open_library

    lib = open_library(args)
    try:
        back = lib.roll_back_adaptation()
    finally:
        lib.close()
    print(f"Now version {back.version}." if back else "Now the shipped ranking.")
    return EXIT_OK


def cmd_switch(args: argparse.Namespace) -> int:
    from engine.cli.common import EXIT_OK, open_library

    lib = open_library(args)
    try:
        lib.set_adaptation_enabled(args.enable)
    finally:
        lib.close()
    print(f"Adaptation {'on' if args.enable else 'off'}.")
    return EXIT_OK
