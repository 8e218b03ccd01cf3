"""Incremental indexing through the Library, without any model (fast lane): unchanged trees,
extractor upgrades, moves and bad files are decided by the crawl and the catalog, not by
the encoders. (Libraries without models index text, renders and features; search is lexical.)"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from engine.config import FolderConfig
from engine.encode.encoders import Encoders
from engine.extract import EXTRACTOR_VERSION
from engine.library import Library
from engine.search import Query
from engine.types import FileType
from tests.fixtures import build_docs, make_text_file, make_zero_byte


def folders(root: Path) -> list[FolderConfig]:
    return [FolderConfig(str(root))]


def test_reindex_unchanged_tree_does_no_work(tmp_path: Path, no_models: Encoders) -> None:
    root = build_docs(tmp_path / "docs")
    with Library(tmp_path / "data", no_models.settings, no_models) as lib:
        lib.index(folders(root))
        again = lib.index(folders(root))
    assert again.files_indexed == 0 and again.files_unchanged == 4


def test_older_extractions_are_redone(tmp_path: Path, no_models: Encoders) -> None:
    # After an upgrade that changes what extraction produces (PDF 2: embedded images turned as
    # the page shows them), unchanged PDFs are extracted again once; photos are left alone.
    root = build_docs(tmp_path / "docs")
    with Library(tmp_path / "data", no_models.settings, no_models) as lib:
        lib.index(folders(root))
        with lib.catalog.transaction() as c:
            c.execute("UPDATE files SET extractor = 1")  # as a catalog from before PDF 2
        with (root / "sensor.pdf").open("ab") as f:  # and one PDF really changed meanwhile
            f.write(b"\n% edited\n")
        upgraded = lib.index(folders(root))
        states = list(lib.catalog.file_states().values())
        again = lib.index(folders(root))
    n_pdfs = len(list(root.rglob("*.pdf")))
    assert upgraded.files_indexed == n_pdfs > 1
    assert upgraded.files_upgraded == n_pdfs - 1  # the edited one is simply a changed file
    assert upgraded.files_unchanged == 4 - n_pdfs
    assert {s.extractor for s in states} == {1, EXTRACTOR_VERSION[FileType.PDF]}
    assert again.files_indexed == 0 and again.files_unchanged == 4


def test_moved_file_is_repathed_not_reencoded(tmp_path: Path, no_models: Encoders) -> None:
    root = build_docs(tmp_path / "docs")
    with Library(tmp_path / "data", no_models.settings, no_models) as lib:
        lib.index(folders(root))
        before = lib.catalog.vector_counts()
        (root / "archive").mkdir()
        shutil.move(root / "sensor.pdf", root / "archive" / "sensor-v2.pdf")
        summary = lib.index(folders(root))
        assert summary.files_moved == 1 and summary.files_indexed == 0
        assert lib.catalog.vector_counts() == before
        hit = lib.search(Query(text="thermocouple amplifier", top_k=1)).results[0]
        assert hit.path == (root / "archive" / "sensor-v2.pdf").resolve()


def test_bad_files_are_skipped_with_reasons(tmp_path: Path, no_models: Encoders) -> None:
    root = build_docs(tmp_path / "docs")
    make_zero_byte(root / "empty.pdf")
    make_text_file(root / "notes.jpg")
    with Library(tmp_path / "data", no_models.settings, no_models) as lib:
        summary = lib.index(folders(root))
        assert summary.files_indexed == 4
        reasons = dict(lib.catalog.skipped())
        assert set(map(os.path.basename, reasons)) == {"empty.pdf", "notes.jpg"}
        assert all(r.strip() for r in reasons.values())
        assert lib.status()["counts"]["skipped"] == 2


def test_a_text_chunk_is_shown_by_the_thumbnail_of_its_page(
    tmp_path: Path, no_models: Encoders
) -> None:
    root = build_docs(tmp_path / "docs")
    with Library(tmp_path / "data", no_models.settings, no_models) as lib:
        lib.index(folders(root))
        ((chunk, file_id, page),) = lib.catalog.query(
            "SELECT id, file_id, page FROM items WHERE kind = 'chunk' LIMIT 1"
        )
        page_item = lib.catalog.page_item(file_id, page)
        assert page_item is not None
        assert lib.thumbnail(chunk) == lib.catalog.thumbnail(page_item) is not None
        photo = lib.catalog.query("SELECT id FROM items WHERE kind = 'photo' LIMIT 1")[0][0]
        assert lib.thumbnail(photo) == lib.catalog.thumbnail(photo) is not None
        assert lib.thumbnail(10_000_000) is None
