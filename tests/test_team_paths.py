"""Server paths mapped to this computer's (engine.team.paths) and the token file's
permissions (engine.team.token_file). Pure functions and a file: no server."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from engine.config import Settings
from engine.team.paths import map_path, mappings_text, parse_mappings
from engine.team.token_file import read_token, save_token, token_path


@pytest.mark.parametrize(
    ("server", "mappings", "local"),
    [
        ("/srv/share/a/b.pdf", [("/srv/share", "\\\\nas\\share")], "\\\\nas\\share\\a\\b.pdf"),
        ("/srv/share/a/b.pdf", [("/srv/share/", "/mnt/share/")], "/mnt/share/a/b.pdf"),
        ("/srv/share/a/b.pdf", [("/srv/share", "//nas/share")], "\\\\nas\\share\\a\\b.pdf"),
        ("/srv/share/a/b.pdf", [("/srv/share", "Z:")], "Z:\\a\\b.pdf"),
        ("/srv/share/a/b.pdf", [("/srv", "/")], "/share/a/b.pdf"),
        ("/srv/share", [("/srv/share", "/mnt/share")], "/mnt/share"),
        # a whole folder name only: /srv/shared is another folder
        ("/srv/shared/a.pdf", [("/srv/share", "/mnt/share")], "/srv/shared/a.pdf"),
        # the first mapping that holds the path wins
        (
            "/srv/share/x/y.jpg",
            [("/srv/share/x", "/mnt/x"), ("/srv/share", "/mnt/share")],
            "/mnt/x/y.jpg",
        ),
        # a Windows server's path
        ("D:\\Share\\a\\b.pdf", [("D:\\Share", "/mnt/share")], "/mnt/share/a/b.pdf"),
        # as spelt: the server's roots are case-sensitive
        ("/SRV/share/a.pdf", [("/srv/share", "/mnt/share")], "/SRV/share/a.pdf"),
        ("/srv/share/日本語/図.pdf", [("/srv/share", "/mnt/s")], "/mnt/s/日本語/図.pdf"),
        ("/srv/share/a.pdf", [], "/srv/share/a.pdf"),
    ],
)
def test_map_path(server: str, mappings: list[tuple[str, str]], local: str) -> None:
    assert map_path(server, mappings) == local


def test_mappings_text_round_trips_and_bad_lines_are_named() -> None:
    text = "/srv/share => \\\\nas\\share\n\n/data =>/mnt/data"
    mappings = parse_mappings(text)
    assert mappings == (("/srv/share", "\\\\nas\\share"), ("/data", "/mnt/data"))
    assert parse_mappings(mappings_text(mappings)) == mappings
    with pytest.raises(ValueError, match="line 2"):
        parse_mappings("/a => /b\n/c /d")


def test_path_mappings_survive_the_settings_file() -> None:
    settings = Settings(path_mappings=(("/srv/share", "/mnt/share"),), library_mode="team")
    import json

    again = Settings.from_json(json.loads(json.dumps(settings.to_json())))
    assert again == settings


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_the_token_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a usual umask would make a plain file 0644
    try:
        save_token(tmp_path, "secret-token\n")
        assert stat.S_IMODE(token_path(tmp_path).stat().st_mode) == 0o600
        assert read_token(tmp_path) == "secret-token"
        save_token(tmp_path, "another")  # replaced, still 0600
        assert stat.S_IMODE(token_path(tmp_path).stat().st_mode) == 0o600
        assert read_token(tmp_path) == "another"
        assert "another" not in json_of(tmp_path)
        save_token(tmp_path, "")
        assert not token_path(tmp_path).exists() and read_token(tmp_path) == ""
    finally:
        os.umask(old)


def json_of(folder: Path) -> str:
    settings = folder / "settings.json"
    return settings.read_text() if settings.exists() else ""
