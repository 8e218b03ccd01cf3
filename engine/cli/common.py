"""What every ``sagasu`` command shares: exit codes, the one-line error, opening the library
and the terminal's progress line."""

from __future__ import annotations

import argparse
import errno
from typing import TYPE_CHECKING

from engine.cli.progress import PHASE_WORDS as PHASE_WORDS
from engine.cli.progress import TerminalProgress as TerminalProgress
from engine.outcome_json import json_text as json_text

if TYPE_CHECKING:  # heavy modules: imported inside the commands at run time
    from engine.library import Library

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A problem a person can act on: printed as one line, exit ``code``."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def open_library(args: argparse.Namespace) -> Library:
    """The library a command works on: opened here, or the open one that the warm background
    process (engine.cli.serve) lends the command as ``args.lent_library``."""
    from engine.library import Library
    from engine.store.schema import SchemaTooNew

    lent: Library | None = getattr(args, "lent_library", None)
    if lent is not None:
        return lent
    try:
        return Library(args.data_dir, store=getattr(args, "store", None))
    except SchemaTooNew as exc:
        raise CliError(str(exc)) from exc


def repair_command(args: argparse.Namespace) -> str:
    """The ``sagasu repair`` line for the data folder this command used."""
    data_dir = getattr(args, "data_dir", None)
    return f"sagasu repair --data-dir {data_dir}" if data_dir else "sagasu repair"


def print_json(value: object) -> None:
    """Print ``value`` as JSON: every ``--json`` output goes through here."""
    print(json_text(value))


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


def user_facing_problem(exc: BaseException) -> str:
    """One line for any exception that reached the command line: the engine's own errors
    say what to do already; storage errors are put in words; anything else is named as
    unexpected (``-v`` logs the traceback)."""
    import sqlite3

    from engine.errors import SagasuError

    if isinstance(exc, SagasuError):
        return str(exc)
    if isinstance(exc, OSError | sqlite3.OperationalError):
        return storage_problem(exc)
    if isinstance(exc, sqlite3.DatabaseError):
        return f"the index catalog is damaged ({exc}); run `sagasu repair` to rebuild it"
    return f"unexpected error: {type(exc).__name__}: {exc} (run with -v for details)"
