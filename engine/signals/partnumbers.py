"""Part-number recognition for queries and OCR text.

Engineers search by the code printed on a chip or a label (``TB6612FNG``, ``SRD-05VDC-SL-C``).
Such codes are rare, precise tokens: an exact hit outranks anything semantic. Silkscreen text,
however, is dominated by pin labels (GND, VCC, D2) and component values (10k, 100nF) that look
code-like but carry no identity, so recognition is mostly about what to reject.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

# Every dash-like character people (and OCR) produce; unified to ASCII "-".
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH_TABLE = str.maketrans(dict.fromkeys(_DASHES, "-"))

# Candidate tokens: alphanumeric runs that may contain inner "-", ".", "/" (M3x0.5, SRD-05VDC-SL-C).
_CANDIDATE = re.compile(r"[A-Z0-9]+(?:[-./][A-Z0-9]+)*")

# Silkscreen and schematic labels: never part numbers on their own.
SILKSCREEN_NOISE = frozenset(
    """
    GND VCC VDD VSS VEE VIN VOUT VBAT VBUS VREF AVCC AGND DGND SIG SDA SCL SCK SCLK MOSI MISO
    CS SS NC TX RX TXD RXD RTS CTS DTR RST RESET EN INT IRQ BOOT CLK DIN DOUT AIN AOUT ADC DAC
    PWM SPI I2C I2S UART USB GPIO IO OUT IN PIN PINS LED KEY BTN SW ON OFF NO COM NO1 NC1 COM1
    PWR POWER BAT BATT ANT MIC SPK LINE JP CN TP DC AC OK ERR ERROR MODE SET UP DOWN ADJ
    3V3 5V0 1V8 2V5 I2C1 I2C0 MP3 MP4 H264 H265 USB2.0 USB3.0 WIFI BLE CE FCC ROHS UL PCB REV VER
    """.split()  # noqa: SIM905 (a word block is easier to maintain than a 100-item literal)
)

# Prefixes that, followed by a small index, form pin labels or reference designators (GPIO12, R15).
# Multi-letter prefixes take up to two digits (PA15, GPIO12) so codes like PC817 survive;
# single-letter reference designators run to three (R100, U101).
_PIN_PREFIX = (
    "GPIO|IO|ADC|DAC|PWM|AIN|AN|AD|PA|PB|PC|PD|PE|PF|PIN|LED|SW|KEY|BTN|CN|JP|TP|IC|VR|RV|BT|FB|RL|"
    "TR|CH|OUT|IN"
)
_PIN_LABEL = re.compile(rf"^(?:(?:{_PIN_PREFIX})\d{{1,2}}|[A-Z]\d{{1,3}})$")

_UNIT = (
    "K|M|G|R|P|N|U|µ|Ω|OHM|OHMS|V|VDC|VAC|MV|KV|A|MA|UA|NA|W|MW|KW|HZ|KHZ|MHZ|GHZ|F|NF|PF|UF|MF|"
    "MM|CM|NM|UM|KM|S|MS|US|NS|DB|DBM|DBI|BIT|BITS|B|KB|MB|GB|TB|BPS|KBPS|MBPS|C|°C|PPM|RPM|"
    "KG|G|MAH|AH|WH|LUX|LX|CH|P|X|PCS|ST|ND|RD|TH|D|H|MIN|SEC|DPI|FPS|K|KHZ|LSB|MSB|AWG|IP"
)
_VALUE_WITH_UNIT = re.compile(rf"^\d+(?:\.\d+)?(?:{_UNIT})$")
_INFIX_VALUE = re.compile(r"^\d{1,3}[VKRMUNP]\d{1,2}$")  # 3V3, 4K7, 1R5, 4N7: values written infix
_VERSION = re.compile(r"^(?:V|VER|REV|R)\d+(?:\.\d+)*[A-Z]?$")
_HEX = re.compile(r"^0X[0-9A-F]+$")
_DIMENSION = re.compile(r"^\d+(?:\.\d+)?X\d+(?:\.\d+)?(?:X\d+(?:\.\d+)?)?(?:MM|CM|M)?$")
_WORD_WITH_INDEX = re.compile(r"^(?:[A-Z]{5,}\d{1,2}|[A-Z]{3,}\d)$")  # SENSOR1, RELAY4, PAGE2

# Characters OCR swaps; mapped to one canonical form for fuzzy comparison.
_OCR_CONFUSION = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "S": "5",
                                "B": "8", "Z": "2", "G": "6"})  # fmt: skip


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII), upper case, every dash variant → "-"."""
    return unicodedata.normalize("NFKC", text).translate(_DASH_TABLE).upper()


