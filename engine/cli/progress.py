"""The terminal's view of a long run: one progress line per phase, a bar for the index
tiers (files and pages done, pages per second, time left), and a line when a tier is
complete. Only on a terminal: piped output gets the tier lines, never a bar."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from engine.messages import Phase, Tier

if TYPE_CHECKING:
    from engine.types import Progress, TierDone

BAR_WIDTH = 20
REFRESH_SECONDS = 0.1

PHASE_WORDS: dict[Phase, str] = {
    Phase.CRAWL: "looking for files",
    Phase.LEXICAL: "text layers and names",
    Phase.TEXT_VECTORS: "text vectors",
    Phase.EXTRACT: "pages and pictures",
    Phase.ENCODE: "encoding stored images",
    Phase.ALIGN: "calibrating scores",
    Phase.VISUAL: "updating the figure index",
    Phase.OCR: "reading text on pages and photos",
    Phase.REMOVE: "forgetting files",
    Phase.EVALUATE: "evaluating",
}

TIER_DONE_WORDS: dict[Tier, str] = {
    Tier.LEXICAL: "word search works on every file now",
    Tier.TEXT_VECTORS: "semantic text search works on every file now",
    Tier.VISUAL: "pictures, figures and image search are in",
    Tier.OCR: "text on photos and scans is read",
}

_TIER_PHASES = {Phase.LEXICAL, Phase.TEXT_VECTORS, Phase.EXTRACT}


class TerminalProgress:
    """A one-line progress display on a terminal (stderr); silent when it is piped, but
    for the line that says a tier is complete."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty() and sys.stdout.isatty()
        self.last = 0.0

    def __call__(self, p: Progress) -> None:
        import time

        if not self.live or time.monotonic() - self.last < REFRESH_SECONDS:
            return
        self.last = time.monotonic()
        sys.stderr.write("\r\x1b[K" + progress_line(p))
        sys.stderr.flush()

    def tier_done(self, event: TierDone) -> None:
        """One line that stays: the tier, what it did and what works now."""
        self.close()
        line = (
            f"{event.tier.value} tier done in {event.elapsed_s:.1f} s "
            f"({event.files} files, {event.pages} pages): {TIER_DONE_WORDS[event.tier]}"
        )
        print(line, file=sys.stderr, flush=True)

    def bytes(self, done: int, total: int) -> None:
        if self.live:
            pct = f"{100 * done / total:.0f}%" if total else ""
            sys.stderr.write(f"\r\x1b[Kdownloading {done / 1e6:.1f} MB {pct}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.live:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def progress_line(p: Progress) -> str:
    """``words: done/total name``, with a bar, pages and rate for a tier's progress."""
    words = PHASE_WORDS.get(p.phase, p.phase)
    eta = f", {p.eta_seconds:.0f} s left" if p.eta_seconds else ""
    if p.phase not in _TIER_PHASES or not p.total:
        total = f"/{p.total}" if p.total else ""
        return f"{words}: {p.done}{total} {p.item}"[:70] + eta
    filled = round(BAR_WIDTH * p.done / p.total)
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    pages = f", {p.pages}/{p.pages_total} pages" if p.pages_total else f", {p.pages} pages"
    rate = f", {p.rate:.1f} pages/s" if p.rate else ""
    return f"{words} {bar} {p.done}/{p.total} files{pages}{rate}{eta}"
