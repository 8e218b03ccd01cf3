"""Weights resolution, safe reading, fetch over loopback HTTP, import, device choice."""

from __future__ import annotations

import hashlib
import http.server
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from engine.config import Settings
from engine.encode.device import describe_device, pick_device
from engine.encode.errors import DownloadError, ModelError, ModelLoadError, WeightsMissing
from engine.encode.fetch import fetch_weights
from engine.encode.importing import import_weights
from engine.encode.resolve import resolve_clip_weights
from engine.encode.specs import BIN_NAME, CONFIG_NAME, SAFE_NAME, ClipModelSpec, find_spec
from engine.encode.status import model_status
from engine.encode.weight_files import SIDECAR_NAME, read_state_dict
from engine.types import Cancelled
from tests.tiny_models import make_tiny_clip

DEFAULT = find_spec("ViT-B-32")
TINY = ClipModelSpec("sagasu-tiny", "seed0", hf_repo="test/sagasu-tiny")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_clip(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "hf-hub"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


def _put_in_hf_cache(cache: Path, repo: str, filename: str, data: bytes) -> Path:
    """The on-disk layout huggingface_hub uses: refs/main -> snapshots/<commit>/<file>."""
    root = cache / ("models--" + repo.replace("/", "--"))
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text("0123abcd")
    snap = root / "snapshots" / "0123abcd"
    snap.mkdir(parents=True)
    (snap / filename).write_bytes(data)
    return snap / filename


def _weights_file(path: Path) -> Path:
    save_file({"w": torch.ones(2, 2)}, str(path))
    return path


# ----------------------------------------------------------------------------- specs, device


def test_find_spec_accepts_short_and_full_names() -> None:
    assert find_spec("ViT-B-32") == DEFAULT
    assert find_spec("ViT-B-32/laion2b_s34b_b79k") == DEFAULT
    assert find_spec("ViT-B-32:laion2b_s34b_b79k") == DEFAULT
    assert DEFAULT.filename == SAFE_NAME and DEFAULT.hf_repo.startswith("laion/")


def test_find_spec_derives_unlisted_open_clip_tags() -> None:
    spec = find_spec("ViT-B-16/dfn2b")
    assert spec.hf_repo == "apple/DFN2B-CLIP-ViT-B-16"


def test_unknown_model_lists_known_ones() -> None:
    with pytest.raises(ModelError, match="ViT-B-32/laion2b_s34b_b79k"):
        find_spec("No-Such-Model")


def test_pick_device_falls_back_with_warning(caplog: pytest.LogCaptureFixture) -> None:
    assert pick_device("cpu") == "cpu"
    expected_cuda = "cuda" if torch.cuda.is_available() else "cpu"
    with caplog.at_level(logging.WARNING):
        assert pick_device("cuda") == expected_cuda
        assert pick_device("tpu") in ("cuda", "mps", "cpu")
    assert "unknown device" in caplog.text
    if not torch.cuda.is_available():
        assert "falling back to cpu" in caplog.text
    assert describe_device("cpu").startswith("CPU")


# ----------------------------------------------------------------------------- resolution


def test_missing_weights_message_says_what_to_do(tmp_path: Path, hf_cache: Path) -> None:
    with pytest.raises(WeightsMissing) as err:
        resolve_clip_weights(Settings(models_dir=str(tmp_path / "models")))
    msg = str(err.value)
    assert "sagasu models fetch ViT-B-32/laion2b_s34b_b79k" in msg
    assert "sagasu models import PATH" in msg
    assert str(tmp_path / "models") in msg


def test_resolution_order_settings_then_models_dir_then_hf_cache(
    tmp_path: Path, hf_cache: Path
) -> None:
    models = tmp_path / "models"
    settings = Settings(models_dir=str(models))
    cached = _put_in_hf_cache(hf_cache, DEFAULT.hf_repo, SAFE_NAME, b"x")
    found = resolve_clip_weights(settings)
    assert (found.source, found.path) == ("hf_cache", cached)

    local = models / DEFAULT.dirname / SAFE_NAME
    local.parent.mkdir(parents=True)
    _weights_file(local)
    found = resolve_clip_weights(settings)
    assert (found.source, found.path) == ("models_dir", local)

    mine = _weights_file(tmp_path / "mine.safetensors")
    settings = settings.replace(clip_weights_path=str(mine))
    found = resolve_clip_weights(settings)
    assert (found.source, found.path) == ("settings", mine)


def test_hf_cache_bin_fallback_is_found(tmp_path: Path, hf_cache: Path) -> None:
    cached = _put_in_hf_cache(hf_cache, DEFAULT.hf_repo, BIN_NAME, b"x")
    assert resolve_clip_weights(Settings(models_dir=str(tmp_path))).path == cached


def test_settings_path_that_does_not_exist_is_reported(tmp_path: Path, hf_cache: Path) -> None:
    settings = Settings(models_dir=str(tmp_path), clip_weights_path=str(tmp_path / "gone.bin"))
    with pytest.raises(WeightsMissing, match=r"does not exist: .*gone\.bin"):
        resolve_clip_weights(settings)


def test_model_status_lists_clip_and_text_models(tmp_path: Path, hf_cache: Path) -> None:
    local = tmp_path / DEFAULT.dirname / SAFE_NAME
    local.parent.mkdir(parents=True)
    _weights_file(local)
    rows = {r.name: r for r in model_status(Settings(models_dir=str(tmp_path)))}
    default = rows[DEFAULT.name]
    assert default.installed and default.selected and default.path == local
    others = [r for r in rows.values() if r.kind == "clip" and r.name != DEFAULT.name]
    assert others and all(not r.installed and "sagasu models fetch" in r.message for r in others)
    assert any(r.kind == "text" for r in rows.values())


# ----------------------------------------------------------------------------- safe reading


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


def _evil_checkpoint(path: Path, marker: Path) -> Path:
    torch.save({"visual.proj": torch.zeros(2), "payload": _Evil(marker)}, path)
    return path


def test_pickle_with_code_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = _evil_checkpoint(tmp_path / "open_clip_pytorch_model.bin", marker)
    with pytest.raises(ModelLoadError, match="files containing code are refused"):
        read_state_dict(evil)
    assert not marker.exists()


def test_plain_torch_checkpoint_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "w.bin"
    torch.save({"state_dict": {"module.a": torch.ones(3)}}, path)
    state = read_state_dict(path)
    assert list(state) == ["a"] and torch.equal(state["a"], torch.ones(3))


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_damaged_safetensors_is_a_clear_error(tmp_path: Path, damage: str) -> None:
    path = _weights_file(tmp_path / "w.safetensors")
    data = path.read_bytes()
    path.write_bytes(
        {"truncate": data[: len(data) - 7], "garbage": b"<html>", "empty": b""}[damage]
    )
    with pytest.raises(ModelLoadError, match="damaged, incomplete"):
        read_state_dict(path)


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "weights.zip"
    path.write_bytes(b"PK")
    with pytest.raises(ModelLoadError, match="not a weights file"):
        read_state_dict(path)


# ----------------------------------------------------------------------------- import


def test_import_folder_installs_config_weights_and_sidecar(tiny: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    dest = import_weights(tiny, TINY, models)
    assert dest == models / TINY.dirname / SAFE_NAME
    assert (dest.parent / CONFIG_NAME).is_file()
    sidecar = json.loads((dest.parent / SIDECAR_NAME).read_text())
    assert sidecar["sha256"] == hashlib.sha256(dest.read_bytes()).hexdigest()
    assert not [p for p in dest.parent.iterdir() if p.suffix in (".part", ".tmp")]
    settings = Settings(models_dir=str(models), clip_model="sagasu-tiny", clip_pretrained="seed0")
    assert resolve_clip_weights(settings).path == dest.parent  # a complete model folder


def test_import_of_wrong_architecture_is_refused(tiny: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    with pytest.raises(ModelLoadError, match="not a weights file for ViT-B-32"):
        import_weights(tiny / SAFE_NAME, "ViT-B-32", models)
    assert not (models / DEFAULT.dirname / SAFE_NAME).exists()


def test_import_of_malicious_pickle_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = _evil_checkpoint(tmp_path / "evil.bin", marker)
    with pytest.raises(ModelLoadError):
        import_weights(evil, "ViT-B-32", tmp_path / "models")
    assert not marker.exists()
    assert not (tmp_path / "models" / DEFAULT.dirname / BIN_NAME).exists()


def test_import_of_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        import_weights(tmp_path / "nope.safetensors", "ViT-B-32", tmp_path / "models")


# ----------------------------------------------------------------------------- fetch


class _Server:
    """A loopback file server; ``mode`` makes it misbehave the way real networks do."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.mode = "ok"
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # "short": promise the full length, then hang up half way.
                self.wfile.write(body[: len(body) // 2] if server.mode == "short" else body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server(tiny: Path) -> Iterator[_Server]:
    body = (tiny / SAFE_NAME).read_bytes()
    srv = _Server({f"/{TINY.hf_repo}/resolve/main/{SAFE_NAME}": body})
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _leftovers(models: Path) -> list[Path]:
    return [p for p in models.rglob("*") if p.is_file()] if models.exists() else []


def test_fetch_streams_reports_progress_and_records_sha(
    server: _Server, tiny: Path, tmp_path: Path
) -> None:
    calls: list[tuple[int, int]] = []
    dest = fetch_weights(
        TINY, tmp_path, progress=lambda d, t: calls.append((d, t)), base_url=server.url
    )
    body = (tiny / SAFE_NAME).read_bytes()
    assert dest.read_bytes() == body
    assert len(calls) > 1 and calls[-1] == (len(body), len(body))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    info = json.loads((dest.parent / SIDECAR_NAME).read_text())
    assert info["sha256"] == hashlib.sha256(body).hexdigest() and info["size"] == len(body)
    assert not [p for p in dest.parent.iterdir() if p.suffix in (".part", ".tmp")]


def test_fetch_verifies_known_checksum(server: _Server, tiny: Path, tmp_path: Path) -> None:
    good = hashlib.sha256((tiny / SAFE_NAME).read_bytes()).hexdigest()
    spec = ClipModelSpec(TINY.model, TINY.pretrained, TINY.hf_repo, sha256=good)
    assert fetch_weights(spec, tmp_path / "a", base_url=server.url).is_file()
    bad = ClipModelSpec(TINY.model, TINY.pretrained, TINY.hf_repo, sha256="0" * 64)
    with pytest.raises(DownloadError, match="Checksum mismatch"):
        fetch_weights(bad, tmp_path / "b", base_url=server.url)
    assert _leftovers(tmp_path / "b") == []


def test_fetch_short_download_leaves_nothing(server: _Server, tmp_path: Path) -> None:
    server.mode = "short"
    with pytest.raises(DownloadError):
        fetch_weights(TINY, tmp_path, base_url=server.url)
    assert _leftovers(tmp_path) == []


def test_fetch_cancel_leaves_nothing(server: _Server, tmp_path: Path) -> None:
    seen: list[int] = []
    with pytest.raises(Cancelled):
        fetch_weights(
            TINY,
            tmp_path,
            progress=lambda d, t: seen.append(d),
            cancel=lambda: len(seen) >= 1,
            base_url=server.url,
        )
    assert seen and _leftovers(tmp_path) == []


def test_fetch_rejects_a_non_weights_body(server: _Server, tmp_path: Path) -> None:
    server.files[f"/{TINY.hf_repo}/resolve/main/{SAFE_NAME}"] = b"<html>rate limited</html>"
    with pytest.raises(DownloadError, match="not a valid weights file"):
        fetch_weights(TINY, tmp_path, base_url=server.url)
    assert _leftovers(tmp_path) == []


def test_fetch_falls_back_to_bin_and_honours_env_endpoint(
    server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.bin"
    torch.save({"a": torch.ones(2)}, path)
    server.files = {f"/{TINY.hf_repo}/resolve/main/{BIN_NAME}": path.read_bytes()}
    monkeypatch.setenv("SAGASU_HF_ENDPOINT", server.url)
    dest = fetch_weights(TINY, tmp_path / "models")
    assert dest.name == BIN_NAME
    assert server.requests[0].endswith(SAFE_NAME) and server.requests[-1].endswith(BIN_NAME)


def test_fetch_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="failed"):
        fetch_weights(TINY, tmp_path, base_url="http://127.0.0.1:9")
    assert [p for p in _leftovers(tmp_path) if p.suffix in (".part", ".tmp")] == []
