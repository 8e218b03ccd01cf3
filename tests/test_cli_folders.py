"""The library's folders on the command line: `sagasu index FOLDER` remembers them, a bare
`sagasu index` indexes them again, `sagasu folders` lists and removes them; folders or query
images that do not exist are said so, with a non-zero exit when nothing could be done; and a
library indexed before folders were remembered adopts its roots once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.config import FolderConfig, Settings, load_settings, save_settings
from engine.encode.encoders import Encoders
from engine.library import FOLDERS_ADOPTED, Library
from tests.fixtures import make_pdf


@pytest.fixture
def data_dir(tmp_path: Path, tiny_settings: Settings) -> Path:
    data = tmp_path / "data"
    save_settings(data, tiny_settings)
    return data


def folders_of(data_dir: Path) -> list[str]:
    return [f.path for f in load_settings(data_dir).folders]


def test_indexing_only_missing_folders_fails_with_one_line(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-folder"
    assert main(["index", "--data-dir", str(data_dir), str(missing)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"sagasu: nothing to index: {missing} does not exist"
    assert folders_of(data_dir) == []  # not remembered
    a_file = make_pdf(tmp_path / "a.pdf", ["a page"])
    assert main(["index", "--data-dir", str(data_dir), str(a_file)]) == 1
    assert "is not a folder" in capsys.readouterr().err


def test_bare_index_fails_when_every_remembered_folder_is_gone(
    data_dir: Path, tmp_path: Path, tiny_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = tmp_path / "unplugged"
    save_settings(data_dir, tiny_settings.replace(folders=[FolderConfig(str(gone))]))
    assert main(["index", "--data-dir", str(data_dir)]) == 1
    assert f"{gone} does not exist" in capsys.readouterr().err


def test_a_missing_query_image_does_not_exist(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = tmp_path / "never.jpg"
    assert main(["search", "--data-dir", str(data_dir), "--image", str(photo)]) == 1
    err = capsys.readouterr().err
    assert f"cannot use {photo} as a query image: does not exist" in err
    assert "no longer" not in err


@pytest.mark.slow  # indexes, loading MiniLM as a user's command would
def test_folders_are_remembered_listed_reindexed_and_removed(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    make_pdf(docs / "relay.pdf", ["Relay module datasheet"])
    missing = tmp_path / "offline"
    d = ["--data-dir", str(data_dir)]
    capsys.readouterr()
    # One folder missing, one present: a warning, and the present one is indexed.
    assert main(["index", *d, "--json", str(docs), str(missing)]) == 0
    out = capsys.readouterr()
    assert f"warning: {missing} does not exist; indexing the others" in out.err
    assert json.loads(out.out)["files_indexed"] == 1
    assert folders_of(data_dir) == [str(docs)]

    assert main(["folders", *d, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(f["path"], f["exists"]) for f in listed] == [(str(docs), True)]

    # A bare `sagasu index` indexes the remembered folder again: the new file is found.
    make_pdf(docs / "adc.pdf", ["ADS1115 converter"])
    assert main(["index", *d, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["files_indexed"] == 1 and summary["files_unchanged"] == 1

    assert main(["folders", *d, "remove", str(docs)]) == 0
    assert "forgot 2 indexed files" in capsys.readouterr().out
    assert folders_of(data_dir) == []
    assert main(["status", *d, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["files"] == 0
    assert main(["folders", *d, "remove", str(docs)]) == 1
    assert "is not one of the library's folders" in capsys.readouterr().err
    assert main(["folders", *d]) == 0
    assert "No folders yet" in capsys.readouterr().out


def test_a_library_indexed_before_folders_were_remembered_adopts_its_roots_once(
    tmp_path: Path, no_models: Encoders
) -> None:
    docs = tmp_path / "docs"
    make_pdf(docs / "a.pdf", ["Relay module datasheet"])
    data = tmp_path / "data"
    save_settings(data, no_models.settings)  # no folders, as older versions left it
    with Library(data, no_models.settings, no_models) as lib:
        lib.index([FolderConfig(str(docs))])
    assert folders_of(data) == []

    with Library(data) as lib:  # opened as the CLI and the window open it
        assert [f.path for f in lib.settings.folders] == [str(docs)]
        lib.apply_settings(lib.settings.replace(folders=[]))  # the user removes it...
    assert (data / FOLDERS_ADOPTED).exists()
    with Library(data) as lib:  # ...and it stays removed, files forgotten or not
        assert lib.settings.folders == ()


def test_eval_refuses_top_k_below_one(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queries = tmp_path / "q.csv"
    queries.write_text("query,relevant_documents\nrelay,a.pdf\n", encoding="utf-8")
    for command in (["eval", str(queries)], ["search", "relay"]):
        assert main([*command, "--data-dir", str(data_dir), "--top-k", "0"]) == 2
        assert "--top-k must be at least 1" in capsys.readouterr().err


def test_data_dir_before_or_after_a_models_action_is_the_same(tmp_path: Path) -> None:
    """`sagasu models --data-dir D list` used to lose D (the action's default overwrote it)."""
    from engine.cli import build_parser

    parser = build_parser()
    before = parser.parse_args(["models", "--data-dir", str(tmp_path), "list"])
    after = parser.parse_args(["models", "list", "--data-dir", str(tmp_path)])
    assert before.data_dir == after.data_dir == tmp_path
