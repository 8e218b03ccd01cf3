"""A real ``sagasu serve`` process on 127.0.0.1 with TLS (a self-signed certificate made by
the openssl command line): tokens, access and an index run in another process meanwhile."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from engine.config import FolderConfig
from engine.encode.clip import ClipEncoder
from engine.encode.encoders import Encoders
from engine.encode.text import TextEncoder
from engine.library import Library
from tests.conftest import tiny_settings_for
from tests.fixtures import make_pdf
from tests.team_fixtures import TwoRoots, b_items, build_two_roots, index_two_roots, leaked

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def start_serve(data_dir: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "engine.cli", "serve", "--data-dir", str(data_dir)]
    return subprocess.Popen(
        [*command, "--port", str(port), *extra], env=env, stderr=subprocess.PIPE
    )


def wait_ready(client: httpx.Client, url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "")
        try:
            if client.get(url + "/v1/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError("sagasu serve did not answer within 120 s")


@pytest.fixture
def served_roots(
    tmp_path: Path, tiny_clip_dir: Path, tiny_clip: ClipEncoder, text_encoder: TextEncoder
) -> tuple[TwoRoots, dict[str, str]]:
    roots = build_two_roots(tmp_path, tiny_settings_for(tiny_clip_dir))
    index_two_roots(roots, tiny_clip, text_encoder)
    with Library(roots.data_dir) as library:
        team = library.team()
        tokens = {"alice": team.directory.add_user("alice", frozenset({"alpha"}))}
        team.directory.grant(roots.root_a, frozenset({"alpha"}))
        team.close()
    return roots, tokens


@pytest.fixture
def tls_server(
    served_roots: tuple[TwoRoots, dict[str, str]], tmp_path: Path
) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command line makes the test's certificate")
    cert, key = self_signed(tmp_path)
    port = free_port()
    process = start_serve(
        served_roots[0].data_dir, port, "--tls-cert", str(cert), "--tls-key", str(key)
    )
    try:
        yield f"https://127.0.0.1:{port}", cert, process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.slow  # about 30 s quiet, 90 s on a loaded machine: indexing, a server's models
def test_a_real_tls_server_keeps_roots_apart(
    tls_server: tuple[str, Path, subprocess.Popen[bytes]],
    served_roots: tuple[TwoRoots, dict[str, str]],
    tiny_clip: ClipEncoder,
    text_encoder: TextEncoder,
) -> None:
    url, cert, process = tls_server
    roots, tokens = served_roots
    headers = {"Authorization": f"Bearer {tokens['alice']}"}
    with httpx.Client(verify=ssl.create_default_context(cafile=cert), timeout=60) as client:
        wait_ready(client, url, process)
        assert client.get(url + "/v1/status").status_code == 401
        found = client.get(url + "/v1/search", params={"q": "torque sensor"}, headers=headers)
        assert found.status_code == 200 and found.json()["results"]
        assert leaked(found.content) == []
        with Library(roots.data_dir) as library:
            hidden = min(b_items(library, roots.root_b))
        denied = client.get(f"{url}/v1/items/{hidden}/file", headers=headers)
        assert denied.status_code == 403 and leaked(denied.content) == []
        assert client.get(url + "/openapi.json").json()["info"]["title"]
        # An index run in another process while the server answers: its new file is found.
        make_pdf(Path(roots.root_a) / "a-new.pdf", ["NEWCOMERWORD datasheet"])
        encoders = Encoders(roots.settings, clip=tiny_clip, text=text_encoder)
        with Library(roots.data_dir, settings=roots.settings, encoders=encoders) as indexer:
            indexer.index([FolderConfig(roots.root_a), FolderConfig(roots.root_b)])
        new = client.get(url + "/v1/search", params={"q": "NEWCOMERWORD"}, headers=headers)
        assert Path(new.json()["results"][0]["path"]).name == "a-new.pdf"
    with httpx.Client(timeout=10) as plain, pytest.raises(httpx.TransportError):
        plain.get(url.replace("https", "http") + "/v1/health")  # no plaintext on a TLS port
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) in (0, 130)
    assert b"Traceback" not in (process.stderr.read() if process.stderr else b"")
