"""The engine's front door without models: settings changes, typed messages, the indexing
child's protocol, and the CLI's one-line errors."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.changes import Changes, diff_settings
from engine.cli import main
from engine.config import FolderConfig, Settings, load_settings
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.messages import (
    NOTE_ENGLISH,
    REASON_ENGLISH,
    Note,
    NoteCode,
    Phase,
    Reason,
    ReasonCode,
    note,
    reason,
)
from engine.protocol import Control, ControlReader, ProgressWriter, RunFailed, control_line, decode
from engine.summary import IndexSummary, OcrSummary
from engine.types import Progress


def quiet_library(tmp_path: Path, **settings: object) -> Library:
    values: dict[str, object] = {"models_dir": str(tmp_path / "no-models"), "ocr_enabled": False}
    values.update(settings)
    base = Settings(**values)  # type: ignore[arg-type]
    return Library(tmp_path / "data", base, Encoders(base))


# --- what a settings change requires ------------------------------------------------------


def test_unchanged_settings_require_nothing() -> None:
    assert diff_settings(Settings(), Settings()) == Changes()
    assert not Changes().any


def test_folders_added_removed_or_repatterned() -> None:
    a, b = FolderConfig("/data/a"), FolderConfig("/data/b")
    old = Settings(folders=(a,))
    added = diff_settings(old, old.with_folder(b))
    assert added.folders_added == ("/data/b",) and added.needs_index and added.watching
    removed = diff_settings(old, Settings())
    assert removed.folders_removed == ("/data/a",) and not removed.needs_index
    patterned = diff_settings(old, Settings(folders=(FolderConfig("/data/a", ("*.pdf",)),)))
    assert patterned.needs_index and not patterned.folders_added


@pytest.mark.parametrize(
    ("change", "clip", "text"),
    [
        ({"clip_model": "ViT-L-14"}, True, False),
        ({"clip_weights_path": "/w.safetensors"}, True, False),
        ({"text_model_path": "/minilm"}, False, True),
        ({"device": "cpu"}, True, True),
        ({"cpu_precision": "fp32"}, True, True),
        ({"language": "ja"}, False, False),
    ],
)
def test_model_settings_reload_the_encoders_they_concern(
    change: dict[str, str], clip: bool, text: bool
) -> None:
    changes = diff_settings(Settings(), Settings().replace(**change))
    assert (changes.reload_clip, changes.reload_text) == (clip, text)


def test_ocr_on_needs_a_run_and_switches_a_signal() -> None:
    changes = diff_settings(Settings(ocr_enabled=False), Settings(ocr_enabled=True))
    assert changes.needs_index and changes.search_signals


def test_language_and_watching() -> None:
    assert diff_settings(Settings(), Settings(language="ja")).language
    assert diff_settings(Settings(), Settings(rescan_minutes=5)).watching


def test_settings_are_immutable_values() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.device = "cpu"  # type: ignore[misc]
    folder = FolderConfig("/x")
    assert settings.with_folder(folder).with_folder(folder).folders == (folder,)


# --- Library.apply_settings ----------------------------------------------------------------


def test_apply_settings_saves_replaces_and_does_the_engines_part(tmp_path: Path) -> None:
    with quiet_library(tmp_path) as lib:
        before = lib.settings
        new = before.replace(visual_match_enabled=False, calibration_enabled=False, device="cpu")
        changes = lib.apply_settings(new)
        assert lib.settings is new and before.device == "auto"  # the old value is untouched
        assert load_settings(lib.data_dir) == new  # saved
        assert changes.reload_clip and changes.reload_text and changes.search_signals
        assert lib.searcher.visual is None and not lib.alignment.enabled
        assert lib.encoders.settings is new  # encoders load with the new settings
        lib.apply_settings(new.replace(visual_match_enabled=True))
        assert lib.searcher.visual is lib.visual


def test_add_folders_remembers_them_once(tmp_path: Path) -> None:
    with quiet_library(tmp_path) as lib:
        folder = FolderConfig(str(tmp_path / "docs"))
        assert lib.add_folders([folder]).folders_added == (folder.path,)
        assert not lib.add_folders([folder]).any
        assert lib.settings.folders == (folder,)


def test_settings_file_with_lists_loads_as_tuples(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(
        json.dumps({"folders": [{"path": "/a", "include": ["*.pdf"]}, "/b"], "device": "cpu"})
    )
    settings = load_settings(tmp_path)
    assert settings.folders == (FolderConfig("/a", ("*.pdf",)), FolderConfig("/b"))
    assert Settings.from_json(json.loads(json.dumps(settings.to_json()))) == settings


# --- typed messages ------------------------------------------------------------------------


def test_every_code_has_an_english_template() -> None:
    assert set(NOTE_ENGLISH) == set(NoteCode)
    assert set(REASON_ENGLISH) == set(ReasonCode)


def test_messages_render_and_round_trip_through_json() -> None:
    why = reason(ReasonCode.PRINTED_PASSAGE, share=0.96, excerpt="Timer2 interrupt")
    assert str(why) == "shows the text read from the photo (96%): “Timer2 interrupt”"
    assert Reason.from_json(json.loads(json.dumps(why.to_json()))) == why
    said = note(NoteCode.READ_FROM_PHOTO, terms="HC-SR04")
    assert said.english() == "Read from the photo: HC-SR04"
    assert Note.from_json(said.to_json()) == said


# --- the indexing child's protocol ---------------------------------------------------------


@pytest.mark.parametrize("phase", list(Phase))
def test_progress_of_every_phase_round_trips(phase: Phase) -> None:
    sent = Progress(phase, 3, 7, "datasheet.pdf", pages=12, eta_seconds=4.5)
    out = io.StringIO()
    ProgressWriter(out)(sent)
    assert decode(out.getvalue().strip()) == sent


def test_summary_and_failure_round_trip_and_strangers_are_ignored() -> None:
    summary = IndexSummary(files_indexed=2, pages=9, skipped=[("/x.pdf", "encrypted")])
    summary.ocr = OcrSummary(items=3, with_text=2, failed=1, seconds=1.5)
    back = decode(json_line(summary))
    assert isinstance(back, IndexSummary) and back.to_json() == summary.to_json()
    assert decode(json_line(RunFailed("the disk is full"))) == RunFailed("the disk is full")
    for stranger in (b"not json", b"[1, 2]", b'{"other": 1}', b""):
        assert decode(stranger) is None


def json_line(message: IndexSummary | RunFailed) -> str:
    out = io.StringIO()
    ProgressWriter(out).send(message)
    return out.getvalue()


def test_control_lines_pause_resume_and_cancel() -> None:
    import os
    import threading
    import time

    def eventually(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "r") as stream, os.fdopen(write_end, "wb", buffering=0) as pipe:
        reader = ControlReader(stream)
        pipe.write(control_line(Control.PAUSE))
        assert eventually(lambda: reader.control.paused)
        waited = threading.Event()

        def check() -> None:
            reader()  # blocks while paused
            waited.set()

        threading.Thread(target=check, daemon=True).start()
        assert not waited.wait(0.3)  # still paused
        pipe.write(control_line(Control.RESUME))
        assert waited.wait(20)
        assert not reader()
        pipe.write(control_line(Control.CANCEL))
        assert eventually(reader)


# --- the command line: one line, no traceback ----------------------------------------------


def test_a_damaged_catalog_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "catalog.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\x13" * 4096)
    code = main(["status", "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.startswith("sagasu: ") and err.count("\n") == 1


def test_top_k_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--top-k", "0", "relay"]) == 2
    assert "--top-k" in capsys.readouterr().err


def test_a_failed_child_run_reports_as_a_protocol_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "catalog.sqlite3").write_bytes(b"not a database at all" * 100)
    code = main(["index", "--data-dir", str(data), "--progress-jsonl", str(tmp_path)])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 1
    failure = decode(out[-1])
    assert isinstance(failure, RunFailed) and "damaged" in failure.message


def test_run_control_blocks_while_paused_and_cancel_releases_it() -> None:
    import threading

    from engine.run_control import RunControl

    control = RunControl()
    assert control() is False
    control.pause()
    answers: list[bool] = []
    waiter = threading.Thread(target=lambda: answers.append(control()))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive() and answers == []  # held while paused
    control.cancel()
    waiter.join(10)
    assert answers == [True] and not control.paused
    control.reset()
    assert control() is False


def test_a_closed_output_pipe_is_not_an_error(tmp_path: Path) -> None:
    """`sagasu status --json | head`: the reader leaves early; exit 0, nothing on stderr."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "SAGASU_DATA_DIR": str(tmp_path / "data"), "SAGASU_WARM": "off"}
    child = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "status", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # before the child has written anything: its writes fail (EPIPE)
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 0, err
    assert "Broken pipe" not in err and "Traceback" not in err
