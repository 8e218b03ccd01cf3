"""Load the models in a background thread without freezing the other threads.

Two things in a model load hold Python's global lock (GIL) for hundreds of milliseconds and so
freeze every other thread, the desktop window's included:


- CPython loads an extension module's shared library (``dlopen``: relocating libtorch's
  hundreds of MB of code) while holding the GIL: 300–400 ms for ``import torch``. Calling
  ``dlopen`` through ctypes releases the GIL for the call, so :func:`preload_native` does that
  first, with the flags the importer itself uses (``sys.getdlopenflags()``): the import then
  finds the libraries loaded and nothing about symbol visibility changes. POSIX only;
  elsewhere, or if anything fails, it does nothing and the import works as before.
- The cyclic garbage collector: importing torch, open_clip and transformers creates millions
  of objects, and each full collection it triggers walks them all (100–330 ms) with the GIL
  held. :func:`no_gc_pauses` turns collection off for the load and then freezes what was
  loaded (``gc.freeze``), so later collections no longer walk the libraries' objects.

Measured in docs/DESKTOP.md (benchmarks/bench_launch.py).
"""

from __future__ import annotations

import ctypes
import gc
import importlib.machinery
import importlib.util
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

# Compiled extension modules loaded when the encoders load, largest first.
MODEL_STACK = ("torch", "tokenizers", "safetensors")


def extension_modules(package: str) -> list[Path]:
    """The compiled extension modules at the top level of an installed package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return []
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    found: list[Path] = []
    for location in spec.submodule_search_locations:
        with os.scandir(location) as entries:
            found += [Path(e.path) for e in entries if e.is_file() and e.name.endswith(suffixes)]
    return sorted(found)


def preload_native(packages: tuple[str, ...] = MODEL_STACK) -> list[Path]:
    """dlopen the packages' extension modules with the GIL released; return what was loaded.

    Packages already imported are skipped (nothing left to gain)."""
    if os.name != "posix":
        return []
    try:
        libc = ctypes.CDLL(None)
        dlopen = libc.dlopen
    except (OSError, AttributeError):
        return []
    dlopen.restype = ctypes.c_void_p
    dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
    flags = sys.getdlopenflags()
    loaded = []
    for package in packages:
        if package in sys.modules:
            continue
        for path in extension_modules(package):
            if dlopen(os.fsencode(path), flags):
                loaded.append(path)
            else:
                log.debug("preloading %s failed; the import will load it", path)
    return loaded


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """No cyclic garbage collection inside the block; what it loaded is frozen afterwards.

    Process-wide for the few seconds of a model load: garbage made meanwhile stays until the
    next collection (or, if frozen, for good: a few MB of import-time garbage at most)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
