"""Access control of the team server: a user of group alpha never receives a byte of the
bravo root, through search (text, part numbers, photos: results, snippets, reasons, notes,
related lists), thumbnails, previews, files, status or error messages. Plus tokens and paths.

Assertions are on the raw response bytes (tests/team_fixtures.B_SECRETS)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.encode.clip import ClipEncoder
from engine.encode.encoders import Encoders
from engine.encode.text import TextEncoder
from engine.library import Library
from engine.team.api import create_app
from engine.team.view import TeamAccess
from tests.conftest import tiny_settings_for
from tests.fixtures import make_pdf
from tests.team_fixtures import TwoRoots, b_items, build_two_roots, index_two_roots, leaked


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def two_roots(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    tiny_clip_dir: Path,
    tiny_clip: ClipEncoder,
    text_encoder: TextEncoder,
) -> TwoRoots:
    """The same suite on a workstation's catalog and on a team catalog in PostgreSQL."""
    store = request.getfixturevalue("pg_module_url") if request.param == "postgresql" else None
    base = tmp_path_factory.mktemp("team")
    roots = build_two_roots(base, tiny_settings_for(tiny_clip_dir), store)
    index_two_roots(roots, tiny_clip, text_encoder)
    return roots


@pytest.fixture(scope="module")
def served(
    two_roots: TwoRoots, tiny_clip: ClipEncoder, text_encoder: TextEncoder
) -> Iterator[tuple[Library, TeamAccess, dict[str, str]]]:
    encoders = Encoders(two_roots.settings, clip=tiny_clip, text=text_encoder)
    library = Library(
        two_roots.data_dir, settings=two_roots.settings, encoders=encoders, store=two_roots.store
    )
    team = library.team()
    tokens = {
        "alice": team.directory.add_user("alice", frozenset({"alpha"})),
        "bob": team.directory.add_user("bob", frozenset({"bravo"})),
        "nobody": team.directory.add_user("nobody", frozenset({"unused"})),
    }
    team.directory.grant(two_roots.root_a, frozenset({"alpha"}))
    team.directory.grant(two_roots.root_b, frozenset({"bravo"}))
    yield library, team, tokens
    team.close()
    library.close()


@pytest.fixture(scope="module")
def client(served: tuple[Library, TeamAccess, dict[str, str]]) -> TestClient:
    library, team, _ = served
    return TestClient(create_app(library, team), raise_server_exceptions=False)


