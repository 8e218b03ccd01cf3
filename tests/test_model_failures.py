"""Each model fails alone: damaged, truncated, hostile or missing weights turn one encoder off
with a message that names the file and says what to do, and never raise to the caller."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
import torch

import engine.encode.clip as clip_module
from engine.config import Settings
from engine.encode.clip import ClipEncoder
from engine.encode.encoders import Encoders
from engine.encode.errors import ModelLoadError, describe_exception
from engine.encode.specs import CONFIG_NAME, SAFE_NAME, find_spec
from engine.encode.status import model_status
from engine.encode.text import TextEncoder
from engine.encode.weight_files import check_weights_file, read_state_dict
from tests.tiny_models import make_tiny_clip

DEFAULT = find_spec("ViT-B-32")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_clip(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def no_text_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text model is not under test here: building it must not read MiniLM."""
    monkeypatch.setattr(TextEncoder, "load", lambda self: None)


def _random_weights_in_models_dir(models: Path) -> Path:
    """100 KB of random bytes where a fetched CLIP model lives."""
    path = models / DEFAULT.dirname / SAFE_NAME
    path.parent.mkdir(parents=True)
    path.write_bytes(os.urandom(100_000))
    return path


def _truncated_copy(tiny: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    (dest / CONFIG_NAME).write_bytes((tiny / CONFIG_NAME).read_bytes())
    data = (tiny / SAFE_NAME).read_bytes()
    (dest / SAFE_NAME).write_bytes(data[: len(data) // 3])
    return dest


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


def _assert_says_what_to_do(message: str, path: Path) -> None:
    assert str(path) in message
    assert "Delete" in message and "sagasu models import PATH" in message


# ----------------------------------------------------------------------------- CLIP


def test_random_bytes_in_models_dir_turn_clip_off_and_name_the_file(
    tmp_path: Path, no_text_load: None
) -> None:
    bad = _random_weights_in_models_dir(tmp_path / "models")
    encoders = Encoders(Settings(models_dir=str(tmp_path / "models")))
    assert encoders.clip() is None
    problem = encoders.clip_problem()
    _assert_says_what_to_do(problem, bad)
    assert f"sagasu models fetch {DEFAULT.name}" in problem
    assert encoders.text() is not None and encoders.text_problem() == ""


def test_status_reports_a_damaged_file_as_not_installed(tmp_path: Path) -> None:
    bad = _random_weights_in_models_dir(tmp_path)
    rows = {r.name: r for r in model_status(Settings(models_dir=str(tmp_path)))}
    row = rows[DEFAULT.name]
    assert not row.installed and row.path == bad
    _assert_says_what_to_do(row.message, bad)


@pytest.mark.parametrize("cut", [1, 7, 1000])
def test_header_check_finds_truncated_and_padded_files(
    tiny: Path, tmp_path: Path, cut: int
) -> None:
    data = (tiny / SAFE_NAME).read_bytes()
    assert check_weights_file(tiny) == "" and check_weights_file(tiny / SAFE_NAME) == ""
    short = tmp_path / "short.safetensors"
    short.write_bytes(data[:-cut])
    assert "truncated" in check_weights_file(short)
    long = tmp_path / "long.safetensors"
    long.write_bytes(data + b"\0" * cut)
    assert "stray bytes" in check_weights_file(long)
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    assert "not a torch checkpoint" in check_weights_file(empty)


def test_truncated_model_folder_turns_clip_off(
    tiny: Path, tmp_path: Path, no_text_load: None
) -> None:
    broken = _truncated_copy(tiny, tmp_path / "broken")
    encoders = Encoders(Settings(clip_weights_path=str(broken), clip_pretrained=""))
    assert encoders.clip() is None
    _assert_says_what_to_do(encoders.clip_problem(), broken / SAFE_NAME)


def test_a_given_encoder_that_cannot_load_is_dropped(tiny: Path, tmp_path: Path) -> None:
    broken = ClipEncoder("sagasu-tiny", _truncated_copy(tiny, tmp_path / "broken"))
    encoders = Encoders(Settings(), clip=broken)
    assert encoders.clip() is None and "damaged, incomplete" in encoders.clip_problem()


def test_a_failed_load_is_kept_not_retried(tiny: Path, tmp_path: Path) -> None:
    enc = ClipEncoder("sagasu-tiny", _truncated_copy(tiny, tmp_path / "broken"))
    with pytest.raises(ModelLoadError) as first:
        enc.encode_texts(["x"])
    (enc._arch.checkpoint).write_bytes((tiny / SAFE_NAME).read_bytes())  # repaired on disk
    with pytest.raises(ModelLoadError) as second:
        enc.encode_texts(["x"])
    assert str(second.value) == str(first.value)  # same instance: reset_clip() loads anew


def test_any_exception_at_load_becomes_a_model_load_error(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, no_text_load: None
) -> None:
    def boom(*args: object) -> None:
        raise KeyError("unexpected inside open_clip")

    monkeypatch.setattr(clip_module, "load_weights", boom)
    with pytest.raises(ModelLoadError, match="unexpected inside open_clip") as err:
        ClipEncoder("sagasu-tiny", tiny).load()
    assert str(tiny / SAFE_NAME) in str(err.value)
    encoders = Encoders(Settings(clip_weights_path=str(tiny)))
    assert encoders.clip() is None and "could not be loaded" in encoders.clip_problem()
    monkeypatch.undo()
    monkeypatch.setattr(TextEncoder, "load", lambda self: None)
    encoders.reset_clip()
    assert encoders.clip() is not None and encoders.clip_problem() == ""


def test_malicious_pickle_is_refused_unrun_and_unexplained(
    tmp_path: Path, no_text_load: None
) -> None:
    marker = tmp_path / "pwned"
    evil = tmp_path / "open_clip_pytorch_model.bin"
    torch.save({"visual.proj": torch.zeros(2), "payload": _Evil(marker)}, evil)
    with pytest.raises(ModelLoadError) as err:
        read_state_dict(evil)
    encoders = Encoders(Settings(clip_weights_path=str(evil)))
    assert encoders.clip() is None
    for message in (str(err.value), encoders.clip_problem()):
        assert "files containing code are refused" in message
        assert "weights_only" not in message and "safe_globals" not in message
    assert str(evil) in encoders.clip_problem()
    assert not marker.exists()


def test_describe_exception_drops_advice_to_load_unsafe_files() -> None:
    exc = pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two "
        "options, \x1b[1mdo those steps only if you trust the source of the checkpoint\x1b[0m."
        "\n\t(1) Re-running `torch.load` with `weights_only` set to `False` will likely succeed."
        "\n\nWeightsUnpickler error: Unsupported global: GLOBAL builtins.exec was not an "
        "allowed global by default. Please use `torch.serialization.add_safe_globals([exec])`."
    )
    text = describe_exception(exc)
    assert "could run code" in text and "refers to builtins.exec" in text
    for banned in ("weights_only", "safe_globals", "trust the source", "\x1b"):
        assert banned not in text
    assert describe_exception(OSError("disk full")) == "OSError: disk full"


# ----------------------------------------------------------------------------- text


@pytest.mark.slow  # importing sentence-transformers alone takes seconds
@pytest.mark.parametrize("content", ["empty", "garbage"])
def test_broken_text_model_turns_text_off_without_raising(
    tiny: Path, tmp_path: Path, content: str
) -> None:
    folder = tmp_path / "minilm"
    folder.mkdir()
    if content == "garbage":
        (folder / "modules.json").write_text("not json")
        (folder / "model.safetensors").write_bytes(os.urandom(1000))
    encoders = Encoders(Settings(text_model_path=str(folder), clip_weights_path=str(tiny)))
    assert encoders.text() is None
    problem = encoders.text_problem()
    assert str(folder) in problem and "text_model_path" in problem
    assert encoders.clip() is not None  # CLIP is unaffected


def test_text_model_path_that_does_not_exist_turns_text_off(tmp_path: Path) -> None:
    encoders = Encoders(Settings(text_model_path=str(tmp_path / "nope")))
    assert encoders.text() is None and "does not exist" in encoders.text_problem()


def test_status_reports_a_text_folder_that_is_no_model(tmp_path: Path) -> None:
    rows = model_status(Settings(text_model_path=str(tmp_path), models_dir=str(tmp_path)))
    text = next(r for r in rows if r.kind == "text")
    assert not text.installed and "not a sentence-transformers model folder" in text.message


# ----------------------------------------------------------------------------- end to end


@pytest.mark.slow  # loads the real MiniLM model once per session
def test_index_and_text_search_survive_a_damaged_clip_file(
    tmp_path: Path, text_encoder: TextEncoder
) -> None:
    from engine.config import FolderConfig
    from engine.library import Library
    from engine.search import Query
    from tests.fixtures import build_docs

    bad = _random_weights_in_models_dir(tmp_path / "models")
    settings = Settings(models_dir=str(tmp_path / "models"), ocr_enabled=False)
    encoders = Encoders(settings, text=text_encoder)
    root = build_docs(tmp_path / "docs")
    with Library(tmp_path / "data", settings, encoders) as lib:
        summary = lib.index([FolderConfig(str(root))])
        assert summary.files_indexed == 4
        assert summary.image_search.startswith("off") and str(bad) in summary.image_search
        hits = lib.search(Query(text="thermocouple amplifier", top_k=5)).results
        assert hits and hits[0].path == (root / "sensor.pdf").resolve()
