"""What start-up costs: the window must not wait for torch, and model loads must not freeze it."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from engine.encode.preload import extension_modules, no_gc_pauses, preload_native

HEAVY = ("torch", "open_clip", "sentence_transformers", "transformers", "pymupdf")


@pytest.mark.parametrize("module", ["engine.library", "desktop.main_window", "desktop.app"])
def test_opening_a_library_and_the_window_does_not_import_the_model_stack(module: str) -> None:
    """The desktop window appears before the models load (issue #3: within 2 s); importing
    torch or PyMuPDF on the way to it would cost seconds (benchmarks/bench_launch.py)."""
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == ""


def test_extension_modules_of_the_model_stack_are_found() -> None:
    modules = extension_modules("torch")
    assert modules and all(p.name.startswith("_C") for p in modules)
    assert extension_modules("no_such_package_here") == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX dlopen")
def test_preloading_native_libraries_then_importing_works() -> None:
    code = (
        "from engine.encode.preload import preload_native; "
        "loaded = preload_native(('tokenizers', 'safetensors')); "
        "import tokenizers, safetensors.numpy; "
        "print(len(loaded))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert int(out.stdout.strip()) >= 2
    assert preload_native(("sys",)) == []  # already imported: nothing to do


def test_no_gc_pauses_turns_collection_off_and_restores_it() -> None:
    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    with no_gc_pauses():
        assert not gc.isenabled()
        junk = [[i] for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(junk)
    gc.unfreeze()  # leave the test process as it was
