"""The warm CLI, client side: hand a ``sagasu search`` to this user's background process.

Loading the models costs a command ~10 s on 2 cores; a per-user background process
(``engine.cli.serve``) keeps them loaded, and later commands forward their argv and working
folder to it over a Unix domain socket and print what it answers. Everything here is cheap to
import (no numpy, no engine.library), because it runs before every search.

* **Where.** One socket per user *and* data folder, in a 0700 folder of the user's runtime
  dir (``$XDG_RUNTIME_DIR/sagasu``, else ``<tmp>/sagasu-<uid>``), named by a hash of the uid,
  the data folder, the program (interpreter, engine folder, version) and the environment the
  engine reads (``SAGASU_*``, Hugging Face, thread counts): a command is only ever answered by
  a process that would have computed the same thing. The server also refuses peers of
  another uid (``SO_PEERCRED``).
* **When.** ``SAGASU_WARM``: ``auto`` (default) forwards to a running process, and after an
  in-process search started from a terminal (stdin is a tty) starts one, detached, for the
  next command; ``on`` starts one from scripts too; ``off`` never forwards nor starts.
  ``sagasu serve-local`` runs one explicitly. Without AF_UNIX (Windows) everything runs in
  process.
* **Never worse than in process.** No socket, a refused connection (a crashed process: its
  lock is free, so the stale socket is removed), a timeout or a garbled answer: the command
  runs in process, as without this module.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

WARM_ENV = "SAGASU_WARM"  # auto | on | off
IDLE_ENV = "SAGASU_WARM_IDLE"  # seconds an idle background process waits before it exits
DEFAULT_IDLE_SECONDS = 300.0
REPLY_TIMEOUT_SECONDS = 300.0  # a first command waits while the process loads the models
_ENV_PREFIXES = ("SAGASU_", "HF_", "HUGGINGFACE_", "TRANSFORMERS_", "TORCH_", "CUDA_", "OMP_")
_ENV_NAMES = ("HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "MKL_NUM_THREADS")
_MAX_SOCKET_PATH = 100  # sun_path holds 104-108 bytes depending on the platform


@dataclass(frozen=True)
class Endpoint:
    socket: Path
    lock: Path  # held (flock) by the live process for its whole life
    data_dir: Path


@dataclass(frozen=True)
class Reply:
    stdout: str
    stderr: str
    code: int


def mode() -> str:
    value = os.environ.get(WARM_ENV, "auto").strip().lower()
    return {"1": "on", "yes": "on", "true": "on", "0": "off", "no": "off", "false": "off"}.get(
        value, value if value in ("auto", "on", "off") else "auto"
    )


def supported() -> bool:
    return os.name == "posix" and hasattr(socket, "AF_UNIX") and hasattr(os, "getuid")


def idle_seconds() -> float:
    try:
        return max(1.0, float(os.environ.get(IDLE_ENV, DEFAULT_IDLE_SECONDS)))
    except ValueError:
        return DEFAULT_IDLE_SECONDS


def runtime_dir() -> Path | None:
    """This user's private folder for sockets (0700, owned by the user), or None."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    candidates = [Path(base) / "sagasu"] if base else []
    candidates.append(Path(tempfile.gettempdir()) / f"sagasu-{os.getuid()}")
    for folder in candidates:
        if _private_folder(folder):
            return folder
    return None


def _private_folder(folder: Path) -> bool:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return False
    if info.st_uid != os.getuid() or not os.path.isdir(folder) or os.path.islink(folder):
        return False  # someone else's folder (or a link planted in /tmp): never use it
    if info.st_mode & 0o077:
        try:
            os.chmod(folder, 0o700)
        except OSError:
            return False
    return True


def resolve_data_dir(data_dir: Path | None) -> Path:
    from engine.config import default_data_dir

    return Path(os.path.realpath(data_dir if data_dir else default_data_dir()))


