"""Shared test set-up: offline, offscreen, one expensive model per session.

The real MiniLM text model (shipped on PyPI) is loaded once per session; CLIP is a tiny
randomly initialised open_clip model built here and loaded through the production path.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# No warm background process outlives a test (`pytest -s` at a terminal would start one per
# data folder); tests/test_cli_daemon.py turns it on where it is the subject.
os.environ.setdefault("SAGASU_WARM", "off")

from pathlib import Path

import pytest

from engine.config import Settings
from engine.encode.clip import ClipEncoder, load_clip_encoder
from engine.encode.encoders import Encoders
from engine.encode.text import TextEncoder, load_text_encoder
from tests.tiny_models import make_tiny_clip


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever touches the real user data folder or model cache."""
    monkeypatch.setenv("SAGASU_DATA_DIR", str(tmp_path / "sagasu-data"))
    monkeypatch.setenv("SAGASU_MODELS_DIR", str(tmp_path / "sagasu-models"))


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_clip(tmp_path_factory.mktemp("tiny-clip"))


def tiny_settings_for(tiny_clip_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "clip_model": "sagasu-tiny",
        "clip_pretrained": "",
        "clip_weights_path": str(tiny_clip_dir),
        "batch_size": 8,
        "ocr_enabled": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def tiny_settings(tiny_clip_dir: Path) -> Settings:
    return tiny_settings_for(tiny_clip_dir)


@pytest.fixture(scope="session")
def tiny_clip(tiny_clip_dir: Path) -> ClipEncoder:
    return load_clip_encoder(tiny_settings_for(tiny_clip_dir))


@pytest.fixture(scope="session")
def text_encoder() -> TextEncoder:
    return load_text_encoder(Settings())


@pytest.fixture
def encoders(
    tiny_settings: Settings, tiny_clip: ClipEncoder, text_encoder: TextEncoder
) -> Encoders:
    return Encoders(tiny_settings, clip=tiny_clip, text=text_encoder)


@pytest.fixture
def no_models(tmp_path: Path) -> Encoders:
    """A workstation where neither model can load: everything else still indexes."""
    settings = Settings(
        models_dir=str(tmp_path / "empty-models"),
        text_model_path=str(tmp_path / "no-text-model"),
        ocr_enabled=False,
    )
    encoders = Encoders(settings)
    assert encoders.clip() is None and encoders.text() is None
    return encoders


@pytest.fixture
def encoders_without_clip(text_encoder: TextEncoder, tmp_path: Path) -> Encoders:
    """A workstation where no CLIP weights were ever installed."""
    settings = Settings(models_dir=str(tmp_path / "empty-models"), ocr_enabled=False)
    return Encoders(settings, text=text_encoder)


from tests.live_server import team  # noqa: E402,F401  (a team server on loopback)
from tests.postgres import pg_module_url, pg_server, pg_url  # noqa: E402,F401  (shared fixtures)
from tests.ray_cluster import ray_cluster  # noqa: E402,F401  (started by slow tests only)
