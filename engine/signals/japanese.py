"""Japanese text handling: morphological segmentation and translation of terms.

Japanese is written without spaces, so a lexical index needs a morphological analyser
(Janome: pure Python, dictionary in the wheel) to find word boundaries. Engineers also search
English datasheets with Japanese words and vice versa, so terms are translated through the
offline JMdict dictionary (``jamdict-data``) plus a curated electronics glossary, which wins
where JMdict's general-language senses are wrong for the domain (ドライバ is a *driver IC*,
not a car driver). engine.signals.expansion expands whole queries with these translations.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from janome.tokenizer import Tokenizer

log = logging.getLogger(__name__)

JAPANESE_CHARS = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3006\u30fc"
JAPANESE_RUN = re.compile(f"[{JAPANESE_CHARS}]+")
_KATAKANA_WORD = re.compile(r"^[\u30a1-\u30fa\u30fc]+$")
_HAS_JAPANESE = re.compile(f"[{JAPANESE_CHARS}]")

# Parts of speech that carry meaning; particles, auxiliaries and symbols are dropped.
_CONTENT_POS = ("名詞", "動詞", "形容詞", "副詞", "連体詞")
_NON_CONTENT_SUB = ("非自立", "代名詞", "接尾", "数")  # こと, これ, 〜的, 三

_MAX_SENSES = 3  # English glosses kept per Japanese term: more adds noise, not recall


@dataclass(frozen=True)
class JaToken:
    surface: str
    base_form: str
    is_content: bool


# --- Curated electronics glossary --------------------------------------------------------------
# JMdict is a general dictionary; these domain senses come first. Lookups ignore ー so that
# モータ/モーター and センサ/センサー (JIS vs everyday spelling) find the same entry.
JA_TO_EN: dict[str, tuple[str, ...]] = {
    "センサ": ("sensor",),
    "照度": ("illuminance", "light"),
    "照度センサ": ("illuminance sensor", "light sensor", "ambient light sensor"),
    "光センサ": ("light sensor",),
    "温度": ("temperature",),
    "湿度": ("humidity",),
    "気圧": ("barometric pressure", "pressure"),
    "加速度": ("acceleration", "accelerometer"),
    "ジャイロ": ("gyro", "gyroscope"),
    "地磁気": ("geomagnetic", "magnetometer"),
    "電子コンパス": ("electronic compass", "compass", "magnetometer"),
    "コンパス": ("compass",),
    "軸": ("axis",),
    "リレー": ("relay",),
    "モジュール": ("module",),
    "モーター": ("motor",),
    "ドライバ": ("driver",),
    "モータードライバ": ("motor driver",),
    "降圧": ("step-down", "buck"),
    "昇圧": ("step-up", "boost"),
    "コンバータ": ("converter",),
    "電源": ("power supply", "power"),
    "電圧": ("voltage",),
    "電流": ("current",),
    "抵抗": ("resistor", "resistance"),
    "コンデンサ": ("capacitor",),
    "基板": ("board", "pcb"),
    "回路": ("circuit",),
    "回路図": ("schematic", "circuit diagram"),
    "端子": ("terminal", "pin"),
    "ピン": ("pin",),
    "ピン配置": ("pinout", "pin assignment"),
    "仕様": ("specification", "specifications"),
    "仕様書": ("specification", "datasheet"),
    "データシート": ("datasheet",),
    "取扱説明書": ("manual", "instructions"),
    "説明書": ("manual",),
    "マニュアル": ("manual",),
    "寸法": ("dimensions",),
    "外形": ("outline", "dimensions"),
    "図面": ("drawing",),
    "距離": ("distance",),
    "超音波": ("ultrasonic",),
    "測距": ("ranging", "distance"),
    "マイク": ("microphone", "mic"),
    "スピーカー": ("speaker",),
    "液晶": ("lcd",),
    "表示": ("display",),
    "ディスプレイ": ("display",),
    "カメラ": ("camera",),
    "無線": ("wireless", "radio"),
    "通信": ("communication",),
    "シリアル": ("serial",),
    "拡張": ("expansion",),
    "拡張ボード": ("expansion board", "shield"),
    "ボード": ("board",),
    "シールド": ("shield",),
    "ラズパイ": ("raspberry pi",),
    "ラズベリーパイ": ("raspberry pi",),
    "マイコン": ("microcontroller", "mcu"),
    "電池": ("battery",),
    "バッテリー": ("battery",),
    "充電": ("charging", "charger"),
    "発光ダイオード": ("led",),
    "赤外線": ("infrared",),
    "人感センサ": ("motion sensor", "pir"),
    "ガス": ("gas",),
    "ブザー": ("buzzer",),
    "スイッチ": ("switch",),
    "ボタン": ("button",),
    "可変抵抗": ("potentiometer",),
    "出力": ("output",),
    "入力": ("input",),
    "消費電力": ("power consumption",),
    "熱電対": ("thermocouple",),
    "アンプ": ("amplifier",),
    "増幅器": ("amplifier",),
    "時計": ("clock",),
    "変換器": ("converter",),
    "接続": ("connection",),
    "配線": ("wiring",),
    "エンコーダ": ("encoder",),
    "サーボ": ("servo",),
    "ステッピングモーター": ("stepper motor",),
    "制御": ("control",),
    "コントローラ": ("controller",),
    "評価ボード": ("evaluation board",),
    "アンテナ": ("antenna",),
    "電子": ("electronic",),
    "角度": ("angle",),
    "回転": ("rotation",),
    "振動": ("vibration",),
    "圧力": ("pressure",),
    "音声": ("audio", "voice"),
    "光": ("light",),
    "温湿度": ("temperature", "humidity"),
    "温度センサ": ("temperature sensor",),
}

EN_TO_JA: dict[str, tuple[str, ...]] = {}
for _ja, _ens in JA_TO_EN.items():
    for _en in _ens:
        EN_TO_JA[_en] = (*EN_TO_JA.get(_en, ()), _ja)
_JA_CANON = {k.replace("ー", ""): v for k, v in JA_TO_EN.items()}  # keys without ー
EN_TO_JA.update({"dcdc": ("DCDC",), "dc-dc": ("DCDC",), "light sensor": ("照度センサ", "光センサ")})


def has_japanese(text: str) -> bool:
    return bool(_HAS_JAPANESE.search(text))


# --- Janome: lazy, thread-safe singleton --------------------------------------------------------

_janome_lock = threading.Lock()
_janome: Tokenizer | None = None


def _tokenizer() -> Tokenizer:
    """Loading Janome's dictionary takes ~0.2 s and a lot of memory: do it once, on first use."""
    global _janome
    with _janome_lock:
        if _janome is None:
            from janome.tokenizer import Tokenizer

            _janome = Tokenizer()
        return _janome


