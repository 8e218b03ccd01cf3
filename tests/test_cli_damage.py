"""The command line meets a damaged catalog: one line that names `sagasu repair`, never a
traceback, for every command; `sagasu repair` brings the library back (issue #19, item 2)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.cli import main
from engine.config import FolderConfig, Settings
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.store.catalog import CATALOG_FILE
from tests.fixtures import build_docs
from tests.test_catalog_damage import garble_middle, truncate_to_half


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One indexed library without models (lexical search), copied by each test."""
    base = tmp_path_factory.mktemp("built")
    root = build_docs(base / "docs")
    settings = Settings(
        models_dir=str(base / "no-models"),
        text_model_path=str(base / "no-text-model"),
        ocr_enabled=False,
    )
    with Library(base / "data", settings, Encoders(settings)) as lib:
        lib.add_folders([FolderConfig(str(root))])
        lib.index()
    return base / "data"


def zero_length(catalog: Path) -> None:
    os.truncate(catalog, 0)


DAMAGES: dict[str, Callable[[Path], None]] = {
    "truncated": truncate_to_half,
    "garbage": garble_middle,
    "zero-length": zero_length,
}
COMMANDS = {
    "search": ["search", "relay"],
    "status": ["status"],
    "index": ["index"],
}


@pytest.fixture
def data(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(built, copy)
    return copy


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_says_one_line_for_a_damaged_catalog(
    data: Path, damage: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    DAMAGES[damage](data / CATALOG_FILE)
    code = main([*COMMANDS[command], "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if command == "search" and damage == "garbage" and code == 0:
        return  # the damaged pages hold nothing this search reads: its answer is whole
    assert code == 1
    assert err.startswith("sagasu: the index catalog ") and err.count("\n") == 1
    assert f"`sagasu repair --data-dir {data}`" in err


def test_repair_on_the_command_line_brings_the_library_back(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truncate_to_half(data / CATALOG_FILE)
    assert main(["repair", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "Kept the old catalog file as" in out and "Started from the backup of" in out
    assert main(["search", "relay", "--data-dir", str(data)]) == 0
    assert "relay.pdf" in capsys.readouterr().out
    assert main(["status", "--data-dir", str(data)]) == 0


def test_the_indexing_child_reports_the_damage_as_a_typed_protocol_line(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.protocol import RunFailed, decode

    truncate_to_half(data / CATALOG_FILE)
    assert main(["index", "--data-dir", str(data), "--progress-jsonl"]) == 1
    failure = decode(capsys.readouterr().out.strip().splitlines()[-1])
    assert isinstance(failure, RunFailed) and failure.damage == "truncated"
    assert "sagasu repair" in failure.message
