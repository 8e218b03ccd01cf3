"""The JSON a search answers with, written by one module: ``sagasu search --json`` prints
``results_json``, the team server (engine.team.api) answers ``outcome_json``, whose
``results`` are the same objects, and a client parses them back with ``results_from_json``."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from engine.messages import Note, Reason
from engine.text_safety import has_surrogates, replace_surrogates
from engine.types import ItemKind, SearchResult

if TYPE_CHECKING:
    from engine.search import SearchOutcome


def results_json(results: list[SearchResult]) -> list[object]:
    """The results as ``sagasu search --json`` prints them (names made valid UTF-8)."""
    out = _json_safe([r.to_json() for r in results])
    assert isinstance(out, list)
    return out


def outcome_json(outcome: SearchOutcome) -> dict[str, object]:
    """A whole answer: the results, the typed notes (code, params, English text), the time."""
    return {
        "results": results_json(outcome.results),
        "notes": _json_safe([n.to_json() for n in outcome.notes]),
        "seconds": round(outcome.seconds, 4),
    }


def results_from_json(data: list[dict[str, Any]]) -> list[SearchResult]:
    """Typed results back from ``results_json`` (a client of the team server)."""
    return [
        SearchResult(
            item_id=int(r["item_id"]),
            path=Path(str(r["path"])),
            kind=ItemKind(str(r["kind"])),
            page=None if r.get("page") is None else int(r["page"]),
            score=float(r["score"]),
            snippet=str(r.get("snippet", "")),
            reasons=[Reason.from_json(x) for x in r.get("reasons") or []],
            file_exists=bool(r.get("file_exists", True)),
            other_pages=[int(p) for p in r.get("other_pages") or []],
            preview_item_id=r.get("preview_item_id"),
            related=bool(r.get("related", False)),
        )
        for r in data
    ]


def notes_from_json(data: list[dict[str, Any]]) -> list[Note]:
    return [Note.from_json(n) for n in data]


def json_text(value: object) -> str:
    """``value`` as indented JSON that is valid UTF-8 whatever the file names.

    A name with bytes that are not UTF-8 (possible on Linux) is held in Python with lone
    surrogates, which cannot be written as UTF-8: strict parsers would reject the output.
    Such a string is written with U+FFFD in their place, and when it sits under a key ``K``,
    the exact bytes follow as ``K_bytes`` (standard base64), so a script can still reach
    the file: ``{"path": "caf\ufffd.pdf", "path_bytes": "Y2Fm6S5wZGY="}``."""
    return json.dumps(_json_safe(value), ensure_ascii=False, indent=2)


def _json_safe(value: object) -> object:
    if isinstance(value, PurePath):
        value = os.fspath(value)
    if isinstance(value, str):
        return replace_surrogates(value)
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            name = replace_surrogates(str(key))
            out[name] = _json_safe(item)
            raw = _raw_bytes(item)
            if raw is not None:
                out[f"{name}_bytes"] = base64.b64encode(raw).decode("ascii")
        return out
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return replace_surrogates(str(value))  # what json.dumps(default=str) would write


def _raw_bytes(value: object) -> bytes | None:
    """The file-system bytes behind a string that holds undecodable ones; None otherwise."""
    text = os.fspath(value) if isinstance(value, PurePath) else value
    if not isinstance(text, str) or not has_surrogates(text):
        return None
    try:
        return os.fsencode(text)
    except UnicodeEncodeError:  # a surrogate that no byte decoded to: not a file name
        return None
