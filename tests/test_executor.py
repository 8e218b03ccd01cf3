"""The executor seam without a cluster: a run on this computer never imports Ray, and an
address where no Ray cluster answers is one line and a non-zero exit, in seconds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_local_run_never_imports_ray(tmp_path: Path) -> None:
    from tests.fixtures import make_pdf

    make_pdf(tmp_path / "docs" / "a.pdf", ["relay coil 5 V"])
    done = _python(
        "import sys\n"
        "from engine.config import FolderConfig, Settings\n"
        "from engine.library import Library\n"
        f"s = Settings(models_dir={str(tmp_path / 'none')!r}, ocr_enabled=False,"
        f" text_model_path={str(tmp_path / 'no-text')!r})\n"
        f"with Library({str(tmp_path / 'data')!r}, s) as lib:\n"
        f"    r = lib.index([FolderConfig({str(tmp_path / 'docs')!r})])\n"
        "assert r.files_indexed == 1, r\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    assert done.returncode == 0, done.stderr


def test_an_unreachable_cluster_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAGASU_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "index", "--ray", "127.0.0.2:9", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Ray cluster at 127.0.0.2:9" in lines[0], lines
    assert "Traceback" not in done.stderr
