"""The CLI contract scripts rely on: index / search --json / status --json, exit codes, and no
network access while indexing and searching."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.cli import main
from engine.config import Settings, save_settings
from tests.fixtures import PageSpec, make_pdf, make_photo, make_zero_byte

pytestmark = pytest.mark.slow  # each command loads MiniLM, as a user's command would


@pytest.fixture
def data_dir(tmp_path: Path, tiny_settings: Settings) -> Path:
    data = tmp_path / "data"
    save_settings(data, tiny_settings)
    return data


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    make_pdf(root / "relay.pdf", [PageSpec(text="Relay module SRD-05VDC-SL-C datasheet"), "p2"])
    make_pdf(root / "sub" / "adc.pdf", ["ADS1115 analog to digital converter"])
    make_photo(root / "board.png", seed=5)
    make_zero_byte(root / "broken.pdf")
    return root


def run_json(capsys: pytest.CaptureFixture[str], args: list[str]) -> object:
    capsys.readouterr()
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_index_search_status_contract(
    data_dir: Path, docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = run_json(capsys, ["index", "--data-dir", str(data_dir), "--json", str(docs)])
    assert summary["files_indexed"] == 3 and summary["files_skipped"] == 1  # type: ignore[index]

    results = run_json(
        capsys, ["search", "--data-dir", str(data_dir), "--json", "--top-k", "5", "ADS1115"]
    )
    assert isinstance(results, list) and results
    best = results[0]
    assert Path(best["path"]).is_absolute() and best["path"].endswith("adc.pdf")
    assert best["page"] == 1 and best["kind"] in {"page", "chunk"}
    assert isinstance(best["score"], float)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)

    photo = run_json(
        capsys,
        ["search", "--data-dir", str(data_dir), "--json", "--image", str(docs / "board.png")],
    )
    board = [r for r in photo if r["path"].endswith("board.png")]  # type: ignore[union-attr]
    assert board and board[0]["page"] is None and board[0]["kind"] == "photo"

    status = run_json(capsys, ["status", "--data-dir", str(data_dir), "--json"])
    assert status["counts"]["files"] == 3  # type: ignore[index]
    assert status["skipped"][0]["path"].endswith("broken.pdf")  # type: ignore[index]
    assert status["skipped"][0]["reason"]  # type: ignore[index]


def test_filters_by_folder_and_kind(
    data_dir: Path, docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["index", "--data-dir", str(data_dir), str(docs)])
    under_sub = run_json(
        capsys,
        ["search", "--data-dir", str(data_dir), "--json", "--folder", str(docs / "sub"), "relay"],
    )
    assert all("/sub/" in r["path"] for r in under_sub)  # type: ignore[union-attr]
    photos = run_json(
        capsys, ["search", "--data-dir", str(data_dir), "--json", "--kind", "photo", "board"]
    )
    assert photos and all(r["kind"] == "photo" for r in photos)  # type: ignore[union-attr]


def test_usage_errors_exit_non_zero(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--data-dir", str(data_dir)]) == 2
    assert "either query TEXT or --image" in capsys.readouterr().err
    assert main(["search", "--data-dir", str(data_dir), "--image", "/nonexistent.jpg"]) == 1
    assert "cannot use /nonexistent.jpg" in capsys.readouterr().err


def test_index_and_search_never_touch_the_network(
    data_dir: Path, docs: Path, tiny_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny_settings = tiny_settings.replace(ocr_enabled=True)  # OCR models must come from disk
    save_settings(data_dir, tiny_settings)
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network access attempted")

    def refuse_network(connect: Callable[[socket.socket, object], object]) -> object:
        # Unix-domain sockets are local IPC (the extraction workers' forkserver), not network.
        def checked(self: socket.socket, address: object) -> object:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                refuse(self, address)
            return connect(self, address)

        return checked

    monkeypatch.setattr(socket.socket, "connect", refuse_network(socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_network(socket.socket.connect_ex))
    assert main(["index", "--data-dir", str(data_dir), str(docs)]) == 0
    assert main(["search", "--data-dir", str(data_dir), "リレー"]) == 0
    assert main(["search", "--data-dir", str(data_dir), "--image", str(docs / "board.png")]) == 0
    assert attempts == []


CLI = [sys.executable, "-m", "engine.cli"]


def index_child(data_dir: Path, docs: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, "index", "--progress-jsonl", "--data-dir", str(data_dir), str(docs)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )


def test_progress_jsonl_protocol_reports_progress_then_summary(data_dir: Path, docs: Path) -> None:
    child = index_child(data_dir, docs)
    assert child.stdout is not None and child.stdin is not None
    # Keep stdin open while reading: end of input means "the controller went away: cancel".
    messages = [json.loads(line) for line in child.stdout if line.strip()]
    child.stdin.close()
    assert child.wait(timeout=60) == 0, child.stderr.read() if child.stderr else ""
    progress = [m["progress"] for m in messages if "progress" in m]
    assert progress and {"phase", "done", "total"} <= set(progress[0])
    assert messages[-1]["summary"]["files_indexed"] == 3


def test_progress_jsonl_cancel_keeps_what_was_done(data_dir: Path, tmp_path: Path) -> None:
    from engine.store.catalog import Catalog

    many = tmp_path / "many"
    for n in range(30):
        make_pdf(many / f"sheet{n:02d}.pdf", [f"Relay module {n} datasheet, coil 5 V."])
    child = index_child(data_dir, many)
    assert child.stdin is not None and child.stdout is not None
    for line in child.stdout:  # cancel once the first file has its pictures (visual tier)
        message = json.loads(line) if line.startswith("{") else {}
        if message.get("progress", {}).get("phase") == "extract":
            child.stdin.write("cancel\n")
            child.stdin.flush()
            break
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])["summary"]
    assert summary["cancelled"] is True
    assert summary["files_indexed"] == 30  # the lexical tier came first, for every file
    catalog = Catalog(data_dir)
    assert catalog.counts()["files"] == 30  # kept, committed
    assert 1 <= catalog.tier_counts()["visual"] < 30
    catalog.close()
    assert main(["index", "--data-dir", str(data_dir), str(many)]) == 0
    catalog = Catalog(data_dir)
    assert catalog.tier_counts()["visual"] == 30
    catalog.close()


def test_a_part_number_in_no_file_is_said_and_results_shown_apart(
    data_dir: Path, docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", "--data-dir", str(data_dir), str(docs)]) == 0
    capsys.readouterr()
    assert main(["search", "--data-dir", str(data_dir), "LM35"]) == 0
    out = capsys.readouterr().out
    assert "(No file mentions LM35; the results are only related.)" in out
    assert "Related (no exact match):" in out
    results = run_json(capsys, ["search", "--data-dir", str(data_dir), "--json", "LM35"])
    assert results and all(r["related"] for r in results)  # type: ignore[union-attr]
    pages = run_json(
        capsys, ["search", "--data-dir", str(data_dir), "--json", "--kind", "page", "relay"]
    )
    assert pages and all(r["snippet"] for r in pages)  # type: ignore[union-attr]
