"""``sagasu folders``: the library's folders, as ``sagasu index FOLDER`` remembered them.

    sagasu folders [--json]              list them (a bare ``sagasu index`` indexes these)
    sagasu folders remove PATH           forget a folder and every file indexed under it

Hooked into engine.cli by :func:`add_folders_parser`.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_folders_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "folders", parents=[common], help="the library's folders: list, or remove one"
    )
    p.add_argument("--json", action="store_true", help="JSON list of the folders")
    p.set_defaults(run=cmd_folders)
    fsub = p.add_subparsers(metavar="ACTION")
    r = fsub.add_parser("remove", help="forget a folder and the files indexed under it")
    # Not parents=[common]: its default (None) would overwrite a --data-dir given before
    # the action (`sagasu folders --data-dir D remove P`); suppressed, either place works.
    r.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="index folder")
    r.add_argument("path", type=Path, help="the folder, as listed by `sagasu folders`")
    r.set_defaults(run=cmd_folders_remove)


def cmd_folders(args: argparse.Namespace) -> int:
    from engine.cli.common import EXIT_OK, open_library, print_json

    lib = open_library(args)
    try:
        folders = list(lib.settings.folders)
    finally:
        lib.close()
    if args.json:
        rows = [
            {
                "path": f.path,
                "include": list(f.include),
                "exclude": list(f.exclude),
                "exists": Path(f.path).is_dir(),
            }
            for f in folders
        ]
        print_json(rows)
        return EXIT_OK
    if not folders:
        print("No folders yet: `sagasu index FOLDER` indexes one and remembers it.")
    for f in folders:
        patterns = [*(f"include {g}" for g in f.include), *(f"exclude {g}" for g in f.exclude)]
        extra = f"  ({', '.join(patterns)})" if patterns else ""
        missing = "" if Path(f.path).is_dir() else "  [not found]"
        print(f"{f.path}{extra}{missing}")
    return EXIT_OK


def cmd_folders_remove(args: argparse.Namespace) -> int:
    from engine.cli.common import EXIT_OK, CliError, TerminalProgress, open_library
    from engine.crawl import folder_root
    from engine.library import IndexBusy

    root = folder_root(args.path)
    lib = open_library(args)
    bar = TerminalProgress()
    try:
        kept = [f for f in lib.settings.folders if folder_root(f.path) != root]
        if len(kept) == len(lib.settings.folders):
            listed = ", ".join(f.path for f in lib.settings.folders) or "none"
            raise CliError(f"{root} is not one of the library's folders (they are: {listed})")
        try:
            # Files first: interrupted, the folder is still listed and running this again
            # finishes the job (the settings change alone would leave its files searchable).
            forgotten = lib.remove_folder(root, progress=bar)
        except IndexBusy as exc:
            raise CliError(str(exc)) from exc
        lib.apply_settings(lib.settings.replace(folders=kept))
    finally:
        bar.close()
        lib.close()
    print(f"Removed {root}: forgot {forgotten} indexed files.")
    return EXIT_OK
