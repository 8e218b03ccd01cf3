"""Start-up shim shared by the frozen ``sagasu`` and ``sagasu-desktop`` executables.

It only runs inside a PyInstaller build (``sys.frozen``); from a source tree the entry scripts
behave like ``python -m engine.cli`` / ``desktop.app:main``. What it does before the real
entry point runs:

* reads ``sagasu_build.json`` (written by packaging/build.sh) next to the bundled libraries;
* keeps Hugging Face libraries offline (the MiniLM model ships inside the bundle);
* hides CUDA devices in a build whose optional CUDA libraries were pruned (``cuda: minimal``),
  so torch never picks a GPU it could only half use;
* points the Hugging Face cache at a CLIP model bundled with ``--with-model`` unless the user
  set their own cache location;
* checks the bundled model files against the manifest (size), so a damaged installation
  gives one clear message instead of a stack trace deep inside transformers;
* turns OSError escaping the entry point (read-only or full data folder) into one line on
  stderr and exit status 1 — never a traceback, never a retry loop.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

BUILD_INFO = "sagasu_build.json"
EXIT_BROKEN_INSTALL = 3


def bundle_dir() -> Path | None:
    """The folder holding the bundled libraries and data (``_internal``), or None from source."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) if getattr(sys, "frozen", False) and base else None


def build_info(base: Path | None = None) -> dict:
    base = base if base is not None else bundle_dir()
    if base is None:
        return {}
    try:
        data = json.loads((base / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def check_bundle(base: Path, info: dict) -> list[str]:
    """Problems with the bundled files listed in the manifest (missing or wrong size)."""
    problems = []
    for rel, size in (info.get("manifest") or {}).items():
        path = base / rel
        try:
            actual = path.stat().st_size
        except OSError:
            problems.append(f"missing: {path}")
            continue
        if actual != size:
            problems.append(f"damaged: {path} ({actual} bytes, expected {size})")
    return problems


def prepare_environment() -> dict:
    """Set the process environment for a frozen run; a no-op from a source tree."""
    base = bundle_dir()
    if base is None:
        return {}
    info = build_info(base)
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(key, "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if info.get("cuda") == "minimal":
        # cuDNN engines, cuSOLVER etc. were pruned: a GPU would fail at the first convolution.
        os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    hf_bundle = base / "models" / "hf"
    user_cache = any(
        os.environ.get(k) for k in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME")
    )
    if hf_bundle.is_dir() and not user_cache:
        os.environ["HF_HUB_CACHE"] = str(hf_bundle)
    return info


def broken_install_message(problems: list[str]) -> str:
    shown = "\n  ".join(problems[:5])
    more = f"\n  … and {len(problems) - 5} more" if len(problems) > 5 else ""
    return (
        "Sagasu's installation is incomplete or damaged:\n  "
        f"{shown}{more}\n"
        "Reinstall Sagasu (unpack the release archive again). Your index and settings are kept."
    )


def io_error_message(exc: OSError) -> str:
    where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
    if exc.errno == errno.ENOSPC:
        why = "the disk is full"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "it is read-only or you lack permission"
    else:
        why = exc.strerror or str(exc)
    return (
        f"cannot write to{where}: {why}. Choose a writable data folder with --data-dir or "
        "SAGASU_DATA_DIR, or free some space, and try again."
    )


def run(prog: str, entry: Callable[[], int | None], *, check: bool = True) -> int:
    """Run ``entry`` with the frozen environment; map OSError to a one-line message."""
    info = prepare_environment()
    base = bundle_dir()
    if check and base is not None:
        problems = check_bundle(base, info)
        if problems:
            print(f"{prog}: {broken_install_message(problems)}", file=sys.stderr)
            return EXIT_BROKEN_INSTALL
    try:
        return int(entry() or 0)
    except OSError as exc:
        print(f"{prog}: {io_error_message(exc)}", file=sys.stderr)
        return 1
