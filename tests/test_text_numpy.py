"""The numpy MiniLM query encoder: the torch encoder's vectors, without importing torch."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.config import Settings
from engine.encode.encoders import Encoders
from engine.encode.errors import ModelLoadError
from engine.encode.hf_cache import cached_file, cached_snapshot
from engine.encode.resolve import BUNDLED_MODEL, resolve_text_model
from engine.encode.text_numpy import NumpyTextEncoder, erf, read_safetensors

TEXTS = [
    "hello world",
    "",
    "   ",
    "a",
    "?",
    "ABC-123-XY",
    "LM7805CT voltage regulator",
    "STM32F407VGT6 pinout",
    "M3x8 hex socket cap screw DIN 912",
    "part no. 0402-10K-1%",
    "The quick brown fox jumps over the lazy dog.",
    "How do I replace the timing belt on the pump?",
    "torque specification for the cylinder head bolts",
    "Wiring diagram of the main power supply unit",
    "CAUTION: Disconnect power before servicing!",
    "über straße café naïve",
    "日本語のテキストです",
    "回路図の電源部分",
    "ボルトの締め付けトルク",
    "取扱説明書 第3章 保守点検",
    "混合 text with 日本語 and ABC-123",
    "emoji 🙂 and symbols ±×÷ µF Ω",
    "line one\nline two\ttabbed",
    "UPPER CASE QUERY ABOUT BEARINGS",
    "1234567890 0987654321",
    "https://example.com/manual.pdf#page=3",
    "x " * 400,  # over 256 tokens: truncated like sentence-transformers
    " ".join(f"word{i}" for i in range(300)),
    "The pump housing is made of cast iron. " * 40,
    "短い",
]


@pytest.fixture(scope="module")
def model_path() -> Path:
    return resolve_text_model(Settings())


@pytest.fixture(scope="module")
def numpy_encoder(model_path: Path) -> NumpyTextEncoder:
    return NumpyTextEncoder(model_path, BUNDLED_MODEL)


def test_erf_matches_math_erf() -> None:
    import math

    x = np.linspace(-6, 6, 2001, dtype=np.float64)
    want = np.array([math.erf(v) for v in x])
    assert np.abs(erf(x) - want).max() < 2e-7


def test_memory_mapped_weights_equal_safetensors_own_reader(model_path: Path) -> None:
    from safetensors.numpy import load_file

    want = load_file(str(model_path / "model.safetensors"))
    got = read_safetensors(model_path / "model.safetensors")
    assert got.keys() == want.keys()
    for name, array in want.items():
        assert got[name].dtype == array.dtype and np.array_equal(got[name], array), name


@pytest.mark.slow  # loads the torch encoder for reference
def test_numpy_vectors_match_the_torch_encoder(numpy_encoder: NumpyTextEncoder) -> None:
    from engine.encode.text import load_text_encoder

    torch_encoder = load_text_encoder(Settings(device="cpu", cpu_precision="fp32"))
    want = torch_encoder.encode(TEXTS)
    got = numpy_encoder.encode(TEXTS)
    assert got.shape == want.shape == (len(TEXTS), 384)
    assert got.dtype == np.float32
    cosine = (got * want).sum(axis=1) / np.linalg.norm(want, axis=1)
    assert cosine.min() >= 0.9999
    assert np.abs(got - want).max() <= 1e-4
    assert numpy_encoder.space_id == torch_encoder.space_id


def test_long_text_is_truncated_to_the_model_limit(numpy_encoder: NumpyTextEncoder) -> None:
    numpy_encoder.load()
    assert len(numpy_encoder.token_ids("x " * 400)) == 256
    assert numpy_encoder.token_ids("") == [101, 102]  # [CLS] [SEP]
    vectors = numpy_encoder.encode(["x " * 400, ""])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert numpy_encoder.encode([]).shape == (0, 384)


def test_a_cold_query_does_not_import_torch(model_path: Path) -> None:
    code = (
        "import sys; from engine.config import Settings; from engine.encode.encoders import "
        "Encoders; e = Encoders(Settings(device='cpu')).text_query(); "
        "v = e.encode(['relay coil']); print(v.shape, e.space_id, "
        "','.join(m for m in ('torch', 'sentence_transformers', 'transformers', 'scipy', "
        "'huggingface_hub') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["(1,", "384)", f"text:{BUNDLED_MODEL}"]


def _copy_with(model_path: Path, dest: Path, **config: object) -> Path:
    shutil.copytree(model_path, dest, ignore=shutil.ignore_patterns("model.safetensors"))
    (dest / "model.safetensors").symlink_to(model_path / "model.safetensors")
    data = json.loads((dest / "config.json").read_text()) | config
    (dest / "config.json").write_text(json.dumps(data))
    return dest


def test_other_architectures_are_refused(model_path: Path, tmp_path: Path) -> None:
    folder = _copy_with(model_path, tmp_path / "roberta", model_type="roberta")
    with pytest.raises(ModelLoadError, match="BERT"):
        NumpyTextEncoder(folder, "x").load()


def test_text_query_falls_back_to_torch_when_numpy_cannot_load(
    model_path: Path, tmp_path: Path
) -> None:
    folder = _copy_with(model_path, tmp_path / "odd", model_type="roberta")
    encoders = Encoders(Settings(text_model_path=str(folder), device="cpu"))
    sentinel = object()
    encoders.text = lambda: sentinel  # type: ignore[method-assign]
    assert encoders.text_query() is sentinel


def test_text_query_uses_torch_for_a_gpu_or_a_loaded_torch_encoder() -> None:
    sentinel = object()
    on_gpu = Encoders(Settings(device="cuda"))
    on_gpu.text = lambda: sentinel  # type: ignore[method-assign]
    assert on_gpu.text_query() is sentinel
    fast = Encoders(Settings(device="cpu")).text_query()
    assert fast is not None and type(fast).__name__ == "_NumpyThenTorch"


def test_a_failing_numpy_encode_falls_back_to_torch() -> None:
    encoders = Encoders(Settings(device="cpu"))
    query = encoders.text_query()
    assert query is not None

    class Torch:
        def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
            return np.ones((len(texts), 384), dtype=np.float32)

    def broken(texts: object, batch_size: int = 64) -> np.ndarray:
        raise RuntimeError("boom")

    encoders.text = lambda: Torch()  # type: ignore[assignment,method-assign,return-value]
    query._fast.encode = broken  # type: ignore[attr-defined]
    assert query.encode(["x"]).sum() == 384


def test_hf_cache_lookup_reads_the_file_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    repo = tmp_path / "home" / "hub" / "models--org--name"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("abc123\n")
    (repo / "snapshots" / "abc123").mkdir(parents=True)
    (repo / "snapshots" / "abc123" / "w.bin").write_bytes(b"x")
    assert cached_snapshot("org/name") == repo / "snapshots" / "abc123"
    assert cached_file("org/name", "w.bin") == repo / "snapshots" / "abc123" / "w.bin"
    assert cached_file("org/name", "missing.bin") is None
    assert cached_snapshot("org/other") is None
    (repo / "refs" / "main").write_text("gone")
    assert cached_snapshot("org/name") is None
