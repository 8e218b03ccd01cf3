"""The warm CLI, server side: ``sagasu serve-local``, one background process per user and data
folder that keeps a ``Library`` with its models loaded and answers forwarded commands.

It runs the very command code of ``engine.cli`` on the forwarded argv, in the client's
working folder, with stdout and stderr captured and sent back with the exit code, so a
forwarded command prints exactly what it would have printed in process. Commands are answered
one at a time (a search uses both cores anyway). Only ``search`` is forwarded: commands that
index, encode or install models run in the client's own process.

Freshness: before each command the process compares the data folder's settings file and the
model files (models folder, the paths named in settings) with what it loaded: a change there
reopens the library with new encoders (models load again). A change of the catalog or of the
derived files (vectors, alignment, visual index: an index run by another process) reopens the
library around the same, still valid, encoders. It exits after ``--idle`` seconds without a
command, on SIGTERM/SIGINT, or on ``sagasu serve-local --stop``, and removes its socket.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import signal
import socket
import struct
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli import warm
from engine.errors import SagasuError

if TYPE_CHECKING:
    from engine.library import Library

log = logging.getLogger("sagasu.serve")

_DERIVED = ("vectors", "alignment", "visual", "adaptation")  # adaptation: engine.adapt.state


def add_serve_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "serve-local",
        parents=[common],
        help="keep the models loaded for later commands (started by `search` at a terminal)",
    )
    p.add_argument(
        "--idle",
        type=float,
        default=None,
        help=f"exit after this many seconds without a command (default ${warm.IDLE_ENV} or "
        f"{warm.DEFAULT_IDLE_SECONDS:.0f})",
    )
    p.add_argument("--detach", action="store_true", help="start it in the background, return")
    p.add_argument("--stop", action="store_true", help="stop the running one")
    p.set_defaults(run=cmd_serve_local)


def cmd_serve_local(args: argparse.Namespace) -> int:
    from engine.cli.common import EXIT_FAILED, EXIT_OK, CliError

    where = warm.endpoint(args.data_dir)
    if where is None:
        raise CliError(
            "a background process needs Unix domain sockets and a private runtime folder"
        )
    if args.stop:
        answer = warm.exchange(where, {"op": "stop"}, timeout=10.0)
        print("stopped" if answer else "not running")
        return EXIT_OK
    idle = args.idle if args.idle is not None else warm.idle_seconds()
    if args.detach:
        if warm.alive(where):
            print(f"already running ({where.socket})")
            return EXIT_OK
        child = warm.start(where, idle)
        deadline = time.monotonic() + 30
        while child is not None and child.poll() is None and time.monotonic() < deadline:
            if where.socket.exists() and warm.alive(where):
                print(f"started ({where.socket})")
                return EXIT_OK
            time.sleep(0.05)
        raise CliError("the background process did not start", EXIT_FAILED)
    return Server(where, idle).serve()


class Server:
    def __init__(self, where: warm.Endpoint, idle: float) -> None:
        self.where = where
        self.idle = idle
        self.library: Library | None = None
        self._models_seen: object = None
        self._data_seen: object = None
        self._lock_fd = -1

    # --- life ----------------------------------------------------------------------------

    def serve(self) -> int:
        if not self._take_lock():
            return 0  # another process serves this endpoint already
        listener = None
        try:
            listener = self._listen()
            signal.signal(signal.SIGTERM, _exit_quietly)
            _route_logging()
            with _captured():  # loading models may print; nobody reads this process's output
                try:
                    self._open()
                    self._warm_up()
                except SagasuError:  # a damaged catalog: each command runs in process
                    log.info("the library cannot be opened", exc_info=True)
            self._loop(listener)
        finally:
            self._clean_up(listener)
        return 0

    def _take_lock(self) -> bool:
        import fcntl

        fd = os.open(self.where.lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def _listen(self) -> socket.socket:
        with contextlib.suppress(FileNotFoundError):
            self.where.socket.unlink()  # a crashed process's: we hold the lock now
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket is the user's alone (its folder is 0700 too)
        try:
            listener.bind(os.fspath(self.where.socket))
        finally:
            os.umask(old)
        listener.listen(16)
        self._inode = os.stat(self.where.socket).st_ino
        return listener

    def _clean_up(self, listener: socket.socket | None) -> None:
        if listener is not None:
            listener.close()
            with contextlib.suppress(OSError):
                if os.stat(self.where.socket).st_ino == self._inode:
                    self.where.socket.unlink()
        if self.library is not None:
            with contextlib.suppress(Exception):
                self.library.close()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)

    def _loop(self, listener: socket.socket) -> None:
        last = time.monotonic()
        while True:
            left = self.idle - (time.monotonic() - last)
            if left <= 0:
                return
            listener.settimeout(left)
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                return
            with conn:
                if not _same_user(conn):
                    continue
                if self._answer(conn) == "stop":
                    return
            last = time.monotonic()

    # --- one command ---------------------------------------------------------------------

    def _answer(self, conn: socket.socket) -> str:
        conn.settimeout(10.0)
        try:
            request = json.loads(warm.read_line(conn) or b"null")
        except (OSError, ValueError):
            return ""
        if not isinstance(request, dict):
            return ""
        op = request.get("op")
        reply: dict[str, object] = {"ok": True}
        if op == "run":
            reply = self._run(request.get("argv"), request.get("cwd"))
        with contextlib.suppress(OSError):  # the client may have left (Ctrl-C)
            conn.settimeout(30.0)
            conn.sendall(json.dumps(reply).encode() + b"\n")
        return str(op)

    def _run(self, argv: object, cwd: object) -> dict[str, object]:
        from engine.cli import build_parser, dispatch

        if not isinstance(argv, list) or not isinstance(cwd, str):
            return {"fallback": True}
        try:
            os.chdir(cwd)
            args = build_parser().parse_args([str(a) for a in argv])
        except (OSError, SystemExit):
            return {"fallback": True}  # the client parses first, so this is unexpected
        if not getattr(args, "forwardable", False):
            return {"fallback": True}
        if warm.resolve_data_dir(args.data_dir) != self.where.data_dir:
            return {"fallback": True}
        logging.getLogger().setLevel(logging.DEBUG if args.verbose else logging.WARNING)
        with _captured() as (out, err):
            try:
                self._refresh()
            except SagasuError:  # a damaged catalog: the client runs it and says so
                return {"fallback": True}
            args.lent_library = self._lend()  # the command's close() leaves it open
            code = dispatch(args)
        return {"stdout": out.getvalue(), "stderr": err.getvalue(), "code": code}

    # --- the library and its freshness ---------------------------------------------------

    def _open(self, keep_models: bool = False) -> None:
        from engine.library import Library

        old = self.library
        encoders = old.encoders if keep_models and old is not None else None
        self.library = None  # until the new one opens: a damaged catalog may not
        if old is not None:
            with contextlib.suppress(SagasuError):  # saving vectors meets the damage too
                old.close()
        self._models_seen = self._models_state()
        self._data_seen = self._data_state()
        self.library = Library(self.where.data_dir, encoders=encoders)

    def _lend(self) -> Library:
        assert self.library is not None
        borrowed: Any = _Borrowed(self.library)
        return borrowed  # type: ignore[no-any-return]

    def _warm_up(self) -> None:
        """Load the models and what a first search reads (vectors, calibration, the word
        lists of both languages), so the first forwarded search is as fast as later ones."""
        from engine.search import Query

        assert self.library is not None
        self.library.warm_up()
        for text in ("warm up", "起動"):
            with contextlib.suppress(Exception):
                self.library.search(Query(text=text, top_k=1))

    def _refresh(self) -> None:
        if self.library is None:  # the last reopen failed (a damaged catalog, since repaired?)
            self._open()
        elif self._models_state() != self._models_seen:
            log.info("settings or model files changed: reopening with new models")
            self._open()
        elif self._data_state() != self._data_seen:
            log.info("the index changed: reopening the library")
            self._open(keep_models=True)

    def _models_state(self) -> object:
        from engine.config import SETTINGS_FILE, load_settings

        settings = load_settings(self.where.data_dir)
        named = [settings.clip_weights_path, settings.text_model_path]
        places = [self.where.data_dir / SETTINGS_FILE, settings.resolved_models_dir]
        places += [Path(p).expanduser() for p in named if p]
        return [_tree_state(p, depth=2) for p in places]

    def _data_state(self) -> object:
        data = self.where.data_dir
        files = [data / "catalog.sqlite3", data / "catalog.sqlite3-wal"]
        return [_stat(p) for p in files] + [_tree_state(data / d, depth=1) for d in _DERIVED]


class _Borrowed:
    """The warm library lent to one command: its ``close()`` leaves it open."""

    def __init__(self, library: Library) -> None:
        self._library = library

    def __getattr__(self, name: str) -> Any:
        return getattr(self._library, name)

    def close(self) -> None:
        pass


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _tree_state(path: Path, depth: int) -> object:
    """(mtime, size) of ``path`` and, for a folder, of what it holds ``depth`` levels down."""
    state: list[object] = [_stat(path)]
    if depth > 0 and path.is_dir():
        with contextlib.suppress(OSError):
            for child in sorted(path.iterdir()):
                state.append((child.name, _tree_state(child, depth - 1)))
    return state


def _same_user(conn: socket.socket) -> bool:
    """Refuse a peer of another uid where the platform says who it is (Linux)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True  # the socket's 0700 folder is the guard there
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    except OSError:
        return False
    _pid, uid, _gid = struct.unpack("3i", creds)
    return bool(uid == os.getuid())


@contextlib.contextmanager
def _captured() -> Any:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Log lines go to whatever sys.stderr is now: the command's captured stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _route_logging() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = _CurrentStderr()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)


def _exit_quietly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)