def segment(text: str) -> list[JaToken]:
    """Morphological tokens of a Japanese run, with a content-word flag."""
    tokenizer = _tokenizer()
    with _janome_lock:  # Janome's lattice is per call, but its caches are not documented as safe
        raw = list(tokenizer.tokenize(text))
    tokens = []
    for tok in raw:
        if isinstance(tok, str):  # only in Janome's wakati mode, which is not used
            continue
        pos = tok.part_of_speech.split(",")
        content = pos[0] in _CONTENT_POS and pos[1] not in _NON_CONTENT_SUB
        base = tok.base_form if tok.base_form != "*" else tok.surface
        tokens.append(JaToken(tok.surface, base, content))
    return tokens


def long_vowel_forms(word: str) -> list[str]:
    """センサー → [センサー, センサ]: JIS engineering style drops the final ー, so both sides of
    a search emit the short form too and meet whichever spelling the other side used."""
    if _KATAKANA_WORD.match(word) and len(word) >= 3 and word.endswith("ー"):
        return [word, word[:-1]]
    return [word]


def _canon(word: str) -> str:
    return word.replace("ー", "")


def in_glossary(term: str) -> bool:
    """Whether the curated glossary knows ``term`` as one unit (with or without ー)."""
    return _canon(term) in _JA_CANON


@lru_cache(maxsize=8192)
def is_known_katakana(word: str) -> bool:
    """A katakana word in the glossary or JMdict (with or without the final ー)."""
    if in_glossary(word):
        return True
    conn = _jmdict()
    if conn is None or len(word) < 2:
        return False
    sql = "SELECT 1 FROM Kana WHERE text = ? LIMIT 1"
    return any(conn.execute(sql, (f,)).fetchone() for f in {word, word + "ー", word.rstrip("ー")})


