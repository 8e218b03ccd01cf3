"""VisualSearch's caches: the search path answers from the last saved index and never builds
or trains; the indexing side rebuilds, saves atomically and swaps the new index in."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from engine.signals.visual import (
    Features,
    VisualIndex,
    VisualSearch,
    extract_features,
    load_index,
    save_index,
)
from engine.store.atomic import atomic_path, write_atomic
from engine.store.catalog import VISUAL_SPACE, Catalog
from engine.store.records import NewItem
from engine.types import FileEntry, FileType, ItemKind
from tests.test_visual import photographed, textured_image


@pytest.fixture(scope="module")
def features() -> dict[int, bytes]:
    return {n: extract_features(textured_image(n), n_features=300).to_bytes() for n in range(12)}


def add_photo(catalog: Catalog, root: Path, n: int, blob: bytes) -> None:
    """Commit photo ``n`` with its local features, as an index run does."""
    entry = FileEntry(root / f"photo{n}.png", 10, time.time_ns(), FileType.IMAGE)
    item = NewItem(ItemKind.PHOTO, None, 0, features=blob)
    catalog.replace_file(entry, str(root), f"h{n}", 0, [], [item], extractor=1)


def file_of(catalog: Catalog, item_id: int) -> str:
    rows = catalog.query(
        "SELECT f.display_path FROM items i JOIN files f ON f.id = i.file_id WHERE i.id = ?",
        (item_id,),
    )
    return Path(rows[0][0]).name


def found(search: VisualSearch, n: int) -> list[str]:
    hits = search.hits(photographed(textured_image(n)), k=3)
    return [file_of(search.catalog, h.item_id) for h in hits]


@pytest.fixture
def trained_in(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """The thread of every vocabulary training from now on."""
    threads: list[threading.Thread] = []
    train = VisualIndex.train

    def recording(self: VisualIndex, *args: object, **kwargs: object) -> None:
        threads.append(threading.current_thread())
        train(self, *args, **kwargs)

    monkeypatch.setattr(VisualIndex, "train", recording)
    return threads


def test_a_photo_query_during_an_index_run_is_answered_without_training(
    tmp_path: Path, features: dict[int, bytes], trained_in: list[threading.Thread]
) -> None:
    catalog = Catalog(tmp_path / "data")
    root = tmp_path / "photos"
    for n in range(6):
        add_photo(catalog, root, n, features[n])
    search = VisualSearch(catalog, tmp_path / "data" / "visual")
    search.refresh()  # the end of a first index run
    assert not search.is_stale() and len(trained_in) == 1
    trained_in.clear()

    committed, refresh = threading.Event(), threading.Event()

    def index_run() -> None:  # commits files one by one, then refreshes when told
        for n in range(6, 12):
            add_photo(catalog, root, n, features[n])
            time.sleep(0.1)
        committed.set()
        refresh.wait(30)
        search.refresh()

    indexer = threading.Thread(target=index_run, name="index-run")
    seqs = []
    indexer.start()
    try:
        while not committed.is_set():  # photo queries while the catalog moves on
            seqs.append(catalog.space_seq(VISUAL_SPACE))
            assert found(search, 2)[:1] == ["photo2.png"]
        assert len(set(seqs)) > 1  # the catalog did move while searching
        assert search.is_stale()
        assert "photo9.png" not in found(search, 9)  # committed, not in the saved index yet
        assert trained_in == []  # nothing was trained while searching
    finally:
        refresh.set()
        indexer.join(30)
    assert trained_in == [indexer]  # the one retrain ran on the indexing side
    assert not search.is_stale()
    assert found(search, 9)[:1] == ["photo9.png"]
    catalog.close()


def test_with_no_saved_index_search_finds_nothing_and_builds_nothing(
    tmp_path: Path, features: dict[int, bytes], trained_in: list[threading.Thread]
) -> None:
    catalog = Catalog(tmp_path / "data")
    for n in range(3):
        add_photo(catalog, tmp_path, n, features[n])
    directory = tmp_path / "data" / "visual"
    search = VisualSearch(catalog, directory)
    assert search.is_stale() and search.saved_seq() is None
    assert search.index() is None and found(search, 1) == []
    assert trained_in == [] and not directory.exists()
    catalog.close()


def test_another_process_picks_up_the_newer_saved_index_without_training(
    tmp_path: Path, features: dict[int, bytes], trained_in: list[threading.Thread]
) -> None:
    """The desktop searches in one process while its indexing child saves a newer index."""
    catalog = Catalog(tmp_path / "data")
    for n in range(4):
        add_photo(catalog, tmp_path, n, features[n])
    directory = tmp_path / "data" / "visual"
    indexer, searcher = VisualSearch(catalog, directory), VisualSearch(catalog, directory)
    indexer.refresh()
    first = searcher.index()
    assert first is not None and len(first) == 4
    assert searcher.index() is first  # loaded once, not per query
    add_photo(catalog, tmp_path, 7, features[7])
    assert searcher.is_stale() and searcher.index() is first  # stale, still answering
    indexer.refresh()
    trained = len(trained_in)
    assert found(searcher, 7)[:1] == ["photo7.png"]
    assert len(trained_in) == trained  # loaded, not trained
    catalog.close()


def test_refresh_is_a_no_op_when_the_saved_index_is_current(
    tmp_path: Path, features: dict[int, bytes], trained_in: list[threading.Thread]
) -> None:
    catalog = Catalog(tmp_path / "data")
    add_photo(catalog, tmp_path, 0, features[0])
    search = VisualSearch(catalog, tmp_path / "data" / "visual")
    search.refresh()
    search.refresh()
    assert len(trained_in) == 1
    catalog.close()


def test_concurrent_rebuilds_leave_one_complete_index_and_no_temporary_files(
    tmp_path: Path, features: dict[int, bytes]
) -> None:
    catalog = Catalog(tmp_path / "data")
    for n in range(5):
        add_photo(catalog, tmp_path, n, features[n])
    directory = tmp_path / "data" / "visual"
    search = VisualSearch(catalog, directory)
    errors: list[BaseException] = []

    def rebuild() -> None:
        try:
            search.rebuild()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=rebuild) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(p.name for p in directory.iterdir()) == [
        "visual.json",
        "visual.npz",
        "visual.stamp.json",
    ]
    assert len(load_index(directory / "visual.npz")) == 5
    catalog.close()


# --- the index files and the atomic writer ----------------------------------------------------


def _index_of(blobs: list[bytes]) -> VisualIndex:
    index = VisualIndex(vocab_size=64)
    for i, blob in enumerate(blobs):
        index.add(i, Features.from_bytes(blob))
    index.train()
    return index


def test_concurrent_writers_of_the_visual_index_never_show_half_a_save(
    tmp_path: Path, features: dict[int, bytes]
) -> None:
    """Two writers save different indexes to one path while a reader loads it: each load is
    one save in full, or refused when it caught the two files of different saves."""
    path = tmp_path / "visual.npz"
    small, large = _index_of(list(features.values())[:3]), _index_of(list(features.values()))
    save_index(small, path)
    stop = threading.Event()
    sizes: list[int] = []
    refused: list[str] = []

    def write(index: VisualIndex) -> None:
        for _ in range(15):
            save_index(index, path)

    def read() -> None:
        while not stop.is_set():
            try:
                sizes.append(len(load_index(path)))
            except ValueError as exc:
                refused.append(str(exc))

    reader = threading.Thread(target=read)
    writers = [threading.Thread(target=write, args=(i,)) for i in (small, large)]
    reader.start()
    for t in writers:
        t.start()
    for t in writers:
        t.join(60)
    stop.set()
    reader.join(60)
    assert sizes and set(sizes) <= {3, 12}
    assert all("different saves" in r for r in refused)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["visual.json", "visual.npz"]
    save_index(large, path)  # one writer at a time (the index lock) leaves a readable pair
    assert len(load_index(path)) == 12


def test_atomic_writes_are_whole_and_leave_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "state.bin"
    payloads = [bytes([n]) * 2_000_000 for n in (1, 2)]
    write_atomic(path, payloads[0])
    stop = threading.Event()
    seen: set[bytes] = set()

    def write(data: bytes) -> None:
        for _ in range(20):
            write_atomic(path, data)

    def write_via_path(data: bytes) -> None:  # as numpy or usearch would
        for _ in range(20):
            with atomic_path(path) as tmp:
                tmp.write_bytes(data)

    def read() -> None:
        while not stop.is_set():
            data = path.read_bytes()
            seen.add(data[:1] + bytes([len(set(data))]) + len(data).to_bytes(4, "little"))

    reader = threading.Thread(target=read)
    writers = [
        threading.Thread(target=write, args=(payloads[0],)),
        threading.Thread(target=write_via_path, args=(payloads[1],)),
    ]
    reader.start()
    for t in writers:
        t.start()
    for t in writers:
        t.join(60)
    stop.set()
    reader.join(60)
    whole = {p[:1] + bytes([1]) + len(p).to_bytes(4, "little") for p in payloads}
    assert seen and seen <= whole  # every read was one payload, complete
    assert [p.name for p in tmp_path.iterdir()] == ["state.bin"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "visual.npz"
    write_atomic(path, b"old")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["visual.npz"]


def test_an_empty_index_saves_and_loads(tmp_path: Path) -> None:
    path = tmp_path / "visual.npz"
    save_index(VisualIndex(), path)
    loaded = load_index(path)
    assert len(loaded) == 0 and loaded.vocab is None
    blank = Features(np.zeros((0, 2), np.float32), np.zeros((0, 128), np.uint8))
    assert loaded.shortlist(blank) == []
