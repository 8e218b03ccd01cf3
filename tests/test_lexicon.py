"""OCR word repair against the library vocabulary (engine.signals.lexicon)."""

from __future__ import annotations

from engine.signals.lexicon import repair_lines


class DictVocabulary:
    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def doc_count(self, term: str) -> int:
        return self.counts.get(term, 0)

    def completions(self, prefix: str, max_length: int) -> list[tuple[str, int]]:
        return [
            (t, c) for t, c in self.counts.items() if t.startswith(prefix) and len(t) <= max_length
        ]


VOCAB = DictVocabulary(
    {
        "grove": 500,
        "groves": 3,
        "ultrasonic": 20,
        "ranger": 9,
        "relay": 40,
        "data": 90,
        "sheet": 12,
        "datasheet": 30,
    }
)


def test_split_word_is_joined_when_the_join_is_a_library_word() -> None:
    assert repair_lines(["Ultr asonic Ranger"], VOCAB) == "ultrasonic Ranger"


def test_two_known_words_are_not_joined() -> None:
    assert repair_lines(["data sheet"], VOCAB) == "data sheet"


def test_clipped_word_is_completed_to_the_most_common_library_word() -> None:
    assert repair_lines(["Grov"], VOCAB) == "grove"


def test_stray_last_letter_is_dropped_rather_than_completed_further() -> None:
    vocab = DictVocabulary({"relay": 40, "relaying": 2})
    assert repair_lines(["RELAYI"], vocab) == "relay"  # RELAY1 read as RELAYI


def test_completion_adds_at_most_two_letters_and_needs_four_read() -> None:
    # "ultra" would need five more letters; "gro" is too short to guess from.
    assert repair_lines(["Ultra", "Gro"], VOCAB) == "\n"


def test_unknown_words_are_dropped_but_codes_and_japanese_pass() -> None:
    text = repair_lines(["HELISHHN HLS8L-DC3V-S-C", "リレー 10A", "GND relay"], VOCAB)
    assert text.split("\n") == ["HLS8L-DC3V-S-C", "リレー 10A", "relay"]


def test_lines_are_repaired_separately() -> None:
    # A fragment at the end of one line is not glued to the start of the next.
    assert repair_lines(["Grove Ultr", "asonic"], VOCAB) == "Grove\n"
