"""Crawler: patterns, hidden files, links, odd names, vanishing folders, content hashes."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from engine.config import FolderConfig
from engine.crawl import (
    content_hash,
    crawl,
    display_path,
    file_type_for,
    path_from_storable,
    storable_path,
)
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.types import Cancelled, FileEntry, FileType, Skipped
from tests.fixtures import make_pdf, make_photo, make_text_file


def run_crawl(
    *roots: FolderConfig | Path, include_hidden: bool = False
) -> tuple[list[FileEntry], list[Skipped]]:
    skipped: list[Skipped] = []
    configs = [r if isinstance(r, FolderConfig) else FolderConfig(str(r)) for r in roots]
    found = list(crawl(configs, skipped.append, lambda: False, include_hidden=include_hidden))
    return found, skipped


def rel_names(entries: list[FileEntry], root: Path) -> list[str]:
    return [e.path.relative_to(root).as_posix() for e in entries]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    make_pdf(tmp_path / "b.pdf")
    make_photo(tmp_path / "a.jpg")
    make_text_file(tmp_path / "notes.txt", "not indexed")
    make_photo(tmp_path / "sub" / "z.PNG")
    make_pdf(tmp_path / "sub" / "deeper" / "c.pdf")
    make_photo(tmp_path / "another" / "x.webp")
    return tmp_path


def test_file_type_for_uses_extension_case_insensitively() -> None:
    assert file_type_for("a/b/manual.PDF") is FileType.PDF
    for name in ["p.jpg", "p.JPEG", "p.png", "p.webp", "p.tif", "p.TIFF", "p.bmp", "p.gif"]:
        assert file_type_for(name) is FileType.IMAGE, name
    assert file_type_for("notes.txt") is None
    assert file_type_for("no_extension") is None
    assert file_type_for(Path("archive.pdf.zip")) is None


def test_crawl_finds_supported_files_in_deterministic_order(tree: Path) -> None:
    found, skipped = run_crawl(tree)
    assert skipped == []
    # files of a folder first (by name), then its subfolders (by name), depth first
    assert rel_names(found, tree) == [
        "a.jpg",
        "b.pdf",
        "another/x.webp",
        "sub/z.PNG",
        "sub/deeper/c.pdf",
    ]
    by_name = {e.path.name: e for e in found}
    assert by_name["b.pdf"].file_type is FileType.PDF
    assert by_name["z.PNG"].file_type is FileType.IMAGE
    st = (tree / "a.jpg").stat()
    assert by_name["a.jpg"].size == st.st_size
    assert by_name["a.jpg"].mtime_ns == st.st_mtime_ns
    assert all(e.path.is_absolute() for e in found)
    assert rel_names(run_crawl(tree)[0], tree) == rel_names(found, tree)


def test_include_and_exclude_patterns(tree: Path) -> None:
    only_pdf = FolderConfig(str(tree), include=["*.pdf"])
    assert rel_names(run_crawl(only_pdf)[0], tree) == ["b.pdf", "sub/deeper/c.pdf"]

    no_sub = FolderConfig(str(tree), exclude=["sub"])
    assert rel_names(run_crawl(no_sub)[0], tree) == ["a.jpg", "b.pdf", "another/x.webp"]

    nested = FolderConfig(str(tree), include=["**/*.pdf"], exclude=["sub/deeper/*"])
    assert rel_names(run_crawl(nested)[0], tree) == ["b.pdf"]

    # patterns are case-insensitive and may use Windows separators
    win = FolderConfig(str(tree), exclude=["SUB\\DEEPER", "*.JPG"])
    assert rel_names(run_crawl(win)[0], tree) == ["b.pdf", "another/x.webp", "sub/z.PNG"]


def test_hidden_files_and_folders_are_skipped_by_default(tmp_path: Path) -> None:
    make_pdf(tmp_path / "visible.pdf")
    make_pdf(tmp_path / ".hidden.pdf")
    make_photo(tmp_path / ".cache" / "thumb.png")
    found, _ = run_crawl(tmp_path)
    assert rel_names(found, tmp_path) == ["visible.pdf"]
    found, _ = run_crawl(tmp_path, include_hidden=True)
    assert rel_names(found, tmp_path) == [".hidden.pdf", "visible.pdf", ".cache/thumb.png"]


def test_missing_root_and_file_root_are_reported(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "a.pdf")
    found, skipped = run_crawl(tmp_path / "nope", pdf, tmp_path)
    assert [e.path for e in found] == [pdf]
    assert [(s.path, s.reason) for s in skipped] == [
        (tmp_path / "nope", "folder does not exist"),
        (pdf, "not a folder"),
    ]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_symlink_loop_is_walked_once(tmp_path: Path) -> None:
    make_pdf(tmp_path / "a" / "doc.pdf")
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop", target_is_directory=True)
    found, skipped = run_crawl(tmp_path)
    assert rel_names(found, tmp_path) == ["a/doc.pdf"]
    assert len(skipped) == 1
    assert skipped[0].path == tmp_path / "a" / "loop"
    assert "loop" in skipped[0].reason


needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks here")


@needs_symlinks
def test_links_leaving_the_indexed_folders_are_skipped_and_reported(tmp_path: Path) -> None:
    outside = make_pdf(tmp_path / "outside" / "ext.pdf")
    root = tmp_path / "root"
    make_pdf(root / "doc.pdf")
    os.symlink(outside.parent, root / "linked", target_is_directory=True)
    os.symlink(outside, root / "ext-link.pdf")
    os.symlink("/", root / "whole-disk", target_is_directory=True)
    found, skipped = run_crawl(root)
    assert rel_names(found, root) == ["doc.pdf"]
    assert sorted((s.path.name, s.reason) for s in skipped) == [
        ("ext-link.pdf", "link outside the indexed folders"),
        ("linked", "link outside the indexed folders"),
        ("whole-disk", "link outside the indexed folders"),
    ]


@needs_symlinks
def test_a_file_reached_directly_and_through_links_is_listed_once_by_its_real_path(
    tmp_path: Path,
) -> None:
    root = tmp_path / "root"
    make_pdf(root / "z-real" / "doc.pdf")
    os.symlink(root / "z-real", root / "a-link", target_is_directory=True)  # walked first by name
    os.symlink(root / "z-real" / "doc.pdf", root / "b-copy.pdf")
    os.link(root / "z-real" / "doc.pdf", root / "c-hard.pdf")
    found, skipped = run_crawl(root)
    assert rel_names(found, root) == ["c-hard.pdf"]  # the hard link is a real path too
    assert sorted((s.path.relative_to(root).as_posix(), s.reason) for s in skipped) == [
        ("a-link", "folder already scanned through another path (link)"),
        ("b-copy.pdf", "same file as one already indexed (a link to it)"),
        ("z-real/doc.pdf", "same file as one already indexed (a link to it)"),
    ]


@needs_symlinks
def test_a_link_within_the_folder_to_a_hidden_folder_is_followed(tmp_path: Path) -> None:
    make_pdf(tmp_path / ".archive" / "old.pdf")
    os.symlink(tmp_path / ".archive", tmp_path / "archive", target_is_directory=True)
    found, skipped = run_crawl(tmp_path)
    assert rel_names(found, tmp_path) == ["archive/old.pdf"] and skipped == []


@needs_symlinks
def test_a_link_into_another_indexed_folder_is_left_to_that_folder(tmp_path: Path) -> None:
    make_pdf(tmp_path / "real" / "doc.pdf")
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(tmp_path / "real", root / "real_link", target_is_directory=True)
    found, skipped = run_crawl(root, tmp_path / "real")
    assert [e.path for e in found] == [tmp_path / "real" / "doc.pdf"]
    assert skipped == []


@needs_symlinks
def test_link_loops_end(tmp_path: Path) -> None:
    make_pdf(tmp_path / "a" / "b" / "doc.pdf")
    os.symlink(tmp_path / "a", tmp_path / "a" / "b" / "up", target_is_directory=True)
    os.symlink(tmp_path / "ping", tmp_path / "pong", target_is_directory=True)
    os.symlink(tmp_path / "pong", tmp_path / "ping", target_is_directory=True)
    found, skipped = run_crawl(tmp_path)
    assert rel_names(found, tmp_path) == ["a/b/doc.pdf"]
    assert {s.path.name for s in skipped} == {"up", "ping", "pong"}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_dangling_symlink_is_skipped_with_reason(tmp_path: Path) -> None:
    make_pdf(tmp_path / "ok.pdf")
    os.symlink(tmp_path / "gone.pdf", tmp_path / "link.pdf")
    os.symlink(tmp_path / "gone_folder", tmp_path / "folder_link")
    found, skipped = run_crawl(tmp_path)
    assert rel_names(found, tmp_path) == ["ok.pdf"]
    assert sorted(s.path.name for s in skipped) == ["folder_link", "link.pdf"]
    assert all("dangling symbolic link" in s.reason for s in skipped)


def test_non_utf8_file_name_is_found_and_storable(tmp_path: Path) -> None:
    raw_name = b"caf\xe9-\xff.pdf"  # Latin-1 bytes: not valid UTF-8
    raw_path = os.path.join(os.fsencode(tmp_path), raw_name)
    try:
        with open(raw_path, "wb") as f:
            f.write(b"%PDF-1.4\n")
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses non-UTF-8 names")
    found, skipped = run_crawl(tmp_path)
    assert skipped == []
    assert len(found) == 1
    path = found[0].path
    assert os.fsencode(path) == raw_path
    with pytest.raises(UnicodeEncodeError):
        str(path).encode("utf-8")  # why storable_path exists
    stored = storable_path(path)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE f (path TEXT)")
    db.execute("INSERT INTO f VALUES (?)", (stored,))
    (back,) = db.execute("SELECT path FROM f").fetchone()
    assert path_from_storable(back) == path
    assert path_from_storable(back).exists()
    assert "\ufffd" in display_path(path)
    assert content_hash(path) == content_hash(os.fsdecode(raw_path))


def test_storable_path_keeps_normal_names_readable(tmp_path: Path) -> None:
    p = tmp_path / "温度センサ仕様書.pdf"
    assert storable_path(p) == str(p)
    assert path_from_storable(storable_path(p)) == p
    assert display_path(p) == str(p)


def test_very_long_file_name(tmp_path: Path) -> None:
    name = "x" * 196 + ".pdf"  # 200 characters, near the 255-byte limit of most file systems
    make_pdf(tmp_path / name)
    found, skipped = run_crawl(tmp_path)
    assert skipped == []
    assert [e.path.name for e in found] == [name]


def test_folder_removed_mid_crawl_is_skipped_and_walk_goes_on(tmp_path: Path) -> None:
    make_pdf(tmp_path / "a" / "1.pdf")
    make_pdf(tmp_path / "b" / "2.pdf")
    make_pdf(tmp_path / "c" / "3.pdf")
    skipped: list[Skipped] = []
    walk = crawl([FolderConfig(str(tmp_path))], skipped.append, lambda: False)
    first = next(walk)
    assert first.path.name == "1.pdf"
    shutil.rmtree(tmp_path / "b")
    rest = list(walk)
    assert [e.path.name for e in rest] == ["3.pdf"]
    assert [(s.path, s.reason) for s in skipped] == [
        (tmp_path / "b", "folder disappeared during the scan")
    ]


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="needs a non-root POSIX user"
)
def test_unreadable_folder_is_skipped(tmp_path: Path) -> None:
    make_pdf(tmp_path / "locked" / "secret.pdf")
    make_pdf(tmp_path / "open" / "fine.pdf")
    (tmp_path / "locked").chmod(0)
    try:
        found, skipped = run_crawl(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert rel_names(found, tmp_path) == ["open/fine.pdf"]
    assert [(s.path, s.reason) for s in skipped] == [
        (tmp_path / "locked", "folder is not readable (permission denied)")
    ]


def test_cancel_stops_the_walk(tree: Path) -> None:
    calls = 0

    def cancel_after_first_folder() -> bool:
        nonlocal calls
        calls += 1
        return calls > 1

    walk = crawl([FolderConfig(str(tree))], lambda s: None, cancel_after_first_folder)
    assert [e.path.name for e in [next(walk), next(walk)]] == ["a.jpg", "b.pdf"]
    with pytest.raises(Cancelled):
        next(walk)


def test_content_hash_recognises_moved_files(tmp_path: Path) -> None:
    a = make_photo(tmp_path / "a.png", seed=1)
    moved = tmp_path / "elsewhere" / "renamed.png"
    moved.parent.mkdir()
    shutil.copy(a, moved)
    other = make_photo(tmp_path / "b.png", seed=2)
    assert content_hash(a) == content_hash(moved)
    assert content_hash(a) != content_hash(other)
    assert len(content_hash(a)) == 32


def test_content_hash_of_large_file_samples_start_middle_end(tmp_path: Path) -> None:
    size = 8 * 1024 * 1024
    data = bytearray(os.urandom(size))
    big = tmp_path / "big.bin"
    big.write_bytes(data)
    base = content_hash(big)
    for offset, changes_hash in [(10, True), (size // 2, True), (size - 10, True)]:
        changed = bytearray(data)
        changed[offset] ^= 0xFF
        big.write_bytes(changed)
        assert (content_hash(big) != base) is changes_hash, offset
    # a byte between the samples is not read: documented trade-off for speed
    changed = bytearray(data)
    changed[2 * 1024 * 1024] ^= 0xFF
    big.write_bytes(changed)
    assert content_hash(big) == base


@needs_symlinks
def test_index_reports_a_link_outside_in_status_and_indexes_a_linked_file_once(
    tmp_path: Path, no_models: Encoders
) -> None:
    docs, other = tmp_path / "docs", tmp_path / "other"
    make_pdf(docs / "relay.pdf", ["Relay module datasheet"])
    make_photo(other / "board.png")
    outside = make_pdf(tmp_path / "private" / "tax.pdf", ["Tax return"])
    os.symlink(outside.parent, docs / "private", target_is_directory=True)
    os.symlink(docs / "relay.pdf", docs / "relay-again.pdf")
    os.symlink(other, docs / "other-link", target_is_directory=True)  # another indexed folder
    settings = no_models.settings.with_folder(FolderConfig(str(docs)))
    with Library(
        tmp_path / "data", settings.with_folder(FolderConfig(str(other))), no_models
    ) as lib:
        summary = lib.index()
        status = lib.status()
    assert summary.files_indexed == 2  # relay.pdf and board.png, each once
    skipped = {Path(s["path"]).name: s["reason"] for s in status["skipped"]}  # type: ignore[union-attr]
    assert skipped == {
        "private": "link outside the indexed folders",
        "relay-again.pdf": "same file as one already indexed (a link to it)",
    }
