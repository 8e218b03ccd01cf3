from __future__ import annotations

import sqlite3

import pytest

from engine.signals.expansion import expand_query
from engine.signals.japanese import katakana_to_romaji, split_katakana
from engine.signals.tokenize import fts_query, fts_tokens, query_terms


def _words(terms: list[str]) -> set[str]:
    return {w for t in terms for w in t.lower().split()}


def test_fts_tokens_split_japanese_words() -> None:
    tokens = fts_tokens("照度センサの仕様").split()
    assert "照度" in tokens
    assert "センサ" in tokens
    assert "の" not in tokens  # particles are not content


def test_fts_tokens_keep_part_numbers_whole_with_stems() -> None:
    tokens = fts_tokens("TB6612FNGモータードライバ と HX-2291").split()
    assert "tb6612fng" in tokens
    assert "tb6612" in tokens
    assert "hx2291" in tokens
    assert {"モータードライバ", "モーター", "ドライバ"} <= set(tokens)


def test_fts_tokens_normalise_latin_text() -> None:
    assert fts_tokens("Ｒｅｌａｙ Sensors") == "relay sensors sensor"


def test_long_vowel_spellings_meet() -> None:
    doc = set(fts_tokens("センサー").split())
    assert set(query_terms("センサ")) & doc
    assert set(query_terms("センサー")) & set(fts_tokens("センサ").split())


NASTY = [
    "",
    "   ",
    '"',
    '""""',
    "(",
    "a AND (b OR",
    "NOT",
    "*",
    "-x",
    "col:value",
    "^start",
    "NEAR(a b)",
    '"unterminated',
    "'; DROP TABLE t; --",
    "???!!!",
    "の",
    "the of and",
    "TB6612FNG*",
    '日本語 (テスト) OR "x"',
    "\x00\x01",
    "🙂 emoji",
]


@pytest.mark.parametrize("text", NASTY)
def test_fts_query_is_always_valid_fts5(text: str) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    conn.execute("INSERT INTO t VALUES (?)", (fts_tokens("TB6612FNG 日本語 テスト value"),))
    expr = fts_query(text)
    if expr:
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (expr,)).fetchall()


@pytest.mark.parametrize("text", ["", "  ", "の", "the of and", "???!!!", "(*)"])
def test_fts_query_empty_for_nothing_searchable(text: str) -> None:
    assert fts_query(text) == ""


def test_fts_query_finds_japanese_word_inside_sentence() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    conn.execute("INSERT INTO t VALUES (?)", (fts_tokens("本製品は照度センサを搭載しています"),))
    conn.execute("INSERT INTO t VALUES (?)", (fts_tokens("温度を測定します"),))
    hits = conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (fts_query("センサー"),)).fetchall()
    assert hits == [(1,)]


@pytest.mark.parametrize(
    ("query", "required"),
    [
        ("リレーモジュール", [{"relay"}, {"module"}]),
        ("照度センサ", [{"illuminance", "light"}, {"sensor"}]),
        ("モータードライバ", [{"motor"}, {"driver"}]),
        ("3軸電子コンパス", [{"compass"}, {"axis"}]),
        ("降圧DCDCコンバータ", [{"step-down", "buck"}, {"converter"}, {"dcdc"}]),
    ],
)
def test_expand_japanese_query_to_english(query: str, required: list[set[str]]) -> None:
    words = _words(expand_query(query).english_terms)
    for alternatives in required:
        assert words & alternatives, (alternatives, words)


def test_expand_slang_to_phrase() -> None:
    assert "raspberry pi" in expand_query("ラズパイ").english_terms


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("illuminance sensor", "照度センサ"),
        ("relay module", "リレー"),
        ("motor driver", "モーター"),
    ],
)
def test_expand_english_query_to_japanese(query: str, expected: str) -> None:
    terms = expand_query(query).japanese_terms
    assert any(expected in t for t in terms), terms


def test_english_query_keeps_original_terms_and_no_english_expansion() -> None:
    exp = expand_query("relay module")
    assert exp.original_terms == ["relay", "module"]
    assert exp.english_terms == []


def test_katakana_helpers() -> None:
    assert split_katakana("モータードライバ") == ("モーター", "ドライバ")
    assert split_katakana("センサー") == ()
    assert katakana_to_romaji("リレー") == "riree"
    assert katakana_to_romaji("シャッター") == "shattaa"
