"""The window drives the engine through Library only: weights imported in the settings
dialog reach search with fitted calibration and the text bridge; a removed folder is
forgotten; "Find similar" searches with a result; engine messages in the user's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.i18n import install_language
from desktop.main_window import MainWindow
from desktop.messages import note_templates, phase_templates, reason_templates
from engine.config import FolderConfig, Settings
from engine.encode import specs
from engine.encode.encoders import Encoders
from engine.encode.text import TextEncoder
from engine.library import Library
from engine.messages import NoteCode, Phase, ReasonCode
from engine.search import Query
from engine.types import ItemKind
from tests.desktop_helpers import build_docs, drop_files, lazy_library
from tests.fixtures import build_paragraphs_and_a_photo

TINY = specs.ClipModelSpec("sagasu-tiny", "seed0", hf_repo="")


# --- fast: messages ----------------------------------------------------------------------


def test_every_engine_message_has_a_window_template_with_the_same_fields(qtbot) -> None:
    from engine.messages import NOTE_ENGLISH, REASON_ENGLISH

    assert set(phase_templates()) == set(Phase)
    assert set(note_templates()) == set(NoteCode)
    assert set(reason_templates()) == set(ReasonCode)
    english_phases = phase_templates()
    try:
        install_language("ja")
        for code, english in REASON_ENGLISH.items():
            ja = reason_templates()[code]
            # A reason that is only the reader's own words (ReasonCode.UNREADABLE) has
            # nothing of its own to translate.
            assert ja != english or english == "{detail}", f"untranslated reason {code}"
            assert _fields(ja) == _fields(english), code
        for note_code, english in NOTE_ENGLISH.items():
            ja = note_templates()[note_code]
            assert ja != english, f"untranslated note {note_code}"
            assert _fields(ja) == _fields(english), note_code
        for phase, ja in phase_templates().items():
            assert ja != english_phases[phase], f"untranslated phase {phase}"
    finally:
        install_language("en")


def _fields(template: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_japanese_window_shows_japanese_reasons(qtbot) -> None:
    from desktop.messages import progress_text, reason_text
    from engine.messages import reason
    from engine.types import Progress

    try:
        install_language("ja")
        text = reason_text(reason(ReasonCode.PART_NUMBER, part="TB6612FNG"))
        assert "TB6612FNG" in text and "part number" not in text
        assert "part number" not in progress_text(Progress(Phase.EXTRACT, 1, 3, "a.pdf"))
    finally:
        install_language("en")


# --- slow: the real text model ------------------------------------------------------------


@pytest.mark.slow
def test_weights_imported_in_the_window_give_calibrated_search_and_the_text_bridge(
    qtbot, tmp_path: Path, tiny_clip_dir: Path, text_encoder: TextEncoder, monkeypatch
) -> None:
    # The tiny model stands in for a registry model (ViT-B-32 for a real user).
    monkeypatch.setattr(specs, "KNOWN_SPECS", (*specs.KNOWN_SPECS, TINY))
    settings = Settings(
        models_dir=str(tmp_path / "models"),
        clip_model=TINY.model,
        clip_pretrained=TINY.pretrained,
        ocr_enabled=False,
        batch_size=8,
    )
    root = build_paragraphs_and_a_photo(tmp_path / "docs")
    library = Library(tmp_path / "data", settings, Encoders(settings, text=text_encoder))
    library.index([FolderConfig(str(root))])
    assert library.encoders.clip() is None  # indexed before any image model
    window = MainWindow(library, synchronous=True, warm_models=False)
    qtbot.addWidget(window)

    dialog = window.open_settings(tab=1)
    dialog.import_file(tiny_clip_dir)  # the "Import weights file…" button's path
    qtbot.waitUntil(lambda: dialog.models_changed, timeout=60000)
    dialog.accept()  # the window encodes what lacks vectors and refits (synchronously here)

    clip = library.encoders.clip()
    assert clip is not None
    assert library.catalog.vector_counts()[clip.space_id] == 12 + 1  # pages + the photo
    calibration = library.alignment.calibrations[clip.space_id]
    assert ("query-image", "photo") in calibration.stats  # fitted, not the fallback
    bridge = library.alignment.bridge_space(clip.space_id)
    assert bridge is not None
    assert ("query-image", "chunk") in library.alignment.calibrations[bridge].stats

    drop_files(window.drop_zone, [root / "board.png"])
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=30000)
    reasons = {r.code for result in window.model.results() for r in result.reasons}
    assert ReasonCode.VISUALLY_SIMILAR in reasons
    through_bridge = library.search(
        Query(image=window._last_query[1].image, top_k=5, signals={"semantic-bridge"})
    )
    assert through_bridge.results
    assert all(r.kind is ItemKind.CHUNK for r in through_bridge.results)
    assert {r.code for r in through_bridge.results[0].reasons} == {ReasonCode.TEXT_ABOUT_IT}
    window.close()
    library.close()


@pytest.mark.slow
def test_removing_a_folder_in_settings_forgets_its_files(
    qtbot, tmp_path: Path, encoders: Encoders
) -> None:
    root = build_docs(tmp_path / "docs")
    library = Library(tmp_path / "data", encoders.settings, encoders)
    library.apply_settings(library.settings.with_folder(FolderConfig(str(root))))
    library.index()
    assert library.catalog.counts()["files"] == 4
    window = MainWindow(library, synchronous=True, warm_models=False)
    qtbot.addWidget(window)
    changes = window.apply_settings(library.settings.replace(folders=()))
    assert changes.folders_removed == (str(root),)
    assert library.catalog.counts()["files"] == 0
    assert library.search(Query(text="thermocouple amplifier")).results == []
    assert window.banner.isVisibleTo(window)  # back to "Add a folder"
    window.close()
    library.close()


@pytest.mark.slow
def test_find_similar_searches_with_the_result_and_leaves_it_out(
    qtbot, tmp_path: Path, encoders: Encoders
) -> None:
    root = build_docs(tmp_path / "docs")
    library = Library(tmp_path / "data", encoders.settings, encoders)
    library.index([FolderConfig(str(root))])
    window = MainWindow(library, synchronous=True, warm_models=False)
    qtbot.addWidget(window)
    window.search_text("thermocouple amplifier")
    first = window.model.results()[0]
    window.find_similar(first)
    assert window._last_query == ("similar", first.item_id)
    similar = window.model.results()
    assert similar and first.item_id not in {r.item_id for r in similar}
    assert "Similar to" in window.drop_zone.label.text()
    gone = library.similar_to(10_000_000)
    assert [n.code for n in gone.notes] == [NoteCode.ITEM_GONE] and not gone.results
    window.close()
    library.close()


def test_a_failing_background_job_is_shown_in_the_window(qtbot, tmp_path: Path) -> None:
    library = lazy_library(tmp_path)
    window = MainWindow(library, synchronous=True, warm_models=False)
    qtbot.addWidget(window)

    def broken(_report: object) -> None:
        raise RuntimeError("the disk went away")

    window.io_runner.run(broken)
    assert "the disk went away" in window.message.text()
    window.close()
    library.close()


def test_a_broken_text_model_is_a_banner_not_a_failure(qtbot, tmp_path: Path) -> None:
    settings = Settings(
        models_dir=str(tmp_path / "no-models"),
        text_model_path=str(tmp_path / "no-text-model"),
        ocr_enabled=False,
    )
    library = Library(tmp_path / "data", settings, Encoders(settings))
    window = MainWindow(library, synchronous=True, warm_models=True)  # loads the models now
    qtbot.addWidget(window)
    assert window.model_banner.isVisibleTo(window)
    assert "no-text-model" in window._text_problem  # the banner's tooltip says which
    window.search_text("relay")  # word search still answers
    assert window.last_outcome is not None
    codes = [n.code for n in window.last_outcome.notes]
    assert NoteCode.TEXT_SEARCH_OFF in codes
    window.close()
    library.close()