@lru_cache(maxsize=8192)
def split_katakana(word: str) -> tuple[str, ...]:
    """モータードライバ → (モーター, ドライバ): Janome keeps unknown katakana compounds whole, so
    split them into known words (longest known head first); () when no full split exists."""
    if len(word) < 4 or not _KATAKANA_WORD.match(word):
        return ()
    # A known word splits only into longer parts: センサー is not セン + サー.
    min_part = 3 if is_known_katakana(word) else 2
    for cut in range(len(word) - min_part, min_part - 1, -1):
        head, tail = word[:cut], word[cut:]
        if tail.startswith("ー") or not is_known_katakana(head):
            continue
        if is_known_katakana(tail):
            return (head, tail)
        rest = split_katakana(tail)
        if rest and min(map(len, rest)) >= min_part:
            return (head, *rest)
    return ()


def japanese_content_terms(text: str) -> list[str]:
    """Content words of ``text`` (base forms), katakana compounds split into their words."""
    terms: dict[str, None] = {}
    for run in JAPANESE_RUN.findall(unicodedata.normalize("NFKC", text)):
        for tok in segment(run):
            if tok.is_content:
                parts = split_katakana(tok.base_form) or (tok.base_form,)
                terms.update(dict.fromkeys(parts))
    return list(terms)


def japanese_compounds(text: str) -> list[str]:
    """Multi-word units worth translating whole: katakana runs (リレーモジュール) and adjacent
    nouns the glossary knows as one term (温+湿度 → 温湿度, 照度+センサ → 照度センサ)."""
    found: dict[str, None] = {}
    for run in JAPANESE_RUN.findall(unicodedata.normalize("NFKC", text)):
        found.update(dict.fromkeys(re.findall(r"[\u30a1-\u30fa\u30fc]{4,}", run)))
        words = [t.surface for t in segment(run) if t.is_content]
        for a, b in pairwise(words):
            if in_glossary(a + b):
                found.setdefault(a + b, None)
    return list(found)


# --- JMdict: read-only SQLite, one connection per thread ------------------------------------------

_local = threading.local()
_jmdict_failed = False
_jmdict_lock = threading.Lock()


def _jmdict() -> sqlite3.Connection | None:
    """JMdict's SQLite database from ``jamdict-data``, or None (logged once) when unavailable."""
    global _jmdict_failed
    conn = getattr(_local, "conn", None)
    if conn is not None or _jmdict_failed:
        return conn
    try:
        from jamdict_data import JAMDICT_DB_PATH

        conn = sqlite3.connect(f"file:{JAMDICT_DB_PATH}?mode=ro", uri=True)
        conn.execute("SELECT 1 FROM SenseGloss LIMIT 1")
    except Exception as exc:  # missing package, unreadable or foreign file
        with _jmdict_lock:
            if not _jmdict_failed:
                log.warning("JMdict unavailable (%s); using the built-in glossary only", exc)
            _jmdict_failed = True
        return None
    _local.conn = conn
    return conn


_SENSES_SQL = """
SELECT g.sid, g.text FROM SenseGloss g
WHERE g.lang = 'eng' AND g.sid IN (
    SELECT s.id FROM Sense s WHERE s.idseq IN (
        SELECT idseq FROM Kanji WHERE text = :w UNION SELECT idseq FROM Kana WHERE text = :w))
ORDER BY g.sid
"""

_REVERSE_SQL = """
SELECT COALESCE((SELECT text FROM Kanji k WHERE k.idseq = s.idseq ORDER BY k.id LIMIT 1),
                (SELECT text FROM Kana n WHERE n.idseq = s.idseq ORDER BY n.id LIMIT 1))
FROM SenseGloss g JOIN Sense s ON s.id = g.sid
WHERE g.text = :w AND g.lang = 'eng'
ORDER BY s.id LIMIT 3
"""


def _clean_gloss(gloss: str) -> str | None:
    """'(intensity of) illumination' → 'illumination'; long explanations are not search terms."""
    text = re.sub(r"\([^)]*\)", " ", gloss).strip().lower()
    text = re.sub(r"^to ", "", re.sub(r"\s+", " ", text))
    return text if text and len(text.split()) <= 3 else None