def endpoint(data_dir: Path | None) -> Endpoint | None:
    """Where this user's process for ``data_dir`` listens; None where none can be."""
    if not supported():
        return None
    folder = runtime_dir()
    if folder is None:
        return None
    resolved = resolve_data_dir(data_dir)
    name = _key(resolved)
    sock = folder / f"{name}.sock"
    if len(os.fsencode(sock)) > _MAX_SOCKET_PATH:
        return None
    return Endpoint(sock, folder / f"{name}.lock", resolved)


def _key(data_dir: Path) -> str:
    import engine

    env = sorted(
        (k, v)
        for k, v in os.environ.items()
        if (k.startswith(_ENV_PREFIXES) and not k.startswith("SAGASU_WARM")) or k in _ENV_NAMES
    )
    code = os.path.realpath(engine.__file__)
    what = [os.getuid(), str(data_dir), sys.executable, code, engine.__version__, env]
    return hashlib.sha256(json.dumps(what).encode()).hexdigest()[:20]


# --- client ----------------------------------------------------------------------------------


def forward(
    where: Endpoint, argv: list[str], timeout: float = REPLY_TIMEOUT_SECONDS
) -> Reply | None:
    """The background process's answer to ``argv``, or None: then run it in process."""
    request: dict[str, object] = {"op": "run", "argv": argv, "cwd": os.getcwd()}
    answer = exchange(where, request, timeout)
    if answer is None or answer.get("fallback"):
        return None
    try:
        code = answer["code"]
        if not isinstance(code, int):
            return None
        return Reply(str(answer["stdout"]), str(answer["stderr"]), code)
    except (KeyError, TypeError, ValueError):
        return None


def exchange(
    where: Endpoint, request: dict[str, object], timeout: float
) -> dict[str, object] | None:
    """One request, one answer (a JSON line each way); None when no process answered."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(2.0)
        try:
            conn.connect(os.fspath(where.socket))
        except FileNotFoundError:
            return None
        except (ConnectionRefusedError, OSError):
            remove_if_stale(where)
            return None
        conn.settimeout(timeout)
        conn.sendall(json.dumps(request).encode() + b"\n")
        answer = json.loads(read_line(conn) or b"null")
    except (OSError, ValueError):  # died mid-way, timed out, garbled: run in process
        return None
    finally:
        conn.close()
    return answer if isinstance(answer, dict) else None


def read_line(conn: socket.socket, limit: int = 64 << 20) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = conn.recv(1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if b"\n" in chunk or size > limit:
            break
    return b"".join(chunks).split(b"\n", 1)[0]


def alive(where: Endpoint) -> bool:
    """True while a process holds the endpoint's lock (it lives; its socket may be new)."""
    with _lock_if_free(where) as free:
        return not free


def remove_if_stale(where: Endpoint) -> bool:
    """Remove the socket of a process that died without cleaning up; True if removed. The
    lock is held meanwhile, so a process starting now cannot lose its new socket."""
    with _lock_if_free(where) as free:
        if free:
            with contextlib.suppress(FileNotFoundError):
                where.socket.unlink()
                return True
    return False


@contextlib.contextmanager
def _lock_if_free(where: Endpoint) -> Iterator[bool]:
    """Hold the endpoint's lock for the block if no process holds it: yields whether it did."""
    import fcntl

    try:
        fd = os.open(where.lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases a lock taken here


def start(where: Endpoint, idle: float | None = None) -> subprocess.Popen[bytes] | None:
    """Start the background process for ``where``, detached (its own session, no terminal);
    it exits after ``idle`` seconds without a command. None if it could not start."""
    if alive(where):
        return None
    command = [*_program(), "serve-local", "--data-dir", os.fspath(where.data_dir)]
    command += ["--idle", str(idle if idle is not None else idle_seconds())]
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])  # this engine, also from a source tree
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    try:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            env=env,
            cwd=os.fspath(where.socket.parent),
        )
    except OSError:
        return None


def _program() -> list[str]:
    if getattr(sys, "frozen", False):  # the packaged CLI is its own interpreter
        return [sys.executable]
    return [sys.executable, "-m", "engine.cli"]


def wanted_after_search() -> bool:
    """Start a process after an in-process search? ``on``; or ``auto`` at a terminal."""
    choice = mode()
    if choice == "on":
        return True
    if choice == "off":
        return False
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        return False