def _compact(pn: str) -> str:
    """The code without separators, so HX-2291 and HX2291 compare equal."""
    return re.sub(r"[-./]", "", pn)


def _is_noise(token: str) -> bool:
    return bool(
        token in SILKSCREEN_NOISE
        or _PIN_LABEL.match(token)
        or _VALUE_WITH_UNIT.match(token)
        or _INFIX_VALUE.match(token)
        or _VERSION.match(token)
        or _HEX.match(token)
        or _DIMENSION.match(token)
        or _WORD_WITH_INDEX.match(token)
    )


def is_part_number(token: str) -> bool:
    """True for a normalised token that looks like a product/part code."""
    token = token.strip("-./")
    alnum = _compact(token)
    letters = sum(c.isalpha() for c in alnum)
    digits = sum(c.isdigit() for c in alnum)
    if not letters or not digits or len(alnum) < 3 or not alnum.isascii():
        return False
    if len(alnum) == 3 and letters != 2:  # MQ5 yes; 3X3, A12 no
        return False
    if _is_noise(token) or _is_noise(alnum):
        return False
    if "-" in token:
        parts = token.split("-")
        # Hyphenated words (I2C-BUS, USB-C) need enough digits to be a code (HX-2291).
        if digits < 2 or all(p in SILKSCREEN_NOISE or p.isalpha() for p in parts):
            return False
    return True


