"""The store contract: the same catalog behaviour on SQLite (one workstation) and on
PostgreSQL + pgvector (a team library). Every test runs on both; the PostgreSQL one on a
real server from pgserver (tests/postgres.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.config import FolderConfig
from engine.errors import IndexBusy
from engine.library import Library
from engine.messages import Tier
from engine.search import Query
from engine.store.catalog import BadStoreUrl, Catalog
from engine.store.records import NewItem
from engine.types import FileEntry, FileType, ItemKind
from tests.conftest import tiny_settings_for

SPACE = "clip:test"
SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> str | None:
    """None for the data folder's SQLite file, else a fresh PostgreSQL database's URL."""
    return request.getfixturevalue("pg_url") if request.param == "postgresql" else None


@pytest.fixture
def cat(store: str | None, tmp_path: Path) -> Iterator[Catalog]:
    catalog = Catalog(tmp_path / "data", store=store)
    yield catalog
    catalog.close()


def unit(seed: int, dim: int = 8) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def entry(path: Path, size: int = 10) -> FileEntry:
    return FileEntry(path, size, time.time_ns(), FileType.PDF)


def pages(n: int, words: str = "relay board") -> list[NewItem]:
    out: list[NewItem] = []
    for p in range(1, n + 1):
        out.append(NewItem(ItemKind.PAGE, p, 0, thumbnail=b"jpeg%d" % p, vectors={SPACE: unit(p)}))
        out.append(NewItem(ItemKind.CHUNK, p, 1, text=f"{words} {p}", lexical_body=f"{words} p{p}"))
    return out


def test_a_file_is_written_read_and_replaced_whole(cat: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "docs" / "spec.pdf"
    file_id, removed, added = cat.replace_file(
        entry(path), str(path.parent), "h1", 2, ["w"], pages(2), extractor=3
    )
    assert removed == [] and len(added[SPACE]) == 2
    assert cat.file_id(path) == file_id and cat.file_by_id(file_id) is not None
    assert cat.counts() == {"files": 1, "page": 2, "chunk": 2, "skipped": 0}
    assert cat.vector_counts() == {SPACE: 2} and cat.space_dims() == {SPACE: 8}
    page2 = cat.page_item(file_id, 2)
    assert page2 is not None and cat.thumbnail(page2) == b"jpeg2"
    chunk = cat.chunks_missing(file_id, "text:x")[0][0]
    assert cat.preview_thumbnail(chunk) == b"jpeg1"  # a chunk shows its page
    assert cat.file_states()[bytes(path)].extractor == 3
    seq = cat.space_seq(SPACE)
    new_id, removed, _ = cat.replace_file(
        entry(path), str(path.parent), "h2", 1, [], pages(1), extractor=3
    )
    assert sorted(s for _, s in removed) == [SPACE, SPACE] and cat.space_seq(SPACE) > seq
    assert cat.counts() == {"files": 1, "page": 1, "chunk": 1, "skipped": 0}
    keys, vecs = cat.vectors(SPACE)
    assert len(keys) == 1 and np.allclose(vecs[0], unit(1))
    if cat.db.vector_index is not None:  # pgvector mirrors the raw vectors, in step
        ann_keys, ann_vecs = cat.db.vector_index.vectors(SPACE)
        assert list(ann_keys) == list(keys) and np.allclose(ann_vecs, vecs, atol=1e-6)
    assert cat.file_ids_under(str(path.parent)) == [new_id]
    assert cat.delete_file(new_id) and cat.counts()["files"] == 0


def test_a_failed_transaction_leaves_the_catalog_as_it_was(cat: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    cat.replace_file(entry(path), str(tmp_path), "h", 1, [], pages(1), extractor=1)
    before = (cat.counts(), cat.vector_counts(), cat.lexical_index.rank(["relay"], 10))
    with pytest.raises(RuntimeError, match="crash"), cat.transaction() as c:
        c.execute("DELETE FROM files")
        raise RuntimeError("crash mid-file")
    assert (cat.counts(), cat.vector_counts(), cat.lexical_index.rank(["relay"], 10)) == before


def test_skips_runs_and_tiers(cat: Catalog, tmp_path: Path) -> None:
    cat.record_skip(tmp_path / "bad.pdf", "damaged")
    cat.record_skip(tmp_path / "bad.pdf", "damaged again")  # replaced, not added
    assert cat.skipped() == [(str(tmp_path / "bad.pdf"), "damaged again")]
    run = cat.start_run()
    cat.finish_run(run, "completed", {"files": 1, "名前": "ok"})
    last = cat.last_run()
    assert last is not None and last["status"] == "completed" and last["summary"]["名前"] == "ok"
    path = tmp_path / "t.pdf"
    file_id, _, _ = cat.replace_file(
        entry(path), str(tmp_path), "h", 1, [], pages(1), extractor=1, tier=Tier.LEXICAL
    )
    assert [f.id for f in cat.files_below(Tier.TEXT_VECTORS, [str(tmp_path)])] == [file_id]
    cat.advance_tier(Tier.TEXT_VECTORS, [file_id], "text:x", {file_id + 1: unit(9, 4)})
    cat.advance_tier(Tier.LEXICAL, [file_id])  # never lowers a tier
    assert cat.files_below(Tier.TEXT_VECTORS, [str(tmp_path)]) == []
    assert cat.tier_counts()[Tier.TEXT_VECTORS.value] == 1
    visual = [
        NewItem(ItemKind.PAGE, 1, 0, thumbnail=b"new", features=b"f", vectors={SPACE: unit(3)})
    ]
    cat.complete_visual(file_id, ["late warning"], visual)
    page = cat.page_item(file_id, 1)
    assert page is not None and cat.thumbnail(page) == b"new" and cat.features(page) == b"f"
    assert cat.tier_counts()[Tier.VISUAL.value] == 1 and cat.feature_ids() == [page]


def test_ocr_text_becomes_searchable(cat: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    cat.replace_file(
        entry(path), str(tmp_path), "h", 1, [], [NewItem(ItemKind.PAGE, 1, 0)], extractor=1
    )
    [(item_id, kind, page, found)] = cat.items_needing_ocr()
    assert (kind, page, found) == ("page", 1, path)
    cat.set_ocr(item_id, "継電器 ボード", 0.9, "継電器 ボード")
    assert cat.items_needing_ocr() == []
    assert [i for i, _ in cat.lexical_index.rank(["継電器"], 5)] == [item_id]
    assert cat.items([item_id])[item_id].ocr_text == "継電器 ボード"


def test_non_utf8_names_round_trip(cat: Catalog, tmp_path: Path) -> None:
    import os

    path = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.pdf"))
    file_id, _, _ = cat.replace_file(entry(path), str(tmp_path), "h", 0, [], [], extractor=1)
    assert cat.file_id(path) == file_id and cat.file_by_id(file_id).path == path  # type: ignore[union-attr]


def _index_and_search(lib: Library) -> tuple[object, list[list[tuple[str, int | None]]]]:
    summary = lib.index([FolderConfig(str(SAMPLES))])
    assert summary.files_indexed == summary.files_seen > 0 and not summary.skipped
    found = [
        [(str(r.path), r.page) for r in lib.search(Query(text=q, top_k=5)).results]
        for q in ("relay module", "温度センサ 仕様", "stepper driver current", "SRD-05VDC")
    ]
    found.append(_photo_search(lib))
    assert lib.index([FolderConfig(str(SAMPLES))]).files_indexed == 0  # nothing changed
    return lib.counts()["counts"], found


def _photo_search(lib: Library) -> list[tuple[str, int | None]]:
    with Image.open(SAMPLES / "photos" / "relay-board.jpg") as photo:
        results = lib.search(Query(image=photo.convert("RGB"), top_k=5)).results
    return [(str(r.path), r.page) for r in results]


def test_a_library_indexes_and_finds_the_same_on_both_stores(
    pg_url: str, tiny_clip_dir: Path, tmp_path: Path
) -> None:
    settings = tiny_settings_for(tiny_clip_dir)
    with Library(tmp_path / "local", settings) as lib:
        local = _index_and_search(lib)
    with Library(tmp_path / "team", settings, store=pg_url) as lib:
        team = _index_and_search(lib)
        calibrated = set(lib.alignment.calibrations)
    assert team == local
    assert all(results for results in local[1])
    # Another machine (its own data folder) reads the same catalog, calibration included.
    with Library(tmp_path / "another-machine", settings, store=pg_url) as lib:
        assert calibrated and set(lib.alignment.calibrations) == calibrated
        found = [
            (str(r.path), r.page) for r in lib.search(Query(text="relay module", top_k=5)).results
        ]
        photo = _photo_search(lib)  # the visual index is built here from the catalog's features
    assert found == local[1][0] and photo == local[1][-1] and photo


def test_two_index_runs_on_one_team_store_do_not_overlap(pg_url: str, tmp_path: Path) -> None:
    first, second = Catalog(tmp_path / "a", store=pg_url), Catalog(tmp_path / "b", store=pg_url)
    with first.writer_lock(), pytest.raises(IndexBusy, match="team catalog"):
        second.writer_lock().__enter__()
    with second.writer_lock():  # released with the first run
        pass
    first.close()
    second.close()


def test_the_vector_graph_is_built_while_the_run_holds_the_writer_lock(
    pg_url: str, tmp_path: Path
) -> None:
    # An index run builds the HNSW graph at its end, under its writer lock: a transaction
    # left open by the lock's connection made CREATE INDEX CONCURRENTLY wait for ever.
    cat = Catalog(tmp_path / "data", store=pg_url)
    path = tmp_path / "docs" / "spec.pdf"
    cat.replace_file(entry(path), str(path.parent), "h1", 3, [], pages(3), extractor=3)
    vectors = cat.db.vector_index
    assert vectors is not None
    vectors.exact_below = 2
    with cat.writer_lock():
        build = threading.Thread(target=cat.db.build_vector_graphs, args=([SPACE],), daemon=True)
        build.start()
        build.join(timeout=60)  # a hang fails the test instead of stopping the suite
        assert not build.is_alive(), "the HNSW build waits on the writer lock's connection"
    assert vectors.ensure_index(SPACE)  # already built: nothing waits
    cat.close()


def test_a_bad_store_url_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(BadStoreUrl, match="postgresql://"):
        Catalog(tmp_path, store="mysql://x")


def test_status_names_the_store_without_its_password(pg_url: str, tmp_path: Path) -> None:
    from engine.store.postgres.database import without_password

    assert "secret" not in without_password("postgresql://bob:secret@db.example/sagasu")
    assert "db.example" in without_password("postgresql://bob:secret@db.example/sagasu")
    with Library(tmp_path / "local") as lib:
        assert lib.status()["store"] == "sqlite"
    with Library(tmp_path / "team", store=pg_url) as lib:
        assert "dbname=sagasu_test" in str(lib.status()["store"])
