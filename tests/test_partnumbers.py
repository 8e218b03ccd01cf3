from __future__ import annotations

import pytest

from engine.signals.partnumbers import (
    extract_part_numbers,
    match_key,
    match_part_number,
    name_words,
    part_number_variants,
    salient_terms,
)

POSITIVES = [
    "MCP9600",
    "TB6612FNG",
    "HX-2291",
    "M3X0.5",
    "SRD-05VDC-SL-C",
    "A7608E",
    "A7608X",
    "ADS1115",
    "DS3231",
    "AT89C2051",
    "BH1780GLI",
    "XC9265",
    "ESP32",
    "MQ5",
    "PC817",
    "2N2222",
    "74HC595",
    "1N4148",
]

NEGATIVES = [
    "GND", "VCC", "SIG", "SDA", "SCL", "5V", "3V3", "NC", "TX", "RX", "D2", "A0", "D13",
    "GPIO12", "R15", "C3", "U101", "10k", "100nF", "12V", "4K7", "3.3V", "2.4GHz", "1000",
    "2019", "relay", "Module", "V1.0", "Rev2.1", "0x3C", "I2C", "USB-C", "Wi-Fi", "sensor1",
    "page2", "10x10mm", "1st", "16bit", "I2C-BUS", "100mA",
]  # fmt: skip


@pytest.mark.parametrize("code", POSITIVES)
def test_part_numbers_are_recognised(code: str) -> None:
    assert extract_part_numbers(f"see the {code} datasheet") == [code]


@pytest.mark.parametrize("code", NEGATIVES)
def test_labels_values_and_words_are_not_part_numbers(code: str) -> None:
    assert extract_part_numbers(f"pin {code} here") == []


def test_normalisation_full_width_lowercase_and_dashes() -> None:
    assert extract_part_numbers("ｔｂ６６１２ｆｎｇ と hx–2291 と srd\u221205vdc-sl-c") == [
        "TB6612FNG",
        "HX-2291",
        "SRD-05VDC-SL-C",
    ]


def test_japanese_context_does_not_glue_to_codes() -> None:
    assert extract_part_numbers("MCP9600を使った熱電対アンプ、ADS1115搭載") == [
        "MCP9600",
        "ADS1115",
    ]


def test_board_silkscreen_keeps_only_the_code() -> None:
    text = "GND VCC SDA SCL D2 A0 5V 3V3 10k 100nF BH1780GLI NC TX RX"
    assert extract_part_numbers(text) == ["BH1780GLI"]


@pytest.mark.parametrize(
    ("pn", "expected_stem"),
    [
        ("TB6612FNG", "TB6612"),
        ("A7608E", "A7608"),
        ("AT89C51RC", "AT89C51"),
        ("SRD-05VDC-SL-C", "SRD-05VDC"),
        ("HX-2291", "HX2291"),
    ],
)
def test_variants_contain_family_stem(pn: str, expected_stem: str) -> None:
    variants = part_number_variants(pn)
    assert variants[0] == pn
    assert expected_stem in variants


def test_variants_do_not_shrink_to_generic_stems() -> None:
    assert part_number_variants("MCP9600") == ["MCP9600"]


@pytest.mark.parametrize(
    ("query", "candidate", "low", "high"),
    [
        ("TB6612FNG", "tb6612fng", 1.0, 1.0),
        ("HX-2291", "HX2291", 1.0, 1.0),
        ("TB6612", "TB6612FNG", 0.75, 0.85),
        ("TB6612FNG", "TB6612", 0.65, 0.75),
        ("A7608E", "A7608X", 0.55, 0.65),
        ("AT89C51", "AT89C51RC", 0.75, 0.85),
        ("DS3231", "D53231", 0.8, 0.9),  # OCR read S as 5
        ("ADS1115", "ADSI115", 0.8, 0.9),  # I for 1
        ("BH1780GLI", "8H1780GLI", 0.8, 0.9),  # 8 for B
    ],
)
def test_graded_matches(query: str, candidate: str, low: float, high: float) -> None:
    assert low <= match_part_number(query, candidate) <= high
    # The pre-filter callers use to skip tokens never rejects a real match.
    assert match_key(query) == match_key(candidate)


def test_match_key_never_rejects_a_matching_code() -> None:
    """Exhaustive over a family of codes, their stems, suffixes and OCR misreads."""
    codes = ["TB6612FNG", "TB6612", "TB66", "A7608E", "A7608X", "AT89C51", "AT89C51RC", "DS3231",
             "D53231", "DS323", "ADS1115", "ADSI115", "8H1780GLI", "BH1780GLI", "HX-2291",
             "HX2291", "M3X0.5", "ESP32", "E5P32", "ESP32S3", "ESP", "A7"]  # fmt: skip
    for q in codes:
        for c in codes:
            if match_part_number(q, c) > 0.0:
                assert match_key(q) == match_key(c), (q, c)


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("DS3231", "DS3232"),
        ("DS323", "DS3231"),  # a digit continues: a different part, not a variant
        ("MCP9600", "MCP9808"),
        ("ADS1115", "A0S1I15"),  # two confusions: too loose
        ("", "DS3231"),
    ],
)
def test_non_matches_score_zero(query: str, candidate: str) -> None:
    assert match_part_number(query, candidate) == 0.0


def test_salient_terms_put_the_code_before_pin_labels() -> None:
    ocr = " ".join(["GND", "VCC", "SDA", "SCL", "D2", "A0", "5V"] * 10 + ["DS3231", "Grove"])
    terms = salient_terms(ocr, max_terms=3)
    assert terms[0] == "DS3231"
    assert "GROVE" in terms
    assert not {"GND", "VCC", "SDA", "D2"} & set(terms)


def test_salient_terms_orders_longer_codes_first_and_respects_limit() -> None:
    terms = salient_terms("ESP32 module with A7608E-H modem and SIM slot", max_terms=2)
    assert terms == ["A7608E-H", "ESP32"]
    assert salient_terms("GND VCC", max_terms=5) == []
    assert salient_terms("anything", max_terms=0) == []


def test_short_product_names_on_a_board_are_kept() -> None:
    # "LED" alone is a silkscreen label and "Bar" a three-letter speck; as one line they are
    # the product's name and what identifies the board.
    ocr = "U1.e\nLED Bar\nGND\nUCC\nA\nDI DCKI VCC GND\nGrove - Gas Sensor"
    assert name_words(ocr) == ["LED", "BAR", "GROVE", "GAS", "SENSOR"]
    terms = salient_terms(ocr)
    assert terms[:4] == ["U1.E", "LED", "BAR", "GROVE"]
    assert "GND" not in terms and "VCC" not in terms
    # pin rows, lone labels and long sentences are not names
    assert name_words("DI DCKI VCC GND\nLED\nBar\nGND VCC") == []
    assert name_words("the relay is driven by the transistor at five volts") == []
    assert salient_terms("LED\nBar") == []
