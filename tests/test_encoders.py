"""CLIP and text encoders, loaded through the production path (tiny CLIP, real MiniLM)."""

from __future__ import annotations

import copy
import json
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

from engine.config import Settings
from engine.encode import clip_text
from engine.encode.clip import ClipEncoder, load_clip_encoder
from engine.encode.errors import ModelLoadError, WeightsMissing
from engine.encode.importing import import_weights
from engine.encode.resolve import resolve_text_model
from engine.encode.specs import CONFIG_NAME, SAFE_NAME, ClipModelSpec
from engine.encode.status import model_status
from engine.encode.text import TextEncoder, load_text_encoder
from tests.tiny_models import TINY_CONFIG, TINY_EMBED_DIM, make_tiny_clip


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_clip(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def encoder(tiny: Path) -> ClipEncoder:
    # fp32: several tests compare against open_clip's own forward to 1e-5, which only the
    # same precision can meet; bf16 has its own tests below.
    return load_clip_encoder(
        Settings(clip_weights_path=str(tiny), device="cpu", cpu_precision="fp32")
    )


def _images() -> list[Image.Image]:
    rng = np.random.default_rng(7)
    noise = Image.fromarray(rng.integers(0, 255, (90, 140, 3), dtype=np.uint8))
    return [
        Image.new("RGB", (120, 80), (220, 30, 30)),
        Image.new("L", (50, 70), 200),  # greyscale must be accepted
        Image.new("RGBA", (64, 64), (0, 0, 255, 128)),
        noise,
    ]


def _copy_model(tiny: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    (dest / CONFIG_NAME).write_bytes((tiny / CONFIG_NAME).read_bytes())
    return dest


def _assert_unit_rows(x: np.ndarray, n: int, dim: int) -> None:
    assert x.shape == (n, dim) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)


# ----------------------------------------------------------------------------- CLIP


def test_tiny_clip_encodes_images_and_texts(encoder: ClipEncoder) -> None:
    assert encoder.dim == TINY_EMBED_DIM
    imgs = encoder.encode_images(_images(), batch_size=3)  # crosses a batch boundary
    _assert_unit_rows(imgs, 4, TINY_EMBED_DIM)
    texts = encoder.encode_texts(["relay module", "リレー基板", ""])
    _assert_unit_rows(texts, 3, TINY_EMBED_DIM)
    assert not np.allclose(imgs[0], imgs[3])  # different inputs, different vectors
    assert not np.allclose(texts[0], texts[1])


def test_space_id_names_model_and_pins_custom_weights(encoder: ClipEncoder, tiny: Path) -> None:
    assert encoder.space_id.startswith("clip:ViT-B-32/laion2b_s34b_b79k-")
    other = ClipEncoder("ViT-B-32", tiny, pretrained="laion2b_s34b_b79k")
    assert other.space_id == "clip:ViT-B-32/laion2b_s34b_b79k"


def test_encoding_is_deterministic_across_instances(encoder: ClipEncoder, tiny: Path) -> None:
    again = ClipEncoder("sagasu-tiny", tiny)
    np.testing.assert_allclose(
        encoder.encode_images(_images()), again.encode_images(_images()), atol=1e-6
    )
    np.testing.assert_allclose(
        encoder.encode_texts(["a photo of a gear"]),
        again.encode_texts(["a photo of a gear"]),
        atol=1e-6,
    )


def test_text_tower_runs_over_real_token_length_with_identical_vectors(
    encoder: ClipEncoder,
) -> None:
    """The trimmed forward (causal mask, pooled at end-of-text) must equal open_clip's own
    77-token forward, for a batch of mixed lengths including an over-long text."""
    model = encoder._ensure_loaded()
    assert clip_text.trimming_kind(model) == "clip"
    texts = ["gear", "relay board for raspberry pi 4 with opto isolation", "ギア " * 60, ""]
    tokens = encoder._tokenizer(texts)
    with torch.inference_mode():
        full = torch.nn.functional.normalize(model.encode_text(tokens), dim=-1).numpy()
    np.testing.assert_allclose(encoder.encode_texts(texts), full, atol=1e-5)
    np.testing.assert_allclose(encoder.encode_texts(texts[:1]), full[:1], atol=1e-5)


def test_text_towers_without_causal_mask_keep_the_full_forward(encoder: ClipEncoder) -> None:
    model = encoder._ensure_loaded()
    bidirectional = copy.deepcopy(model)
    bidirectional.attn_mask = None  # as in SigLIP / MobileCLIP-S text towers
    assert clip_text.trimming_kind(bidirectional) is None
    tokens = encoder._tokenizer(["gear"])
    with torch.inference_mode():
        expected = bidirectional.encode_text(tokens)
        got = clip_text.encode_text(bidirectional, tokens, None)
    assert torch.equal(expected, got)


def test_bf16_clip_gives_the_fp32_vectors_to_within_rounding(tiny: Path) -> None:
    fp32 = load_clip_encoder(Settings(clip_weights_path=str(tiny), cpu_precision="fp32"))
    bf16 = load_clip_encoder(Settings(clip_weights_path=str(tiny), cpu_precision="bf16"))
    assert bf16.bf16 and not fp32.bf16
    assert next(bf16._ensure_loaded().parameters()).dtype == torch.bfloat16
    texts = ["relay module", "リレー基板", "gear " * 40]
    for a, b in [
        (fp32.encode_images(_images()), bf16.encode_images(_images())),
        (fp32.encode_texts(texts), bf16.encode_texts(texts)),
    ]:
        _assert_unit_rows(b, len(a), TINY_EMBED_DIM)
        assert np.min(np.sum(a * b, axis=1)) > 0.995


@pytest.mark.parametrize(
    ("device", "precision", "native", "expected"),
    [
        ("cpu", "auto", True, True),
        ("cpu", "auto", False, False),
        ("cpu", "fp32", True, False),
        ("cpu", "bf16", False, True),
        ("cpu", "nonsense", True, True),  # unknown: treated as auto, with a warning
        ("cuda", "bf16", True, False),  # GPUs use fp16 autocast
    ],
)
def test_cpu_bf16_follows_setting_and_hardware(
    monkeypatch: pytest.MonkeyPatch, device: str, precision: str, native: bool, expected: bool
) -> None:
    from engine.encode import device as device_mod

    monkeypatch.setattr(device_mod, "cpu_has_native_bf16", lambda: native)
    assert device_mod.use_cpu_bf16(device, precision) is expected


def test_preprocess_in_worker_threads_matches_encode_images(encoder: ClipEncoder) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        tensors = list(pool.map(encoder.preprocess, _images()))
    assert tensors[0].shape == (3, 64, 64)
    from_threads = encoder.encode_image_tensors(torch.stack(tensors))
    np.testing.assert_allclose(from_threads, encoder.encode_images(_images()), atol=1e-6)


def test_empty_inputs_give_empty_arrays(encoder: ClipEncoder) -> None:
    assert encoder.encode_images([]).shape == (0, TINY_EMBED_DIM)
    assert encoder.encode_texts([]).shape == (0, TINY_EMBED_DIM)
    with pytest.raises(ValueError, match="expected"):
        encoder.encode_image_tensors(torch.zeros(3, 64, 64))


def test_different_seed_gives_different_space(tiny: Path, tmp_path: Path) -> None:
    other = make_tiny_clip(tmp_path, seed=1)
    a = ClipEncoder("sagasu-tiny", tiny)
    b = ClipEncoder("sagasu-tiny", other)
    assert a.space_id != b.space_id
    assert not np.allclose(a.encode_texts(["x"]), b.encode_texts(["x"]))


def test_truncated_weights_give_model_load_error(tiny: Path, tmp_path: Path) -> None:
    broken = _copy_model(tiny, tmp_path / "broken")
    data = (tiny / SAFE_NAME).read_bytes()
    (broken / SAFE_NAME).write_bytes(data[: len(data) // 2])
    enc = ClipEncoder("sagasu-tiny", broken)
    with pytest.raises(ModelLoadError, match="damaged, incomplete"):
        enc.encode_texts(["x"])


def test_missing_tensor_gives_model_load_error_not_random_init(tiny: Path, tmp_path: Path) -> None:
    partial = _copy_model(tiny, tmp_path / "partial")
    state = load_file(str(tiny / SAFE_NAME))
    state.pop("visual.proj")
    save_file(state, str(partial / SAFE_NAME))
    with pytest.raises(ModelLoadError, match=r"1 missing \(e\.g\. visual\.proj\)"):
        ClipEncoder("sagasu-tiny", partial).load()


def test_weights_for_another_architecture_are_refused(tiny: Path, tmp_path: Path) -> None:
    wider = json.loads(json.dumps(TINY_CONFIG))
    wider["model_cfg"]["embed_dim"] = 48
    folder = _copy_model(tiny, tmp_path / "wider")
    (folder / CONFIG_NAME).write_text(json.dumps(wider))
    (folder / SAFE_NAME).write_bytes((tiny / SAFE_NAME).read_bytes())
    with pytest.raises(ModelLoadError, match="wrong shape"):
        ClipEncoder("sagasu-tiny", folder).load()


def test_folder_without_weights_is_a_clear_error(tiny: Path, tmp_path: Path) -> None:
    empty = _copy_model(tiny, tmp_path / "empty")
    with pytest.raises(ModelLoadError, match="holds no weights file"):
        ClipEncoder("sagasu-tiny", empty)


def test_loads_from_models_dir_after_import(tiny: Path, tmp_path: Path) -> None:
    spec = ClipModelSpec("sagasu-tiny", "seed0", hf_repo="")
    import_weights(tiny, spec, tmp_path / "models")
    settings = Settings(
        models_dir=str(tmp_path / "models"),
        clip_model="sagasu-tiny",
        clip_pretrained="seed0",
        cpu_precision="fp32",
    )
    enc = load_clip_encoder(settings)
    assert enc.space_id == "clip:sagasu-tiny/seed0"
    direct = ClipEncoder("sagasu-tiny", tiny)  # fp32, like the settings above
    np.testing.assert_allclose(enc.encode_texts(["gear"]), direct.encode_texts(["gear"]), atol=1e-6)


def test_load_clip_encoder_without_weights_raises_weights_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    with pytest.raises(WeightsMissing, match="sagasu models fetch"):
        load_clip_encoder(Settings(models_dir=str(tmp_path / "models")))


# ----------------------------------------------------------------------------- no network


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError(f"network access attempted: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    return attempts


def test_resolving_and_loading_tiny_clip_needs_no_network(
    no_network: list[object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    tiny = make_tiny_clip(tmp_path)
    enc = load_clip_encoder(Settings(clip_weights_path=str(tiny), models_dir=str(tmp_path)))
    _assert_unit_rows(enc.encode_texts(["x"]), 1, TINY_EMBED_DIM)
    model_status(Settings(models_dir=str(tmp_path)))
    assert no_network == []


@pytest.mark.slow
def test_loading_real_minilm_needs_no_network(
    no_network: list[object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    enc = load_text_encoder(Settings(device="cpu"))
    _assert_unit_rows(enc.encode(["relay"]), 1, 384)
    assert no_network == []


# ----------------------------------------------------------------------------- text


def test_text_model_path_from_settings_must_exist(tmp_path: Path) -> None:
    with pytest.raises(WeightsMissing, match="does not exist"):
        resolve_text_model(Settings(text_model_path=str(tmp_path / "nope")))


def test_unknown_text_model_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(WeightsMissing, match="text_model_path"):
        resolve_text_model(Settings(text_model="no-such-model"))


@pytest.mark.slow  # importing sentence-transformers alone takes seconds
def test_bad_text_model_folder_is_a_model_load_error(tmp_path: Path) -> None:
    (tmp_path / "modules.json").write_text("not json")
    with pytest.raises(ModelLoadError, match="could not be loaded"):
        TextEncoder(tmp_path).encode(["x"])


@pytest.mark.slow
def test_minilm_gives_sensible_similarities() -> None:
    enc = load_text_encoder(Settings(device="cpu", cpu_precision="fp32"))
    assert enc.space_id == "text:all-MiniLM-L6-v2" and enc.dim == 384
    v = enc.encode(["relay module", "electromagnetic relay board", "a cat on a sofa"])
    _assert_unit_rows(v, 3, 384)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.3
    assert enc.encode([]).shape == (0, 384)
    np.testing.assert_allclose(enc.encode(["relay module"])[0], v[0], atol=1e-5)


@pytest.mark.slow
def test_minilm_in_bf16_keeps_the_fp32_vectors() -> None:
    texts = ["relay module", "electromagnetic relay board", "照度センサ", "a cat on a sofa"]
    fp32 = load_text_encoder(Settings(device="cpu", cpu_precision="fp32")).encode(texts)
    bf16_encoder = load_text_encoder(Settings(device="cpu", cpu_precision="bf16"))
    bf16 = bf16_encoder.encode(texts)
    assert bf16_encoder.bf16
    _assert_unit_rows(bf16, 4, 384)
    assert np.min(np.sum(fp32 * bf16, axis=1)) > 0.999


def test_reset_text_takes_a_changed_precision(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desktop resets the text encoder when device or precision change in Settings."""
    from engine.encode.encoders import Encoders

    monkeypatch.setattr(TextEncoder, "load", lambda self: None)  # built, no model read
    settings = Settings(device="cpu", cpu_precision="bf16")
    encoders = Encoders(settings)
    first = encoders.text()
    assert first is not None and first.bf16
    encoders.settings = settings.replace(cpu_precision="fp32")  # as Library.apply_settings does
    assert encoders.text() is first  # kept until reset
    encoders.reset_text()
    again = encoders.text()
    assert again is not None and not again.bf16
