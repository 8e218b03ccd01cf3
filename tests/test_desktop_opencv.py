"""The OpenCV next to the window is the headless build: no Qt 5 of its own, no environment
variables pointing Qt at its plugins and fonts.

`opencv-python-headless` is the project's choice; `rapidocr-onnxruntime` (OCR) declares the
GUI build `opencv-python`, which installs over the same `cv2` folder (whichever is installed
last wins) and, when imported, sets QT_QPA_PLATFORM_PLUGIN_PATH and QT_QPA_FONTDIR for the
whole process. RapidOCR only needs the core functions, which the headless build has, so the
lock leaves `opencv-python` out and `make setup` installs it with --no-deps (docs/DESKTOP.md,
"OpenCV").
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest


def _installed(dist: str) -> bool:
    try:
        importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def test_cv2_is_the_headless_build() -> None:
    probe = (
        "import os, cv2; "
        "print(cv2.__file__); "
        "print(os.environ.get('QT_QPA_PLATFORM_PLUGIN_PATH', '')); "
        "print(os.environ.get('QT_QPA_FONTDIR', '')); "
        "print(cv2.getBuildInformation())"
    )
    env_clean = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env_clean, check=True
    ).stdout
    path, plugin_path, font_dir, info = out.split("\n", 3)
    assert not (Path(path).parent / "qt" / "plugins").exists()
    assert plugin_path == "" and font_dir == ""
    qt = re.search(r"^\s*QT:\s*(\S+)", info, re.MULTILINE)
    assert qt is None or qt.group(1) == "NO"


def test_rapidocr_uses_nothing_the_headless_build_lacks() -> None:
    cv2 = pytest.importorskip("cv2")
    rapidocr = pytest.importorskip("rapidocr_onnxruntime")
    names: set[str] = set()
    for source in Path(rapidocr.__file__).parent.rglob("*.py"):
        names |= set(re.findall(r"\bcv2\.([A-Za-z_]\w*)", source.read_text(encoding="utf-8")))
    assert "warpPerspective" in names  # the scan found its calls
    gui_only = {"imshow", "namedWindow", "waitKey", "destroyAllWindows", "selectROI"}
    assert not names & gui_only
    assert [name for name in sorted(names) if not hasattr(cv2, name)] == []
