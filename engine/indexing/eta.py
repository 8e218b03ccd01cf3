"""How long an index run has left, weighted by work, learned during the run.

A count of files is a poor measure of work: a photo costs a fraction of a second, a
200-page PDF a minute. Counting files, the estimate of a run that met its photos first said
"111 s left" at the start and still "87 s left" twenty minutes later. Here each file is
weighed by its bytes, and a second of work per byte is learned *per file type* from the files
finished so far: the time between two finished files is the cost of the one that finished (a
pipeline's throughput), which sums to the elapsed time whatever the order. A type not met yet
is priced at the rate of all the work seen so far.

Pure: no clock or pipeline inside, so the estimate is tested by feeding it a run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# A rate learned from one or two files is noise: until a type has this many finished files,
# its rate leans on the overall one.
MIN_FILES_FOR_OWN_RATE = 3


@dataclass
class _Seen:
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0


@dataclass
class WorkEstimate:
    """Remaining time of a set of files, by type and size.

    ``plan(kind, size)`` each file to do, then ``finished(kind, size, at)`` each file as it
    is done (``at``: seconds since the run's work started); ``remaining(at)`` is the estimate
    in seconds, or None before anything is known.
    """

    todo: dict[str, list[int]] = field(default_factory=dict)  # kind -> [files, bytes] left
    seen: dict[str, _Seen] = field(default_factory=dict)
    last_at: float = 0.0

    def plan(self, kind: str, size: int) -> None:
        left = self.todo.setdefault(kind, [0, 0])
        left[0] += 1
        left[1] += max(1, size)

    def plan_all(self, files: Iterable[tuple[str, int]]) -> None:
        for kind, size in files:
            self.plan(kind, size)

    def finished(self, kind: str, size: int, at: float) -> None:
        size = max(1, size)
        left = self.todo.setdefault(kind, [0, 0])
        left[0] = max(0, left[0] - 1)
        left[1] = max(0, left[1] - size)
        seen = self.seen.setdefault(kind, _Seen())
        seen.files += 1
        seen.bytes += size
        seen.seconds += max(0.0, at - self.last_at)
        self.last_at = max(self.last_at, at)

    def remaining(self, at: float | None = None) -> float | None:
        """Seconds left: bytes left of each type × that type's seconds per byte, less the
        time already spent on the file in progress (``at`` beyond the last finished file)."""
        total = _Seen()
        for s in self.seen.values():
            total.files += s.files
            total.bytes += s.bytes
            total.seconds += s.seconds
        if not total.files or total.seconds <= 0.0:
            return None
        overall = total.seconds / total.bytes
        left, files_left = 0.0, 0
        for kind, (files, size) in self.todo.items():
            if files <= 0:
                continue
            files_left += files
            left += size * self._rate(kind, overall)
        if at is None or not files_left:
            return left
        # The file in progress has had some of its time already; but a file taking longer
        # than foreseen does not make the others cheaper (never below the rest's share).
        in_progress = max(0.0, at - self.last_at)
        return max(left - in_progress, left * (files_left - 1) / files_left)

    def _rate(self, kind: str, overall: float) -> float:
        seen = self.seen.get(kind)
        if seen is None or seen.files == 0:
            return overall
        own = seen.seconds / seen.bytes
        trust = min(1.0, seen.files / MIN_FILES_FOR_OWN_RATE)
        return trust * own + (1.0 - trust) * overall
