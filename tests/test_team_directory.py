"""Users, groups and grants: the same behaviour from a SQLite catalog and a PostgreSQL one,
and the ``sagasu users`` / ``sagasu roots`` commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli import main
from engine.config import Settings
from engine.library import Library
from engine.team.directory import TeamDirectory, TeamError, parse_groups, token_hash


@pytest.fixture(params=["sqlite", "postgresql"])
def directory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TeamDirectory]:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    library = Library(tmp_path / "data", settings=Settings(), store=url)
    found = library.team().directory
    yield found
    found.close()
    library.close()


def test_a_token_is_shown_once_and_only_its_hash_kept(directory: TeamDirectory) -> None:
    token = directory.add_user("alice", frozenset({"design", "qa"}))
    assert token.startswith("sgs_") and len(token) > 40
    user = directory.user_for_token(token)
    assert user is not None and user.name == "alice" and user.groups == {"design", "qa"}
    assert directory.user_for_token(token + "x") is None
    assert directory.user_for_token(token_hash(token)) is None  # the stored hash is no token
    with pytest.raises(TeamError, match="exists"):
        directory.add_user("alice", frozenset())
    assert directory.add_user("bob", frozenset()) != token


def test_groups_grants_and_removal(directory: TeamDirectory) -> None:
    token = directory.add_user("carol", frozenset({"a"}))
    directory.set_groups("carol", frozenset({"b", "c"}))
    assert [(u.name, u.groups) for u in directory.users()] == [("carol", {"b", "c"})]
    directory.grant("/srv/one", frozenset({"a", "b"}))
    directory.grant("/srv/one", frozenset({"b"}))  # granted twice: once
    directory.grant("/srv/two", frozenset({"c"}))
    directory.revoke("/srv/one", frozenset({"a"}))
    assert directory.grants() == {"/srv/one": {"b"}, "/srv/two": {"c"}}
    with pytest.raises(TeamError, match="no user"):
        directory.set_groups("nobody", frozenset({"a"}))
    assert directory.remove_user("carol") and not directory.remove_user("carol")
    assert directory.user_for_token(token) is None and directory.users() == []


@pytest.mark.parametrize("bad", ["", "a b", "../x", "x" * 65, "-x", "名前"])
def test_bad_names_are_refused_with_one_line(bad: str) -> None:
    with pytest.raises(TeamError, match="not usable"):
        parse_groups(bad or ",;")


def test_users_and_roots_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "data")
    shared = tmp_path / "share"
    shared.mkdir()
    Library(Path(data), settings=Settings()).close()
    assert main(["users", "add", "dana", "--groups", "eng,qa", "--data-dir", data]) == 0
    token = capsys.readouterr().out.splitlines()[1]
    assert token.startswith("sgs_")
    assert main(["users", "add", "dana", "--groups", "eng", "--data-dir", data]) == 1
    assert "exists" in capsys.readouterr().err
    assert main(["users", "groups", "dana", "ops", "--data-dir", data]) == 0
    assert main(["users", "list", "--data-dir", data]) == 0
    listed = capsys.readouterr().out
    assert "dana" in listed and "ops" in listed and token not in listed
    # a folder that is not the library's is refused; one of its folders is granted
    assert main(["roots", "grant", str(shared), "--groups", "ops", "--data-dir", data]) == 1
    assert "not one of the library's folders" in capsys.readouterr().err
    assert main(["index", "--data-dir", data, str(shared)]) == 0
    assert main(["roots", "grant", str(shared), "--groups", "ops", "--data-dir", data]) == 0
    assert main(["roots", "list", "--json", "--data-dir", data]) == 0
    assert f'"{shared}": [\n    "ops"' in capsys.readouterr().out
    assert main(["users", "remove", "dana", "--data-dir", data]) == 0
    assert main(["users", "remove", "dana", "--data-dir", data]) == 1
    assert main(["users", "add", "bad name", "--groups", "x", "--data-dir", data]) == 1
    assert "not usable" in capsys.readouterr().err


def test_serve_refuses_bad_options_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    data = str(tmp_path / "data")
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    assert main(["serve", "--data-dir", data, "--tls-cert", str(cert)]) == 2
    assert "both --tls-cert and --tls-key" in capsys.readouterr().err
    missing = str(tmp_path / "missing.pem")
    assert main(["serve", "--data-dir", data, "--tls-cert", missing, "--tls-key", missing]) == 2
    assert "does not exist" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert main(["serve", "--data-dir", data, "--port", port]) == 1
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err
    assert main(["serve", "--data-dir", data, "--store", "mysql://x"]) == 1
    assert "postgresql:// URL" in capsys.readouterr().err


def test_the_server_reads_users_from_postgresql(tmp_path: Path, pg_url: str) -> None:
    from fastapi.testclient import TestClient

    from engine.team.api import create_app

    shared = tmp_path / "share"
    shared.mkdir()
    with Library(tmp_path / "data", settings=Settings(), store=pg_url) as library:
        team = library.team()
        try:
            token = team.directory.add_user("erin", frozenset({"ops"}))
            team.directory.grant(str(shared), frozenset({"ops"}))
            client = TestClient(create_app(library, team))
            ok = client.get("/v1/status", headers={"Authorization": f"Bearer {token}"})
            assert ok.status_code == 200 and ok.json()["roots"] == [str(shared)]
            assert (
                client.get("/v1/status", headers={"Authorization": "Bearer x"}).status_code == 401
            )
        finally:
            team.close()
    # the users are in the team catalog on PostgreSQL, not in this machine's file
    with Library(tmp_path / "data", settings=Settings()) as library:
        local = library.team()
        assert local.directory.users() == []
        local.close()
