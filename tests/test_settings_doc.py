"""docs/SETTINGS.md cannot drift from the code.

Every field of ``engine.config.Settings`` and ``FolderConfig`` is documented with its type and
its default (the repr of the actual default, ``default_factory`` called), nothing documented is
missing from the dataclasses, and every ``SAGASU_*`` environment variable named in the engine,
desktop or packaging source is in the variables table and vice versa. No models are loaded.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from engine.config import FolderConfig, Settings

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "SETTINGS.md"
SOURCE_DIRS = ("engine", "desktop", "packaging")
SOURCE_SUFFIXES = {".py", ".sh", ".spec"}
SETTING_HEADER = ["setting", "type", "default", "meaning"]
VARIABLE_HEADER = ["variable", "default", "meaning"]
REQUIRED = "required"  # the default cell of a field without a default
ENV_NAME = re.compile(r"\bSAGASU_[A-Z0-9_]*[A-Z0-9]\b")
BACKTICKED = re.compile(r"`([^`]+)`")


def _cells(line: str) -> list[str]:
    """The cells of a markdown table row; ``\\|`` inside a cell is a literal bar."""
    inner = line.strip()[1:-1].replace("\\|", "\0")
    return [c.strip().replace("\0", "|") for c in inner.split("|")]


def _tables(text: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """(heading above, header cells, body rows) of every table in ``text``."""
    tables: list[tuple[str, list[str], list[list[str]]]] = []
    heading = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("|") and i + 1 < len(lines) and set(lines[i + 1]) <= set("|-: "):
            header = [c.lower() for c in _cells(line)]
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            tables.append((heading, header, rows))
            continue
        i += 1
    return tables


def _only_code(cell: str) -> str:
    """The text of a cell that must be exactly one backticked span."""
    match = re.fullmatch(r"`([^`]+)`", cell)
    assert match, f"expected one `code` span, got {cell!r}"
    return match.group(1)


def _setting_rows(heading_mark: str) -> dict[str, list[str]]:
    text = DOC.read_text(encoding="utf-8")
    found = [
        rows
        for heading, header, rows in _tables(text)
        if header == SETTING_HEADER and heading_mark in heading
    ]
    assert len(found) == 1, f"one settings table under a heading with {heading_mark!r}"
    by_name: dict[str, list[str]] = {}
    for row in found[0]:
        assert len(row) == len(SETTING_HEADER), f"malformed row {row!r}"
        name = _only_code(row[0])
        assert name not in by_name, f"{name} documented twice"
        by_name[name] = row
    return by_name


def _type_name(field: dataclasses.Field) -> str:
    kind = field.type
    return kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))


def _default(field: dataclasses.Field) -> object:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return dataclasses.MISSING


@pytest.mark.parametrize(
    ("cls", "heading_mark"), [(Settings, "`Settings`"), (FolderConfig, "`FolderConfig`")]
)
def test_every_field_documented_with_its_type_and_default(cls: type, heading_mark: str) -> None:
    rows = _setting_rows(heading_mark)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    assert sorted(rows) == sorted(fields), (
        f"undocumented: {sorted(set(fields) - set(rows))}; "
        f"documented but not in {cls.__name__}: {sorted(set(rows) - set(fields))}"
    )
    for name, field in fields.items():
        _, typ, default_cell, meaning = rows[name]
        assert " ".join(_only_code(typ).split()) == " ".join(_type_name(field).split()), name
        assert meaning, f"{name}: no meaning given"
        default = _default(field)
        if default is dataclasses.MISSING:
            assert default_cell == REQUIRED, f"{name} has no default: write {REQUIRED!r}"
            continue
        documented = ast.literal_eval(_only_code(default_cell))
        assert repr(documented) == repr(default), (
            f"{name}: documented default {default_cell}, code has {default!r}"
        )


def _source_env_names() -> set[str]:
    names: set[str] = set()
    for top in SOURCE_DIRS:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts:
                names.update(ENV_NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names


def _documented_variables() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    found = [rows for _, header, rows in _tables(text) if header == VARIABLE_HEADER]
    assert len(found) == 1, "one environment variables table"
    names: set[str] = set()
    for row in found[0]:
        assert len(row) == len(VARIABLE_HEADER), f"malformed row {row!r}"
        spans = BACKTICKED.findall(row[0])
        assert spans, f"no `VARIABLE` in {row[0]!r}"
        names.update(spans)
    return names


def test_every_sagasu_variable_documented_and_read_by_the_code() -> None:
    in_source = _source_env_names()
    documented = _documented_variables()
    assert in_source, "no SAGASU_* variable found in the source: wrong folders?"
    ours = {n for n in documented if n.startswith("SAGASU_")}
    assert sorted(in_source - ours) == [], "SAGASU_* variables read by the code, not documented"
    assert sorted(ours - in_source) == [], "documented SAGASU_* variables the code never names"


def test_other_documented_variables_still_named_in_the_source() -> None:
    texts = [
        path.read_text(encoding="utf-8", errors="replace")
        for top in SOURCE_DIRS
        for path in (ROOT / top).rglob("*")
        if path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts
    ]
    stale = [
        name
        for name in sorted(_documented_variables())
        if not name.startswith("SAGASU_") and not any(name in text for text in texts)
    ]
    assert stale == [], "documented variables no code in engine/, desktop/, packaging/ mentions"