def auth(served: tuple[Library, TeamAccess, dict[str, str]], user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {served[2][user]}"}


def paths_of(response: Any) -> list[str]:
    return [r["path"] for r in response.json()["results"]]


def test_text_search_shows_only_the_users_roots(client: TestClient, served: Any) -> None:
    for query in ("BRAVOZEPHYR", "Zephyrine plans", "torque sensor mounting wiring"):
        alice = client.get("/v1/search", params={"q": query}, headers=auth(served, "alice"))
        assert alice.status_code == 200, alice.text
        assert leaked(alice.content, query) == []
        assert all("alpha-root" in p for p in paths_of(alice))
    bob = client.get("/v1/search", params={"q": "BRAVOZEPHYR"}, headers=auth(served, "bob"))
    assert any("b-plans.pdf" in p for p in paths_of(bob))  # the control: B is findable


def test_the_top_k_is_taken_among_readable_items(client: TestClient, served: Any) -> None:
    """B ranks first for "torque sensor"; alice's single result is still A's document."""
    params = {"q": "torque sensor", "top_k": "1"}
    bob = client.get("/v1/search", params=params, headers=auth(served, "bob"))
    assert "bravo-secret-root" in paths_of(bob)[0]
    alice = client.get("/v1/search", params=params, headers=auth(served, "alice"))
    assert ["a-manual.pdf" in p for p in paths_of(alice)] == [True]
    assert leaked(alice.content) == []


def test_rankings_are_those_of_a_library_without_hidden_items(
    client: TestClient, served: Any, two_roots: TwoRoots
) -> None:
    """A user's results, their order and notes are those of a library holding only A. (The
    scores themselves differ a little: BM25's word rarity and the calibration are fitted
    over the whole library; docs/TEAM.md says so.)"""
    library = served[0]
    only_a = Library(
        two_roots.data_dir.parent / "only-a", settings=two_roots.settings, encoders=library.encoders
    )
    from engine.config import FolderConfig
    from engine.search import Query
    from engine.team.access import Scope

    try:
        only_a.index([FolderConfig(two_roots.root_a)])
        for text in ("torque sensor", "QY-9922", "ALPHAQUARK wiring"):
            alone = only_a.search(Query(text=text, top_k=5))
            scoped = library.search(
                Query(text=text, top_k=5, scope=Scope(frozenset({two_roots.root_a})))
            )
            assert [(str(r.path), r.page) for r in scoped.results] == [
                (str(r.path), r.page) for r in alone.results
            ]
            assert [n.code for n in scoped.notes] == [n.code for n in alone.notes]
    finally:
        only_a.close()


def test_part_numbers_of_another_root_are_not_named(client: TestClient, served: Any) -> None:
    """A near part number of B's would come back as a reason ("similar part QY-9922B")."""
    alice = client.get("/v1/search", params={"q": "QY-9922"}, headers=auth(served, "alice"))
    assert alice.status_code == 200
    assert leaked(alice.content) == []
    codes = [n["code"] for n in alice.json()["notes"]]
    assert "part-number-not-found" in codes or alice.json()["results"] == []
    bob = client.get("/v1/search", params={"q": "QY-9922"}, headers=auth(served, "bob"))
    assert b"QY-9922B" in bob.content


def test_image_search_shows_only_the_users_roots(
    client: TestClient, served: Any, two_roots: TwoRoots
) -> None:
    library = served[0]
    hidden = b_items(library, two_roots.root_b)
    photo = two_roots.b_photo.read_bytes()
    files = {"image": ("query.jpg", io.BytesIO(photo), "image/jpeg")}
    alice = client.post("/v1/search/image", files=files, headers=auth(served, "alice"))
    assert alice.status_code == 200
    assert leaked(alice.content) == []
    results = alice.json()["results"]
    assert not {r["item_id"] for r in results} & hidden
    assert not {r["preview_item_id"] for r in results} & hidden
    files = {"image": ("query.jpg", io.BytesIO(photo), "image/jpeg")}
    bob = client.post("/v1/search/image", files=files, headers=auth(served, "bob"))
    assert any("b-board.jpg" in p for p in paths_of(bob))


def test_item_urls_of_another_root_answer_like_unknown_ones(
    client: TestClient, served: Any, two_roots: TwoRoots
) -> None:
    library = served[0]
    hidden = sorted(b_items(library, two_roots.root_b))
    unknown = max(hidden) + 10_000
    bodies = set()
    for item in [*hidden, unknown, "abc", "-1", "1e3", "%2e%2e"]:
        for what in ("thumbnail", "preview", "file"):
            r = client.get(f"/v1/items/{item}/{what}", headers=auth(served, "alice"))
            assert r.status_code == 403, (item, what)
            assert leaked(r.content) == []
            bodies.add(r.content)
    assert len(bodies) == 1  # one body: nothing tells a hidden item from a missing one
    assert b'"forbidden"' in bodies.pop()
    own = client.get("/v1/search", params={"q": "ALPHAQUARK"}, headers=auth(served, "alice"))
    mine = own.json()["results"][0]
    assert (
        client.get(f"/v1/items/{mine['item_id']}/file", headers=auth(served, "alice")).content[:5]
        == b"%PDF-"
    )
    preview = client.get(
        f"/v1/items/{mine['preview_item_id']}/preview",
        params={"size": 300, "format": "png"},
        headers=auth(served, "alice"),
    )
    assert preview.status_code == 200 and preview.content[:4] == b"\x89PNG"
    thumb = client.get(
        f"/v1/items/{mine['preview_item_id']}/thumbnail", headers=auth(served, "alice")
    )
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"


def test_status_shows_only_the_users_roots(
    client: TestClient, served: Any, two_roots: TwoRoots
) -> None:
    alice = client.get("/v1/status", headers=auth(served, "alice"))
    assert alice.status_code == 200
    assert leaked(alice.content) == []
    assert alice.json()["roots"] == [two_roots.root_a]
    assert alice.json()["counts"]["files"] == 2
    nobody = client.get("/v1/status", headers=auth(served, "nobody"))
    assert nobody.json()["roots"] == [] and nobody.json()["counts"]["files"] == 0
    search = client.get("/v1/search", params={"q": "torque"}, headers=auth(served, "nobody"))
    assert search.json()["results"] == [] and leaked(search.content) == []


def test_tokens_missing_wrong_or_revoked_answer_401(client: TestClient, served: Any) -> None:
    team = served[1]
    token = team.directory.add_user("leaver", frozenset({"alpha"}))
    ok = client.get("/v1/status", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    team.directory.remove_user("leaver")
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {token}"},
        {"Authorization": f"Bearer {token}"},  # revoked
    ):
        for url in ("/v1/status", "/v1/search?q=torque", "/v1/items/1/file"):
            r = client.get(url, headers=headers)
            assert r.status_code == 401, (url, headers)
            assert r.json()["error"]["code"] == "unauthorized"
            assert leaked(r.content) == []


def test_paths_out_of_the_roots_are_never_read(
    client: TestClient, served: Any, two_roots: TwoRoots, tmp_path: Path
) -> None:
    """A file replaced by a link out of its root after indexing, and paths in the URL."""
    outside = tmp_path / "outside-secret.pdf"
    make_pdf(outside, ["OUTSIDESECRET page"])
    own = client.get("/v1/search", params={"q": "ALPHAQUARK"}, headers=auth(served, "alice"))
    item = own.json()["results"][0]["item_id"]
    manual = Path(two_roots.root_a) / "a-manual.pdf"
    kept = manual.read_bytes()
    manual.unlink()
    os.symlink(outside, manual)
    try:
        for what in ("file", "preview"):
            r = client.get(f"/v1/items/{item}/{what}", headers=auth(served, "alice"))
            assert r.status_code == 404 and r.json()["error"]["code"] == "file_unavailable"
            assert b"OUTSIDESECRET" not in r.content and b"%PDF" not in r.content
    finally:
        manual.unlink()
        manual.write_bytes(kept)
    for url in (
        "/v1/items/../../../etc/passwd",
        "/v1/items/%2e%2e%2f%2e%2e%2fetc%2fpasswd/file",
        "/v1/items/..%2F..%2Fetc%2Fpasswd/file",
        f"/v1/items/{outside}/file",
        "/v1/items/%2Fetc%2Fpasswd/file",
        "/v1/items/1%00/file",
    ):
        r = client.get(url, headers=auth(served, "alice"))
        assert r.status_code in (403, 404), url
        assert b"root:" not in r.content and b"OUTSIDESECRET" not in r.content
        assert r.json()["error"]["code"] in ("forbidden", "not_found")


def test_errors_are_typed_json_without_tracebacks(
    client: TestClient, served: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.team import api

    monkeypatch.setattr(api, "MAX_UPLOAD_MB", 1)
    headers = auth(served, "alice")
    big = client.post(
        "/v1/search/image",
        files={"image": ("big.jpg", io.BytesIO(b"\xff" * (2**20 + 10)), "image/jpeg")},
        headers=headers,
    )
    assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"
    cases = [
        client.get("/v1/search", headers=headers),  # no q
        client.get("/v1/search", params={"q": "x", "top_k": "0"}, headers=headers),
        client.get("/v1/search", params={"q": "x", "kind": "folder"}, headers=headers),
        client.post(
            "/v1/search/image",
            files={"image": ("x.jpg", io.BytesIO(b"not an image"), "image/jpeg")},
            headers=headers,
        ),
        client.get("/v1/nowhere", headers=headers),
        client.get("/v1/items/1/preview", params={"size": "99999"}, headers=headers),
    ]
    for r in cases:
        assert 400 <= r.status_code < 500
        body = r.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
        assert b"Traceback" not in r.content and b'File "' not in r.content


def test_openapi_is_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/v1/search", "/v1/search/image", "/v1/status"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


def test_a_granted_link_to_another_root_opens_nothing_of_it(
    client: TestClient, served: Any, two_roots: TwoRoots, tmp_path: Path
) -> None:
    """A root is matched as spelt: granting a link that leads to B's root grants only that
    spelling (which indexed nothing), never B's files."""
    team = served[1]
    alias = tmp_path / "alias-of-b"
    os.symlink(two_roots.root_b, alias)
    team.directory.grant(str(alias), frozenset({"alpha"}))
    try:
        alice = client.get("/v1/search", params={"q": "BRAVOZEPHYR"}, headers=auth(served, "alice"))
        assert all("alpha-root" in p for p in paths_of(alice))
        assert leaked(alice.content, "BRAVOZEPHYR") == []
        status = client.get("/v1/status", headers=auth(served, "alice"))
        assert status.json()["counts"]["files"] == 2
    finally:
        team.directory.revoke(str(alias), frozenset({"alpha"}))


def test_answers_hold_the_results_of_sagasu_search_json(
    client: TestClient, served: Any, two_roots: TwoRoots, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same objects, byte for byte once parsed, and typed again by results_from_json."""
    import json

    from engine.cli import main
    from engine.outcome_json import results_from_json

    team = served[1]
    token = team.directory.add_user("both", frozenset({"alpha", "bravo"}))
    try:
        query = "torque sensor wiring"
        served_json = client.get(
            "/v1/search",
            params={"q": query, "top_k": 10},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["results"]
    finally:
        team.directory.remove_user("both")
    capsys.readouterr()
    store = ["--store", two_roots.store] if two_roots.store else []
    assert main(["search", "--data-dir", str(two_roots.data_dir), *store, "--json", query]) == 0
    printed = json.loads(capsys.readouterr().out)
    # The CLI encodes the query with the numpy MiniLM, this process with torch (equal to
    # 1e-4, engine/encode/text_numpy.py): scores and similarities may differ in the last digits.
    assert [sorted(r) for r in served_json] == [sorted(r) for r in printed]
    assert [_shape(r) for r in served_json] == [_shape(r) for r in printed]
    assert [r["score"] for r in served_json] == pytest.approx(
        [r["score"] for r in printed], abs=1e-3
    )
    assert len(printed) >= 2
    typed = results_from_json(served_json)
    assert [r.to_json() for r in typed] == served_json


def _shape(result: dict[str, Any]) -> tuple[object, ...]:
    """A result less its scores: what it is, where, and why."""
    codes = [reason["code"] for reason in result["reasons"]]
    keys = ("item_id", "path", "page", "kind", "snippet", "file_exists", "other_pages")
    return (*(str(result[k]) for k in keys), codes, result["related"])
