"""What a search says about itself: a part number no file mentions is said so and the weak
results are marked related; a page result's snippet is the passage that matched; and words
found together outrank one word found with a high semantic similarity (issue #18)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.config import FolderConfig
from engine.encode.encoders import Encoders
from engine.fusion import Hit, fuse
from engine.library import Library
from engine.messages import NoteCode, ReasonCode, note, reason
from engine.search import Query, passage, support_within_coverage
from engine.types import ItemKind
from tests.fixtures import PageSpec, make_pdf

pytestmark = pytest.mark.slow  # real MiniLM

# A radio certification report, bilingual, that talks about "the module" (not a relay):
# in the real corpus it ranked first for "relay module" above every relay page and photo.
BLE_REPORT = (
    "transmitter must not be co-located or operating in conjunction with any other antenna.\n"
    "g) このモジュールは、モジュール組み込み業者が開発するアプリケーションソフトウェアによって、"
    "状況に合わせて出力電力を設定できます。\n"
    "This module can change the output power depending on the circumstances by the "
    "application software which is developed by module installer. Any end user cannot "
    "change the output power of the module."
)


@pytest.fixture(scope="module")
def library(
    tmp_path_factory: pytest.TempPathFactory, encoders_module: Encoders
) -> Iterator[Library]:
    tmp = tmp_path_factory.mktemp("related")
    root = tmp / "docs"
    make_pdf(root / "ble_report.pdf", [PageSpec(text=BLE_REPORT, fontname="japan")])
    make_pdf(
        root / "relay_board.pdf",
        [
            "Relay board wiring\nThe coil of each relay is driven by a transistor; "
            "the board has screw terminals for the load and an indicator LED per channel.",
            "Ordering\nThis relay module switches 250 VAC at 10 A with a 5 V coil.",
        ],
    )
    make_pdf(root / "tmp36.pdf", ["TMP36 low voltage temperature sensor, analog output."])
    for n, text in enumerate(
        [
            "Camera module for the Raspberry Pi with a fixed focus lens.",
            "Power supply unit with adjustable output voltage and current limit.",
            "Motor driver board for two DC motors.",
        ]
    ):
        make_pdf(root / f"other{n}.pdf", [text])
    lib = Library(tmp / "data", encoders_module.settings, encoders_module)
    lib.index([FolderConfig(str(root))])
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def encoders_module(tmp_path_factory: pytest.TempPathFactory) -> Encoders:
    from engine.config import Settings
    from engine.encode.text import load_text_encoder

    empty = tmp_path_factory.mktemp("no-clip")
    settings = Settings(models_dir=str(empty), ocr_enabled=False)
    return Encoders(settings, text=load_text_encoder(Settings()))


def test_a_part_number_no_file_mentions_is_said_and_results_are_related(library: Library) -> None:
    outcome = library.search(Query(text="LM35", top_k=5))
    assert note(NoteCode.PART_NUMBER_NOT_FOUND, part="LM35") in outcome.notes
    assert all(r.related for r in outcome.results)
    assert all(r.to_json()["related"] is True for r in outcome.results)

    found = library.search(Query(text="TMP36", top_k=5))
    assert not any(n.code is NoteCode.PART_NUMBER_NOT_FOUND for n in found.notes)
    assert found.results[0].path.name == "tmp36.pdf" and not found.results[0].related
    assert reason(ReasonCode.PART_NUMBER, part="TMP36") in found.results[0].reasons


def test_words_found_together_outrank_one_word_with_high_similarity(library: Library) -> None:
    results = library.search(Query(text="relay module", top_k=5)).results
    names = [r.path.name for r in results]
    assert names[0] == "relay_board.pdf", names
    assert names.index("ble_report.pdf") > names.index("relay_board.pdf")


def test_page_results_show_the_passage_that_matched(library: Library) -> None:
    results = library.search(Query(text="relay module", top_k=5, kinds={ItemKind.PAGE})).results
    best = results[0]  # its file name says "relay": page 1, whose page item holds no text
    assert best.kind is ItemKind.PAGE and best.path.name == "relay_board.pdf"
    assert best.snippet.startswith("Relay board wiring The coil of each relay")
    assert best.to_json()["snippet"] == best.snippet


def test_semantic_support_is_capped_by_the_share_of_words_found() -> None:
    why = reason(ReasonCode.TERMS, terms="module")
    hits = [
        Hit(1, "lexical", 0.35, why, coverage=0.5),
        Hit(1, "semantic-text", 0.95, reason(ReasonCode.TEXT_SIMILAR, similarity=0.6)),
        Hit(2, "semantic-text", 0.95, reason(ReasonCode.TEXT_SIMILAR, similarity=0.6)),
    ]
    capped = support_within_coverage(hits)
    assert [h.confidence for h in capped] == [0.35, 0.5, 0.95]


def test_passage_starts_near_the_first_matching_term() -> None:
    text = "word " * 100 + "the relay module switches mains " + "tail " * 50
    shown = passage(text, {"relay"})
    assert shown.startswith("…") and "relay module" in shown and len(shown) <= 220
    assert passage("short text", {"relay"}) == "short text"


def test_one_word_with_high_similarity_no_longer_outranks_both_words() -> None:
    # The mechanism of the "relay module" report: "module" alone (lexical coverage 1/2, at
    # its best BM25) with a near-certain MiniLM similarity, against a long page holding both
    # words once (lexical at the floor of full coverage) that MiniLM likes less.
    def hits_for(item: int, lexical: float, coverage: float, semantic: float) -> list[Hit]:
        return [
            Hit(item, "lexical", lexical, reason(ReasonCode.TERMS, terms="x"), coverage=coverage),
            Hit(item, "semantic-text", semantic, reason(ReasonCode.TEXT_SIMILAR, similarity=0.5)),
        ]

    hits = hits_for(1, 0.5**1.5, 0.5, 0.97) + hits_for(2, 0.55, 1.0, 0.05)
    assert [f.item_id for f in fuse(hits)] == [1, 2]  # what it did
    assert [f.item_id for f in fuse(support_within_coverage(hits))] == [2, 1]


def test_top_k_below_one_is_refused_by_the_engine_too() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Query(text="relay", top_k=0)
