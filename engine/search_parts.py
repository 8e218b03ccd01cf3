"""Pieces of a ranking that need no catalog: semantic support capped by word coverage, and
the snippet passage of a result (engine.search re-exports both)."""

from __future__ import annotations

from dataclasses import replace

from engine.fusion import Hit

SNIPPET_CHARS = 220


def support_within_coverage(hits: list[Hit]) -> list[Hit]:
    """Semantic text similarity supports what the words found; it may not overturn it.

    An item that contains only some of the query's words ("module" of "relay module") had
    its lexical confidence held down for that, but a high MiniLM similarity (the chunk is
    about *a* module) added by noisy-OR lifted it over items containing every word. So the
    semantic-text confidence of an item the lexical signal found partly is capped at that
    share: half the words, at most half the support. Items no word matched (a paraphrase,
    another language) keep their semantic confidence whole."""
    covered: dict[int, float] = {}
    for hit in hits:
        if hit.signal == "lexical":
            covered[hit.item_id] = max(covered.get(hit.item_id, 0.0), hit.coverage)
    out = []
    for hit in hits:
        cap = covered.get(hit.item_id, 1.0)
        if hit.signal == "semantic-text" and hit.confidence > cap:
            hit = replace(hit, confidence=cap)
        out.append(hit)
    return out


def passage(text: str, terms: set[str], size: int = SNIPPET_CHARS) -> str:
    """``text`` on one line, at most ``size`` characters, starting a little before the first
    query term it contains (so the snippet shows why it matched)."""
    text = " ".join(text.split())
    lowered = text.lower()
    hits = [i for i in (lowered.find(t.lower()) for t in terms if t) if i >= 0]
    start = 0
    if hits and min(hits) > size // 3:
        start = text.rfind(" ", 0, min(hits) - size // 5) + 1
    out = ("…" if start else "") + text[start:]
    return out if len(out) <= size else out[: size - 1] + "…"
