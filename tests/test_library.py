"""End-to-end engine behaviour through the Library front door: index, search, incremental
re-index, moves, deletions, bad files, deferred encoding."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from engine.config import FolderConfig
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.messages import NoteCode
from engine.search import Query
from engine.types import ItemKind
from tests.fixtures import (
    PageSpec,
    build_docs,
    build_paragraphs_and_a_photo,
    make_pdf,
)

pytestmark = pytest.mark.slow  # loads the real MiniLM model once per session


def folders(root: Path) -> list[FolderConfig]:
    return [FolderConfig(str(root))]


def test_index_then_text_and_image_search(tmp_path: Path, encoders: Encoders) -> None:
    root = build_docs(tmp_path / "docs")
    with Library(tmp_path / "data", encoders.settings, encoders) as lib:
        summary = lib.index(folders(root))
        assert summary.files_indexed == 4
        assert summary.pages == 3 and summary.photos == 2 and summary.chunks >= 3
        assert not summary.skipped

        hits = lib.search(Query(text="thermocouple amplifier", top_k=5)).results
        assert hits[0].path == (root / "sensor.pdf").resolve()
        assert hits[0].page == 1 and hits[0].reasons

        # An indexed photo used as the query finds itself first (identical embedding).
        from engine.extract.images import load_query_image

        img = load_query_image(root / "photos" / "board.jpg", lib.settings.max_image_pixels)
        hits = lib.search(Query(image=img, top_k=5, kinds={ItemKind.PHOTO})).results
        assert hits[0].path == (root / "photos" / "board.jpg").resolve()
        assert hits[0].page is None


def test_results_are_grouped_per_document(tmp_path: Path, encoders: Encoders) -> None:
    root = build_docs(tmp_path / "docs")
    with Library(tmp_path / "data", encoders.settings, encoders) as lib:
        lib.index(folders(root))
        results = lib.search(Query(text="relay", top_k=10)).results
        paths = [r.path for r in results]
        assert len(paths) == len(set(paths))


def test_changed_and_deleted_files(tmp_path: Path, encoders: Encoders) -> None:
    root = build_docs(tmp_path / "docs")
    with Library(tmp_path / "data", encoders.settings, encoders) as lib:
        lib.index(folders(root))
        (root / "photos" / "part.png").unlink()
        make_pdf(root / "sensor.pdf", [PageSpec(text="Gas sensor MQ-5 for LPG and methane.")])
        os.utime(root / "sensor.pdf", ns=(1, 2_000_000_000_000_000_000))
        summary = lib.index(folders(root))
        assert summary.files_deleted == 1 and summary.files_indexed == 1
        assert lib.catalog.counts()["files"] == 3
        hit = lib.search(Query(text="LPG gas sensor", top_k=1)).results[0]
        assert hit.path.name == "sensor.pdf"
        # The ANN index holds exactly the catalog's vectors: nothing stale is left behind.
        for space, count in lib.catalog.vector_counts().items():
            assert len(lib.vectors.get(space)) == count


def test_without_clip_weights_text_still_works_and_encoding_completes_later(
    tmp_path: Path, encoders_without_clip: Encoders, encoders: Encoders
) -> None:
    root = build_docs(tmp_path / "docs")
    data = tmp_path / "data"
    with Library(data, encoders_without_clip.settings, encoders_without_clip) as lib:
        summary = lib.index(folders(root))
        assert summary.files_indexed == 4
        assert summary.image_search.startswith("off")
        assert "sagasu models" in summary.image_search
        outcome = lib.search(Query(text="thermocouple amplifier", top_k=3))
        assert outcome.results[0].path.name == "sensor.pdf"
        assert NoteCode.IMAGE_SEARCH_OFF in [n.code for n in outcome.notes]
    # Weights arrive later: encoding finishes from stored thumbnails, nothing re-extracted.
    with Library(data, encoders.settings, encoders) as lib:
        assert lib.encode_pending() == 3 + 1 + 2  # pages, embedded image, photos
        clip_space = encoders.clip().space_id  # type: ignore[union-attr]
        assert lib.catalog.vector_counts()[clip_space] == 6


def test_text_bridge_lets_an_image_query_reach_paragraphs(
    tmp_path: Path, encoders: Encoders
) -> None:
    """With CLIP on and enough paragraphs, indexing fits the MiniLM → CLIP bridge (this once
    crashed on a fresh data folder) and image queries get paragraph hits through it."""
    root = build_paragraphs_and_a_photo(tmp_path / "docs")
    with Library(tmp_path / "fresh-data", encoders.settings, encoders) as lib:
        lib.index(folders(root))
        clip_space = encoders.clip().space_id  # type: ignore[union-attr]
        bridge = lib.alignment.bridge_space(clip_space)
        assert bridge is not None
        assert lib.catalog.vector_counts()[bridge] == lib.catalog.counts()["chunk"]
        img = Image.open(root / "board.png")
        query = Query(image=img, top_k=5, signals={"semantic-bridge"})
        results = lib.search(query).results
        assert results and all(r.kind is ItemKind.CHUNK for r in results)


def test_every_progress_phase_is_sent_by_some_front_door_call(
    tmp_path: Path, encoders_without_clip: Encoders, encoders: Encoders
) -> None:
    """Index (with OCR), encode after weights arrive, evaluate, remove a folder: together
    they send every phase a client must render (engine.messages.Phase)."""
    from engine.evaluation.run import run_eval
    from engine.messages import Phase
    from engine.types import Progress

    seen: set[Phase] = set()

    def record(p: Progress) -> None:
        assert isinstance(p.phase, Phase) and p.done >= 0 and p.total >= 0
        seen.add(p.phase)

    root = build_docs(tmp_path / "docs")
    data = tmp_path / "data"
    ocr_settings = encoders_without_clip.settings.replace(ocr_enabled=True)
    with Library(data, ocr_settings, encoders_without_clip) as lib:
        lib.index(folders(root), progress=record)
    with Library(data, encoders.settings, encoders) as lib:
        assert lib.encode_pending(progress=record) > 0
        queries = tmp_path / "queries.csv"
        queries.write_text("query,relevant_documents\nthermocouple,docs/sensor.pdf\n")
        run_eval(lib, [queries], progress=record)
        assert lib.remove_folder(root, progress=record) == 4
    assert seen == set(Phase)
