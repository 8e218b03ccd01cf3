"""Packaging checks: the smoke test of packaging/smoke_test.py, run through pytest.

Against the source tree (``python -m engine.cli …``) always; against a frozen build
(``dist/sagasu-*/`` or ``SAGASU_FROZEN_DIR``) only when one exists — otherwise those tests are
skipped with the command that makes one. Also unit tests of the frozen start-up shim.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    # packaging/ is no Python package (it would shadow the PyPI ``packaging``): load by path.
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


smoke_mod = _load("sagasu_smoke_test", ROOT / "packaging" / "smoke_test.py")
frozen_mod = _load("sagasu_frozen", ROOT / "packaging" / "sagasu_frozen.py")


def _targets():
    yield pytest.param("source", id="source")
    yield pytest.param("frozen", id="frozen")


@pytest.fixture(scope="module", params=[p.values[0] for p in _targets()])
def smoke(request, tmp_path_factory):
    if request.param == "source":
        target = smoke_mod.Target.source()
    else:
        folder = smoke_mod.find_frozen()
        if folder is None:
            pytest.skip(
                "no frozen build (dist/sagasu-*/app/sagasu): run packaging/build.sh, or set "
                "SAGASU_FROZEN_DIR to a release folder"
            )
        target = smoke_mod.Target.frozen(folder)
    return smoke_mod.Smoke(target, tmp_path_factory.mktemp(f"smoke-{request.param}"))


def _check(smoke, name: str) -> str:
    try:
        return getattr(smoke, f"check_{name}")()
    except smoke_mod.Skip as exc:
        pytest.skip(str(exc))


@pytest.mark.slow
def test_version(smoke):
    assert smoke_mod._source_version() in _check(smoke, "version")


@pytest.mark.slow
def test_cold_start_and_bundled_text_model(smoke):
    assert "MiniLM" in _check(smoke, "cold_start")


@pytest.mark.slow
def test_index_and_search(smoke):
    # One test: searches need the index, and indexing is the slow part.
    assert "files" in _check(smoke, "index")
    assert "results" in _check(smoke, "text_search")
    assert "results" in _check(smoke, "image_search")


@pytest.mark.slow
@pytest.mark.gui
def test_screenshot(smoke):
    if not (smoke.data / "settings.json").exists() and not any(smoke.data.glob("*")):
        smoke.check_index()
    assert "KiB" in _check(smoke, "screenshot")


@pytest.mark.slow
def test_readonly_data_dir_gives_clear_message(smoke):
    assert "exit" in _check(smoke, "readonly_data_dir")


@pytest.mark.slow
def test_readonly_install_folder(smoke):
    assert "ok" in _check(smoke, "readonly_install")


# ----------------------------------------------------------------- the frozen start-up shim


def _fake_bundle(tmp_path: Path, files: dict[str, bytes]) -> tuple[Path, dict]:
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    info = {"manifest": {rel: len(data) for rel, data in files.items()}, "cuda": "minimal"}
    (tmp_path / frozen_mod.BUILD_INFO).write_text(json.dumps(info), encoding="utf-8")
    return tmp_path, info


def test_check_bundle_accepts_intact_files(tmp_path):
    base, info = _fake_bundle(tmp_path, {"m/model.safetensors": b"x" * 10, "m/vocab.txt": b"ab"})
    assert frozen_mod.check_bundle(base, info) == []


def test_check_bundle_reports_missing_and_truncated_model(tmp_path):
    base, info = _fake_bundle(tmp_path, {"m/model.safetensors": b"x" * 10, "m/vocab.txt": b"ab"})
    (base / "m/model.safetensors").write_bytes(b"x" * 3)
    (base / "m/vocab.txt").unlink()
    problems = frozen_mod.check_bundle(base, info)
    assert any("damaged" in p and "model.safetensors" in p for p in problems)
    assert any("missing" in p and "vocab.txt" in p for p in problems)
    message = frozen_mod.broken_install_message(problems)
    assert "Reinstall" in message and "index and settings are kept" in message


def test_frozen_run_refuses_damaged_bundle_once(tmp_path, monkeypatch, capsys):
    base, _ = _fake_bundle(tmp_path, {"m/model.safetensors": b"x" * 10})
    (base / "m/model.safetensors").write_bytes(b"")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(base), raising=False)
    for key in (
        "HF_HUB_OFFLINE",
        "TRANSFORMERS_OFFLINE",
        "HF_DATASETS_OFFLINE",
        "TOKENIZERS_PARALLELISM",
        "CUDA_VISIBLE_DEVICES",
        "HF_HUB_CACHE",
        "HF_HOME",
    ):
        monkeypatch.setenv(key, "placeholder")  # records the original value for undo
        monkeypatch.delenv(key)
    calls = []
    code = frozen_mod.run("sagasu", lambda: calls.append(1))
    assert code == frozen_mod.EXIT_BROKEN_INSTALL and calls == []
    assert "damaged" in capsys.readouterr().err
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["CUDA_VISIBLE_DEVICES"] == ""  # pruned CUDA libraries: CPU only


@pytest.mark.parametrize(
    ("err", "words"),
    [
        (errno.ENOSPC, "disk is full"),
        (errno.EROFS, "read-only"),
        (errno.EACCES, "read-only or you lack permission"),
    ],
)
def test_io_errors_become_one_line(err, words, capsys):
    def boom():
        raise OSError(err, "x", "/data/sagasu/catalog.sqlite")

    assert frozen_mod.run("sagasu", boom) == 1
    out = capsys.readouterr().err
    assert words in out and "/data/sagasu/catalog.sqlite" in out and "Traceback" not in out
    assert out.count("\n") == 1


def test_source_tree_run_is_plain():
    assert frozen_mod.bundle_dir() is None
    assert frozen_mod.run("sagasu", lambda: 7) == 7


def test_build_script_is_valid_bash():
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    import subprocess

    for script in ("build.sh", "linux/install.sh", "linux/launcher.sh"):
        proc = subprocess.run([bash, "-n", str(ROOT / "packaging" / script)], check=False)
        assert proc.returncode == 0, script


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="no Tesseract to bundle here")
def test_bundled_tesseract_reads_japanese_and_is_found_in_a_frozen_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """packaging/linux/bundle_tesseract.sh copies Tesseract with its libraries and jpn data;
    the engine finds that copy first in a frozen build, and it reads Japanese."""
    import subprocess

    from engine.signals.ocr_tesseract import TesseractEngine, find_tesseract
    from tests.japanese_print import horizontal_print

    internal = tmp_path / "_internal"
    script = ROOT / "packaging" / "linux" / "bundle_tesseract.sh"
    subprocess.run([str(script), str(internal / "tesseract")], check=True, capture_output=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(internal), raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))  # no system Tesseract in reach
    found = find_tesseract()
    assert found == str(internal / "tesseract" / "tesseract")
    engine = TesseractEngine(("ja", "en"))
    assert engine.problem() == ""
    text = engine.read(horizontal_print(["配線を確認してください", "Relay module"])).text
    assert "確認して" in text.replace(" ", "") and "Relay" in text