@lru_cache(maxsize=4096)
def jmdict_english(word: str) -> tuple[str, ...]:
    """English glosses of a Japanese word from JMdict, most common senses first."""
    conn = _jmdict()
    if conn is None:
        return ()
    senses: dict[int, list[str]] = {}
    for form in long_vowel_forms(word):
        for sid, gloss in conn.execute(_SENSES_SQL, {"w": form}):
            cleaned = _clean_gloss(gloss)
            if cleaned:
                senses.setdefault(sid, []).append(cleaned)
        if senses:
            break
    out: dict[str, None] = {}
    for glosses in list(senses.values())[:2]:  # first senses are the common ones
        for g in glosses[:2]:
            out.setdefault(g, None)
    return tuple(list(out)[:_MAX_SENSES])


@lru_cache(maxsize=4096)
def jmdict_japanese(word: str) -> tuple[str, ...]:
    """Japanese headwords whose English gloss is exactly ``word`` (indexed, fast)."""
    conn = _jmdict()
    if conn is None or not word:
        return ()
    rows = conn.execute(_REVERSE_SQL, {"w": word.lower()}).fetchall()
    return tuple(dict.fromkeys(r[0] for r in rows if r[0]))


# --- Katakana → romaji (last-resort loanword hint) ----------------------------------------------

_KANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
    "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴ"
)
_ROMAJI_SYLLABLES = (
    "a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he ho "
    "ma mi mu me mo ya yu yo ra ri ru re ro wa o n ga gi gu ge go za ji zu ze zo da ji zu de "
    "do ba bi bu be bo pa pi pu pe po vu"
)
_ROMAJI = dict(zip(_KANA, _ROMAJI_SYLLABLES.split(), strict=True))
_SMALL = {"ャ": "ya", "ュ": "yu", "ョ": "yo", "ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o"}


def katakana_to_romaji(word: str) -> str:
    """Rough Hepburn romanisation, enough to match romanised product names."""
    out: list[str] = []
    double_next = False
    for ch in word:
        if ch == "ッ":
            double_next = True
            continue
        if ch == "ー":
            out.append(out[-1][-1] if out else "")
            continue
        if ch in _SMALL and out:
            prev = out.pop()
            stem = prev[:-1] if prev[-1] in "aiueo" else prev
            syl = stem + (_SMALL[ch][1:] if stem.endswith(("sh", "ch", "j")) else _SMALL[ch])
        else:
            syl = _ROMAJI.get(ch, "")
        if double_next and syl:
            syl = syl[0] + syl
            double_next = False
        out.append(syl)
    return "".join(out)


# --- Query expansion --------------------------------------------------------------------------


def translate_term(term: str, allow_romaji: bool = True) -> list[str]:
    """English equivalents of one Japanese term: glossary, then JMdict, then romaji.

    Single kanji are too ambiguous for JMdict (温 → "idiot"), so they need the glossary."""
    if in_glossary(term):
        return list(_JA_CANON[_canon(term)])
    if len(term) > 1 or _KATAKANA_WORD.match(term):
        found = list(jmdict_english(term))
        if found:
            return found
    if allow_romaji and _KATAKANA_WORD.match(term):
        return [katakana_to_romaji(term)]
    return []


def english_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9\-]*", unicodedata.normalize("NFKC", text).lower())


def japanese_for_english(text: str) -> list[str]:
    """Japanese equivalents of an English query: glossary phrases longest first, then JMdict."""
    words = english_words(text)
    out: dict[str, None] = {}
    used = [False] * len(words)
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            phrase = " ".join(words[i : i + n])
            if not any(used[i : i + n]) and phrase in EN_TO_JA:
                out.update(dict.fromkeys(EN_TO_JA[phrase]))
                used[i : i + n] = [True] * n
    for word, was_used in zip(words, used, strict=True):
        if not was_used and len(word) >= 3 and word not in _EN_STOP:
            out.update(dict.fromkeys(jmdict_japanese(word)[:2]))
    return list(out)


_EN_STOP_WORDS = (
    "the and for with from that this into onto over under what which how are was were has have "
    "not but can all any one its use using used"
)
_EN_STOP = frozenset(_EN_STOP_WORDS.split())