def extract_part_numbers(text: str) -> list[str]:
    """Part-number-like tokens in ``text``, normalised, unique, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in _CANDIDATE.finditer(normalize(text)):
        token = match.group().strip("-./")
        if is_part_number(token):
            seen.setdefault(token, None)
    return list(seen)


def _suffix_stem(pn: str) -> str | None:
    """TB6612FNG → TB6612, AT89C51RC → AT89C51: drop the trailing letter suffix (package,
    temperature grade, variant) after the last digit run."""
    m = re.match(r"^(.*\d)[A-Z]+$", pn)
    return m.group(1) if m else None


def part_number_variants(pn: str) -> list[str]:
    """``pn`` plus its shorter stems that catch suffix variants, most specific first.

    A7608E and A7608X share the stem A7608; SRD-05VDC-SL-C yields SRD-05VDC-SL and SRD-05VDC.
    Stems too short or too generic to identify a product (no digit, < 4 chars) are dropped.
    """
    pn = normalize(pn).strip("-./")
    variants: dict[str, None] = {pn: None}
    compact = _compact(pn)
    if compact != pn:
        variants[compact] = None
    parts = pn.split("-")
    for cut in range(len(parts) - 1, 0, -1):
        head = "-".join(parts[:cut])
        if is_part_number(head) and len(_compact(head)) >= 4:
            variants[head] = None
    stem = _suffix_stem(compact)
    if stem and len(stem) >= 4 and is_part_number(stem):
        variants[stem] = None
    return list(variants)


def _is_variant_prefix(short: str, long: str) -> bool:
    """``short`` is a stem of ``long``: long continues with a letter (TB6612 → TB6612FNG),
    never with a digit (DS323 is not a stem of DS3231)."""
    return (
        len(short) >= 4
        and long.startswith(short)
        and len(long) > len(short)
        and (long[len(short)].isalpha())
    )


def _grade(q: str, c: str) -> float:
    if q == c:
        return 1.0
    if _is_variant_prefix(q, c):
        return 0.8  # the query names the family, the candidate a specific suffix
    if _is_variant_prefix(c, q):
        return 0.7  # the candidate names only the family of the queried code
    qs, cs = _suffix_stem(q), _suffix_stem(c)
    if qs and qs == cs and len(qs) >= 4:
        return 0.6  # sibling variants: A7608E ~ A7608X
    return 0.0


def match_key(pn: str) -> str:
    """A cheap necessary condition for ``match_part_number``: codes that match at all agree on
    this key (the first four characters, OCR confusions folded), so a caller scanning many
    tokens can skip the rest without the full comparison. Every grade needs a shared stem of
    at least four characters or full equality, in raw or confusion-folded form."""
    if pn.isascii() and pn.isalnum():  # an index token: already compact (the hot path)
        return pn[:4].upper().translate(_OCR_CONFUSION)
    return _compact(normalize(pn)).translate(_OCR_CONFUSION)[:4]


def match_part_number(query_pn: str, candidate_pn: str) -> float:
    """1.0 exact; 0.8/0.7 family prefix; 0.6 sibling suffix; ×0.85 through one OCR confusion
    (O/0, I/1, S/5, B/8 ...); 0.0 otherwise."""
    q, c = _compact(normalize(query_pn)), _compact(normalize(candidate_pn))
    if not q or not c:
        return 0.0
    grade = _grade(q, c)
    if grade:
        return grade
    qc, cc = q.translate(_OCR_CONFUSION), c.translate(_OCR_CONFUSION)
    if _differs_in_at_most_one_char(q, c, qc, cc):
        return 0.85 * _grade(qc, cc)
    return 0.0


def _differs_in_at_most_one_char(q: str, c: str, qc: str, cc: str) -> bool:
    """One OCR confusion only: the canonical forms agree (within the shared prefix) and the raw
    forms differ in exactly one position there. Two swaps would make random codes collide."""
    n = min(len(q), len(c))
    if qc[:n] != cc[:n]:
        return False
    return sum(a != b for a, b in zip(q[:n], c[:n], strict=True)) == 1


_WORD = re.compile(r"[A-Z0-9]+(?:[-./][A-Z0-9]+)*|[^\W\d_A-Z]{2,}", re.UNICODE)


def salient_terms(ocr_text: str, max_terms: int = 12) -> list[str]:
    """The terms of an OCR text that are worth a lexical query, best first.

    Part numbers lead (longest first: more specific), then the words of product names printed
    on the board (:func:`name_words`), then other long non-noise tokens, rarest within the
    text first. Pin labels and values are dropped so a board full of GND/VCC/D2 does not bury
    the one code that identifies it.
    """
    tokens = [t.strip("-./") for t in _WORD.findall(normalize(ocr_text))]
    counts = Counter(t for t in tokens if t)
    first_seen = {t: i for i, t in reversed(list(enumerate(tokens)))}
    parts = [t for t in counts if is_part_number(t)]
    parts.sort(key=lambda t: (-len(_compact(t)), first_seen[t]))
    names = [t for t in dict.fromkeys(name_words(ocr_text)) if t not in parts]
    others = [t for t in counts if t not in parts and t not in names and _worth_a_term(t)]
    others.sort(key=lambda t: (counts[t], -len(t), first_seen[t]))
    return (parts + names + others)[: max(0, max_terms)]


def _worth_a_term(token: str) -> bool:
    return len(token) >= 4 and not _is_noise(token) and not token.isdigit()


_NAME_WORD = re.compile(r"^[A-Z]{3,}$")
MAX_NAME_WORDS = 4  # longer lines of plain words are sentences or pin rows, not names


def name_words(ocr_text: str) -> list[str]:
    """Words of short product names read off a board: "LED Bar", "Gas Sensor", "Mic Array".

    A line of two to four plain words, at most one of them a silkscreen label, is a name, and
    then its short words count: on their own, three-letter words and labels such as LED are
    dropped as OCR specks and pin labels, but "LED Bar" is what the board is."""
    found: list[str] = []
    for line in normalize(ocr_text).splitlines():
        words = [w for w in line.split() if any(ch.isalnum() for ch in w)]  # "Grove - Relay"
        if not 2 <= len(words) <= MAX_NAME_WORDS or not all(w.isalpha() for w in words):
            continue
        noise = sum(_is_noise(w) for w in words)
        plain = [w for w in words if _NAME_WORD.match(w)]
        if noise <= 1 and len(plain) > noise:
            found += plain
    return found
