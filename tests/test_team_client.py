"""The engine's client of the team server (engine.team.client, engine.team.remote) against
the real API served by uvicorn on loopback: typed results and notes, pictures, files, and
typed failures: the server's error codes, a stopped server, an untrusted certificate."""

from __future__ import annotations

import shutil
import ssl
from pathlib import Path

import pytest
from PIL import Image

from engine.config import Settings
from engine.library import Library
from engine.messages import Reason
from engine.search import Query
from engine.team.client import ServerError, ServerUnreachable, TeamClient, Unreachable
from engine.team.problems import ProblemCode
from engine.team.remote import open_remote
from engine.team.token_file import save_token
from tests.live_server import LiveServer, Team
from tests.team_fixtures import b_items, leaked

pytestmark = pytest.mark.slow  # indexing two roots and MiniLM: about 20 s each


def test_remote_results_are_the_engines_typed_values_and_only_the_users(team: Team) -> None:
    client = TeamClient(team.server.url, team.alice)
    try:
        outcome = client.search(Query(text="torque sensor", top_k=10))
        assert outcome.results, "alice's root A says torque sensor"
        assert {Path(r.path).parent.name for r in outcome.results} == {"alpha-root"}
        assert all(isinstance(x, Reason) for r in outcome.results for x in r.reasons)
        assert any(r.reasons for r in outcome.results)
        assert not leaked(repr(outcome).encode(), "torque sensor")
        by_photo = client.search(Query(image=Image.open(team.roots.a_photo), top_k=5))
        assert by_photo.results and by_photo.results[0].path.name == "a-board.jpg"
        status = client.status()
        assert status["roots"] == [team.roots.root_a] and status["counts"]["files"] == 2
        first = outcome.results[0]
        assert (client.thumbnail(first.item_id) or b"")[:2] == b"\xff\xd8"  # a JPEG
        assert client.preview(first.item_id, 300)[:2] == b"\xff\xd8"
    finally:
        client.close()


def test_server_errors_are_typed(team: Team) -> None:
    with Library(team.roots.data_dir) as library:
        hidden = min(b_items(library, team.roots.root_b))
    stranger = TeamClient(team.server.url, "not-a-token")
    alice = TeamClient(team.server.url, team.alice)
    try:
        with pytest.raises(ServerError) as denied:
            stranger.search(Query(text="torque"))
        assert denied.value.code is ProblemCode.UNAUTHORIZED and denied.value.status == 401
        with pytest.raises(ServerError) as forbidden:
            alice.thumbnail(hidden)
        assert forbidden.value.code is ProblemCode.FORBIDDEN
        assert "BRAVO" not in str(forbidden.value)
        assert stranger.health()  # no token needed
    finally:
        stranger.close()
        alice.close()


def test_a_stopped_server_is_unreachable_and_says_what_to_do(team: Team) -> None:
    client = TeamClient(team.server.url, team.alice)
    try:
        assert client.health()
        team.server.stop()
        with pytest.raises(ServerUnreachable) as down:
            client.search(Query(text="torque"))
        assert down.value.url == team.server.url and down.value.why is Unreachable.REFUSED
        assert "This computer" in str(down.value)
        team.server.start()  # the same port: the client works again without reconnecting
        assert client.search(Query(text="torque")).results
    finally:
        client.close()


def test_the_original_downloads_through_the_path_mapping_fallback(
    team: Team, tmp_path: Path
) -> None:
    data = tmp_path / "desktop-data"
    save_token(data, team.bob)
    settings = Settings(server_url=team.server.url, path_mappings=(("/nowhere", "/mnt/x"),))
    remote = open_remote(settings, data)
    try:
        found = remote.search(Query(text="QY-9922B", top_k=3)).results[0]
        assert found.path.name == "b-plans.pdf"
        assert remote.original(found) == found.path  # no mapping holds it: the path as is
        copy = remote.fetch_original(found)
        assert copy is not None and copy.read_bytes() == found.path.read_bytes()
        assert copy.is_relative_to(data / "team-downloads")
        assert remote.preview(found, 200) is not None
        similar = remote.similar_to(found.item_id, top_k=5)
        assert found.item_id not in [r.item_id for r in similar.results]
    finally:
        remote.close()


def test_tls_is_verified_and_a_department_ca_is_trusted(tmp_path: Path, team: Team) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command line makes the test's certificate")
    from tests.test_team_server import self_signed

    cert, key = self_signed(tmp_path)
    secure = LiveServer(team.server.library, ssl_certfile=str(cert), ssl_keyfile=str(key))
    secure.team.close()
    secure.team = team.server.team
    secure.start()
    try:
        untrusted = TeamClient(secure.url, team.alice)
        with pytest.raises(ServerUnreachable) as refused:
            untrusted.health()
        assert refused.value.why is Unreachable.UNTRUSTED
        untrusted.close()
        trusted = TeamClient(secure.url, team.alice, ca_bundle=str(cert))
        assert trusted.health() and trusted.search(Query(text="ALPHAQUARK")).results
        trusted.close()
    finally:
        secure.stop()
    assert ssl.get_default_verify_paths()  # the system store stays the default elsewhere
