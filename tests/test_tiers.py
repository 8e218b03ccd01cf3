"""The tiered index: what each tier commits, search after the lexical tier alone, the
tier_done events, files that change or fail between tiers, and the status per tier."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
from pathlib import Path

import pytest

from engine.cli.progress import TerminalProgress, progress_line
from engine.config import FolderConfig
from engine.encode.encoders import Encoders
from engine.library import Library
from engine.messages import Phase, Tier
from engine.protocol import decode, encode
from engine.store.catalog import Catalog
from engine.store.schema import MIGRATIONS
from engine.types import Progress, TierDone
from tests.fixtures import make_pdf, make_photo, make_truncated
from tests.tier_snapshot import index_whole, make_tier_corpus, snapshot

ALL_TIERS = [Tier.LEXICAL, Tier.TEXT_VECTORS, Tier.VISUAL, Tier.OCR]


def _index_until(lib: Library, root: Path, last: Tier) -> list[TierDone]:
    """An index run cancelled right after ``last`` is complete."""
    events: list[TierDone] = []
    lib.index(
        [FolderConfig(str(root))],
        on_tier=events.append,
        cancel=lambda: any(e.tier is last for e in events),
    )
    return events


def test_lexical_tier_alone_makes_files_searchable_by_text(
    tmp_path: Path, encoders: Encoders
) -> None:
    root = make_tier_corpus(tmp_path / "docs")
    with Library(tmp_path / "data", encoders.settings, encoders) as lib:
        events = _index_until(lib, root, Tier.LEXICAL)
        assert [e.tier for e in events] == [Tier.LEXICAL]
        assert events[0].files == 10 and events[0].pages == 12
        cat = lib.catalog
        assert {t for (t,) in cat.query("SELECT DISTINCT tier FROM files")} == {1}
        # Pages and photos are there without pictures; no vector, no feature yet.
        assert cat.query("SELECT COUNT(*) FROM items WHERE thumbnail IS NOT NULL")[0][0] == 0
        assert cat.query("SELECT COUNT(*) FROM items WHERE kind = 'image'")[0][0] == 0
        assert cat.vector_counts() == {} and cat.feature_ids() == []
        hits = lib.search_text("relay coil 21 volts", top_k=3).results
        assert hits and hits[0].path.name == "doc03.pdf"
        assert hits[0].preview_item_id is not None
        assert lib.thumbnail(hits[0].preview_item_id) is None  # a placeholder, not an error
        named = lib.search_text("bench photo 2", top_k=3).results
        assert named and named[0].path.name == "bench_photo_2.png"
        tiers = lib.status()["tiers"]
        assert tiers == {"lexical": 10, "text-vectors": 0, "visual": 0, "ocr": 0}


def test_each_tier_adds_its_part_and_resumes_where_a_run_stopped(
    tmp_path: Path, encoders: Encoders
) -> None:
    root = make_tier_corpus(tmp_path / "docs")
    with Library(tmp_path / "data", encoders.settings, encoders) as lib:
        _index_until(lib, root, Tier.LEXICAL)
        text_space = encoders.text().space_id  # type: ignore[union-attr]
        events = _index_until(lib, root, Tier.TEXT_VECTORS)
        # Nothing was new for the lexical tier; the text vectors were done for all files.
        assert [(e.tier, e.files) for e in events] == [(Tier.LEXICAL, 0), (Tier.TEXT_VECTORS, 10)]
        chunks = lib.catalog.counts()["chunk"]
        assert lib.catalog.vector_counts() == {text_space: chunks}
        assert len(lib.vectors.get(text_space)) == chunks  # type: ignore[arg-type]
        events = _index_until(lib, root, Tier.VISUAL)
        assert events[-1].tier is Tier.VISUAL and events[-1].files == 10
        cat = lib.catalog
        assert (
            cat.query("SELECT COUNT(*) FROM items WHERE kind != 'chunk' AND thumbnail IS NULL")[0][
                0
            ]
            == 0
        )
        assert cat.counts()["image"] == 6 and cat.feature_ids()
        assert lib.status()["tiers"]["visual"] == 10
    # Stopped at every tier, the index is the one an uninterrupted run makes.
    index_whole(root, tmp_path / "whole", encoders)
    with Library(tmp_path / "data", encoders.settings, encoders) as lib:
        lib.index([FolderConfig(str(root))])
    assert snapshot(tmp_path / "data") == snapshot(tmp_path / "whole")


def test_tier_done_events_in_order_and_on_the_protocol(tmp_path: Path, encoders: Encoders) -> None:
    root = make_tier_corpus(tmp_path / "docs", pdfs=2, photos=1)
    events: list[TierDone] = []
    phases: list[Phase] = []
    with Library(tmp_path / "data", encoders.settings, encoders) as lib:
        lib.index(
            [FolderConfig(str(root))], lambda p: phases.append(p.phase), on_tier=events.append
        )
    assert [e.tier for e in events] == ALL_TIERS
    assert [e.files for e in events[:3]] == [3, 3, 3] and events[0].pages == 4
    assert all(a.elapsed_s <= b.elapsed_s for a, b in itertools.pairwise(events))
    # Each tier's progress comes before the next tier's.
    order = [Phase.LEXICAL, Phase.TEXT_VECTORS, Phase.EXTRACT]
    firsts = [phases.index(p) for p in order]
    assert firsts == sorted(firsts)
    line = encode(events[0])
    assert set(json.loads(line)) == {"event", "tier", "elapsed_s", "files", "pages"}
    assert json.loads(line)["event"] == "tier_done" and json.loads(line)["tier"] == "lexical"
    assert decode(line) == TierDone(Tier.LEXICAL, round(events[0].elapsed_s, 3), 3, 4)
    assert decode('{"event": "tier_done", "tier": "someday"}') is None
    progress = Progress(Phase.EXTRACT, 1, 3, "a.pdf", 2, 5.0, pages_total=4, rate=0.5)
    assert decode(encode(progress)) == progress


def test_a_file_changed_between_tiers_is_read_again_whole(
    tmp_path: Path, encoders: Encoders
) -> None:
    root = tmp_path / "docs"
    pdf = make_pdf(root / "spec.pdf", ["old wording about valves"])

    def rewrite(event: TierDone) -> None:
        if event.tier is Tier.LEXICAL:  # between the lexical and the visual tier
            make_pdf(pdf, ["new wording about pumps", "and a second page"])
            os.utime(pdf, ns=(1, 2_000_000_000_000_000_000))

    with Library(tmp_path / "data", encoders.settings, encoders) as lib:
        lib.index([FolderConfig(str(root))], on_tier=rewrite)
        assert lib.search_text("pumps", top_k=3).results
        texts = [t for (t,) in lib.catalog.query("SELECT text FROM items WHERE kind = 'chunk'")]
        assert any("pumps" in t for t in texts) and not any("valves" in t for t in texts)
        rows = lib.catalog.query("SELECT tier, page_count, mtime_ns FROM files")
        assert rows == [(3, 2, 2_000_000_000_000_000_000)]
        assert lib.catalog.query("SELECT COUNT(*) FROM items WHERE kind = 'page'")[0][0] == 2


def test_a_file_that_fails_in_the_visual_tier_is_skipped_with_its_reason(
    tmp_path: Path, encoders: Encoders
) -> None:
    root = tmp_path / "docs"
    make_pdf(root / "fine.pdf", ["fine text"])
    # A PNG header over half a file: its name is searchable at once, its pixels fail later.
    good = make_photo(tmp_path / "whole.png", size=(400, 300), seed=3)
    make_truncated(good, root / "broken_photo.png", keep=0.3)
    with Library(tmp_path / "data", encoders.settings, encoders) as lib:
        events = _index_until(lib, root, Tier.LEXICAL)
        assert events[0].files == 2
        assert lib.search_text("broken photo", top_k=3).results
        summary = lib.index([FolderConfig(str(root))])
        assert [Path(p).name for p, _ in summary.skipped] == ["broken_photo.png"]
        assert lib.catalog.counts()["files"] == 1
        assert "photo" not in lib.catalog.counts()
        assert [Path(p).name for p, _ in lib.catalog.skipped()] == ["broken_photo.png"]


def test_files_indexed_before_tiers_count_as_complete(tmp_path: Path) -> None:
    db = tmp_path / "catalog.sqlite3"
    conn = sqlite3.connect(db)
    for version, step in enumerate(MIGRATIONS[:3], 1):
        conn.executescript(f"{step}\nPRAGMA user_version = {version};")
    conn.execute(
        "INSERT INTO files (path, display_path, root, file_type, size, mtime_ns, indexed_at)"
        " VALUES (x'2f612e706466', '/a.pdf', '/', 'pdf', 1, 1, 0)"
    )
    conn.commit()
    conn.close()
    catalog = Catalog(tmp_path)
    try:
        assert catalog.query("SELECT tier FROM files") == [(Tier.VISUAL.level,)]
        assert catalog.tier_counts()["visual"] == 1
    finally:
        catalog.close()


@pytest.mark.parametrize("tier", list(Tier))
def test_tier_levels_follow_the_run_order(tier: Tier) -> None:
    assert tier.level == ALL_TIERS.index(tier) + 1


def test_the_cli_shows_a_bar_per_tier_and_a_line_when_one_is_done(
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = progress_line(Progress(Phase.LEXICAL, 5, 20, "a.pdf", 40, 12.0, 152, 9.5))
    assert line.startswith("text layers and names █████░")
    assert "5/20 files, 40/152 pages, 9.5 pages/s, 12 s left" in line
    bar = TerminalProgress()  # output captured: not a terminal, so no bar
    bar(Progress(Phase.EXTRACT, 1, 2))
    bar.tier_done(TierDone(Tier.LEXICAL, 1.25, 20, 152))
    out, err = capsys.readouterr()
    assert out == "" and "█" not in err
    assert err == (
        "lexical tier done in 1.2 s (20 files, 152 pages): word search works on every file now\n"
    )
